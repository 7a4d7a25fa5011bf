//! What the sign-in's tokens say: the scopes a request asks for, and the claims of the
//! access and id tokens, as Entra v2.0 issues them for an API app and a SPA.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::entra::printable;
use crate::oidc::{OidcConfig, User, API_SCOPE};
use crate::oidc_keys::b64_json;

/// Access and id tokens: `exp` = `iat` + this; `expires_in` one second less.
pub const TOKEN_LIFETIME_SECS: u64 = 3600;
/// Microsoft Graph's app id: the audience of a token asked without the API's scope.
pub const GRAPH: &str = "00000003-0000-0000-c000-000000000000";
const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// What a scope parameter asks for: the API (with its delegated scope) or Graph, and
/// which OpenID scopes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scopes {
    pub api: bool,
    pub openid: bool,
    pub offline: bool,
}

impl Scopes {
    /// Errors as `(error, AADSTS code, description)`.
    pub fn parse(scope: &str, audience: &str) -> Result<Scopes, (&'static str, u32, String)> {
        if scope.trim().is_empty() {
            return Err((
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'scope'.".into(),
            ));
        }
        let mut s = Scopes {
            api: false,
            openid: false,
            offline: false,
        };
        let mut graph = false;
        for item in scope.split(' ').filter(|i| !i.is_empty()) {
            if OIDC_SCOPES.contains(&item) {
                s.openid |= item == "openid";
                s.offline |= item == "offline_access";
                continue;
            }
            let lower = item.to_ascii_lowercase();
            let name = lower
                .strip_prefix("api://")
                .unwrap_or(&lower)
                .strip_prefix(&audience.to_ascii_lowercase())
                .and_then(|rest| rest.strip_prefix('/'));
            match name {
                Some(n) if n == API_SCOPE.to_ascii_lowercase() || n == ".default" => s.api = true,
                Some(_) => return Err(("invalid_scope", 65005, format!("The application '{audience}' asked for scope '{}' that doesn't exist on the resource.", printable(item)))),
                None if !item.contains('/') || lower.starts_with("https://graph.microsoft.com/") => graph = true,
                None => return Err(("invalid_resource", 500011, format!("The resource principal named {} was not found in the tenant.", printable(item)))),
            }
        }
        if s.api && graph {
            return Err(("invalid_scope", 28000, "Provided value for the input parameter scope is not valid because it contains more than one resource.".into()));
        }
        Ok(s)
    }
}

/// `client_info`: base64url `{"uid": oid, "utid": tenant}`, which MSAL keys accounts by.
pub fn client_info(user: &User, tenant: &str) -> String {
    b64_json(&json!({"uid": user.oid, "utid": tenant}))
}

/// A pairwise `sub`: stable per user and audience.
fn subject(user: &User, aud: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(format!("{}|{aud}", user.oid).as_bytes()))
}

/// The access token's claims, in Entra's order.
pub fn access_claims(
    cfg: &OidcConfig,
    tenant: &str,
    user: &User,
    api: bool,
    now: u64,
) -> Map<String, Value> {
    let aud = if api {
        cfg.api_audience.as_str()
    } else {
        GRAPH
    };
    let mut c = Map::new();
    c.insert("aud".into(), aud.into());
    c.insert("iss".into(), cfg.issuer(tenant).into());
    c.insert("iat".into(), now.into());
    c.insert("nbf".into(), now.into());
    c.insert("exp".into(), (now + TOKEN_LIFETIME_SECS).into());
    c.insert("azp".into(), cfg.client_id.clone().into());
    c.insert("azpacr".into(), "0".into());
    c.insert("name".into(), user.name.into());
    c.insert("oid".into(), user.oid.into());
    c.insert("preferred_username".into(), user.username.into());
    if api && !user.roles.is_empty() {
        c.insert("roles".into(), json!(user.roles));
    }
    let scp = if api {
        API_SCOPE
    } else {
        "openid profile User.Read email"
    };
    c.insert("scp".into(), scp.into());
    c.insert("sub".into(), subject(user, aud).into());
    c.insert("tid".into(), tenant.into());
    c.insert(
        "uti".into(),
        URL_SAFE_NO_PAD
            .encode(&uuid::Uuid::new_v4().as_bytes()[..])
            .into(),
    );
    c.insert("ver".into(), "2.0".into());
    c
}

pub fn id_claims(
    cfg: &OidcConfig,
    tenant: &str,
    user: &User,
    nonce: Option<&str>,
    now: u64,
) -> Value {
    let mut c = Map::new();
    c.insert("aud".into(), cfg.client_id.clone().into());
    c.insert("iss".into(), cfg.issuer(tenant).into());
    c.insert("iat".into(), now.into());
    c.insert("nbf".into(), now.into());
    c.insert("exp".into(), (now + TOKEN_LIFETIME_SECS).into());
    c.insert("name".into(), user.name.into());
    if let Some(nonce) = nonce {
        c.insert("nonce".into(), nonce.into());
    }
    c.insert("oid".into(), user.oid.into());
    c.insert("preferred_username".into(), user.username.into());
    c.insert("sub".into(), subject(user, &cfg.client_id).into());
    c.insert("tid".into(), tenant.into());
    c.insert("ver".into(), "2.0".into());
    Value::Object(c)
}
