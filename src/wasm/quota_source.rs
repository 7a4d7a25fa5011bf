//! Where a client's quota is kept: its own [`Budget`] per endpoint, or a JS
//! quota provider (`quota: { acquire, release }`) that shares one budget among
//! many clients — an edge's isolates asking one Durable Object, say.

use super::deadline::Deadline;
#[cfg(feature = "edge")]
use super::quota_provider::QuotaProvider;
use crate::error::{Error, ErrorKind};
use crate::quota::{Budget, Limit, CLOCK_MARGIN_MS};
use crate::response::Operation;
use std::cell::RefCell;
use wasm_bindgen::JsValue;

/// A client's quota: asked before every request, told after every answer.
#[derive(Debug)]
pub struct QuotaSource(Inner);

#[derive(Debug)]
enum Inner {
    /// One budget per endpoint, in the order of [`Operation::ALL`].
    Local(Box<RefCell<[Budget; 4]>>),
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
        QuotaSource(Inner::Local(Box::new(RefCell::new(
            Operation::ALL.map(|_| Budget::new(limits)),
        ))))
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
                let at = operation.index();
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
                let budget = &mut budgets.borrow_mut()[operation.index()];
                let now = now_ms();
                budget.finished(now + CLOCK_MARGIN_MS);
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

impl QuotaSource {
    /// Waits, for as long as it takes, until the endpoint's own budget has
    /// room, so that a call started then does not spend its deadline in
    /// line; `stop` ends the wait with an `aborted` error. A provider's
    /// line is waited in by the call itself.
    pub(crate) async fn ready(
        &self,
        operation: Operation,
        stop: Option<&web_sys::AbortSignal>,
    ) -> Result<(), Error> {
        #[cfg_attr(not(feature = "edge"), allow(irrefutable_let_patterns))]
        let Inner::Local(budgets) = &self.0
        else {
            return Ok(());
        };
        loop {
            let wait = budgets.borrow_mut()[operation.index()].wait(now_ms());
            if wait == 0 {
                return Ok(());
            }
            let part = crate::input::Timeout::from_millis(wait.min(600_000) as f64)?;
            let pause = Deadline::start_part(part, part, stop)?;
            pause.sleep(wait.min(600_000)).await.or_else(|error| {
                // The pause's own end is the wait being over, not a failure.
                match error.kind() {
                    ErrorKind::Timeout => Ok(()),
                    _ => Err(error),
                }
            })?;
        }
    }

    /// True for the client's own budget, which [`QuotaSource::ready`] waits
    /// on; false for a provider, whose line the call itself waits in.
    pub(crate) fn is_local(&self) -> bool {
        matches!(self.0, Inner::Local(_))
    }

    /// The least time before `n` more requests to the endpoint can have
    /// gone under the client's own budget; `None` under a provider.
    pub(crate) fn time_to_send(&self, operation: Operation, n: usize) -> Option<u64> {
        match &self.0 {
            Inner::Local(budgets) => {
                Some(budgets.borrow_mut()[operation.index()].time_to_send(n, now_ms()))
            }
            #[cfg(feature = "edge")]
            Inner::Provider(_) => None,
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

pub(super) fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
