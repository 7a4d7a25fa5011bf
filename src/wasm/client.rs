//! The client: configuration and quota shared by calls, and the shell that
//! drives each call's state machine ([`crate::call`]): it performs the steps
//! — deadlines, tokens, quota, fetch, waits — and decides nothing.

use super::deadline::Deadline;
use super::fetch::send;
use super::quota_source::{Permit, QuotaSource};
use super::token::TokenSource;
use crate::call::{Answer, Call, Clock, Event, Step};
use crate::error::{Error, ErrorKind, Source};
use crate::input::{BaseUrl, Comment, MachineActionId, Timeout};
use crate::listing::{ListOf, Listed, Listing};
use crate::quota::{Limit, DEFENDER_LIMITS};
use crate::response::ActionResponse;
use crate::retry::RetryPolicy;
use crate::watch::{Next, Watch};
use std::rc::Rc;
use web_sys::AbortSignal;

/// A Defender machine-actions client for wasm callers.
///
/// Cheap to clone: clones share one configuration and one quota budget.
#[derive(Debug, Clone)]
pub struct MachineActionsClient {
    pub(super) config: Rc<Config>,
}

#[derive(Debug)]
pub(super) struct Config {
    token: TokenSource,
    pub(super) base_url: BaseUrl,
    pub(super) timeout: Timeout,
    pub(super) retry: RetryPolicy,
    /// The quota per endpoint.
    pub(super) quota: QuotaSource,
}

impl MachineActionsClient {
    /// A client with Defender's quota (100 calls a minute, 1,500 an hour,
    /// per endpoint) and 3 attempts per call.
    pub fn new(token: TokenSource, base_url: BaseUrl, timeout: Timeout) -> Self {
        MachineActionsClient::with_policy(
            token,
            base_url,
            timeout,
            RetryPolicy::default(),
            &DEFENDER_LIMITS,
        )
    }

    /// A client with its own retry policy and quota limits (none: no quota).
    pub fn with_policy(
        token: TokenSource,
        base_url: BaseUrl,
        timeout: Timeout,
        retry: RetryPolicy,
        limits: &[Limit],
    ) -> Self {
        let quota = QuotaSource::limits(limits);
        MachineActionsClient::with_quota(token, base_url, timeout, retry, quota)
    }

    /// A client whose quota is kept by `quota`: its own budget, or a provider
    /// shared with other clients.
    pub fn with_quota(
        token: TokenSource,
        base_url: BaseUrl,
        timeout: Timeout,
        retry: RetryPolicy,
        quota: QuotaSource,
    ) -> Self {
        MachineActionsClient {
            config: Rc::new(Config {
                token,
                base_url,
                timeout,
                retry,
                quota,
            }),
        }
    }

    /// Cancels a pending machine action (`POST …/cancel`) and says what
    /// really happened: `outcome` is `Cancelled` or `AlreadyCancelled`; an
    /// action that already finished is an [`ErrorKind::NotCancellable`] error.
    /// When the cancel's answer is ambiguous (a 400, a timeout, a dropped
    /// connection), the action is read back to decide.
    pub async fn cancel(
        &self,
        id: &MachineActionId,
        comment: &Comment,
        timeout: Option<Timeout>,
        signal: Option<&AbortSignal>,
    ) -> Result<ActionResponse, Error> {
        let whole = timeout.unwrap_or(self.config.timeout);
        let call = Call::cancel(
            self.config.base_url.clone(),
            id.clone(),
            comment.clone(),
            self.config.retry,
            whole.as_millis().into(),
        );
        action(self.drive(call, whole, signal, None).await)
    }

    /// Reads a machine action's current state (`GET`).
    pub async fn get(
        &self,
        id: &MachineActionId,
        timeout: Option<Timeout>,
        signal: Option<&AbortSignal>,
    ) -> Result<ActionResponse, Error> {
        let whole = timeout.unwrap_or(self.config.timeout);
        let call = Call::get(
            self.config.base_url.clone(),
            id.clone(),
            self.config.retry,
            whole.as_millis().into(),
        );
        action(self.drive(call, whole, signal, None).await)
    }

    /// Lists the machine actions, or devices, that match a query, page
    /// after page.
    pub async fn list(
        &self,
        what: ListOf<'_>,
        timeout: Option<Timeout>,
        signal: Option<&AbortSignal>,
    ) -> Result<Listed, Error> {
        let whole = timeout.unwrap_or(self.config.timeout);
        let base = self.config.base_url.clone();
        let (retry, ms) = (self.config.retry, whole.as_millis().into());
        let mut listing = Listing::new(base, what, retry, ms, now_ms());
        while let Some(call) = listing.next_call(now_ms())? {
            listing.take(self.drive(call, whole, signal, None).await)?;
        }
        Ok(listing.finish())
    }

