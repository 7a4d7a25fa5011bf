//! A stand-in for the Microsoft Entra ID (Azure AD) v2.0 token endpoint,
//! `POST /{tenantId}/oauth2/v2.0/token` with a form body: the client-credentials flow here,
//! a user's `authorization_code` and `refresh_token` grants in `oidc_token.rs`. It issues opaque
//! random access tokens that the `/api` side then accepts until they expire, and answers
//! failures in Entra's own shape (`error`, `error_description` starting with the AADSTS
//! code, `error_codes`, `timestamp`, `trace_id`, `correlation_id`, `error_uri`).
//!
//! Nothing here ever echoes or logs the client secret; issued tokens are only returned in
//! the success body and kept in memory.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE, PRAGMA};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use crate::faults;
use crate::oidc_token;
use crate::server::ConnControl;
use crate::state::{lock, AppState};
use crate::util::{format_iso, new_uuid};

pub const DEFAULT_TENANT: &str = "00000000-0000-4000-8000-00000000a11d";
pub const DEFAULT_CLIENT_ID: &str = "11111111-0000-4000-8000-00000000c11e";
pub const DEFAULT_CLIENT_SECRET: &str = "sim-client-secret";
pub const DEFAULT_TOKEN_LIFETIME_SECS: u64 = 3599;

/// The audiences the simulated tenant knows, as `{resource}/.default` scopes: commercial,
/// and the US government clouds (GCC High/DoD, GCC).
pub const ACCEPTED_SCOPES: [&str; 3] = [
    "https://api.securitycenter.microsoft.com/.default",
    "https://api-gov.securitycenter.microsoft.us/.default",
    "https://api-gcc.securitycenter.microsoft.us/.default",
];

/// Form bodies are tiny; anything bigger is refused.
const MAX_FORM_BODY: usize = 64 * 1024;

/// The application registration the simulated tenant holds (from the command line).
#[derive(Clone, Debug)]
pub struct EntraConfig {
    pub tenant: String,
    pub client_id: String,
    pub client_secret: String,
    pub token_lifetime_secs: u64,
}

impl Default for EntraConfig {
    fn default() -> Self {
        EntraConfig {
            tenant: DEFAULT_TENANT.into(),
            client_id: DEFAULT_CLIENT_ID.into(),
            client_secret: DEFAULT_CLIENT_SECRET.into(),
            token_lifetime_secs: DEFAULT_TOKEN_LIFETIME_SECS,
        }
    }
}

/// Issued tokens and counters. `token_requests` counts every request to the token
/// endpoint (failed ones included); `issued` counts tokens handed out.
#[derive(Default)]
pub struct EntraState {
    tokens: HashMap<String, Instant>,
    pub token_requests: u64,
    pub issued: u64,
}

impl EntraState {
    pub fn reset(&mut self) {
        *self = EntraState::default();
    }

