//! `QuotaLedger`: the core's [`Ledger`] for each endpoint, exported so that
//! whatever holds a quota shared by many clients (a Durable Object) stores
//! and serialises it while the policy stays here.

use super::js_error::error_to_js;
use super::options::quota_limits;
use super::quota_provider::get;
use crate::error::Error;
use crate::quota::{Grant, Ledger, Limit, CLOCK_MARGIN_MS};
use crate::response::Operation;
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

/// `new QuotaLedger({ quota, snapshot })`.
#[wasm_bindgen(js_name = QuotaLedger, skip_typescript)]
#[derive(Debug)]
pub struct JsQuotaLedger {
    /// One per endpoint, in the order of [`Operation::ALL`].
    ledgers: [Ledger; 4],
}

#[wasm_bindgen(js_class = QuotaLedger)]
impl JsQuotaLedger {
    /// `quota` as the client reads it (absent: Defender's limits); `snapshot`
    /// from `snapshot()` to go on from. Throws `invalid_input` on a bad one.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<JsQuotaLedger, JsValue> {
        let read = || {
            let quota = get(&options, "quota");
            let limits = quota_limits(&quota)?;
            let snapshot = get(&options, "snapshot");
            let ledgers = match snapshot.as_string() {
                Some(text) => restore(&limits, &text)?,
                None if snapshot.is_undefined() || snapshot.is_null() => {
                    Operation::ALL.map(|_| Ledger::new(&limits))
                }
                None => return Err(Error::invalid_input(BAD_SNAPSHOT)),
            };
            Ok(JsQuotaLedger { ledgers })
        };
        read().map_err(error_to_js)
    }

    /// `acquire(endpoint, nowMs, leaseMs, ticket)`: `{ permit }` to send now,
    /// or `{ notBefore, waitMs, ticket }`; pass that ticket back when asking
    /// again to keep the caller's place in line.
    pub fn acquire(
        &mut self,
        endpoint: &str,
        now_ms: f64,
        lease_ms: f64,
        ticket: Option<f64>,
    ) -> Result<Object, JsValue> {
        let now = whole(now_ms);
        let answer = Object::new();
        match self
            .ledger(endpoint)?
            .acquire(now, whole(lease_ms), ticket.map(whole))
        {
            Grant::Go(permit) => set(&answer, "permit", permit),
            Grant::Wait { until, ticket } => {
                set(&answer, "notBefore", until);
                set(&answer, "waitMs", until - now);
                set(&answer, "ticket", ticket);
            }
        }
        Ok(answer)
    }

    /// `release(endpoint, permit, nowMs, retryAfterMs)`: the permit's request
    /// was answered at `nowMs`; a `retryAfterMs` pauses the endpoint from then.
    pub fn release(
        &mut self,
        endpoint: &str,
        permit: f64,
        now_ms: f64,
        retry_after_ms: Option<f64>,
    ) -> Result<(), JsValue> {
        // A JS clock's whole milliseconds, taken as the latest they can mean.
        let now = whole(now_ms).saturating_add(CLOCK_MARGIN_MS);
        let ledger = self.ledger(endpoint)?;
        ledger.release(whole(permit), now);
        if let Some(ms) = retry_after_ms {
            ledger.pause_until(now.saturating_add(whole(ms)));
        }
        Ok(())
    }

    /// `pause(endpoint, untilMs)`: nothing goes before `untilMs` (a
    /// `Retry-After` heard elsewhere).
    pub fn pause(&mut self, endpoint: &str, until_ms: f64) -> Result<(), JsValue> {
        self.ledger(endpoint)?.pause_until(whole(until_ms));
        Ok(())
    }

    /// The state to persist, for `new QuotaLedger({ quota, snapshot })`.
    pub fn snapshot(&self) -> String {
        let lines: Vec<String> = self.ledgers.iter().map(Ledger::snapshot).collect();
        lines.join("\n")
    }

    /// Permits out, all endpoints together.
    #[wasm_bindgen(getter, js_name = inFlight)]
    pub fn in_flight(&self) -> u32 {
        self.ledgers.iter().map(Ledger::in_flight).sum::<usize>() as u32
    }

    fn ledger(&mut self, endpoint: &str) -> Result<&mut Ledger, JsValue> {
        match Operation::parse(endpoint) {
            Some(operation) => Ok(&mut self.ledgers[operation.index()]),
            None => Err(error_to_js(Error::invalid_input(
                "endpoint must be \"cancel\", \"get\", \"list\" or \"machines\".",
            ))),
        }
    }
}

const BAD_SNAPSHOT: &str = "snapshot must be a string from QuotaLedger.snapshot().";

/// One line per endpoint; a snapshot from before the list and machines
/// endpoints (two lines) starts those afresh.
fn restore(limits: &[Limit], text: &str) -> Result<[Ledger; 4], Error> {
    let lines: Vec<&str> = text.split('\n').collect();
    if lines.len() != 2 && lines.len() != Operation::ALL.len() {
        return Err(Error::invalid_input(BAD_SNAPSHOT));
    }
    let mut ledgers = Operation::ALL.map(|_| Ledger::new(limits));
    for (ledger, line) in ledgers.iter_mut().zip(lines) {
        *ledger = Ledger::restore(limits, line).ok_or(Error::invalid_input(BAD_SNAPSHOT))?;
    }
    Ok(ledgers)
}

/// Milliseconds as a whole, non-negative number (NaN reads as 0), at most
/// 2^53 so that no arithmetic on it can overflow.
fn whole(ms: f64) -> u64 {
    ms.clamp(0.0, 9_007_199_254_740_992.0) as u64
}

fn set(object: &Object, key: &str, value: u64) {
    let _ = Reflect::set(
        object,
        &JsValue::from_str(key),
        &JsValue::from_f64(value as f64),
    );
}
