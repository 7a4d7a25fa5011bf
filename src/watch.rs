//! Waiting for an action to finish: when to read it again, whether it
//! changed, when it is final, and when to stop waiting. The shell reads the
//! action (each read a get inside the quota) and sleeps as told.

use crate::error::{Error, ErrorKind, Source};
use crate::response::{push_u64, ActionResponse};

/// How often an action is read by default.
pub const DEFAULT_INTERVAL_MS: u64 = 5_000;
/// The shortest interval: reads closer than this only spend the quota.
pub const MIN_INTERVAL_MS: u64 = 200;
/// The longest interval: ten minutes, the longest one wait of the shell.
pub const MAX_INTERVAL_MS: u64 = 600_000;
/// How long a wait lasts by default.
pub const DEFAULT_WAIT_MS: u64 = 600_000;
/// The longest wait: a day.
pub const MAX_WAIT_MS: u64 = 86_400_000;

/// A wait in progress.
#[derive(Debug)]
pub struct Watch {
    interval_ms: u64,
    ends_ms: u64,
    whole_ms: u64,
    /// `status` and `lastUpdateDateTimeUtc` of the last read.
    last: Option<Seen>,
}

/// What to do after a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The action is final: the wait is over.
    Final,
    /// Read again after this many milliseconds.
    ReadAfter(u64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    status: String,
    last_update: Option<String>,
}

impl Watch {
    /// A wait that reads every `interval_ms` (default
    /// [`DEFAULT_INTERVAL_MS`], [`MIN_INTERVAL_MS`] to [`MAX_INTERVAL_MS`]) for at most
    /// `timeout_ms` (default [`DEFAULT_WAIT_MS`], at most [`MAX_WAIT_MS`]).
    pub fn new(
        interval_ms: Option<f64>,
        timeout_ms: Option<f64>,
        now_ms: u64,
    ) -> Result<Watch, Error> {
        let interval = whole_ms(
            interval_ms,
            DEFAULT_INTERVAL_MS,
            MIN_INTERVAL_MS,
            MAX_INTERVAL_MS,
        )
        .ok_or(Error::invalid_input(
            "intervalMs must be a number of milliseconds from 200 to 600000.",
        ))?;
        let whole = whole_ms(timeout_ms, DEFAULT_WAIT_MS, 1, MAX_WAIT_MS).ok_or(
            Error::invalid_input("timeoutMs must be a number of milliseconds from 1 to 86400000."),
        )?;
        Ok(Watch {
            interval_ms: interval,
            ends_ms: now_ms.saturating_add(whole),
            whole_ms: whole,
            last: None,
        })
    }

    /// How long the next read may take: what is left of the wait, at most
    /// `call_ms` (the client's timeout for a call).
    pub fn read_timeout(&self, call_ms: u64, now_ms: u64) -> u64 {
        self.ends_ms.saturating_sub(now_ms).clamp(1, call_ms.max(1))
    }

    /// Takes a read: whether it differs from the one before (the first
    /// always does), and what next. A wait that would end before the next
    /// read is over now, with a timeout error that names the last status.
    pub fn observe(&mut self, read: &ActionResponse, now_ms: u64) -> Result<(bool, Next), Error> {
        let seen = Seen {
            status: read.state.status.as_str().to_owned(),
            last_update: crate::raw::string_field(&read.json_body, "lastUpdateDateTimeUtc"),
        };
        let changed = self.last.as_ref() != Some(&seen);
        self.last = Some(seen);
        if read.state.status.is_final() {
            return Ok((changed, Next::Final));
        }
        Ok((changed, self.next(now_ms)?))
    }

    /// Takes a read that failed. One that may pass later (the network, a
    /// 5xx, a 429, after the read's own retries) is read again at the next
    /// interval while the wait lasts; any other failure ends the wait.
    pub fn read_failed(&mut self, error: Error, now_ms: u64) -> Result<Next, Error> {
        if !error.is_transient() {
            return Err(error);
        }
        self.next(now_ms).map_err(|_| error)
    }

    fn next(&self, now_ms: u64) -> Result<Next, Error> {
        if now_ms.saturating_add(self.interval_ms) < self.ends_ms {
            return Ok(Next::ReadAfter(self.interval_ms));
        }
        let status = self
            .last
            .as_ref()
            .map_or("not final", |seen| seen.status.as_str());
        let mut text = String::from("The action is still ");
        text.push_str(status);
        text.push_str(" after waiting ");
        push_u64(&mut text, self.whole_ms);
        text.push_str(" ms (timeoutMs); it goes on: wait again, or check it later.");
        Err(Error::new(ErrorKind::Timeout, text).with_source(Source::Client))
    }
}

/// A whole number of milliseconds in `min..=max`; `default` when absent;
/// `None` for anything else.
fn whole_ms(value: Option<f64>, default: u64, min: u64, max: u64) -> Option<u64> {
    match value {
        None => Some(default),
        Some(ms) if ms.is_finite() && ms >= min as f64 && ms <= max as f64 => Some(ms as u64),
        Some(_) => None,
    }
}
