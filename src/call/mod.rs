//! One whole call — a cancel with its read-back, a get, or one page of a
//! listing — as a state machine. Every decision is made here: when to get a token and when to
//! refresh it, when to ask the quota, what to send, whether to retry and
//! after how long, when to pause the budget, whether to read the action back
//! and with how much of the deadline, and the verdict. The shell (the wasm
//! client, or any Rust driver) only performs the [`Step`]s and reports each
//! one's result as an [`Event`].
//!
//! ```text
//! let mut call = Call::cancel(…);
//! let mut event = Event::Start;
//! loop {
//!     match call.step(event, Clock { now_ms, random }) {
//!         Step::Arm { ms } => { /* start a deadline of ms */ event = Event::Armed }
//!         Step::Token => event = Event::Token(/* the token source */),
//!         …
//!         Step::Done(result) => return *result,
//!     }
//! }
//! ```

mod steps;

pub use steps::{Answer, Clock, Event, Step};

use crate::error::{Error, ErrorKind, Source};
use crate::http::HttpResponse;
use crate::input::{AccessToken, BaseUrl, Comment, MachineActionId};
use crate::list::{get, interpret_page};
use crate::outcome::{is_ambiguous, judge_answer, judge_read_back, CancelAttempt};
use crate::raw::{Body, BodyText};
use crate::request::{cancel_request, get_request};
use crate::response::{interpret_parsed, ActionResponse, Operation, MAX_RETRY_AFTER_SECONDS};
use crate::retry::RetryPolicy;

/// The longest a cancel keeps back from its deadline to read the action
/// when its own answer is lost.
pub const READ_BACK_RESERVE_MS: u64 = 5_000;

/// What a call asks for.
#[derive(Debug)]
enum Target {
    /// One action: cancelled (with the comment) and read back when needed,
    /// or only read.
    Action {
        id: MachineActionId,
        comment: Option<Comment>,
    },
    /// A page at this URL (already checked to be under the base URL).
    Page { operation: Operation, url: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Start,
    /// The call's own operation: the cancel, or the get.
    Main,
    /// Reading a cancelled-or-not action back after an ambiguous failure.
    ReadBack,
    Over,
}

/// One call in progress.
#[derive(Debug)]
pub struct Call {
    target: Target,
    base: BaseUrl,
    retry: RetryPolicy,
    whole_ms: u64,
    phase: Phase,
    began_ms: u64,
    phase_ends_ms: u64,
    token: Option<AccessToken>,
    refreshed: bool,
    /// The 401 that a token refresh may answer.
    refusal: Option<Error>,
    /// Requests sent in this phase (the retry policy's count).
    tries: u32,
    /// Requests sent in the whole call.
    sent: u32,
    /// The ambiguous failure of a cancel, while it is read back.
    pending: Option<Error>,
    /// A cancel of this call that may have reached Defender without its
    /// answer arriving whole (a 400, a timeout, a network failure): a later
    /// failure of any kind is then read back too.
    reached: bool,
    /// A cancel whose answer was lost (a timeout or a network failure).
    answer_lost: bool,
    /// What to do once the quota knows the last request is over.
    after_release: Option<Box<Step>>,
}

impl Call {
    /// A cancel of `id` with `comment`, read back when its answer is
    /// ambiguous, within `timeout_ms` in all.
    pub fn cancel(
        base: BaseUrl,
        id: MachineActionId,
        comment: Comment,
        retry: RetryPolicy,
        timeout_ms: u64,
    ) -> Self {
        let comment = Some(comment);
        Call::new(base, Target::Action { id, comment }, retry, timeout_ms)
    }

    /// A read of `id` within `timeout_ms`.
    pub fn get(base: BaseUrl, id: MachineActionId, retry: RetryPolicy, timeout_ms: u64) -> Self {
        let comment = None;
        Call::new(base, Target::Action { id, comment }, retry, timeout_ms)
    }

    /// A read of one page of `operation`'s listing at `url`, which the
    /// caller built from a query or checked with
    /// [`crate::list::next_page_request`].
    pub(crate) fn page(
        base: BaseUrl,
        operation: Operation,
        url: String,
        retry: RetryPolicy,
        timeout_ms: u64,
    ) -> Self {
        Call::new(base, Target::Page { operation, url }, retry, timeout_ms)
    }

    fn new(base: BaseUrl, target: Target, retry: RetryPolicy, timeout_ms: u64) -> Self {
        Call {
            target,
            base,
            retry,
            whole_ms: timeout_ms,
            phase: Phase::Start,
            began_ms: 0,
            phase_ends_ms: 0,
            token: None,
            refreshed: false,
            refusal: None,
            tries: 0,
            sent: 0,
            pending: None,
            reached: false,
            answer_lost: false,
            after_release: None,
        }
    }

