//! Where a client's quota is kept: its own [`Budget`] per endpoint, or a JS
//! quota provider (`quota: { acquire, release }`) that shares one budget among
//! many clients — an edge's isolates asking one Durable Object, say.

use super::deadline::Deadline;
use super::js_error::error_from_js;
use crate::error::{Error, ErrorKind};
use crate::quota::{Budget, Limit};
use crate::response::Operation;
use js_sys::{Function, Object, Promise, Reflect};
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};

/// A client's quota: asked before every request, told after every answer.
#[derive(Debug)]
pub struct QuotaSource(Inner);

#[derive(Debug)]
enum Inner {
    /// One budget per endpoint: cancel, get.
    Local(RefCell<[Budget; 2]>),
    /// `acquire(endpoint, { leaseMs, ticket })` → `{ permit }` or
    /// `{ waitMs, ticket }`;
    /// `release(endpoint, { permit, retryAfterMs })`.
    Provider(Object),
}

/// What a request was let go with, to hand back when it is answered.
pub(crate) struct Permit(JsValue);

/// How long past the call's deadline a provider keeps a permit that is never
/// released: time for the release itself to arrive.
const LEASE_MARGIN_MS: u64 = 5_000;

impl QuotaSource {
    /// The client's own budget per endpoint under `limits` (none: no quota).
    pub fn limits(limits: &[Limit]) -> Self {
        QuotaSource(Inner::Local(RefCell::new([
            Budget::new(limits),
            Budget::new(limits),
        ])))
    }

    /// A provider: any object with `acquire` and `release` methods; `None`
    /// for anything else.
    pub fn provider(value: &JsValue) -> Option<Self> {
        let object = value.dyn_ref::<Object>()?;
        let has = |name: &str| method(object, name).is_some();
        (has("acquire") && has("release")).then(|| QuotaSource(Inner::Provider(object.clone())))
    }

    /// Waits until the endpoint's quota lets a request go, within the
    /// deadline; the request then counts as in flight until `release`.
    pub(crate) async fn acquire(
        &self,
        operation: Operation,
        deadline: &Deadline,
    ) -> Result<Permit, Error> {
        match &self.0 {
            Inner::Local(budgets) => {
                let at = index(operation);
                let ticket = budgets.borrow_mut()[at].ticket();
                loop {
                    let wait = match budgets.borrow_mut()[at].try_send(ticket, now_ms()) {
                        Ok(()) => return Ok(Permit(JsValue::UNDEFINED)),
                        Err(wait) => wait,
                    };
                    if let Err(error) = sleep_within(wait, deadline, LOCAL_FULL).await {
                        budgets.borrow_mut()[at].give_up(ticket);
                        return Err(error);
                    }
                }
            }
            Inner::Provider(provider) => {
                let mut ticket = JsValue::UNDEFINED;
                loop {
                    let lease = deadline.remaining_ms() + LEASE_MARGIN_MS;
                    let options = Object::new();
                    set(&options, "leaseMs", &JsValue::from_f64(lease as f64));
                    set(&options, "ticket", &ticket);
                    let answer = ask(provider, operation, &options, deadline).await?;
                    let permit = get(&answer, "permit");
                    if !permit.is_undefined() {
                        return Ok(Permit(permit));
                    }
                    let wait = get(&answer, "waitMs")
                        .as_f64()
                        .filter(|ms| (0.0..=864e5).contains(ms))
                        .ok_or_else(|| provider_failed(None))?;
                    ticket = get(&answer, "ticket");
                    sleep_within((wait as u64).max(1), deadline, SHARED_FULL).await?;
                }
            }
        }
    }

    /// The request let go with `permit` has its answer (or failed) now;
    /// `retry_after_seconds` is the server's `Retry-After`, which pauses the
    /// endpoint. A provider's failure to hear it is its own to handle.
    pub(crate) async fn release(
        &self,
        operation: Operation,
        permit: Permit,
        retry_after_seconds: Option<u64>,
        deadline: &Deadline,
    ) {
        match &self.0 {
            Inner::Local(budgets) => {
                let budget = &mut budgets.borrow_mut()[index(operation)];
                let now = now_ms();
                budget.finished(now);
                if let Some(seconds) = retry_after_seconds {
                    budget.pause_until(now + seconds * 1000);
                }
            }
            Inner::Provider(provider) => {
                let report = Object::new();
                set(&report, "permit", &permit.0);
                let retry_after = retry_after_seconds
                    .map_or(JsValue::NULL, |s| JsValue::from_f64((s as f64) * 1000.0));
                set(&report, "retryAfterMs", &retry_after);
                if let Ok(done) = call(provider, "release", operation, &report) {
                    let _ = deadline.race(Promise::resolve(&done)).await;
                }
            }
        }
    }
}

const LOCAL_FULL: &str = "The client's quota budget (Defender allows 100 calls a minute and 1,500 an hour) leaves no room before the deadline; nothing was sent. Try again later or raise timeoutMs.";
const SHARED_FULL: &str = "The shared quota (Defender allows 100 calls a minute and 1,500 an hour per app) leaves no room before the deadline; nothing was sent. Try again later or raise timeoutMs.";

/// Sleeps `ms` unless that reaches past the deadline: then the call is
/// refused as rate-limited without sending.
async fn sleep_within(ms: u64, deadline: &Deadline, full: &'static str) -> Result<(), Error> {
    if ms >= deadline.remaining_ms() {
        return Err(Error::new(ErrorKind::RateLimited, full));
    }
    deadline.sleep(ms).await
}

fn index(operation: Operation) -> usize {
    match operation {
        Operation::Cancel => 0,
        Operation::Get => 1,
    }
}

fn endpoint(operation: Operation) -> &'static str {
    match operation {
        Operation::Cancel => "cancel",
        Operation::Get => "get",
    }
}

/// The provider's answer to `acquire`, awaited within the deadline.
async fn ask(
    provider: &Object,
    operation: Operation,
    options: &Object,
    deadline: &Deadline,
) -> Result<JsValue, Error> {
    let answer = call(provider, "acquire", operation, options)?;
    deadline
        .race(Promise::resolve(&answer))
        .await
        .map_err(|e| match e.kind() {
            ErrorKind::Network => provider_failed(e.js_cause().cloned()),
            _ => e,
        })
}

fn call(
    provider: &Object,
    name: &str,
    operation: Operation,
    argument: &Object,
) -> Result<JsValue, Error> {
    let function = method(provider, name).ok_or_else(|| provider_failed(None))?;
    function
        .call2(provider, &JsValue::from_str(endpoint(operation)), argument)
        .map_err(|e| provider_failed(Some(e)))
}

fn method(object: &Object, name: &str) -> Option<Function> {
    Reflect::get(object, &JsValue::from_str(name))
        .ok()?
        .dyn_into()
        .ok()
}

/// `value[key]`, undefined for a value that is not an object.
pub(super) fn get(value: &JsValue, key: &str) -> JsValue {
    if !value.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

/// A provider's own MachineActionError passes through as it is; any other
/// failure (a throw, a rejection, an answer without `permit` or `waitMs`) is
/// wrapped, keeping the JS error as `cause`.
fn provider_failed(cause: Option<JsValue>) -> Error {
    if let Some(error) = cause.as_ref().and_then(error_from_js) {
        return error;
    }
    let error = Error::new(
        ErrorKind::RateLimited,
        "The quota provider failed or answered neither { permit } nor { waitMs }, so no request was sent; its error, if any, is in `cause`.",
    );
    match cause {
        Some(cause) => error.with_cause(cause),
        None => error,
    }
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
