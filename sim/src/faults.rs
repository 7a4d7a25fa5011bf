//! Injected faults: a FIFO queue of canned misbehaviours standing for proxies and outages.
//! An incoming `/api` request (not a preflight) takes the first matching fault before
//! auth and routing; the fault then decides what the client sees on the wire — a canned
//! answer, a closed connection, a truncated body, silence, or a slow trickle.

use std::collections::VecDeque;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::server::ConnControl;

/// Largest `body_size` accepted, so a typo cannot exhaust memory.
const MAX_BODY_SIZE: usize = 256 * 1024 * 1024;
/// `hang` gives up after this long even if the client stays connected.
const HANG_LIMIT: Duration = Duration::from_secs(120);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Answer with the given status, headers and body after `delay_ms`.
    #[default]
    Respond,
    /// Close the TCP connection without sending a byte.
    Drop,
    /// Send status and headers with a Content-Length larger than what follows, half the
    /// body, then close.
    DropMidBody,
    /// Never answer; give up when the client disconnects or after 120 s (then close).
    Hang,
    /// Send headers at once, then the body `drip_bytes` at a time every `drip_ms`.
    Drip,
    /// Send headers at once, then a chunked body that never ends: the given body (or
    /// `[` when none) repeated in 64 KiB chunks, until the client goes away or
    /// [`ENDLESS_LIMIT`] bytes were sent.
    Endless,
}

/// `endless` stops by itself after this many bytes (4 GiB).
const ENDLESS_LIMIT: usize = 4 << 30;

/// The JSON accepted by `POST /_sim/faults`. Unknown fields are rejected so that a typo
/// in a test shows up as a 400 instead of a fault that silently never fires.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub path_contains: Option<String>,
    #[serde(default = "default_times")]
    pub times: u32,
    #[serde(default)]
    pub mode: Mode,
    #[serde(default = "default_status")]
    pub status: u16,
    #[serde(default)]
    pub headers: Map<String, Value>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub json: Option<Value>,
    #[serde(default)]
    pub body_size: Option<usize>,
    #[serde(default)]
    pub delay_ms: u64,
    #[serde(default = "default_drip_ms")]
    pub drip_ms: u64,
    #[serde(default = "default_drip_bytes")]
    pub drip_bytes: usize,
}

fn default_times() -> u32 {
    1
}
fn default_status() -> u16 {
    500
}
fn default_drip_ms() -> u64 {
    200
}
fn default_drip_bytes() -> usize {
    16
}

/// A validated fault, ready to fire.
#[derive(Clone, Debug)]
pub struct Fault {
    method: Option<String>,
    path_contains: Option<String>,
    /// Matches left; 0 means "every matching request until reset".
    remaining: u32,
    pub mode: Mode,
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
    delay: Duration,
    drip: Duration,
    drip_bytes: usize,
    /// The spec as posted, for `GET /_sim/faults`.
    pub description: Value,
}

impl Fault {
    /// Validates a posted JSON body into a fault; `Err` carries the 400 message.
    pub fn parse(raw: &[u8]) -> Result<Fault, String> {
        let description: Value =
            serde_json::from_slice(raw).map_err(|e| format!("invalid JSON: {e}"))?;
        let spec: FaultSpec = serde_json::from_value(description.clone())
            .map_err(|e| format!("invalid fault: {e}"))?;
        let status = StatusCode::from_u16(spec.status)
            .map_err(|_| format!("invalid status {}", spec.status))?;
        let mut headers = Vec::new();
        for (name, value) in &spec.headers {
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return Err(format!("header {name:?}: value must be a string")),
            };
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("invalid header name {name:?}"))?;
            let value = HeaderValue::from_str(&text)
                .map_err(|_| format!("invalid value for header {name}"))?;
            headers.push((name, value));
        }
        let given = [
            spec.body.is_some(),
            spec.json.is_some(),
            spec.body_size.is_some(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err("give at most one of body, json, body_size".into());
        }
        let body = if let Some(b) = spec.body {
            Bytes::from(b)
        } else if let Some(j) = spec.json {
            Bytes::from(j.to_string())
        } else if let Some(n) = spec.body_size {
            if n > MAX_BODY_SIZE {
                return Err(format!("body_size above {MAX_BODY_SIZE}"));
            }
            Bytes::from(padding(n))
        } else if matches!(spec.mode, Mode::DropMidBody | Mode::Drip) {
            // Nothing to truncate or trickle otherwise.
            Bytes::from(format!(
                r#"{{"error":{{"code":"InternalServerError","message":"Simulated fault","target":"{}"}}}}"#,
                crate::util::new_uuid()
            ))
        } else {
            Bytes::new()
        };
        let method = match spec.method {
            Some(m) if m.trim().is_empty() => None,
            Some(m) => Some(m.trim().to_ascii_uppercase()),
            None => None,
        };
        Ok(Fault {
            method,
            path_contains: spec.path_contains.filter(|p| !p.is_empty()),
            remaining: spec.times,
            mode: spec.mode,
            status,
            headers,
            body,
            delay: Duration::from_millis(spec.delay_ms),
            drip: Duration::from_millis(spec.drip_ms),
            drip_bytes: spec.drip_bytes.max(1),
            description,
        })
    }

    fn matches(&self, method: &str, path_and_query: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method)
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| path_and_query.contains(p))
    }
}

