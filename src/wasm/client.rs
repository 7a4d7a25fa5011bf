//! The client: configuration and quota shared by calls, and the calls
//! themselves — retries, token refresh, and the verified cancel.

use super::deadline::Deadline;
use super::fetch::send;
use super::quota_source::QuotaSource;
use super::token::TokenSource;
use crate::error::Error;
use crate::http::HttpRequest;
use crate::input::{AccessToken, BaseUrl, Comment, MachineActionId, Timeout};
use crate::outcome::{is_ambiguous, judge_answer, judge_read_back};
use crate::quota::{Limit, DEFENDER_LIMITS};
use crate::request::{cancel_request, get_request};
use crate::response::{interpret, ActionResponse, Operation};
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

/// The longest a cancel keeps back from its deadline to read the action
/// when its own answer is lost.
const READ_BACK_RESERVE_MS: u64 = 5_000;

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
        let total = whole.as_millis();
        let reserve = u64::from(total / 4).min(READ_BACK_RESERVE_MS) as u32;
        let cancel_time = Timeout::from_millis(f64::from(total - reserve))?;
        let base = &self.config.base_url;
        let (answer, unused_ms) = {
            let deadline = Deadline::start_part(cancel_time, whole, signal)?;
            let answer = self
                .attempts(Operation::Cancel, &deadline, |token| {
                    cancel_request(base, id, comment, token)
                })
                .await;
            (answer, deadline.remaining_ms())
        };
        let error = match answer {
            Ok(response) => return judge_answer(response),
            Err(error) if is_ambiguous(&error) => error,
            Err(error) => return Err(error),
        };
        if signal.is_some_and(AbortSignal::aborted) {
            return Err(error);
        }
        // The reserve, plus whatever the cancel left of its own share.
        let read_time = Timeout::from_millis((u64::from(reserve) + unused_ms).max(1) as f64)?;
        let read = match Deadline::start_part(read_time, whole, signal) {
            Ok(deadline) => {
                self.attempts(Operation::Get, &deadline, |token| {
                    get_request(base, id, token)
                })
                .await
            }
            Err(e) => Err(e),
        };
        match read {
            Ok(read) => judge_read_back(error, read, comment.as_str()),
            Err(_) => Err(error),
        }
    }

    /// Reads a machine action's current state (`GET`).
    pub async fn get(
        &self,
        id: &MachineActionId,
        timeout: Option<Timeout>,
        signal: Option<&AbortSignal>,
    ) -> Result<ActionResponse, Error> {
        let deadline = Deadline::start(timeout.unwrap_or(self.config.timeout), signal)?;
        let base = &self.config.base_url;
        self.attempts(Operation::Get, &deadline, |token| {
            get_request(base, id, token)
        })
        .await
    }

    /// Sends until an answer is final: waits for quota, retries what the
    /// policy retries, and refreshes a provider's token once after a 401.
    async fn attempts(
        &self,
        operation: Operation,
        deadline: &Deadline,
        build: impl Fn(&AccessToken) -> HttpRequest,
    ) -> Result<ActionResponse, Error> {
        let mut attempt = 0;
        let mut refreshed = false;
        loop {
            attempt += 1;
            let token = self.config.token.resolve(deadline).await?;
            let quota = &self.config.quota;
            let permit = quota.acquire(operation, deadline).await?;
            let response = send(&build(&token), deadline).await;
            let result = response
                .and_then(|response| interpret(operation, response, now_ms() / 1000))
                .map_err(|e| e.redact(token.secret()));
            let retry_after = result.as_ref().err().and_then(Error::retry_after_seconds);
            quota
                .release(operation, permit, retry_after, deadline)
                .await;
            let error = match result {
                Ok(response) => return Ok(response),
                Err(error) => error,
            };
            if error.status_code() == Some(401) && !refreshed && self.config.token.invalidate() {
                refreshed = true;
                attempt -= 1;
                continue;
            }
            let delay = self
                .config
                .retry
                .delay_after(&error, attempt, js_sys::Math::random());
            match delay {
                Some(ms) if ms < deadline.remaining_ms() => deadline.sleep(ms).await?,
                _ => return Err(error.with_attempts(attempt)),
            }
        }
    }
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
