//! The log of `/api` requests that `GET /_sim/requests` returns, so tests can prove what a
//! client sent. It never holds a credential: `Authorization` is stored as its scheme and a
//! SHA-256 fingerprint of the rest, which a test can compute from the token it expected.
//! It keeps the last [`CAPACITY`] requests, so a long demo or benchmark cannot grow it
//! without bound.

use std::collections::VecDeque;
use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::api;
use crate::app::{area, Area};
use crate::guard::SECRET_HEADER;
use crate::state::{lock, AppState};

/// Requests kept; older ones are dropped first.
pub const CAPACITY: usize = 10_000;

/// Largest `/api` request body buffered for the log.
const MAX_API_BODY: usize = 64 * 1024 * 1024;

/// One `/api` request as received, credentials redacted.
#[derive(Clone, Debug, Serialize)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Map<String, Value>,
    pub body: String,
    /// What the simulator took the bearer token for: `configured` (a `--token`),
    /// `issued` (by its Entra endpoint, expired or not), `unknown`, or null without one.
    pub token: Option<&'static str>,
}

/// The last [`CAPACITY`] requests, oldest first.
#[derive(Default)]
pub struct RequestLog {
    entries: VecDeque<LoggedRequest>,
}

impl RequestLog {
    pub fn push(&mut self, entry: LoggedRequest) {
        if self.entries.len() == CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    pub fn entries(&self) -> Vec<LoggedRequest> {
        self.entries.iter().cloned().collect()
    }
}

/// `Bearer sha256:<hex>` for `Bearer <credential>` (any case of the scheme, kept as
/// sent), `sha256:<hex>` of the whole value otherwise: nothing of the credential itself.
pub fn redact_authorization(value: &str) -> String {
    let fingerprint = |secret: &str| {
        let digest = Sha256::digest(secret.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256:{hex}")
    };
    match value.split_once(' ') {
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("basic") =>
        {
            format!("{scheme} {}", fingerprint(rest.trim()))
        }
        _ => fingerprint(value),
    }
}

/// The request's headers as a JSON object (repeated names joined with `, `), with
/// `Authorization` and `Proxy-Authorization` fingerprinted and the control secret removed.
fn logged_headers(headers: &HeaderMap) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes());
        let value = match name.as_str() {
            "authorization" | "proxy-authorization" => redact_authorization(&value),
            SECRET_HEADER => "[redacted]".to_owned(),
            _ => value.into_owned(),
        };
        match out.get_mut(name.as_str()) {
            Some(Value::String(prev)) => {
                prev.push_str(", ");
                prev.push_str(&value);
            }
            _ => {
                out.insert(name.as_str().to_owned(), Value::String(value));
            }
        }
    }
    out
}

fn token_kind(state: &AppState, headers: &HeaderMap) -> Option<&'static str> {
    let token = api::bearer(headers)?;
    Some(if state.tokens.iter().any(|t| t == token) {
        "configured"
    } else if lock(&state.entra).check(token).is_some() {
        "issued"
    } else {
        "unknown"
    })
}

/// Records every request outside `/_sim` and the Entra token endpoint (preflights,
/// faulted ones and misses such as a wrong path prefix included) with its full body, so
/// tests can prove what the client sent — or that it sent nothing. Token requests are
/// left out: their bodies hold the client secret (`GET /_sim/entra` counts them).
pub async fn layer(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if matches!(area(req.uri().path()), Area::Control | Area::Entra) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_API_BODY).await {
        Ok(b) => b,
        Err(_) => {
            parts.extensions.insert(api::BodyUnreadable);
            Default::default()
        }
    };
    let entry = LoggedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: logged_headers(&parts.headers),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        token: token_kind(&state, &parts.headers),
    };
    lock(&state.requests).push(entry);
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn entry(n: usize) -> LoggedRequest {
        LoggedRequest {
            method: "GET".into(),
            path: format!("/api/{n}"),
            query: None,
            headers: Map::new(),
            body: String::new(),
            token: None,
        }
    }

    #[test]
    fn the_log_keeps_the_last_capacity_entries() {
        let mut log = RequestLog::default();
        for n in 0..CAPACITY + 5 {
            log.push(entry(n));
        }
        let entries = log.entries();
        assert_eq!(entries.len(), CAPACITY);
        assert_eq!(entries[0].path, "/api/5");
        assert_eq!(entries[CAPACITY - 1].path, format!("/api/{}", CAPACITY + 4));
        log.clear();
        assert!(log.entries().is_empty());
    }

    /// No run of 8 characters of `secret` appears in `text`.
    fn holds_no_run_of(text: &str, secret: &str) -> bool {
        let chars: Vec<char> = secret.chars().collect();
        chars
            .windows(8)
            .all(|w| !text.contains(&w.iter().collect::<String>()))
    }

    #[test]
    fn authorization_is_stored_as_a_fingerprint() {
        // sha256("sim-token"), as `printf %s sim-token | sha256sum` gives it.
        assert_eq!(
            redact_authorization("Bearer sim-token"),
            "Bearer sha256:104e8e6201c042a8a7a48ba07c5f25ce50b301f427ecd3703785435457f00372"
        );
        let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.payload-payload.signature";
        let mut headers = HeaderMap::new();
        let bearer = format!("bearer {token}");
        headers.insert("authorization", HeaderValue::from_str(&bearer).unwrap());
        headers.insert("proxy-authorization", HeaderValue::from_str(token).unwrap());
        headers.insert(SECRET_HEADER, HeaderValue::from_str(token).unwrap());
        headers.insert("accept", HeaderValue::from_static("application/json"));
        let logged = logged_headers(&headers);
        let text = serde_json::to_string(&logged).unwrap();
        assert!(holds_no_run_of(&text, token), "{text}");
        assert!(logged["authorization"]
            .as_str()
            .unwrap()
            .starts_with("bearer sha256:"));
        assert_eq!(logged["accept"], "application/json");
        assert_eq!(logged[SECRET_HEADER], "[redacted]");
        // Different tokens, different fingerprints; the same token, the same one.
        assert_ne!(
            redact_authorization("Bearer a-token-1"),
            redact_authorization("Bearer a-token-2")
        );
        assert_eq!(
            redact_authorization("Bearer  a-token-1"),
            redact_authorization("Bearer a-token-1")
        );
    }
}
