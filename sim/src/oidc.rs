//! The simulated Entra ID's user sign-in (v2.0 endpoints), enough for MSAL browser's
//! authorization-code flow with PKCE: OIDC metadata, the JWKS, `/authorize` with a dev
//! sign-in page (choose a seeded user), and logout. The token endpoint's code and refresh
//! grants are in `oidc_token.rs`, the keys in `oidc_keys.rs`.
//!
//! Paths, for the tenant of `--entra-tenant` (others get AADSTS90002):
//! `/{tenant}/v2.0/.well-known/openid-configuration`, `/{tenant}/discovery/v2.0/keys`,
//! `/{tenant}/oauth2/v2.0/authorize`, `/{tenant}/oauth2/v2.0/logout`.
//! The issuer is one fixed URL (the TLS origin when there is one); the endpoint URLs in the
//! metadata are on the origin the metadata was asked on.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::header::{HeaderValue, CACHE_CONTROL, HOST, LOCATION, ORIGIN};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use crate::entra::{self, parse_form};
use crate::oidc_page;
use crate::server::ConnControl;
use crate::state::{lock, AppState};
use crate::{oidc_authorize, oidc_token};

pub const DEFAULT_CLIENT_ID: &str = "22222222-0000-4000-8000-000000005fa0";
pub const DEFAULT_API_AUDIENCE: &str = "33333333-0000-4000-8000-0000000000a1";
/// The delegated scope the API app exposes; MSAL asks for `api://{audience}/` + this.
pub const API_SCOPE: &str = "MachineActions.Use";
pub const MAX_QUERY: usize = 16 * 1024;

/// A seeded user of the simulated tenant.
pub struct User {
    pub key: &'static str,
    pub oid: &'static str,
    pub username: &'static str,
    pub name: &'static str,
    pub roles: &'static [&'static str],
}

pub const USERS: [User; 3] = [
    User {
        key: "operator",
        oid: "0a11ce00-0000-4000-8000-00000000a001",
        username: "operator@contoso.example",
        name: "Olivia Operator",
        roles: &["MachineActions.Read", "MachineActions.Cancel"],
    },
    User {
        key: "reader",
        oid: "0a11ce00-0000-4000-8000-00000000a002",
        username: "reader@contoso.example",
        name: "Riley Reader",
        roles: &["MachineActions.Read"],
    },
    User {
        key: "norole",
        oid: "0a11ce00-0000-4000-8000-00000000a003",
        username: "norole@contoso.example",
        name: "Noah Norole",
        roles: &[],
    },
];

pub fn user(key: &str) -> Option<&'static User> {
    USERS.iter().find(|u| u.key == key)
}

/// The SPA and API registrations (from the command line) and where the issuer lives.
#[derive(Clone, Debug)]
pub struct OidcConfig {
    /// The SPA's client id (the id token's `aud`).
    pub client_id: String,
    /// The API app's client id (the access token's `aud`).
    pub api_audience: String,
    /// Registered redirect URIs besides the loopback http ones (exact match).
    pub redirect_uris: Vec<String>,
    /// `https://127.0.0.1:TLS_PORT`, or the http origin without TLS; set at start-up.
    pub issuer_origin: String,
}

impl Default for OidcConfig {
    fn default() -> Self {
        OidcConfig {
            client_id: DEFAULT_CLIENT_ID.into(),
            api_audience: DEFAULT_API_AUDIENCE.into(),
            redirect_uris: Vec::new(),
            issuer_origin: "http://127.0.0.1".into(),
        }
    }
}

impl OidcConfig {
    pub fn issuer(&self, tenant: &str) -> String {
        format!("{}/{tenant}/v2.0", self.issuer_origin)
    }

    /// Exactly a `--oidc-redirect-uri`, or any `http://` loopback URI (127.0.0.1,
    /// localhost, [::1], any port and path). Never with a fragment.
    pub fn redirect_allowed(&self, uri: &str) -> bool {
        if uri.len() > 2048 || uri.contains(['#', ' ', '"', '<', '>', '\\']) {
            return false;
        }
        if self.redirect_uris.iter().any(|r| r == uri) {
            return true;
        }
        let Some(rest) = uri.strip_prefix("http://") else {
            return false;
        };
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        let host = match authority.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => authority,
        };
        ["127.0.0.1", "localhost", "[::1]"].contains(&host.to_ascii_lowercase().as_str())
    }
}

