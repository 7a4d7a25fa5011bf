//! The token endpoint's user grants (`authorization_code` with S256 PKCE, and
//! `refresh_token`), the signing keys, and the codes and refresh tokens it remembers. `entra.rs` hands it these grant types; its errors use Entra's shape.
//!
//! Codes are single-use (the first redemption burns one, failed or not) and live 10
//! minutes; refresh tokens 24 hours (as Entra's for a SPA). At most [`MAX_CODES`] codes and
//! [`MAX_REFRESH`] refresh tokens are kept: the oldest go first.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use axum::http::header::{HeaderValue, PRAGMA};
use axum::http::StatusCode;
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::entra::{error, missing, reply, unknown_client};
use crate::oidc::{user, User, API_SCOPE};
use crate::oidc_authorize::AuthRequest;
use crate::oidc_claims::{access_claims, client_info, id_claims, Scopes, TOKEN_LIFETIME_SECS};
use crate::oidc_keys::Keys;
use crate::state::{lock, AppState};
use crate::util::now_secs;

pub const CODE_LIFETIME: Duration = Duration::from_secs(600);
pub const REFRESH_LIFETIME: Duration = Duration::from_secs(24 * 3600);
pub const MAX_CODES: usize = 1000;
pub const MAX_REFRESH: usize = 10_000;

struct Code {
    user: &'static str,
    client_id: String,
    redirect_uri: String,
    challenge: String,
    nonce: Option<String>,
    scopes: Scopes,
    expires: Instant,
}

struct Refresh {
    user: &'static str,
    expires: Instant,
}

/// Values under random keys, at most a cap of them, the oldest dropped first. The order
/// also remembers keys taken out (so a reused code can be told from an unknown one).
struct Bounded<T> {
    map: HashMap<String, T>,
    order: VecDeque<String>,
}

impl<T> Default for Bounded<T> {
    fn default() -> Self {
        Bounded {
            map: HashMap::new(),
            order: VecDeque::new(),
        }
    }
}

impl<T> Bounded<T> {
    fn insert(&mut self, key: String, value: T, cap: usize) {
        if self.order.len() >= cap {
            if let Some(oldest) = self.order.pop_front() {
                self.map.remove(&oldest);
            }
        }
        self.map.insert(key.clone(), value);
        self.order.push_back(key);
    }

    fn seen(&self, key: &str) -> bool {
        self.order.iter().any(|k| k == key)
    }
}

/// Keys, outstanding codes and refresh tokens, counters.
#[derive(Default)]
pub struct OidcState {
    keys: Option<Keys>,
    codes: Bounded<Code>,
    refresh: Bounded<Refresh>,
    pub codes_issued: u64,
    pub tokens_issued: u64,
}

impl OidcState {
    /// `/_sim/reset`: codes, refresh tokens and counters go; the keys stay (a Worker's
    /// cached JWKS stays right).
    pub fn reset(&mut self) {
        *self = OidcState {
            keys: self.keys.take(),
            ..OidcState::default()
        };
    }
}

/// Runs `f` on the keys, made on first use (`main` makes them at start-up).
pub fn with_keys<T>(
    state: &AppState,
    f: impl FnOnce(&mut Keys) -> Result<T, String>,
) -> Result<T, String> {
    let mut st = lock(&state.oidc);
    if st.keys.is_none() {
        st.keys = Some(Keys::generate()?);
    }
    f(st.keys.as_mut().ok_or("no keys")?)
}

