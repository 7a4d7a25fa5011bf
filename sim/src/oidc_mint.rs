//! `POST /_sim/oidc/token`: an access token minted directly, good or bad in one chosen way,
//! so a Worker's tests can present each token the Worker must refuse without a browser.
//!
//! Body (only `user` required; unknown fields are a 400):
//! `{"user": "operator"|"reader"|"norole", "aud": "…", "iss": "…", "tid": "…",
//!   "exp_offset_secs": 3600, "nbf_offset_secs": 0, "roles": ["…"], "scp": "…",
//!   "alg": "RS256"|"none", "tamper": false, "foreign_key": false}` → `{"access_token": "…"}`.
//! The claims are those the token endpoint issues for the API, with `iat` = now,
//! `nbf` = now + `nbf_offset_secs`, `exp` = now + `exp_offset_secs` (negative: already
//! expired), and `aud`, `iss`, `tid`, `roles` (`[]` removes the claim) and `scp` replaced
//! when given. `alg: "none"`: header `{"typ":"JWT","alg":"none"}`, empty signature.
//! `foreign_key`: signed RS256 by a key the JWKS never lists, under the current `kid`.
//! `tamper`: signed, then the payload's `roles` set to both roles and `preferred_username`
//! to `tampered@contoso.example` (the signature no longer matches).

use serde::Deserialize;
use serde_json::{json, Value};

use crate::oidc::user;
use crate::oidc_claims::{access_claims, TOKEN_LIFETIME_SECS};
use crate::oidc_keys::{unsigned, with_payload};
use crate::oidc_token::with_keys;
use crate::state::AppState;
use crate::util::now_secs;

/// Offsets are bounded to ±10 years.
const MAX_OFFSET: i64 = 10 * 366 * 24 * 3600;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Mint {
    user: String,
    aud: Option<String>,
    iss: Option<String>,
    tid: Option<String>,
    exp_offset_secs: Option<i64>,
    nbf_offset_secs: Option<i64>,
    roles: Option<Vec<String>>,
    scp: Option<String>,
    alg: Option<String>,
    #[serde(default)]
    tamper: bool,
    #[serde(default)]
    foreign_key: bool,
}

/// The token, or a message for a 400.
pub fn mint(state: &AppState, body: &[u8]) -> Result<Value, String> {
    let m: Mint = serde_json::from_slice(body).map_err(|e| format!("invalid body: {e}"))?;
    let who = user(&m.user).ok_or("user must be operator, reader or norole")?;
    let offset = |v: Option<i64>, default: i64, name: &str| {
        let v = v.unwrap_or(default);
        if v.abs() > MAX_OFFSET {
            return Err(format!("{name} must be within ±{MAX_OFFSET}"));
        }
        Ok(v)
    };
    let exp_offset = offset(
        m.exp_offset_secs,
        TOKEN_LIFETIME_SECS as i64,
        "exp_offset_secs",
    )?;
    let nbf_offset = offset(m.nbf_offset_secs, 0, "nbf_offset_secs")?;
    let unsigned_alg = match m.alg.as_deref() {
        None | Some("RS256") => false,
        Some("none") => true,
        Some(_) => return Err("alg must be RS256 or none".into()),
    };
    if unsigned_alg && (m.foreign_key || m.tamper) {
        return Err("alg none cannot be combined with foreign_key or tamper".into());
    }
    let tenant = &state.entra_config.tenant;
    let now = now_secs();
    let mut claims = access_claims(&state.oidc_config, tenant, who, true, now);
    let at = |offset: i64| Value::from(now.saturating_add_signed(offset));
    claims.insert("nbf".into(), at(nbf_offset));
    claims.insert("exp".into(), at(exp_offset));
    for (name, value) in [
        ("aud", m.aud),
        ("iss", m.iss),
        ("tid", m.tid),
        ("scp", m.scp),
    ] {
        if let Some(v) = value {
            claims.insert(name.into(), v.into());
        }
    }
    match m.roles {
        Some(roles) if roles.is_empty() => {
            claims.remove("roles");
        }
        Some(roles) => {
            claims.insert("roles".into(), json!(roles));
        }
        None => {}
    }
    let claims = Value::Object(claims);
    let token = if unsigned_alg {
        unsigned(&claims)
    } else if m.foreign_key {
        with_keys(state, |k| k.sign_foreign(&claims))?
    } else {
        with_keys(state, |k| k.sign(&claims))?
    };
    let token = if m.tamper {
        let mut changed = claims.clone();
        changed["roles"] = json!(["MachineActions.Read", "MachineActions.Cancel"]);
        changed["preferred_username"] = "tampered@contoso.example".into();
        with_payload(&token, &changed)
    } else {
        token
    };
    Ok(json!({ "access_token": token }))
}