/// `--oidc-redirect-uri`: an absolute http(s) URI without a fragment.
pub fn parse_redirect_uri(value: &str) -> Result<String, String> {
    let ok = (value.starts_with("https://") || value.starts_with("http://"))
        && value.len() <= 2048
        && !value.contains(['#', ' ', '"', '<', '>', '\\']);
    ok.then(|| value.to_owned()).ok_or_else(|| {
        format!("--oidc-redirect-uri {value:?}: expected an absolute http(s) URI without #")
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Metadata,
    Keys,
    Authorize,
    Logout,
}

/// The sign-in endpoint a path names, with its tenant segment.
pub fn route(path: &str) -> Option<(&str, Endpoint)> {
    let (tenant, tail) = path.strip_prefix('/')?.split_once('/')?;
    let endpoint = match tail.to_ascii_lowercase().as_str() {
        "v2.0/.well-known/openid-configuration" => Endpoint::Metadata,
        "discovery/v2.0/keys" => Endpoint::Keys,
        "oauth2/v2.0/authorize" => Endpoint::Authorize,
        "oauth2/v2.0/logout" => Endpoint::Logout,
        _ => return None,
    };
    (!tenant.is_empty()).then_some((tenant, endpoint))
}

/// Entry point for the paths of [`route`].
pub async fn handle(state: &AppState, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let Some((tenant, endpoint)) = route(&path) else {
        return oidc_page::error_page(StatusCode::NOT_FOUND, 0, "Not found.");
    };
    let fault = lock(&state.faults).take_named_match(req.method().as_str(), &path);
    if let Some(f) = fault {
        let conn = req.extensions().get::<ConnControl>().cloned();
        return crate::faults::execute(f, conn).await;
    }
    let cfg = &state.entra_config;
    if !tenant.eq_ignore_ascii_case(&cfg.tenant) {
        let msg = format!(
            "Tenant '{}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
            entra::printable(tenant)
        );
        return match endpoint {
            Endpoint::Authorize | Endpoint::Logout => {
                oidc_page::error_page(StatusCode::BAD_REQUEST, 90002, &msg)
            }
            _ => entra::error(StatusCode::BAD_REQUEST, "invalid_tenant", 90002, &msg),
        };
    }
    let tenant = cfg.tenant.clone();
    let origin = request_origin(&req);
    match (endpoint, req.method().clone()) {
        (Endpoint::Metadata, Method::GET | Method::HEAD) => {
            json_reply(&metadata(state, &tenant, &origin))
        }
        (Endpoint::Keys, Method::GET | Method::HEAD) => {
            let issuer = state.oidc_config.issuer(&tenant);
            json_reply(
                &oidc_token::with_keys(state, |k| Ok(k.jwks(&issuer))).unwrap_or(Value::Null),
            )
        }
        (Endpoint::Authorize, Method::GET) => {
            let query = req.uri().query().unwrap_or_default();
            if query.len() > MAX_QUERY {
                return oidc_page::error_page(
                    StatusCode::URI_TOO_LONG,
                    90015,
                    "The request is too long.",
                );
            }
            oidc_authorize::authorize(state, &parse_form(query.as_bytes()), None)
        }
        (Endpoint::Authorize, Method::POST) => {
            // The sign-in page's own form: from its own origin, or none.
            if req
                .headers()
                .get(ORIGIN)
                .is_some_and(|o| !state.access.origin_allowed(o))
            {
                return oidc_page::error_page(StatusCode::FORBIDDEN, 0, "Origin not allowed.");
            }
            let Ok(body) = to_bytes(req.into_body(), MAX_QUERY).await else {
                return oidc_page::error_page(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    90015,
                    "The request is too long.",
                );
            };
            let form = parse_form(&body);
            let chosen = form.get("user").cloned().unwrap_or_default();
            oidc_authorize::authorize(state, &form, Some(&chosen))
        }
        (Endpoint::Logout, Method::GET) => {
            let query = parse_form(req.uri().query().unwrap_or_default().as_bytes());
            match query.get("post_logout_redirect_uri") {
                Some(uri) if state.oidc_config.redirect_allowed(uri) => redirect(uri),
                _ => oidc_page::signed_out(),
            }
        }
        (_, m) => entra::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            900561,
            &format!("The endpoint does not accept {m} requests."),
        ),
    }
}

/// `scheme://host` as the client reached this server (its `Host` already checked).
fn request_origin(req: &Request) -> String {
    let tls = req.extensions().get::<ConnControl>().is_some_and(|c| c.tls);
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("{}://{host}", if tls { "https" } else { "http" })
}

/// The OIDC discovery document, shaped like Entra's v2.0 one.
fn metadata(state: &AppState, tenant: &str, origin: &str) -> Value {
    let base = format!("{origin}/{tenant}");
    json!({
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": state.oidc_config.issuer(tenant),
        "request_uri_parameter_supported": false,
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "http_logout_supported": true,
        "frontchannel_logout_supported": true,
        "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "preferred_username", "name", "tid", "ver", "oid", "roles"],
        "code_challenge_methods_supported": ["S256"],
        "tenant_region_scope": "NA",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
    })
}

/// JSON that may be cached for a day, as Entra's metadata and keys.
fn json_reply(body: &Value) -> Response {
    let mut resp = entra::reply(StatusCode::OK, body);
    resp.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("max-age=86400, private"),
    );
    resp
}

pub(crate) fn redirect(location: &str) -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::FOUND;
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(LOCATION, v);
    }
    resp.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
