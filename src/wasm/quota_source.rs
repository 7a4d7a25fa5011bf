//! Where a client's quota is kept: its own [`Budget`] per endpoint, or a JS
//! quota provider (`quota: { acquire, release }`) that shares one budget among
//! many clients — an edge's isolates asking one Durable Object, say.

use super::deadline::Deadline;
#[cfg(feature = "edge")]
use super::quota_provider::QuotaProvider;
use crate::error::{Error, ErrorKind};
use crate::quota::{Budget, Limit};
use crate::response::Operation;
use std::cell::RefCell;
use wasm_bindgen::JsValue;

/// A client's quota: asked before every request, told after every answer.
#[derive(Debug)]
pub struct QuotaSource(Inner);

#[derive(Debug)]
enum Inner {
    /// One budget per endpoint: cancel, get.
    Local(RefCell<[Budget; 2]>),
    /// A JS provider shared with other clients (see `quota_provider`).
    #[cfg(feature = "edge")]
    Provider(QuotaProvider),
}

/// What a request was let go with, to hand back when it is answered.
#[cfg_attr(not(feature = "edge"), allow(dead_code))]
pub(crate) struct Permit(pub(super) JsValue);

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
    #[cfg(feature = "edge")]
    pub fn provider(value: &JsValue) -> Option<Self> {
        QuotaProvider::from_js(value).map(|p| QuotaSource(Inner::Provider(p)))
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
            #[cfg(feature = "edge")]
            Inner::Provider(provider) => provider.acquire(operation, deadline).await,
        }
    }

    /// The request let go with `permit` has its answer (or failed) now;
    /// `retry_after_seconds` is the server's `Retry-After`, which pauses the
    /// endpoint. A provider's failure to hear it is its own to handle.
    #[cfg_attr(not(feature = "edge"), allow(unused_variables))]
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
            #[cfg(feature = "edge")]
            Inner::Provider(provider) => {
                provider
                    .release(operation, permit, retry_after_seconds, deadline)
                    .await
            }
        }
    }
}

const LOCAL_FULL: &str = "The client's quota budget (Defender allows 100 calls a minute and 1,500 an hour) leaves no room before the deadline; nothing was sent. Try again later or raise timeoutMs.";

/// Sleeps `ms` unless that reaches past the deadline: then the call is
/// refused as rate-limited without sending.
pub(super) async fn sleep_within(
    ms: u64,
    deadline: &Deadline,
    full: &'static str,
) -> Result<(), Error> {
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

pub(super) fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