    fn issue(&mut self, lifetime: Duration) -> String {
        let token = format!(
            "sim-at-{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        self.tokens.insert(token.clone(), Instant::now() + lifetime);
        self.issued += 1;
        token
    }

    /// `Some(true)` for an issued, unexpired token, `Some(false)` for an issued but
    /// expired one, `None` for a token this endpoint never issued.
    pub fn check(&self, token: &str) -> Option<bool> {
        self.tokens
            .get(token)
            .map(|expiry| Instant::now() < *expiry)
    }

    /// `POST /_sim/entra/expire`: every issued token expires now.
    pub fn expire_all(&mut self) {
        let now = Instant::now();
        for expiry in self.tokens.values_mut() {
            *expiry = now;
        }
    }
}

/// Is this an Entra token-endpoint path, `/{tenant}/oauth2/v2.0/token`?
pub fn is_token_path(path: &str) -> bool {
    tenant_of(path).is_some()
}

fn tenant_of(path: &str) -> Option<&str> {
    let rest = path.strip_prefix('/')?;
    let (tenant, tail) = rest.split_once('/')?;
    (!tenant.is_empty() && tail.eq_ignore_ascii_case("oauth2/v2.0/token")).then_some(tenant)
}

/// Entry point for the token endpoint.
pub async fn handle(state: &AppState, req: Request) -> Response {
    lock(&state.entra).token_requests += 1;
    let path = req.uri().path().to_owned();
    let fault = lock(&state.faults).take_named_match(req.method().as_str(), &path);
    if let Some(f) = fault {
        let conn = req.extensions().get::<ConnControl>().cloned();
        return faults::execute(f, conn).await;
    }
    let cfg = &state.entra_config;
    let tenant = tenant_of(req.uri().path()).unwrap_or_default().to_owned();
    if req.method() != Method::POST {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            900561,
            &format!(
                "The endpoint only accepts POST, OPTIONS requests. Received a {} request.",
                req.method()
            ),
        );
    }
    let Ok(body) = to_bytes(req.into_body(), MAX_FORM_BODY).await else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900144,
            "The request body could not be read.",
        );
    };
    let form = parse_form(&body);
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");

    if !tenant.eq_ignore_ascii_case(&cfg.tenant) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
                printable(&tenant)
            ),
        );
    }
    for name in ["grant_type", "client_id"] {
        if field(name).is_empty() {
            return missing(name);
        }
    }
    // A user's sign-in (MSAL): the code + PKCE exchange and refreshes, in `oidc_token.rs`.
    if matches!(field("grant_type"), "authorization_code" | "refresh_token") {
        return oidc_token::grant(state, &form);
    }
    if field("grant_type") != "client_credentials" {
        return error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            &format!(
                "The app requested an unsupported grant type '{}'.",
                printable(field("grant_type"))
            ),
        );
    }
    if !field("client_id").eq_ignore_ascii_case(&cfg.client_id) {
        return unknown_client(field("client_id"), &cfg.tenant);
    }
    if field("client_secret").is_empty() {
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
    }
    // Compared without early exit; the value is never echoed.
    if !constant_time_eq(
        field("client_secret").as_bytes(),
        cfg.client_secret.as_bytes(),
    ) {
        return error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            &format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{}'.",
                cfg.client_id
            ),
        );
    }
    let scope = field("scope");
    if !ACCEPTED_SCOPES.contains(&scope) {
        return match scope.strip_suffix("/.default") {
            Some(resource) if !resource.is_empty() && !scope.contains(' ') => error(
                StatusCode::BAD_REQUEST,
                "invalid_resource",
                500011,
                &format!(
                    "The resource principal named {} was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.",
                    printable(resource),
                    cfg.tenant
                ),
            ),
            _ => error(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                70011,
                &format!(
                    "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).",
                    printable(scope)
                ),
            ),
        };
    }

    let lifetime = cfg.token_lifetime_secs;
    let token = lock(&state.entra).issue(Duration::from_secs(lifetime));
    let mut resp = reply(
        StatusCode::OK,
        &json!({
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": token,
        }),
    );
    resp.headers_mut()
        .insert(PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

/// AADSTS700016: a `client_id` the tenant does not know.
pub(crate) fn unknown_client(client_id: &str, tenant: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "unauthorized_client",
        700016,
        &format!(
            "Application with identifier '{}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
            printable(client_id)
        ),
    )
}

pub(crate) fn missing(name: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        900144,
        &format!("The request body must contain the following parameter: '{name}'."),
    )
}

pub(crate) fn reply(status: StatusCode, body: &Value) -> Response {
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    h.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    resp
}

