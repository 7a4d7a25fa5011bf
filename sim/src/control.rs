//! The control API under `/_sim`, for test harnesses (never the page): reset state, plant
//! actions, queue faults and read back what the client sent. `guard.rs` lets in only
//! requests with the per-run secret. Bad input is a 400 `{"error": "..."}`, never a panic.
//!
//! Routes (the README has the full table): `GET health`, `POST reset`, `GET actions`,
//! `GET|PUT actions/{id}`, `POST|GET|DELETE faults`, `GET|PUT quota`, `POST race/{id}`,
//! `GET entra`, `POST entra/expire`, `GET|DELETE requests`, and for the list endpoints:
//! - `POST seed {"preset":"default"|"demo"|"none"}` loads a preset's actions and devices
//!   (the rest of the state is kept) → `{"ok":true,"actions":N,"machines":M}`;
//! - `POST pending {"count":N,"type":"RunAntiVirusScan","requestor":"…","comment":"…"}`
//!   (only `count` required) plants N Pending actions on N distinct devices → `{"ids":[…]}`;
//! - `GET paging` → `{"page_size":N}`; `PUT paging {"page_size":N}` (1–10000) sets how many
//!   results a list page holds, so a client has to follow `@odata.nextLink`;
//!
//! and for the simulated sign-in (`oidc*.rs`):
//! - `GET oidc` → `{"issuer","authority","client_id","audience","scope","kids":[…],
//!   "users":[{"user","preferred_username","oid","roles"}],"codes_issued","tokens_issued"}`;
//! - `POST oidc/rotate` (body optional: `{"keep_previous":false}` publishes only the new
//!   key; by default the replaced key stays in the JWKS after the new one) → `{"kid","kids"}`;
//! - `POST oidc/token {"user":"operator"|"reader"|"norole","aud","iss","tid",
//!   "exp_offset_secs","nbf_offset_secs","roles","scp","alg":"none","tamper":true,
//!   "foreign_key":true}` (only `user` required; see `oidc_mint.rs`) → `{"access_token"}`.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::header::{HeaderValue, CONTENT_TYPE};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use crate::demo::PendingSpec;
use crate::faults::Fault;
use crate::list::MAX_TOP;
use crate::quota::Limit;
use crate::state::{lock, AppState, Race, SeedKind};
use crate::util::{now_secs, percent_decode};
use crate::{oidc, oidc_mint, oidc_token};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Control bodies are small; anything bigger is a mistake.
const MAX_CONTROL_BODY: usize = 16 * 1024 * 1024;