    /// The operation the current phase performs.
    pub fn operation(&self) -> Operation {
        match (&self.target, self.phase) {
            (Target::Page { operation, .. }, _) => *operation,
            (Target::Action { comment: None, .. }, _) | (_, Phase::ReadBack | Phase::Over) => {
                Operation::Get
            }
            (Target::Action { .. }, Phase::Start | Phase::Main) => Operation::Cancel,
        }
    }

    /// The comment of a cancel.
    fn comment(&self) -> Option<&Comment> {
        match &self.target {
            Target::Action { comment, .. } => comment.as_ref(),
            Target::Page { .. } => None,
        }
    }

    /// Requests sent so far.
    pub fn sent(&self) -> u32 {
        self.sent
    }

    /// Takes the result of the last step and says what to do next.
    pub fn step(&mut self, event: Event, clock: Clock) -> Step {
        let now = clock.now_ms;
        // Once over, only the release of the last request is still owed.
        if self.phase == Phase::Over && !matches!(event, Event::Released) {
            return self.unreachable_event();
        }
        match event {
            Event::Start => {
                self.began_ms = now;
                self.phase = Phase::Main;
                let reserve = match self.comment() {
                    Some(_) => (self.whole_ms / 4).min(READ_BACK_RESERVE_MS),
                    None => 0,
                };
                self.arm(now, self.whole_ms - reserve)
            }
            Event::Armed | Event::Woke => Step::Token,
            Event::Refreshed(true) => {
                self.refusal = None;
                Step::Token
            }
            Event::Refreshed(false) => match self.refusal.take() {
                Some(refusal) => self.retry_or_fail(refusal, clock),
                None => self.unreachable_event(),
            },
            Event::Token(Ok(token)) => {
                self.token = Some(token);
                Step::Acquire(self.operation())
            }
            Event::Token(Err(error)) => self.failed(error, now),
            Event::Permitted => {
                let Some(token) = &self.token else {
                    return self.unreachable_event();
                };
                self.tries += 1;
                self.sent += 1;
                Step::Send(match (&self.target, self.phase) {
                    (
                        Target::Action {
                            id,
                            comment: Some(comment),
                        },
                        Phase::Main,
                    ) => cancel_request(&self.base, id, comment, token),
                    (Target::Action { id, .. }, _) => get_request(&self.base, id, token),
                    (Target::Page { url, .. }, _) => get(url.clone(), token),
                })
            }
            Event::Released => match self.after_release.take() {
                Some(step) => *step,
                None => self.unreachable_event(),
            },
            Event::Answer(Err(error)) if error.is_invalid_input() => self.not_sent(error, now),
            Event::Answer(answer) => self.answered(answer, clock),
            Event::Failed(error) => self.failed(error, now),
        }
    }

    fn arm(&mut self, now: u64, ms: u64) -> Step {
        self.phase_ends_ms = now.saturating_add(ms);
        Step::Arm { ms }
    }

    /// An answer to the request just sent: decide, then tell the quota.
    fn answered(&mut self, answer: Result<(HttpResponse, BodyText), Error>, clock: Clock) -> Step {
        let operation = self.operation();
        let mut retry_after_seconds = None;
        let next = self.decide(answer, clock, &mut retry_after_seconds);
        self.after_release = Some(Box::new(next));
        Step::Release {
            operation,
            retry_after_seconds,
        }
    }

    /// The runtime would not send the request: it counts as never sent, is
    /// neither retried nor read back for itself, and its permit goes back.
    fn not_sent(&mut self, error: Error, now: u64) -> Step {
        self.tries = self.tries.saturating_sub(1);
        self.sent = self.sent.saturating_sub(1);
        let operation = self.operation();
        let next = self.failed(error, now);
        self.after_release = Some(Box::new(next));
        Step::Release {
            operation,
            retry_after_seconds: None,
        }
    }

    fn decide(
        &mut self,
        answer: Result<(HttpResponse, BodyText), Error>,
        clock: Clock,
        retry_after_seconds: &mut Option<u64>,
    ) -> Step {
        let operation = self.operation();
        let redactor = self.token.as_ref().map(AccessToken::redactor);
        let result = answer.and_then(|(mut head, body)| {
            // Anything of the token the server echoed goes before parsing,
            // so no copy of it reaches a result, an error or a header.
            let body = match redactor.and_then(|r| r.redact(&body.text)) {
                Some(clean) => Body::from_text(&clean),
                None => match body.parsed {
                    Some(json) => Body::Json(json),
                    None => Body::from_text(&body.text),
                },
            };
            if let Some(redactor) = redactor {
                if let Some(clean) = redactor.redact(&head.reason) {
                    head.reason = clean;
                }
                for (_, value) in &mut head.headers {
                    if let Some(clean) = redactor.redact(value) {
                        *value = clean;
                    }
                }
            }
            let now_secs = clock.now_ms / 1000;
            match &self.target {
                Target::Action { .. } => interpret_parsed(operation, head, body, now_secs)
                    .and_then(|response| self.same_action(response))
                    .map(Answer::Action),
                Target::Page { .. } => {
                    interpret_page(operation, &head, &body, now_secs).map(Answer::Page)
                }
            }
        });
        match result {
            Ok(response) => self.succeeded(response),
            Err(error) => {
                let error = self.scrub(error).with_source(Source::Defender);
                if self.phase == Phase::Main && is_ambiguous(&error) {
                    self.reached = true;
                    self.answer_lost |= error.kind() != ErrorKind::BadRequest;
                }
                *retry_after_seconds = error
                    .retry_after_seconds()
                    .map(|s| s.min(MAX_RETRY_AFTER_SECONDS));
                self.retry_or_fail(error, clock)
            }
        }
    }

