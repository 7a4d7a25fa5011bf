//! The API's quota, kept on the client's side: Defender allows each of
//! cancel, get and list 100 calls a minute and 1,500 an hour, and answers 429
//! past that. A [`Budget`] lets a request go only when, counting every request
//! still in flight and every one that finished within a window, the server
//! cannot have seen the limit yet; waiting callers go first come first served.
//!
//! Finished requests are counted at the time their answer arrived, which is
//! never before the server received them, so the count is never too low
//! whatever the network's delays.

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

/// How long a waiting caller sleeps before looking again when only a request
/// in flight can free room (its answer time is not known in advance).
pub const IN_FLIGHT_POLL_MS: u64 = 25;

/// One endpoint's requests: in flight, finished, and waiting to go.
#[derive(Debug, Clone, Default)]
pub struct Budget {
    limits: Vec<Limit>,
    /// Answer times of finished requests, ascending.
    finished: VecDeque<u64>,
    in_flight: u32,
    /// Tickets of callers waiting for room, in arrival order.
    waiting: VecDeque<u64>,
    next_ticket: u64,
    paused_until: u64,
}

impl Budget {
    /// A budget under `limits`; none means unlimited (but `Retry-After`
    /// pauses still apply).
    pub fn new(limits: &[Limit]) -> Self {
        Budget {
            limits: limits.iter().copied().filter(|l| l.calls > 0).collect(),
            ..Budget::default()
        }
    }

    /// Joins the queue of callers that want to send.
    pub fn ticket(&mut self) -> u64 {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.waiting.push_back(ticket);
        ticket
    }

    /// Lets `ticket`'s request go now (counting it as in flight), or says how
    /// many milliseconds to wait before asking again.
    pub fn try_send(&mut self, ticket: u64, now_ms: u64) -> Result<(), u64> {
        let wait = self.wait(now_ms);
        if wait > 0 {
            return Err(wait);
        }
        if self.waiting.front() != Some(&ticket) {
            // Someone arrived earlier; they go first.
            return Err(1);
        }
        self.waiting.pop_front();
        self.in_flight += 1;
        Ok(())
    }

    /// Leaves the queue without sending (the caller's deadline passed).
    pub fn give_up(&mut self, ticket: u64) {
        self.waiting.retain(|&t| t != ticket);
    }

    /// A request that was let go has its answer (or failed) at `now_ms`.
    pub fn finished(&mut self, now_ms: u64) {
        self.in_flight = self.in_flight.saturating_sub(1);
        if !self.limits.is_empty() {
            self.finished.push_back(now_ms);
        }
    }

    /// Sends nothing before `until_ms` (the server said `Retry-After`).
    pub fn pause_until(&mut self, until_ms: u64) {
        self.paused_until = self.paused_until.max(until_ms);
    }

    /// Milliseconds until the next request may go; 0 for now.
    fn wait(&mut self, now_ms: u64) -> u64 {
        let longest = self.limits.iter().map(|l| l.window_ms).max().unwrap_or(0);
        while self
            .finished
            .front()
            .is_some_and(|&t| t.saturating_add(longest) <= now_ms)
        {
            self.finished.pop_front();
        }
        let mut wait = self.paused_until.saturating_sub(now_ms);
        for limit in &self.limits {
            let recent = self
                .finished
                .iter()
                .rev()
                .take_while(|&&t| t + limit.window_ms > now_ms)
                .count() as u64;
            let calls = u64::from(limit.calls);
            if recent + u64::from(self.in_flight) < calls {
                continue;
            }
            // Room comes when enough recent answers leave the window, or, if
            // the requests in flight alone fill it, when one of them ends.
            let must_leave = recent + u64::from(self.in_flight) + 1 - calls;
            let freed_at = if must_leave <= recent {
                let index = self.finished.len() - recent as usize + (must_leave as usize - 1);
                self.finished[index] + limit.window_ms - now_ms
            } else {
                IN_FLIGHT_POLL_MS
            };
            wait = wait.max(freed_at.max(1));
        }
        wait
    }
}