fn reply(status: StatusCode, body: &Value) -> Response {
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

fn ok() -> Response {
    reply(StatusCode::OK, &json!({"ok": true}))
}

/// `{"error": message}` with `status`.
pub fn error(status: StatusCode, message: impl Into<String>) -> Response {
    reply(status, &json!({"error": message.into()}))
}

/// Entry point for every `/_sim` request that is not a CORS preflight.
pub async fn handle(state: &AppState, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = match to_bytes(body, MAX_CONTROL_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "request body unreadable or too large",
            )
        }
    };
    let path = parts.uri.path();
    let segs: Vec<&str> = path.split('/').skip(2).collect();
    let m = &parts.method;
    match segs.as_slice() {
        ["health"] => match *m {
            Method::GET => ok(),
            _ => not_allowed(m),
        },
        ["reset"] => match *m {
            Method::POST => {
                state.reset();
                ok()
            }
            _ => not_allowed(m),
        },
        ["actions"] => match *m {
            Method::GET => reply(StatusCode::OK, &Value::Array(lock(&state.store).list())),
            _ => not_allowed(m),
        },
        ["actions", raw_id] => {
            let Some(id) = percent_decode(raw_id).filter(|i| !i.is_empty()) else {
                return error(StatusCode::BAD_REQUEST, "invalid action id");
            };
            match *m {
                Method::GET => match lock(&state.store).get(&id) {
                    Some(v) => reply(StatusCode::OK, v),
                    None => error(StatusCode::NOT_FOUND, format!("no action {id}")),
                },
                Method::PUT => match serde_json::from_slice::<Value>(&body) {
                    Ok(Value::Object(obj)) => {
                        reply(StatusCode::OK, &lock(&state.store).put(&id, obj))
                    }
                    Ok(_) => error(StatusCode::BAD_REQUEST, "body must be a JSON object"),
                    Err(e) => error(StatusCode::BAD_REQUEST, format!("invalid JSON: {e}")),
                },
                _ => not_allowed(m),
            }
        }
        ["faults"] => match *m {
            Method::POST => match Fault::parse(&body) {
                Ok(f) => {
                    lock(&state.faults).push(f);
                    ok()
                }
                Err(e) => error(StatusCode::BAD_REQUEST, e),
            },
            Method::GET => reply(
                StatusCode::OK,
                &Value::Array(lock(&state.faults).describe()),
            ),
            Method::DELETE => {
                lock(&state.faults).clear();
                ok()
            }
            _ => not_allowed(m),
        },
        ["quota"] => match *m {
            Method::GET => reply(StatusCode::OK, &lock(&state.quota).describe()),
            Method::PUT => match quota_limits(&body) {
                Ok(limits) => {
                    lock(&state.quota).set_limits(limits);
                    ok()
                }
                Err(e) => error(StatusCode::BAD_REQUEST, e),
            },
            _ => not_allowed(m),
        },
        ["seed"] => match *m {
            Method::POST => match preset(&body) {
                Ok(kind) => {
                    let mut store = lock(&state.store);
                    store.reset(kind);
                    let counts = json!({"ok": true, "actions": store.actions().count(),
                                        "machines": store.machines().count()});
                    reply(StatusCode::OK, &counts)
                }
                Err(e) => error(StatusCode::BAD_REQUEST, e),
            },
            _ => not_allowed(m),
        },
        ["pending"] => match *m {
            Method::POST => match PendingSpec::parse(&body) {
                Ok(spec) => {
                    let mut store = lock(&state.store);
                    let (actions, made) = {
                        let devices: Vec<&Value> = store.machines().take(spec.count).collect();
                        spec.plant(&devices, now_secs())
                    };
                    let ids: Vec<Value> = actions.iter().map(|a| a["id"].clone()).collect();
                    store.extend(actions, made);
                    reply(StatusCode::OK, &json!({ "ids": ids }))
                }
                Err(e) => error(StatusCode::BAD_REQUEST, e),
            },
            _ => not_allowed(m),
        },
        ["paging"] => match *m {
            Method::GET => reply(
                StatusCode::OK,
                &json!({"page_size": state.page_size.load(Ordering::Relaxed)}),
            ),
            Method::PUT => match page_size(&body) {
                Ok(n) => {
                    state.page_size.store(n, Ordering::Relaxed);
                    ok()
                }
                Err(e) => error(StatusCode::BAD_REQUEST, e),
            },
            _ => not_allowed(m),
        },
        ["race", raw_id] => match *m {
            Method::POST => {
                let Some(id) = percent_decode(raw_id).filter(|i| !i.is_empty()) else {
                    return error(StatusCode::BAD_REQUEST, "invalid action id");
                };
                match race(&body) {
                    Ok(race) => {
                        lock(&state.races).insert(id.to_ascii_lowercase(), race);
                        ok()
                    }
                    Err(e) => error(StatusCode::BAD_REQUEST, e),
                }
            }
            _ => not_allowed(m),
        },
        ["entra"] => match *m {
            Method::GET => {
                let e = lock(&state.entra);
                reply(
                    StatusCode::OK,
                    &json!({"token_requests": e.token_requests, "issued": e.issued}),
                )
            }
            _ => not_allowed(m),
        },
        ["entra", "expire"] => match *m {
            Method::POST => {
                lock(&state.entra).expire_all();
                ok()
            }
            _ => not_allowed(m),
        },
        ["oidc"] => match *m {
            Method::GET => oidc_info(state),
            _ => not_allowed(m),
        },
        ["oidc", "rotate"] => match *m {
            Method::POST => match keep_previous(&body).and_then(|keep| {
                oidc_token::with_keys(state, |k| {
                    k.rotate(keep)?;
                    Ok(json!({"kid": k.current().kid(), "kids": k.kids()}))
                })
            }) {
                Ok(v) => reply(StatusCode::OK, &v),
                Err(e) => error(StatusCode::BAD_REQUEST, e),
            },
            _ => not_allowed(m),
        },
        ["oidc", "token"] => match *m {
            Method::POST => match oidc_mint::mint(state, &body) {
                Ok(v) => reply(StatusCode::OK, &v),
                Err(e) => error(StatusCode::BAD_REQUEST, e),
            },
            _ => not_allowed(m),
        },
        ["requests"] => match *m {
            Method::GET => {
                let log = lock(&state.requests).entries();
                match serde_json::to_value(log) {
                    Ok(v) => reply(StatusCode::OK, &v),
                    Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
                }
            }
            Method::DELETE => {
                lock(&state.requests).clear();
                ok()
            }
            _ => not_allowed(m),
        },
        _ => error(StatusCode::NOT_FOUND, format!("no control route {path}")),
    }
}