    /// An answer about another action than the one asked for is not an
    /// answer: a buggy or hostile proxy must not report a cancel that never
    /// happened.
    fn same_action(&self, response: ActionResponse) -> Result<ActionResponse, Error> {
        let Target::Action { id, .. } = &self.target else {
            return Ok(response);
        };
        if response.state.id.eq_ignore_ascii_case(id.as_str()) {
            return Ok(response);
        }
        Err(Error::new(
            ErrorKind::InvalidResponse,
            "The answer is about another machine action than the one asked for, so it was not taken as an answer: check that baseUrl points at the Defender API or a proxy that forwards it unchanged.",
        )
        .with_status(response.status_code))
    }

    fn retry_or_fail(&mut self, error: Error, clock: Clock) -> Step {
        let now = clock.now_ms;
        if error.status_code() == Some(401) && !self.refreshed {
            self.refreshed = true;
            // The refreshed request does not use up a retry.
            self.tries = self.tries.saturating_sub(1);
            self.refusal = Some(error);
            return Step::Refresh;
        }
        match self.retry.delay_after(&error, self.tries, clock.random) {
            Some(ms) if now.saturating_add(ms) < self.phase_ends_ms => Step::Sleep(ms),
            _ => self.failed(error.gave_up_after(self.tries), now),
        }
    }

    fn succeeded(&mut self, answer: Answer) -> Step {
        let response = match answer {
            Answer::Action(response) => response,
            page => return self.done(Ok(page)),
        };
        let pending = self.pending.take();
        let result = match (self.phase, self.comment()) {
            (Phase::Main, Some(_)) => judge_answer(response),
            (Phase::ReadBack, Some(comment)) => {
                let attempt = CancelAttempt {
                    comment: comment.as_str(),
                    began_ms: self.began_ms,
                    answer_lost: self.answer_lost,
                };
                judge_read_back(pending.unwrap_or_else(unknown_state), response, attempt)
            }
            _ => Ok(response),
        };
        self.done(result.map(Answer::Action))
    }

    /// The current phase failed for good with `error`.
    fn failed(&mut self, error: Error, now: u64) -> Step {
        match self.phase {
            // A cancel that may have reached Defender is read back, whatever
            // ended the attempts after it.
            Phase::Main if self.comment().is_some() && self.reached => {
                let end = self.began_ms.saturating_add(self.whole_ms);
                self.pending = Some(error);
                if end <= now {
                    let original = self.pending.take().unwrap_or_else(unknown_state);
                    return self.done(Err(original));
                }
                self.phase = Phase::ReadBack;
                self.tries = 0;
                self.arm(now, end - now)
            }
            Phase::ReadBack => {
                let original = self.pending.take().unwrap_or(error);
                self.done(Err(original))
            }
            _ => self.done(Err(error)),
        }
    }

    fn done(&mut self, result: Result<Answer, Error>) -> Step {
        self.phase = Phase::Over;
        let sent = self.sent;
        // A token that Entra would not give counts the requests made for it.
        Step::Done(Box::new(result.map_err(|e| {
            let entra = if e.source() == Source::Entra {
                e.attempts()
            } else {
                0
            };
            e.with_attempts(sent.saturating_add(entra))
        })))
    }

    /// The token, or any run of it, out of everything an error says.
    fn scrub(&self, error: Error) -> Error {
        match &self.token {
            Some(token) => error.redact_with(token.redactor(), token.secret()),
            None => error,
        }
    }

    /// An event the call did not ask for: a shell bug, reported rather than
    /// panicking.
    fn unreachable_event(&mut self) -> Step {
        self.done(Err(Error::new(
            ErrorKind::InvalidInput,
            "The call was driven out of order (an event it did not ask for).",
        )
        .with_source(Source::Client)))
    }
}

fn unknown_state() -> Error {
    Error::new(
        ErrorKind::Timeout,
        "The cancel's answer was lost and the action could not be read back: its state is unknown, so check it.",
    )
}
