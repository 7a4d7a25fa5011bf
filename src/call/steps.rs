//! What a [`super::Call`] asks the shell to do, and what the shell reports
//! back: the plain values that cross between the core and any driver.

use crate::error::Error;
use crate::http::{HttpRequest, HttpResponse};
use crate::input::AccessToken;
use crate::list::Page;
use crate::raw::BodyText;
use crate::response::{ActionResponse, Operation};

/// What the shell does next.
#[derive(Debug)]
pub enum Step {
    /// Start a deadline of `ms` for what follows: the fetches, waits and
    /// token requests of this part of the call are aborted when it passes.
    /// Answer with [`Event::Armed`], or [`Event::Failed`] (an aborted signal).
    Arm {
        /// Milliseconds from now.
        ms: u64,
    },
    /// Get a token from the token source. Answer with [`Event::Token`].
    Token,
    /// Ask the token source for a new token next time (after a 401).
    /// Answer with [`Event::Refreshed`].
    Refresh,
    /// Wait for room in the quota of this endpoint. Answer with
    /// [`Event::Permitted`] or [`Event::Failed`].
    Acquire(Operation),
    /// Send the request. Answer with [`Event::Answer`].
    Send(HttpRequest),
    /// The request sent last is over: count it as answered in the endpoint's
    /// quota, and when the server said `Retry-After` (in seconds, capped at
    /// [`crate::response::MAX_RETRY_AFTER_SECONDS`]), pause that endpoint's budget that long.
    /// Answer with [`Event::Released`].
    Release {
        /// The endpoint.
        operation: Operation,
        /// The pause the server asked for.
        retry_after_seconds: Option<u64>,
    },
    /// Wait this many milliseconds. Answer with [`Event::Woke`] or
    /// [`Event::Failed`].
    Sleep(u64),
    /// The call is over (boxed: a result is large, the other steps small).
    Done(Box<Result<Answer, Error>>),
}

/// What a call that succeeded brings back.
#[derive(Debug)]
// Always boxed, in `Step::Done`: the sizes do not matter.
#[allow(clippy::large_enum_variant)]
pub enum Answer {
    /// A cancel's or a get's answer: the action.
    Action(ActionResponse),
    /// A page of a listing.
    Page(Page),
}

impl Answer {
    /// The action, for a cancel or a get; `None` for a page.
    pub fn into_action(self) -> Option<ActionResponse> {
        match self {
            Answer::Action(response) => Some(response),
            Answer::Page(_) => None,
        }
    }

    /// The page, for a listing; `None` for an action.
    pub fn into_page(self) -> Option<Page> {
        match self {
            Answer::Page(page) => Some(page),
            Answer::Action(_) => None,
        }
    }
}

/// What came of a [`Step`].
#[derive(Debug)]
pub enum Event {
    /// The call begins.
    Start,
    /// The deadline runs.
    Armed,
    /// The token source answered.
    Token(Result<AccessToken, Error>),
    /// Whether the token source can give a new token.
    Refreshed(bool),
    /// The quota lets the request go.
    Permitted,
    /// The quota knows the request is over.
    Released,
    /// The answer: its head (with or without the body text) and body text,
    /// or why there is none; an `invalid_input` error when the runtime
    /// would not send the request ([`crate::http::refused_send`]).
    Answer(Result<(HttpResponse, BodyText), Error>),
    /// The wait is over.
    Woke,
    /// A wait, the quota or the deadline failed (timeout, abort, no room).
    Failed(Error),
}

/// The time and a random number, given by the shell with each step (the
/// wasm shell reads the time after each effect and draws one number a call).
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// Unix milliseconds.
    pub now_ms: u64,
    /// Uniform in [0, 1), for retry jitter.
    pub random: f64,
}
