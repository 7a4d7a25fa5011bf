//! When to try a call again, and after how long.

use crate::error::{Error, ErrorKind};

/// Bounded retries with exponential backoff and jitter that never undercut
/// the server's `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retries).
    pub max_attempts: u32,
    /// The backoff before the second attempt; it doubles after each.
    pub base_delay_ms: u64,
    /// The longest backoff (a `Retry-After` may ask for more, and gets it).
    pub max_delay_ms: u64,
}

impl Default for RetryPolicy {
    /// 3 attempts, 500 ms doubling to at most 8 s.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay_ms: 500,
            max_delay_ms: 8_000,
        }
    }
}

impl RetryPolicy {
    /// A policy with `retries` retries after the first attempt.
    pub fn with_retries(retries: u32) -> Self {
        RetryPolicy {
            max_attempts: retries.saturating_add(1),
            ..RetryPolicy::default()
        }
    }

    /// How long to wait before another attempt after `error` ended attempt
    /// number `attempt` (from 1), or `None` to stop. `random` is uniform in
    /// [0, 1) and spreads the waits of many clients ("equal jitter").
    pub fn delay_after(&self, error: &Error, attempt: u32, random: f64) -> Option<u64> {
        if attempt >= self.max_attempts || !is_retryable(error) {
            return None;
        }
        let doubling = 1u64 << attempt.saturating_sub(1).min(20);
        let backoff = self
            .base_delay_ms
            .saturating_mul(doubling)
            .min(self.max_delay_ms);
        let jittered = backoff / 2 + (random.clamp(0.0, 1.0) * (backoff / 2) as f64) as u64;
        let asked = error
            .retry_after_seconds()
            .map_or(0, |s| s.saturating_mul(1000));
        Some(jittered.max(asked))
    }
}

/// 429, 500, 502, 503, 504 and network failures before any response (a
/// body cut off after its status line is not retried). A timeout is not
/// retried either: the deadline is for the whole call.
pub fn is_retryable(error: &Error) -> bool {
    match error.kind() {
        ErrorKind::RateLimited => true,
        ErrorKind::Network => error.status_code().is_none(),
        ErrorKind::Server => matches!(error.status_code(), Some(500 | 502 | 503 | 504)),
        _ => false,
    }
}
