//! The API's quota, kept on the client's side: Defender allows each of
//! cancel, get and list 100 calls a minute and 1,500 an hour, and answers 429
//! past that. A [`Budget`] lets a request go only when, counting every request
//! still in flight and every one that finished within a window, the server
//! cannot have seen the limit yet; waiting callers go first come first served.
//!
//! Finished requests are counted at the time their answer arrived, which is
//! never before the server received them, so the count is never too low
//! whatever the network's delays.

use crate::response::push_u64;
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

/// What a shell adds to an answer's time read from a JS clock before
/// counting it: `Date.now()` gives whole milliseconds, cut down, so an answer
/// read at `t` may have arrived at almost `t + 1`, and a request sent exactly
/// one window later could reach a server that counts in finer time just
/// inside the window (one 429 in a bench of 300 cancels).
pub const CLOCK_MARGIN_MS: u64 = 2;

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

    /// The least time, in milliseconds from `now_ms`, before `n` more
    /// requests can all have gone: the requests in flight taken as answered
    /// now, each new one sent at the first moment the limits allow.
    pub fn time_to_send(&mut self, n: usize, now_ms: u64) -> u64 {
        self.wait(now_ms);
        if n == 0 {
            return 0;
        }
        let mut sent: Vec<u64> = self.finished.iter().copied().collect();
        sent.extend((0..self.in_flight).map(|_| now_ms));
        let start = now_ms.max(self.paused_until);
        let mut at = start;
        for _ in 0..n {
            for limit in &self.limits {
                let calls = limit.calls as usize;
                if sent.len() >= calls {
                    at = at.max(sent[sent.len() - calls] + limit.window_ms);
                }
            }
            sent.push(at);
        }
        at - now_ms
    }

    /// Milliseconds until the next request may go; 0 for now.
    pub fn wait(&mut self, now_ms: u64) -> u64 {
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

/// What a [`Ledger`] answers to a request for a permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// Send now, and report the answer with this permit.
    Go(u64),
    /// No request can go before `until` (ms): ask again then, with `ticket`
    /// to keep your place in line.
    Wait {
        /// The earliest time this caller's request can go.
        until: u64,
        /// The caller's place in line.
        ticket: u64,
    },
}

/// One endpoint's [`Budget`] shared by many clients that ask it one at a time
/// and never wait on it (an edge's isolates, through the one object that holds
/// it): each asks for a permit before a request and reports the answer back.
///
/// A permit that is never reported (its client died mid-call) counts as in
/// flight until its lease ends, then as answered at that time, so the count
/// cannot leak either way.
#[derive(Debug, Clone)]
pub struct Ledger {
    budget: Budget,
    /// Permits out: number and the time its lease ends.
    leases: Vec<(u64, u64)>,
    /// Callers told to wait, in line: ticket and the time they were told.
    /// Each counts ahead of later tickets until it is served or overdue.
    line: VecDeque<(u64, u64)>,
    next_number: u64,
    /// The latest time seen: answer times must not go backwards.
    clock_ms: u64,
}

/// How long past its time a caller in line keeps its place.
const LINE_GRACE_MS: u64 = 2_000;
/// How many callers ahead a wait is computed past (more share the last slot).
const MAX_AHEAD: usize = 1_000;

impl Ledger {
    /// A ledger under `limits`; none means unlimited but for pauses.
    pub fn new(limits: &[Limit]) -> Self {
        Ledger {
            budget: Budget::new(limits),
            leases: Vec::new(),
            line: VecDeque::new(),
            next_number: 1,
            clock_ms: 0,
        }
    }

    /// A permit for a request to go now, held for at most `lease_ms`, or the
    /// earliest time one can go. That time is as exact as can be known: the
    /// requests in flight are taken to be answered now, the soonest they can,
    /// and each caller ahead in line (by `ticket`, from an earlier answer)
    /// takes a slot first, so callers come back one slot after another.
    pub fn acquire(&mut self, now_ms: u64, lease_ms: u64, ticket: Option<u64>) -> Grant {
        let now = self.tick(now_ms);
        let place = ticket.and_then(|t| self.line.iter().position(|&(held, _)| held == t));
        let budget_ticket = self.budget.ticket();
        if self.budget.try_send(budget_ticket, now).is_ok() {
            if let Some(place) = place {
                self.line.remove(place);
            }
            let permit = self.number();
            self.leases
                .push((permit, now.saturating_add(lease_ms.max(1))));
            return Grant::Go(permit);
        }
        self.budget.give_up(budget_ticket);
        let mut ahead = self.budget.clone();
        for _ in &self.leases {
            ahead.finished(now);
        }
        let mut at = now;
        for _ in 0..=place.unwrap_or(self.line.len()).min(MAX_AHEAD) {
            let slot = ahead.ticket();
            while let Err(wait) = ahead.try_send(slot, at) {
                at += wait.max(1);
            }
            ahead.finished(at);
        }
        let until = at.max(now + 1);
        let ticket = match place {
            Some(place) => {
                self.line[place].1 = until;
                self.line[place].0
            }
            None => {
                let ticket = self.number();
                self.line.push_back((ticket, until));
                ticket
            }
        };
        Grant::Wait { until, ticket }
    }

