//! A quota kept by a JS provider (`quota: { acquire, release }`) that shares
//! one budget among many clients — an edge's isolates asking one Durable
//! Object, say. Only in the edge build: a page has one client and its own
//! budget.
//!
//! `acquire(endpoint, { leaseMs, ticket })` answers `{ permit }` or
//! `{ waitMs, ticket }`; `release(endpoint, { permit, retryAfterMs })`.

use super::deadline::Deadline;
use super::js_error::error_from_js;
use super::quota_source::{sleep_within, Permit};
use crate::error::{Error, ErrorKind};
use crate::response::Operation;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// A JS quota provider.
#[derive(Debug)]
pub(crate) struct QuotaProvider(Object);

impl QuotaProvider {
    /// Any object with `acquire` and `release` methods; `None` for anything else.
    pub(crate) fn from_js(value: &JsValue) -> Option<Self> {
        let object = value.dyn_ref::<Object>()?;
        let has = |name: &str| method(object, name).is_some();
        (has("acquire") && has("release")).then(|| QuotaProvider(object.clone()))
    }

    /// Asks until the provider lets a request go, within the deadline.
    pub(crate) async fn acquire(
        &self,
        operation: Operation,
        deadline: &Deadline,
    ) -> Result<Permit, Error> {
        let provider = &self.0;
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

    /// Tells the provider the request is over, with the server's `Retry-After`.
    pub(crate) async fn release(
        &self,
        operation: Operation,
        permit: Permit,
        retry_after_seconds: Option<u64>,
        deadline: &Deadline,
    ) {
        let provider = &self.0;
        let report = Object::new();
        set(&report, "permit", &permit.0);
        let retry_after =
            retry_after_seconds.map_or(JsValue::NULL, |s| JsValue::from_f64((s as f64) * 1000.0));
        set(&report, "retryAfterMs", &retry_after);
        if let Ok(done) = call(provider, "release", operation, &report) {
            let _ = deadline.race(Promise::resolve(&done)).await;
        }
    }
}

const SHARED_FULL: &str = "The shared quota (Defender allows 100 calls a minute and 1,500 an hour per app) leaves no room before the deadline; nothing was sent. Try again later or raise timeoutMs.";

/// How long past the call's deadline a provider keeps a permit that is never
/// released: time for the release itself to arrive.
const LEASE_MARGIN_MS: u64 = 5_000;

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
        .call2(provider, &JsValue::from_str(operation.as_str()), argument)
        .map_err(|e| provider_failed(Some(e)))
}

fn method(object: &Object, name: &str) -> Option<Function> {
    Reflect::get(object, &JsValue::from_str(name))
        .ok()?
        .dyn_into()
        .ok()
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

/// `value[key]`, undefined for a value that is not an object.
pub(super) fn get(value: &JsValue, key: &str) -> JsValue {
    if !value.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}