/// Entra's error shape; the description carries the code, trace and correlation ids and
/// the timestamp like the real service's.
pub(crate) fn error(status: StatusCode, error: &str, code: u32, description: &str) -> Response {
    let trace_id = new_uuid();
    let correlation_id = new_uuid();
    let timestamp = entra_timestamp();
    let mut resp = reply(
        status,
        &json!({
            "error": error,
            "error_description": format!(
                "AADSTS{code}: {description} Trace ID: {trace_id} Correlation ID: {correlation_id} Timestamp: {timestamp}"
            ),
            "error_codes": [code],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    );
    if let Ok(v) = HeaderValue::from_str(&correlation_id) {
        resp.headers_mut().insert("client-request-id", v);
    }
    resp
}

/// `2026-11-29 15:04:05Z`, the format Entra uses in `timestamp`.
fn entra_timestamp() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let iso = format_iso(secs, 0);
    format!("{} {}Z", &iso[..10], &iso[11..19])
}

/// Caller-supplied text quoted in a description: printable ASCII only, at most 200 chars.
pub(crate) fn printable(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(200)
        .collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i % b.len().max(1)).copied().unwrap_or(0));
    }
    diff == 0
}

/// `application/x-www-form-urlencoded`: `&`-separated `name=value`, `+` for space,
/// `%XX` escapes (malformed ones kept literally). The first occurrence of a name wins.
pub fn parse_form(body: &[u8]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        out.entry(form_decode(name))
            .or_insert_with(|| form_decode(value));
    }
    out
}

