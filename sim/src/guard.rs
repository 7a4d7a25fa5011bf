//! What keeps other web pages away from the simulator's tokens and controls, while it runs
//! next to a browser: a `Host` check (a DNS-rebinding page reaches 127.0.0.1 under its own
//! host name), the origins allowed CORS (its own and those given with `--allow-origin`), and
//! a per-run secret plus JSON-only bodies for `/_sim` (no page can send a custom header or
//! a JSON body to another origin without a preflight the simulator refuses).

use std::sync::Arc;

use crate::app::{area, Area};
use crate::control;
use crate::state::AppState;
use crate::util::new_uuid;
use axum::body::HttpBody;
use axum::extract::{Request, State};
use axum::http::header::{HeaderMap, HeaderValue, CONTENT_TYPE, HOST, ORIGIN};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// The header that carries the control secret on every `/_sim` request.
pub const SECRET_HEADER: &str = "x-sim-secret";

/// Who may talk to this simulator.
pub struct Access {
    port: u16,
    /// The TLS port (`--tls-port`), if any: its `Host` and `https://` origins count too.
    tls_port: Option<u16>,
    /// Lower-case origins allowed CORS: the simulator's own and `--allow-origin`'s.
    origins: Vec<String>,
    secret: String,
}

impl Access {
    pub fn new(port: u16, allow_origins: &[String], secret: String) -> Access {
        let mut origins: Vec<String> = ["127.0.0.1", "localhost", "[::1]"]
            .iter()
            .map(|host| format!("http://{host}:{port}"))
            .collect();
        origins.extend(allow_origins.iter().map(|o| o.to_ascii_lowercase()));
        Access {
            port,
            tls_port: None,
            origins,
            secret,
        }
    }

    /// Also answers to the TLS port: its `Host` names and its `https://` origins.
    pub fn with_tls_port(mut self, tls_port: u16) -> Access {
        self.tls_port = Some(tls_port);
        self.origins.extend(
            ["127.0.0.1", "localhost", "[::1]"]
                .iter()
                .map(|host| format!("https://{host}:{tls_port}")),
        );
        self
    }

    /// 64 hex digits from two v4 UUIDs' random bits (from the OS's generator).
    pub fn generate_secret() -> String {
        format!("{}{}", new_uuid(), new_uuid()).replace('-', "")
    }

    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// `127.0.0.1`, `localhost` or `[::1]`, on this port or the TLS port (bare only on
    /// port 80 or, for TLS, 443).
    pub fn host_allowed(&self, host: Option<&HeaderValue>) -> bool {
        let Some(host) = host.and_then(|h| h.to_str().ok()) else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        let ports = [(Some(self.port), 80), (self.tls_port, 443)];
        ["127.0.0.1", "localhost", "[::1]"].iter().any(|name| {
            ports.iter().any(|(port, default)| {
                port.is_some_and(|p| {
                    host == format!("{name}:{p}") || (p == *default && host == *name)
                })
            })
        })
    }

    pub fn origin_allowed(&self, origin: &HeaderValue) -> bool {
        origin.to_str().is_ok_and(|o| {
            self.origins
                .iter()
                .any(|allowed| o.eq_ignore_ascii_case(allowed))
        })
    }

    /// Compares in time independent of where the first difference is.
    fn secret_matches(&self, given: Option<&HeaderValue>) -> bool {
        let given = given.map_or(&b""[..], HeaderValue::as_bytes);
        let expected = self.secret.as_bytes();
        given.len() == expected.len()
            && given
                .iter()
                .zip(expected)
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0
    }
}

/// `--allow-origin` values: `http(s)://host[:port]`, exactly as a browser sends `Origin`.
pub fn parse_origin(value: &str) -> Result<String, String> {
    let rest = value
        .strip_prefix("http://")
        .or_else(|| value.strip_prefix("https://"));
    match rest {
        Some(authority)
            if !authority.is_empty()
                && !authority.contains(['/', '?', '#', '@', '*'])
                && !authority.contains(char::is_whitespace) =>
        {
            Ok(value.to_owned())
        }
        _ => Err(format!(
            "--allow-origin {value:?}: expected an origin such as http://127.0.0.1:8081"
        )),
    }
}

/// Every request: the `Host` must name this loopback server (421 otherwise).
pub async fn host(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if !state.access.host_allowed(req.headers().get(HOST)) {
        return control::error(
            StatusCode::MISDIRECTED_REQUEST,
            "this simulator answers only to 127.0.0.1, localhost or [::1] on its own port",
        );
    }
    next.run(req).await
}

/// `/_sim` (preflights are answered by the CORS layer before this): an allowed origin if
/// any (403), the secret (403), and a JSON body or none (415).
pub async fn control(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if area(req.uri().path()) != Area::Control || req.method() == Method::OPTIONS {
        return next.run(req).await;
    }
    let headers = req.headers();
    if headers
        .get(ORIGIN)
        .is_some_and(|o| !state.access.origin_allowed(o))
    {
        return control::error(StatusCode::FORBIDDEN, "origin not allowed");
    }
    if !state.access.secret_matches(headers.get(SECRET_HEADER)) {
        return control::error(
            StatusCode::FORBIDDEN,
            "missing or wrong x-sim-secret (the simulator prints it when it starts)",
        );
    }
    let no_body = HttpBody::size_hint(req.body()).upper() == Some(0);
    if !json_or_no_body(headers, no_body) {
        return control::error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "control bodies must be application/json",
        );
    }
    next.run(req).await
}

/// A JSON `Content-Type`, or no `Content-Type` and no body.
fn json_or_no_body(headers: &HeaderMap, no_body: bool) -> bool {
    match headers.get(CONTENT_TYPE).map(HeaderValue::to_str) {
        Some(Ok(value)) => value
            .split(';')
            .next()
            .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json")),
        Some(Err(_)) => false,
        None => no_body,
    }
}