    /// `permit`'s request has its answer (or failed) at `now_ms`. A permit
    /// whose lease already ended was counted then; it is not counted twice.
    pub fn release(&mut self, permit: u64, now_ms: u64) {
        let now = self.tick(now_ms);
        if let Some(at) = self.leases.iter().position(|&(p, _)| p == permit) {
            self.leases.swap_remove(at);
            self.budget.finished(now);
        }
    }

    /// Sends nothing before `until_ms` (a server said `Retry-After`).
    pub fn pause_until(&mut self, until_ms: u64) {
        self.budget.pause_until(until_ms);
    }

    /// Permits out whose leases have not ended.
    pub fn in_flight(&self) -> usize {
        self.leases.len()
    }

    /// The state to persist, as text: the pause, the next permit, the leases
    /// and the answer times still counted (as differences, to keep it short).
    pub fn snapshot(&self) -> String {
        // Written by hand: core::fmt would add kilobytes to the wasm module.
        let mut text = String::from("1");
        let head = [self.budget.paused_until, self.next_number, self.clock_ms];
        for number in head {
            text.push(' ');
            push_u64(&mut text, number);
        }
        text.push_str(" |");
        for &(permit, until) in &self.leases {
            text.push(' ');
            push_u64(&mut text, permit);
            text.push(':');
            push_u64(&mut text, until);
        }
        text.push_str(" |");
        let mut last = 0;
        for &at in &self.budget.finished {
            text.push(' ');
            push_u64(&mut text, at - last);
            last = at;
        }
        text
    }

    /// A ledger under `limits` from a [`Ledger::snapshot`]; `None` when the
    /// text is not one.
    pub fn restore(limits: &[Limit], snapshot: &str) -> Option<Ledger> {
        let mut parts = snapshot.split('|');
        let head: Vec<u64> = numbers(parts.next()?)?;
        let [1, paused_until, next_number, clock_ms] = head[..] else {
            return None;
        };
        let leases = parts
            .next()?
            .split(' ')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (permit, until) = pair.split_once(':')?;
                Some((number(permit)?, number(until)?))
            })
            .collect::<Option<Vec<(u64, u64)>>>()?;
        let mut finished = VecDeque::new();
        let mut at = 0u64;
        for difference in numbers(parts.next()?)? {
            at = at.checked_add(difference)?;
            finished.push_back(at);
        }
        if parts.next().is_some() || finished.back().is_some_and(|&t| t > clock_ms) {
            return None;
        }
        let mut ledger = Ledger::new(limits);
        ledger.budget.finished = finished;
        ledger.budget.in_flight = leases.len() as u32;
        ledger.budget.paused_until = paused_until;
        ledger.leases = leases;
        ledger.next_number = next_number;
        ledger.clock_ms = clock_ms;
        Some(ledger)
    }

    /// Permit and ticket numbers: one sequence, never reused.
    fn number(&mut self) -> u64 {
        self.next_number += 1;
        self.next_number - 1
    }

    /// Advances the clock (never backwards), ends the leases due by then and
    /// drops from the line the callers long overdue.
    fn tick(&mut self, now_ms: u64) -> u64 {
        self.clock_ms = self.clock_ms.max(now_ms);
        let now = self.clock_ms;
        self.line
            .retain(|&(_, until)| until.saturating_add(LINE_GRACE_MS) > now);
        let budget = &mut self.budget;
        self.leases.retain(|&(_, until)| {
            let live = until > now;
            if !live {
                budget.finished(now);
            }
            live
        });
        now
    }
}

/// A whole number in decimal digits only (no sign, no space).
fn number(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 20 {
        return None;
    }
    text.bytes().try_fold(0u64, |n, b| {
        b.is_ascii_digit()
            .then(|| n.checked_mul(10)?.checked_add(u64::from(b - b'0')))?
    })
}

fn numbers(text: &str) -> Option<Vec<u64>> {
    text.split(' ')
        .filter(|n| !n.is_empty())
        .map(number)
        .collect()
}