    /// Reads the action every interval until it is final (Succeeded,
    /// Failed, TimeOut or Cancelled), calling `on_update` with each read
    /// that differs from the one before; returns the final read.
    pub async fn wait_for_final(
        &self,
        id: &MachineActionId,
        mut watch: Watch,
        signal: Option<&AbortSignal>,
        on_update: &dyn Fn(&ActionResponse),
    ) -> Result<ActionResponse, Error> {
        let call_ms = u64::from(self.config.timeout.as_millis());
        loop {
            let ms = watch.read_timeout(call_ms, now_ms());
            let part = Timeout::from_millis(ms as f64)?;
            let next = match self.get(id, Some(part), signal).await {
                Ok(read) => {
                    let (changed, next) = watch.observe(&read, now_ms())?;
                    if changed {
                        on_update(&read);
                    }
                    if next == Next::Final {
                        return Ok(read);
                    }
                    next
                }
                Err(error) if error.kind() == ErrorKind::Aborted => return Err(error),
                Err(error) => watch.read_failed(error, now_ms())?,
            };
            if let Next::ReadAfter(ms) = next {
                let pause = Timeout::from_millis(ms as f64)?;
                let deadline = Deadline::start_part(pause, pause, signal)?;
                match deadline.sleep(ms).await {
                    Err(error) if error.kind() == ErrorKind::Aborted => return Err(error),
                    _ => {}
                }
            }
        }
    }

    /// Performs the call's steps until it is done. `signal` aborts
    /// everything; `stop` only the waits, letting a request in flight finish.
    pub(super) async fn drive(
        &self,
        mut call: Call,
        whole: Timeout,
        signal: Option<&AbortSignal>,
        stop: Option<&AbortSignal>,
    ) -> Result<Answer, Error> {
        let config = &self.config;
        let mut deadline: Option<Deadline> = None;
        let mut permit: Option<Permit> = None;
        let mut event = Event::Start;
        // One draw per call spreads the retries of many calls apart, which is
        // what the jitter is for; a draw per step would cross into JS for
        // every step.
        let random = js_sys::Math::random();
        let mut now_ms = js_sys::Date::now() as u64;
        loop {
            let clock = Clock { now_ms, random };
            let step = call.step(event, clock);
            if let Step::Done(result) = step {
                return *result;
            }
            if let Step::Arm { ms } = step {
                // The previous part's timer is cleared before the next starts.
                deadline = None;
                event = match arm(ms, whole, signal).and_then(|d| d.with_stop(stop)) {
                    Ok(armed) => {
                        deadline = Some(armed);
                        Event::Armed
                    }
                    Err(error) => Event::Failed(error),
                };
                continue;
            }
            let Some(deadline) = &deadline else {
                event = Event::Failed(out_of_order());
                continue;
            };
            event =
                match step {
                    // A deadline that passes while the token source or a wait
                    // holds the call is this side's, not Defender's.
                    Step::Token => Event::Token(config.token.resolve(deadline).await.map_err(
                        |e| match e.kind() {
                            ErrorKind::Timeout => e.with_source(Source::Client),
                            _ => e,
                        },
                    )),
                    Step::Refresh => Event::Refreshed(config.token.invalidate()),
                    Step::Acquire(operation) => {
                        match config.quota.acquire(operation, deadline).await {
                            Ok(granted) => {
                                permit = Some(granted);
                                Event::Permitted
                            }
                            Err(error) => Event::Failed(error.with_source(Source::Client)),
                        }
                    }
                    Step::Send(request) => Event::Answer(send(&request, deadline).await),
                    Step::Release {
                        operation,
                        retry_after_seconds,
                    } => {
                        if let Some(permit) = permit.take() {
                            config
                                .quota
                                .release(operation, permit, retry_after_seconds, deadline)
                                .await;
                        }
                        Event::Released
                    }
                    Step::Sleep(ms) => match deadline.sleep(ms).await {
                        Ok(()) => Event::Woke,
                        Err(error) => Event::Failed(error.with_source(Source::Client)),
                    },
                    Step::Arm { .. } | Step::Done(_) => Event::Failed(out_of_order()),
                };
            // The clock is read again after each effect: time passes while
            // one is awaited, hardly between the steps in between.
            now_ms = js_sys::Date::now() as u64;
        }
    }
}

/// A deadline of `ms` for part of a call whose whole deadline is `whole`.
fn arm(ms: u64, whole: Timeout, signal: Option<&AbortSignal>) -> Result<Deadline, Error> {
    let part = Timeout::from_millis(ms.clamp(1, u64::from(whole.as_millis())) as f64)?;
    Deadline::start_part(part, whole, signal)
}

/// The action a cancel or a get brought back.
fn action(result: Result<Answer, Error>) -> Result<ActionResponse, Error> {
    result?.into_action().ok_or_else(out_of_order)
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

fn out_of_order() -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        "The call was driven out of order (a step without its deadline).",
    )
    .with_source(Source::Client)
}