fn form_decode(s: &[u8]) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(b) = hex {
                    out.push(b);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::SeedKind;
    use axum::http::Request as HttpRequest;

    fn app_state(lifetime: u64) -> AppState {
        let mut st = AppState::new(vec!["sim-token".into()], SeedKind::None, true, vec![]);
        st.entra_config.token_lifetime_secs = lifetime;
        st
    }

    fn form(overrides: &[(&str, &str)]) -> String {
        let mut fields = vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", DEFAULT_CLIENT_ID.to_owned()),
            ("client_secret", DEFAULT_CLIENT_SECRET.to_owned()),
            ("scope", ACCEPTED_SCOPES[0].to_owned()),
        ];
        for (k, v) in overrides {
            fields.retain(|(n, _)| n != k);
            if !v.is_empty() {
                fields.push((k, (*v).to_owned()));
            }
        }
        fields
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.replace('%', "%25")
                        .replace(':', "%3A")
                        .replace('/', "%2F")
                )
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    async fn call(st: &AppState, tenant: &str, body: String) -> (StatusCode, Value) {
        let req = HttpRequest::builder()
            .method("POST")
            .uri(format!("/{tenant}/oauth2/v2.0/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let resp = handle(st, req).await;
        let status = resp.status();
        let bytes = to_bytes(resp.into_body(), usize::MAX).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn paths_and_forms() {
        assert!(is_token_path("/abc/oauth2/v2.0/token"));
        assert!(is_token_path("/abc/OAuth2/V2.0/Token"));
        assert!(!is_token_path("//oauth2/v2.0/token"));
        assert!(!is_token_path("/abc/oauth2/token"));
        assert!(!is_token_path("/a/b/oauth2/v2.0/token"));
        let f = parse_form(b"a=1+2&b=%2F%zz&c&a=again&scope=https%3A%2F%2Fx%2F.default");
        assert_eq!(f["a"], "1 2");
        assert_eq!(f["b"], "/%zz");
        assert_eq!(f["c"], "");
        assert_eq!(f["scope"], "https://x/.default");
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
        assert_eq!(entra_timestamp().len(), "2026-11-29 15:04:05Z".len());
    }

    #[tokio::test]
    async fn issues_tokens_the_api_accepts_until_expired() {
        let st = app_state(3599);
        let (status, body) = call(&st, DEFAULT_TENANT, form(&[])).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 3599);
        assert_eq!(body["ext_expires_in"], 3599);
        let token = body["access_token"].as_str().unwrap().to_owned();
        assert!(token.starts_with("sim-at-") && token.len() > 40);
        assert!(!body.to_string().contains(DEFAULT_CLIENT_SECRET));
        assert_eq!(st.principal(&token), Some(crate::state::OTHER_PRINCIPAL));
        assert_eq!(
            st.principal("sim-token"),
            Some(crate::state::DEFAULT_PRINCIPAL)
        );
        // Upper-case tenant and client id, GCC scope.
        let (status, _) = call(
            &st,
            &DEFAULT_TENANT.to_ascii_uppercase(),
            form(&[
                ("client_id", &DEFAULT_CLIENT_ID.to_ascii_uppercase()),
                ("scope", ACCEPTED_SCOPES[2]),
            ]),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        {
            let e = lock(&st.entra);
            assert_eq!((e.token_requests, e.issued), (2, 2));
        }
        lock(&st.entra).expire_all();
        assert_eq!(st.principal(&token), None);
        assert_eq!(
            st.principal("sim-token"),
            Some(crate::state::DEFAULT_PRINCIPAL)
        );
        st.reset();
        let e = lock(&st.entra);
        assert_eq!((e.token_requests, e.issued), (0, 0));
        assert_eq!(e.check(&token), None);
    }

    #[tokio::test]
    async fn zero_lifetime_tokens_are_expired_at_once() {
        let st = app_state(0);
        let (_, body) = call(&st, DEFAULT_TENANT, form(&[])).await;
        assert_eq!(body["expires_in"], 0);
        assert_eq!(st.principal(body["access_token"].as_str().unwrap()), None);
    }

    #[tokio::test]
    async fn errors_have_entra_shape_and_never_echo_the_secret() {
        let st = app_state(3599);
        let cases: Vec<(&str, String, StatusCode, &str, u64)> = vec![
            (
                DEFAULT_TENANT,
                form(&[("client_secret", "wrong-secret-value")]),
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000215,
            ),
            (
                DEFAULT_TENANT,
                form(&[("client_secret", "")]),
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7000218,
            ),
            (
                "contoso.example",
                form(&[]),
                StatusCode::BAD_REQUEST,
                "invalid_request",
                90002,
            ),
            (
                DEFAULT_TENANT,
                form(&[("client_id", "22222222-0000-4000-8000-000000000000")]),
                StatusCode::BAD_REQUEST,
                "unauthorized_client",
                700016,
            ),
            (
                DEFAULT_TENANT,
                form(&[("scope", "https://api.security.microsoft.com/machine.read")]),
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                70011,
            ),
            (
                DEFAULT_TENANT,
                form(&[("scope", "")]),
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                70011,
            ),
            (
                DEFAULT_TENANT,
                form(&[("scope", "https://eu.api.security.microsoft.com/.default")]),
                StatusCode::BAD_REQUEST,
                "invalid_resource",
                500011,
            ),
            (
                DEFAULT_TENANT,
                form(&[("grant_type", "password")]),
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                70003,
            ),
            (
                DEFAULT_TENANT,
                form(&[("grant_type", "")]),
                StatusCode::BAD_REQUEST,
                "invalid_request",
                900144,
            ),
        ];
        for (tenant, body, status, error, code) in cases {
            let (got_status, got) = call(&st, tenant, body.clone()).await;
            assert_eq!(got_status, status, "{body}");
            assert_eq!(got["error"], error, "{body}");
            assert_eq!(got["error_codes"], json!([code]), "{body}");
            let desc = got["error_description"].as_str().unwrap();
            assert!(desc.starts_with(&format!("AADSTS{code}: ")), "{desc}");
            for key in ["timestamp", "trace_id", "correlation_id", "error_uri"] {
                assert!(got[key].is_string(), "{key} in {got}");
            }
            let text = got.to_string();
            assert!(!text.contains(DEFAULT_CLIENT_SECRET), "{text}");
            assert!(!text.contains("wrong-secret-value"), "{text}");
        }
        let e = lock(&st.entra);
        assert_eq!((e.token_requests, e.issued), (9, 0));
    }

    #[tokio::test]
    async fn get_is_refused() {
        let st = app_state(3599);
        let req = HttpRequest::builder()
            .uri(format!("/{DEFAULT_TENANT}/oauth2/v2.0/token"))
            .body(Body::empty())
            .unwrap();
        let resp = handle(&st, req).await;
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
}
