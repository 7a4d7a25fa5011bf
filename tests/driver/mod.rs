//! Drives core [`Call`]s like the wasm shell does, answering each request
//! from a script and advancing a fake clock by 10 ms per step (and by each
//! sleep): shared by the native tests of calls and listings.
#![allow(dead_code)]

use mde_machine_actions::input::AccessToken;
use mde_machine_actions::{
    Answer, Call, Clock, Error, ErrorKind, Event, HttpResponse, Method, Operation, Step,
};
use std::collections::VecDeque;

/// The token every scripted call uses.
pub const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.payload-of-the-token.signature";

/// What the scripted server does with one request.
pub enum Reply {
    /// An answer: status, headers, body.
    Http(u16, Vec<(&'static str, String)>, String),
    /// A failure before any answer (network, timeout …).
    Fail(Error),
}

/// A JSON answer.
pub fn json(status: u16, body: String) -> Reply {
    Reply::Http(
        status,
        vec![("content-type", "application/json".into())],
        body,
    )
}

/// A failure with no HTTP answer.
pub fn network() -> Error {
    Error::new(ErrorKind::Network, "The request got no HTTP answer.")
}

/// What the shell saw while driving calls.
#[derive(Default)]
pub struct Trace {
    pub sent: Vec<(Method, String)>,
    pub sleeps: Vec<u64>,
    pub releases: Vec<(Operation, Option<u64>)>,
    pub acquires: Vec<Operation>,
    pub arms: Vec<u64>,
    pub refreshes: u32,
}

/// A scripted server, a fake clock and what the shell saw.
pub struct Script {
    pub replies: VecDeque<Reply>,
    pub now: u64,
    pub can_refresh: bool,
    pub trace: Trace,
}

impl Script {
    /// A script that starts at `now` (Unix ms).
    pub fn new(replies: Vec<Reply>, now: u64) -> Script {
        Script {
            replies: replies.into(),
            now,
            can_refresh: false,
            trace: Trace::default(),
        }
    }

    /// Drives `call` to its end.
    pub fn run(&mut self, mut call: Call) -> Result<Answer, Error> {
        let mut event = Event::Start;
        for _ in 0..1000 {
            let clock = Clock {
                now_ms: self.now,
                random: 0.5,
            };
            self.now += 10;
            event = match call.step(event, clock) {
                Step::Arm { ms } => {
                    self.trace.arms.push(ms);
                    Event::Armed
                }
                Step::Token => Event::Token(AccessToken::parse(TOKEN)),
                Step::Refresh => {
                    self.trace.refreshes += 1;
                    Event::Refreshed(self.can_refresh)
                }
                Step::Acquire(operation) => {
                    self.trace.acquires.push(operation);
                    Event::Permitted
                }
                Step::Release {
                    operation,
                    retry_after_seconds,
                } => {
                    self.trace.releases.push((operation, retry_after_seconds));
                    Event::Released
                }
                Step::Send(request) => {
                    self.trace.sent.push((request.method, request.url.clone()));
                    Event::Answer(self.answer())
                }
                Step::Sleep(ms) => {
                    self.trace.sleeps.push(ms);
                    self.now += ms;
                    Event::Woke
                }
                Step::Done(result) => return *result,
            };
        }
        panic!("the call did not end");
    }

    fn answer(&mut self) -> Result<(HttpResponse, mde_machine_actions::BodyText), Error> {
        match self
            .replies
            .pop_front()
            .expect("a request the script did not expect")
        {
            Reply::Http(status, headers, body) => Ok((
                HttpResponse {
                    status,
                    reason: String::new(),
                    headers: headers
                        .into_iter()
                        .map(|(n, v)| (n.to_owned(), v))
                        .collect(),
                    body: String::new(),
                },
                body.into(),
            )),
            Reply::Fail(error) => Err(error),
        }
    }
}
