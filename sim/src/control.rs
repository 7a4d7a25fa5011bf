//! The control API under `/_sim`: no auth (the server only listens on loopback), used by
//! test harnesses and the demo page to reset state, plant actions, queue faults and read
//! back exactly what the client sent. Bad input is a 400 `{"error": "..."}`, never a panic.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::header::{HeaderValue, CONTENT_TYPE};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use crate::faults::Fault;
use crate::state::{lock, AppState};
use crate::util::percent_decode;

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

fn error(status: StatusCode, message: impl Into<String>) -> Response {
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
        ["requests"] => match *m {
            Method::GET => {
                let log = lock(&state.requests).clone();
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

fn not_allowed(m: &Method) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method {m} not allowed here"),
    )
}
