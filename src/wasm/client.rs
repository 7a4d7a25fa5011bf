//! The client: configuration and quota shared by calls, and the shell that
//! drives each call's state machine ([`crate::call`]): it performs the steps
//! — deadlines, tokens, quota, fetch, waits — and decides nothing.

use super::deadline::Deadline;
use super::fetch::send;
use super::quota_source::{Permit, QuotaSource};
use super::token::TokenSource;
use crate::call::{Call, Clock, Event, Step};
use crate::error::{Error, ErrorKind, Source};
use crate::input::{BaseUrl, Comment, MachineActionId, Timeout};
use crate::quota::{Limit, DEFENDER_LIMITS};
use crate::response::ActionResponse;
use crate::retry::RetryPolicy;
use std::rc::Rc;
use web_sys::AbortSignal;

/// A Defender machine-actions client for wasm callers.
///
/// Cheap to clone: clones share one configuration and one quota budget.
#[derive(Debug, Clone)]
pub struct MachineActionsClient {
    config: Rc<Config>,
}

#[derive(Debug)]
struct Config {
    token: TokenSource,
    base_url: BaseUrl,
    timeout: Timeout,
    retry: RetryPolicy,
    /// The quota per endpoint: cancel, get.
    quota: QuotaSource,
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
        self.drive(call, whole, signal).await
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
        self.drive(call, whole, signal).await
    }

    /// Performs the call's steps until it is done.
    async fn drive(
        &self,
        mut call: Call,
        whole: Timeout,
        signal: Option<&AbortSignal>,
    ) -> Result<ActionResponse, Error> {
        let config = &self.config;
        let mut deadline: Option<Deadline> = None;
        let mut permit: Option<Permit> = None;
        let mut event = Event::Start;
        loop {
            let clock = Clock {
                now_ms: js_sys::Date::now() as u64,
                random: js_sys::Math::random(),
            };
            let step = call.step(event, clock);
            if let Step::Done(result) = step {
                return *result;
            }
            if let Step::Arm { ms } = step {
                // The previous part's timer is cleared before the next starts.
                deadline = None;
                event = match arm(ms, whole, signal) {
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
        }
    }
}

/// A deadline of `ms` for part of a call whose whole deadline is `whole`.
fn arm(ms: u64, whole: Timeout, signal: Option<&AbortSignal>) -> Result<Deadline, Error> {
    let part = Timeout::from_millis(ms.clamp(1, u64::from(whole.as_millis())) as f64)?;
    Deadline::start_part(part, whole, signal)
}

fn out_of_order() -> Error {
    Error::new(
        ErrorKind::InvalidInput,
        "The call was driven out of order (a step without its deadline).",
    )
    .with_source(Source::Client)
}
