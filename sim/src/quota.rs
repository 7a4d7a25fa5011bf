//! Defender's rate limit, enforced: each of cancel and get allows so many calls per
//! window (100 a minute and 1,500 an hour by default), and a call past that gets 429
//! with `Retry-After`. `--quota` and `PUT /_sim/quota` scale the windows down so a test
//! can exercise the limit in seconds.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// At most `calls` requests in any `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub calls: usize,
    pub window: Duration,
}

/// Defender's documented limits.
pub const DEFENDER: [Limit; 2] = [
    Limit {
        calls: 100,
        window: Duration::from_secs(60),
    },
    Limit {
        calls: 1_500,
        window: Duration::from_secs(3_600),
    },
];

/// Parses `off`, or `CALLS/WINDOW_MS[,CALLS/WINDOW_MS…]`.
pub fn parse_limits(text: &str) -> Result<Vec<Limit>, String> {
    if text == "off" {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|part| {
            let (calls, ms) = part
                .split_once('/')
                .ok_or_else(|| format!("--quota: expected CALLS/WINDOW_MS, got {part:?}"))?;
            let calls: usize = calls
                .trim()
                .parse()
                .map_err(|_| format!("--quota: bad calls in {part:?}"))?;
            let ms: u64 = ms
                .trim()
                .parse()
                .map_err(|_| format!("--quota: bad window in {part:?}"))?;
            if calls == 0 || ms == 0 {
                return Err(format!("--quota: {part:?} must be positive"));
            }
            Ok(Limit {
                calls,
                window: Duration::from_millis(ms),
            })
        })
        .collect()
}

/// The calls each endpoint received, within the longest window.
#[derive(Debug, Default)]
pub struct Quota {
    limits: Vec<Limit>,
    calls: HashMap<&'static str, VecDeque<Instant>>,
    /// Requests answered 429, for tests to assert on.
    pub rejected: u64,
}

impl Quota {
    pub fn new(limits: Vec<Limit>) -> Self {
        Quota {
            limits,
            ..Quota::default()
        }
    }

    /// New limits; the counts start again.
    pub fn set_limits(&mut self, limits: Vec<Limit>) {
        *self = Quota::new(limits);
    }

    /// Counts a call to `endpoint` at `now`, or refuses it with the seconds to wait.
    pub fn admit(&mut self, endpoint: &'static str, now: Instant) -> Result<(), u64> {
        let longest = self
            .limits
            .iter()
            .map(|l| l.window)
            .max()
            .unwrap_or_default();
        let calls = self.calls.entry(endpoint).or_default();
        while calls
            .front()
            .is_some_and(|&t| now.duration_since(t) >= longest)
        {
            calls.pop_front();
        }
        let mut wait = Duration::ZERO;
        for limit in &self.limits {
            let in_window: Vec<&Instant> = calls
                .iter()
                .filter(|&&t| now.duration_since(t) < limit.window)
                .collect();
            if in_window.len() >= limit.calls {
                let frees_at = *in_window[in_window.len() - limit.calls] + limit.window;
                wait = wait.max(frees_at.duration_since(now));
            }
        }
        if wait > Duration::ZERO {
            self.rejected += 1;
            return Err(wait.as_millis().div_ceil(1000).max(1) as u64);
        }
        calls.push_back(now);
        Ok(())
    }

    pub fn describe(&self) -> Value {
        json!({
            "limits": self.limits.iter().map(|l| json!({"calls": l.calls, "window_ms": l.window.as_millis() as u64})).collect::<Vec<_>>(),
            "rejected": self.rejected,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_past_the_limit_get_the_seconds_until_room() {
        let mut q = Quota::new(vec![Limit {
            calls: 2,
            window: Duration::from_millis(1_500),
        }]);
        let t0 = Instant::now();
        assert_eq!(q.admit("cancel", t0), Ok(()));
        assert_eq!(q.admit("cancel", t0), Ok(()));
        assert_eq!(q.admit("cancel", t0), Err(2));
        assert_eq!(
            q.admit("get", t0),
            Ok(()),
            "each endpoint has its own count"
        );
        assert_eq!(q.admit("cancel", t0 + Duration::from_millis(1_500)), Ok(()));
        assert_eq!(q.rejected, 1);
    }

    #[test]
    fn limits_parse() {
        assert_eq!(parse_limits("off").unwrap(), vec![]);
        assert_eq!(
            parse_limits("100/60000,1500/3600000").unwrap(),
            DEFENDER.to_vec()
        );
        assert!(parse_limits("100").is_err());
        assert!(parse_limits("0/10").is_err());
    }
}
