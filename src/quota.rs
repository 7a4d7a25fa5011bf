//! The API's quota, kept on the client's side: Defender allows each of
//! cancel, get and list 100 calls a minute and 1,500 an hour, and answers 429
//! past that. A [`Budget`] hands out send times that stay inside every limit,
//! first come first served, so a burst waits instead of being refused.

use std::collections::VecDeque;

/// At most `calls` requests in any `window_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Requests allowed per window.
    pub calls: u32,
    /// The window, in milliseconds.
    pub window_ms: u64,
}

/// Defender's documented limits: 100 a minute and 1,500 an hour.
pub const DEFENDER_LIMITS: [Limit; 2] = [
    Limit {
        calls: 100,
        window_ms: 60_000,
    },
    Limit {
        calls: 1_500,
        window_ms: 3_600_000,
    },
];

/// The send times of one endpoint's requests, past and reserved.
#[derive(Debug, Clone, Default)]
pub struct Budget {
    limits: Vec<Limit>,
    /// Send times in ascending order, reserved ones (in the future) included.
    sent: VecDeque<u64>,
    paused_until: u64,
}

impl Budget {
    /// A budget under `limits`; none means unlimited.
    pub fn new(limits: &[Limit]) -> Self {
        Budget {
            limits: limits.iter().copied().filter(|l| l.calls > 0).collect(),
            ..Budget::default()
        }
    }

    /// Reserves the earliest send time at or after `now_ms` that keeps every
    /// limit, after all earlier reservations (first come, first served).
    pub fn reserve(&mut self, now_ms: u64) -> u64 {
        let longest = self.limits.iter().map(|l| l.window_ms).max().unwrap_or(0);
        let keep = self
            .limits
            .iter()
            .map(|l| l.calls as usize)
            .max()
            .unwrap_or(0);
        while self
            .sent
            .front()
            .is_some_and(|&t| t.saturating_add(longest) <= now_ms || self.sent.len() > keep)
        {
            self.sent.pop_front();
        }
        let mut at = now_ms.max(self.paused_until);
        if let Some(&last) = self.sent.back() {
            at = at.max(last);
        }
        for limit in &self.limits {
            let calls = limit.calls as usize;
            if self.sent.len() >= calls {
                // The calls-th most recent send must have left the window,
                // with a margin for clock and transit differences.
                let margin = (limit.window_ms / 50).max(10);
                let oldest = self.sent[self.sent.len() - calls];
                at = at.max(oldest + limit.window_ms + margin);
            }
        }
        if !self.limits.is_empty() {
            self.sent.push_back(at);
        }
        at
    }

    /// Sends nothing before `until_ms` (the server said `Retry-After`).
    pub fn pause_until(&mut self, until_ms: u64) {
        self.paused_until = self.paused_until.max(until_ms);
    }
}