/// `GET /_sim/oidc`: where the sign-in lives and what it has handed out.
fn oidc_info(state: &AppState) -> Response {
    let tenant = &state.entra_config.tenant;
    let cfg = &state.oidc_config;
    let kids = oidc_token::with_keys(state, |k| Ok(k.kids())).unwrap_or_default();
    let users: Vec<Value> = oidc::USERS
        .iter()
        .map(|u| json!({"user": u.key, "preferred_username": u.username, "oid": u.oid, "roles": u.roles}))
        .collect();
    let st = lock(&state.oidc);
    reply(
        StatusCode::OK,
        &json!({
            "issuer": cfg.issuer(tenant),
            "authority": format!("{}/{tenant}", cfg.issuer_origin),
            "client_id": cfg.client_id,
            "audience": cfg.api_audience,
            "scope": format!("api://{}/{}", cfg.api_audience, oidc::API_SCOPE),
            "kids": kids,
            "users": users,
            "codes_issued": st.codes_issued,
            "tokens_issued": st.tokens_issued,
        }),
    )
}

/// `POST /_sim/oidc/rotate`'s optional `{"keep_previous": bool}` (default true).
fn keep_previous(body: &[u8]) -> Result<bool, String> {
    if body.is_empty() {
        return Ok(true);
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    match value.get("keep_previous") {
        None => Ok(true),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err("keep_previous must be true or false".into()),
    }
}

fn not_allowed(m: &Method) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method {m} not allowed here"),
    )
}

/// `{"limits": [{"calls": N, "window_ms": M}, …]}`; an empty list turns the quota off.
fn quota_limits(body: &[u8]) -> Result<Vec<Limit>, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    let Some(Value::Array(items)) = value.get("limits") else {
        return Err("body must be {\"limits\": [{\"calls\": N, \"window_ms\": M}, …]}".into());
    };
    items
        .iter()
        .map(|item| {
            let number = |key: &str| item.get(key).and_then(Value::as_u64).filter(|n| *n > 0);
            match (number("calls"), number("window_ms")) {
                (Some(calls), Some(ms)) => Ok(Limit {
                    calls: calls as usize,
                    window: Duration::from_millis(ms),
                }),
                _ => Err("each limit needs positive whole calls and window_ms".to_owned()),
            }
        })
        .collect()
}

/// `{"preset": "default" | "demo" | "none"}`.
fn preset(body: &[u8]) -> Result<SeedKind, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    value
        .get("preset")
        .and_then(Value::as_str)
        .and_then(SeedKind::parse)
        .ok_or_else(|| {
            format!(
                "body must be {{\"preset\": P}}, P one of {}",
                SeedKind::NAMES
            )
        })
}

/// `{"page_size": N}`, N from 1 to 10000.
fn page_size(body: &[u8]) -> Result<usize, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    value
        .get("page_size")
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| (1..=MAX_TOP).contains(n))
        .ok_or_else(|| format!("body must be {{\"page_size\": N}}, N from 1 to {MAX_TOP}"))
}

/// `{"mode": "completes_first", "status": "Succeeded"}` or `{"mode": "command_completes"}`.
fn race(body: &[u8]) -> Result<Race, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("invalid JSON: {e}"))?;
    match value.get("mode").and_then(Value::as_str) {
        Some("completes_first") => match value.get("status").and_then(Value::as_str) {
            Some(status @ ("Succeeded" | "Failed" | "TimeOut")) => {
                Ok(Race::CompletesFirst(status.to_owned()))
            }
            _ => Err("completes_first needs status Succeeded, Failed or TimeOut".into()),
        },
        Some("command_completes") => Ok(Race::CommandCompletes),
        _ => Err("mode must be completes_first or command_completes".into()),
    }
}