/// Exactly `n` bytes of valid JSON where possible: `["xxxx…"]`.
fn padding(n: usize) -> Vec<u8> {
    match n {
        0 => Vec::new(),
        1 => b"0".to_vec(),
        2 | 3 => {
            let mut v = b"[]".to_vec();
            v.resize(n, b' ');
            v
        }
        _ => {
            let mut v = Vec::with_capacity(n);
            v.extend_from_slice(b"[\"");
            v.resize(n - 2, b'x');
            v.extend_from_slice(b"\"]");
            v
        }
    }
}

/// FIFO of pending faults.
#[derive(Default)]
pub struct FaultQueue {
    queue: VecDeque<Fault>,
}

impl FaultQueue {
    pub fn push(&mut self, f: Fault) {
        self.queue.push_back(f);
    }

    pub fn clear(&mut self) {
        self.queue.clear();
    }

    pub fn describe(&self) -> Vec<Value> {
        self.queue.iter().map(|f| f.description.clone()).collect()
    }

    /// Takes the first fault matching this request, using up one of its `times`.
    pub fn take_match(&mut self, method: &str, path_and_query: &str) -> Option<Fault> {
        self.take_first(|f| f.matches(method, path_and_query))
    }

    /// Like [`FaultQueue::take_match`], for the token endpoint: only faults that name
    /// its path (`"path_contains": "oauth2"`), so faults meant for the API never
    /// reach Entra by accident.
    pub fn take_named_match(&mut self, method: &str, path_and_query: &str) -> Option<Fault> {
        self.take_first(|f| f.path_contains.is_some() && f.matches(method, path_and_query))
    }

    fn take_first(&mut self, wanted: impl Fn(&Fault) -> bool) -> Option<Fault> {
        let idx = self.queue.iter().position(wanted)?;
        let f = &mut self.queue[idx];
        match f.remaining {
            0 => Some(f.clone()),
            1 => self.queue.remove(idx),
            _ => {
                f.remaining -= 1;
                Some(f.clone())
            }
        }
    }
}

/// Plays a fault. For `drop` and `hang` this never returns a response: the connection is
/// closed underneath the pending handler via [`ConnControl`].
pub async fn execute(f: Fault, conn: Option<ConnControl>) -> Response {
    if !f.delay.is_zero() {
        tokio::time::sleep(f.delay).await;
    }
    match f.mode {
        Mode::Respond => {
            let body = Body::from(f.body.clone());
            build(&f, body)
        }
        Mode::Drop => close_connection(conn).await,
        Mode::Hang => {
            // If the client goes away, hyper drops this future and the wait ends with it.
            tokio::time::sleep(HANG_LIMIT).await;
            close_connection(conn).await
        }
        Mode::DropMidBody => {
            let full = f.body.len();
            let half = f.body.slice(..full / 2);
            let stream = futures_util::stream::unfold(0u8, move |step| {
                let half = half.clone();
                async move {
                    match step {
                        0 => Some((Ok::<Bytes, std::io::Error>(half), 1)),
                        1 => {
                            // Let the first half reach the client before the reset.
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            Some((Err(std::io::Error::other("simulated mid-body drop")), 2))
                        }
                        _ => None,
                    }
                }
            });
            let mut resp = build(&f, Body::from_stream(stream));
            resp.headers_mut()
                .insert(CONTENT_LENGTH, HeaderValue::from(full.max(1)));
            resp
        }
        Mode::Drip => {
            let (body, every, size) = (f.body.clone(), f.drip, f.drip_bytes);
            let stream = futures_util::stream::unfold(0usize, move |offset| {
                let body = body.clone();
                async move {
                    if offset >= body.len() {
                        return None;
                    }
                    tokio::time::sleep(every).await;
                    let end = (offset + size).min(body.len());
                    Some((Ok::<Bytes, std::io::Error>(body.slice(offset..end)), end))
                }
            });
            build(&f, Body::from_stream(stream))
        }
        Mode::Endless => {
            let unit = if f.body.is_empty() {
                Bytes::from_static(b"[")
            } else {
                f.body.clone()
            };
            let chunk = Bytes::from(unit.repeat((64 * 1024 / unit.len()).max(1)));
            let stream = futures_util::stream::unfold(0usize, move |sent| {
                let chunk = chunk.clone();
                async move {
                    (sent < ENDLESS_LIMIT).then(|| {
                        (
                            Ok::<Bytes, std::io::Error>(chunk.clone()),
                            sent + chunk.len(),
                        )
                    })
                }
            });
            build(&f, Body::from_stream(stream))
        }
    }
}