fn random_token(prefix: &str) -> String {
    format!(
        "{prefix}{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

pub fn issue_code(state: &AppState, user: &User, req: &AuthRequest) -> String {
    let code = random_token("sim-code-");
    let entry = Code {
        user: user.key,
        client_id: state.oidc_config.client_id.clone(),
        redirect_uri: req.redirect_uri.clone(),
        challenge: req.challenge.clone(),
        nonce: req.nonce.clone(),
        scopes: req.scopes.clone(),
        expires: Instant::now() + CODE_LIFETIME,
    };
    let mut st = lock(&state.oidc);
    st.codes.insert(code.clone(), entry, MAX_CODES);
    st.codes_issued += 1;
    code
}

/// `grant_type=authorization_code` or `refresh_token` (tenant and grant type checked).
pub fn grant(state: &AppState, form: &HashMap<String, String>) -> Response {
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    let cfg = &state.oidc_config;
    if !field("client_id").eq_ignore_ascii_case(&cfg.client_id) {
        return unknown_client(field("client_id"), &state.entra_config.tenant);
    }
    let (user, scopes, nonce) = if field("grant_type") == "authorization_code" {
        match redeem_code(state, field) {
            Ok(got) => got,
            Err(resp) => return *resp,
        }
    } else {
        match redeem_refresh(state, field) {
            Ok(got) => got,
            Err(resp) => return *resp,
        }
    };
    let tenant = &state.entra_config.tenant;
    let now = now_secs();
    let access = Value::Object(access_claims(cfg, tenant, user, scopes.api, now));
    let signed = with_keys(state, |k| {
        let id = scopes
            .openid
            .then(|| k.sign(&id_claims(cfg, tenant, user, nonce.as_deref(), now)))
            .transpose()?;
        Ok((k.sign(&access)?, id))
    });
    let Ok((access_token, id_token)) = signed else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            50000,
            "The token could not be signed.",
        );
    };
    let lifetime = TOKEN_LIFETIME_SECS - 1;
    let scope = if scopes.api {
        format!("api://{}/{API_SCOPE}", cfg.api_audience)
    } else {
        "openid profile User.Read email".into()
    };
    let mut body = json!({
        "token_type": "Bearer", "scope": scope, "expires_in": lifetime, "ext_expires_in": lifetime,
        "access_token": access_token,
    });
    if scopes.offline {
        let rt = issue_refresh(state, user);
        body["refresh_token"] = rt.into();
        body["refresh_token_expires_in"] = (REFRESH_LIFETIME.as_secs() - 1).into();
    }
    if let Some(id) = id_token {
        body["id_token"] = id.into();
    }
    body["client_info"] = client_info(user, tenant).into();
    lock(&state.oidc).tokens_issued += 1;
    let mut resp = reply(StatusCode::OK, &body);
    resp.headers_mut()
        .insert(PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

type Redeemed = (&'static User, Scopes, Option<String>);

fn redeem_code<'a>(
    state: &AppState,
    field: impl Fn(&str) -> &'a str,
) -> Result<Redeemed, Box<Response>> {
    for name in ["code", "redirect_uri", "code_verifier"] {
        if field(name).is_empty() {
            return Err(Box::new(missing(name)));
        }
    }
    let invalid_grant = |code: u32, text: &str| {
        Box::new(error(StatusCode::BAD_REQUEST, "invalid_grant", code, text))
    };
    let mut st = lock(&state.oidc);
    let Some(code) = st.codes.map.remove(field("code")) else {
        let used = st.codes.seen(field("code"));
        return Err(if used {
            invalid_grant(54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
        } else {
            invalid_grant(9002313, "Invalid request. Request is malformed or invalid.")
        });
    };
    drop(st);
    if Instant::now() >= code.expires {
        return Err(invalid_grant(70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."));
    }
    if !code.client_id.eq_ignore_ascii_case(field("client_id")) {
        return Err(invalid_grant(
            70000,
            "The code was issued to another client.",
        ));
    }
    if code.redirect_uri != field("redirect_uri") {
        return Err(invalid_grant(70000, "The provided value for the 'redirect_uri' is not valid. The value must exactly match the redirect URI used to obtain the authorization code."));
    }
    let verifier = field("code_verifier");
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    if !well_formed {
        return Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            501491,
            "Invalid size or characters of the Code_Verifier parameter.",
        )));
    }
    if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != code.challenge {
        return Err(invalid_grant(501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."));
    }
    let user = user(code.user).ok_or_else(|| invalid_grant(9002313, "Unknown user."))?;
    Ok((user, code.scopes, code.nonce))
}

fn redeem_refresh<'a>(
    state: &AppState,
    field: impl Fn(&str) -> &'a str,
) -> Result<Redeemed, Box<Response>> {
    if field("refresh_token").is_empty() {
        return Err(Box::new(missing("refresh_token")));
    }
    let scopes = Scopes::parse(field("scope"), &state.oidc_config.api_audience)
        .map_err(|(e, code, text)| Box::new(error(StatusCode::BAD_REQUEST, e, code, &text)))?;
    let st = lock(&state.oidc);
    let found = st
        .refresh
        .map
        .get(field("refresh_token"))
        .map(|r| (r.user, Instant::now() < r.expires));
    drop(st);
    match found {
        Some((key, true)) => Ok((
            user(key).ok_or_else(|| Box::new(missing("refresh_token")))?,
            scopes,
            None,
        )),
        Some((_, false)) => Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            700082,
            "The refresh token has expired due to inactivity.",
        ))),
        None => Err(Box::new(error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid.",
        ))),
    }
}

fn issue_refresh(state: &AppState, user: &User) -> String {
    let token = random_token("sim-rt-");
    let entry = Refresh {
        user: user.key,
        expires: Instant::now() + REFRESH_LIFETIME,
    };
    lock(&state.oidc)
        .refresh
        .insert(token.clone(), entry, MAX_REFRESH);
    token
}

/// Test hook: every outstanding code expires now.
#[cfg(test)]
pub fn expire_codes(state: &AppState) {
    for code in lock(&state.oidc).codes.map.values_mut() {
        code.expires = Instant::now();
    }
}