/// Closes the client's TCP connection without a response, then waits forever (the
/// connection task drops this future together with the connection).
async fn close_connection(conn: Option<ConnControl>) -> Response {
    match conn {
        Some(c) => {
            c.kill();
            std::future::pending().await
        }
        // Not reachable when served by `server::serve`; fail as loudly as a network error can.
        None => {
            let err = futures_util::stream::once(async {
                Err::<Bytes, _>(std::io::Error::other("simulated drop"))
            });
            Response::new(Body::from_stream(err))
        }
    }
}

fn build(f: &Fault, body: Body) -> Response {
    let mut resp = Response::new(body);
    *resp.status_mut() = f.status;
    let h = resp.headers_mut();
    for (name, value) in &f.headers {
        h.append(name.clone(), value.clone());
    }
    if !h.contains_key(CONTENT_TYPE) {
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static(crate::api::JSON_CONTENT_TYPE),
        );
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(json: &str) -> Fault {
        Fault::parse(json.as_bytes()).unwrap()
    }

    #[test]
    fn queue_matches_in_fifo_order_and_counts_times() {
        let mut q = FaultQueue::default();
        q.push(fault(
            r#"{"method":"post","path_contains":"/cancel","times":2,"status":503}"#,
        ));
        q.push(fault(r#"{"status":429}"#));
        // GET does not match the first fault, takes the catch-all second one.
        let f = q.take_match("GET", "/api/machineactions/x").unwrap();
        assert_eq!(f.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            q.take_match("GET", "/api/machineactions/x")
                .map(|f| f.status),
            None
        );
        let cancel = "/api/machineactions/x/cancel";
        assert_eq!(
            q.take_match("POST", cancel).unwrap().status,
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            q.take_match("POST", cancel).unwrap().status,
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert!(q.take_match("POST", cancel).is_none());
        assert!(q.describe().is_empty());
    }

    #[test]
    fn times_zero_is_forever_until_cleared() {
        let mut q = FaultQueue::default();
        q.push(fault(r#"{"times":0,"mode":"drop"}"#));
        for _ in 0..5 {
            assert_eq!(q.take_match("POST", "/api/x").unwrap().mode, Mode::Drop);
        }
        q.clear();
        assert!(q.take_match("POST", "/api/x").is_none());
    }

    #[test]
    fn bodies_and_validation() {
        assert_eq!(fault(r#"{"json":{"a":1}}"#).body, Bytes::from(r#"{"a":1}"#));
        for n in [0, 1, 2, 3, 4, 5, 1000] {
            let f = fault(&format!(r#"{{"body_size":{n}}}"#));
            assert_eq!(f.body.len(), n);
            if n >= 1 {
                assert!(serde_json::from_slice::<Value>(&f.body).is_ok(), "{n}");
            }
        }
        assert!(!fault(r#"{"mode":"drip"}"#).body.is_empty());
        for bad in [
            "not json",
            r#"{"mode":"explode"}"#,
            r#"{"status":42}"#,
            r#"{"statsu":500}"#,
            r#"{"body":"a","json":1}"#,
            r#"{"headers":{"bad name":"x"}}"#,
            r#"{"headers":{"X":{"nested":1}}}"#,
            r#"{"times":-1}"#,
        ] {
            assert!(Fault::parse(bad.as_bytes()).is_err(), "{bad}");
        }
    }
}
