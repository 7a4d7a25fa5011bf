//! The MDE machine-actions API as documented and as captured in the wild:
//! `GET /api/machineactions/{id}`, `POST /api/machineactions/{id}/cancel`, the collections
//! `GET /api/machineactions` and `GET /api/machines` (`list.rs`) and `GET /api/machines/{id}`
//! (optionally under `/api/v1.0`), bearer auth, OData errors whose `target` is the correlation id,
//! and the response headers real responses carry.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::header::{
    HeaderMap, HeaderValue, ALLOW, AUTHORIZATION, CONTENT_TYPE, HOST, RETRY_AFTER, WWW_AUTHENTICATE,
};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use crate::faults;
use crate::list::{self, Collection};
use crate::server::ConnControl;
use crate::state::{lock, AppState, CancelOutcome};
use crate::util::{new_uuid, now_iso, percent_decode};
use std::sync::atomic::Ordering;

pub const JSON_CONTENT_TYPE: &str =
    "application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8";
const ENTITY_CONTEXT: &str =
    "https://api.security.microsoft.com/api/$metadata#MachineActions/$entity";
const MACHINE_CONTEXT: &str = "https://api.security.microsoft.com/api/$metadata#Machines/$entity";

/// Set by the request-log layer when the body could not be read (too large, or the
/// client went away); the API then answers 413 instead of guessing.
#[derive(Clone, Copy)]
pub struct BodyUnreadable;

/// Per-response ids: a fresh `mise-correlation-id` (also the error `target`) and `request-id`.
struct Ids {
    correlation: String,
    request: String,
}

impl Ids {
    fn new() -> Self {
        Ids {
            correlation: new_uuid(),
            request: new_uuid(),
        }
    }

    fn respond(&self, status: StatusCode, body: &Value) -> Response {
        let mut resp = Response::new(Body::from(body.to_string()));
        *resp.status_mut() = status;
        let h = resp.headers_mut();
        h.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
        h.insert("odata-version", HeaderValue::from_static("4.0"));
        for (name, value) in [
            ("mise-correlation-id", &self.correlation),
            ("request-id", &self.request),
        ] {
            if let Ok(v) = HeaderValue::from_str(value) {
                h.insert(name, v);
            }
        }
        h.insert(
            "strict-transport-security",
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
        resp
    }

    fn error(&self, status: StatusCode, code: &str, message: &str) -> Response {
        self.respond(
            status,
            &json!({"error": {"code": code, "message": message, "target": self.correlation}}),
        )
    }
}

/// Is this path under `/api` (case-insensitive, like the real service)?
pub fn is_api_path(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() >= 4 && b[..4].eq_ignore_ascii_case(b"/api") && (b.len() == 4 || b[4] == b'/')
}

enum Route {
    Get(String),
    Cancel(String),
    List(Collection),
    Machine(String),
}

impl Route {
    /// The endpoint's name for its quota.
    fn endpoint(&self) -> &'static str {
        match self {
            Route::Get(_) => "get",
            Route::Cancel(_) => "cancel",
            Route::List(Collection::Actions) => "list",
            Route::List(Collection::Machines) | Route::Machine(_) => "machines",
        }
    }
}

/// Parses `/api[/v1.0]/machineactions[/{id}[/cancel]]` and `/api[/v1.0]/machines[/{id}]`;
/// `None` for any other path.
fn parse_route(path: &str) -> Option<(Route, &'static str)> {
    let rest = path.get(4..)?;
    let mut segs: Vec<&str> = rest.split('/').skip(1).collect();
    if segs.first().is_some_and(|s| s.eq_ignore_ascii_case("v1.0")) {
        segs.remove(0);
    }
    let first = segs.first()?;
    let actions = first.eq_ignore_ascii_case("machineactions");
    if !actions && !first.eq_ignore_ascii_case("machines") {
        return None;
    }
    let id = match segs.get(1) {
        None if actions => return Some((Route::List(Collection::Actions), "GET")),
        None => return Some((Route::List(Collection::Machines), "GET")),
        Some(&"") => return None,
        Some(id) => percent_decode(id)?,
    };
    match (segs.get(2), actions) {
        (None, true) => Some((Route::Get(id), "GET")),
        (None, false) => Some((Route::Machine(id), "GET")),
        (Some(s), true) if segs.len() == 3 && s.eq_ignore_ascii_case("cancel") => {
            Some((Route::Cancel(id), "POST"))
        }
        _ => None,
    }
}

/// Entry point for every `/api` request that is not a CORS preflight.
pub async fn handle(state: &AppState, req: Request) -> Response {
    let conn = req.extensions().get::<ConnControl>().cloned();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |pq| pq.as_str().to_owned());
    let fault = lock(&state.faults).take_match(req.method().as_str(), &path_and_query);
    if let Some(f) = fault {
        return faults::execute(f, conn).await;
    }

    let ids = Ids::new();
    let unreadable = req.extensions().get::<BodyUnreadable>().is_some();
    let (parts, body) = req.into_parts();
    let body = match to_bytes(body, usize::MAX).await {
        Ok(b) if !unreadable => b,
        _ => {
            return ids.error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLarge",
                "The request body could not be read.",
            )
        }
    };

    let Some(principal) = bearer(&parts.headers).and_then(|t| state.principal(t)) else {
        let mut resp = ids.error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Authorization token is missing, invalid or expired.",
        );
        resp.headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return resp;
    };

    let Some((route, allowed)) = parse_route(parts.uri.path()) else {
        return ids.error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("Resource {} was not found", parts.uri.path()),
        );
    };
    if parts.method.as_str() != allowed {
        let mut resp = ids.error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            &format!(
                "The requested resource does not support http method '{}'.",
                parts.method
            ),
        );
        resp.headers_mut()
            .insert(ALLOW, HeaderValue::from_static(allowed));
        return resp;
    }
    debug_assert!(parts.method == Method::GET || parts.method == Method::POST);

    let admitted = lock(&state.quota).admit(route.endpoint(), std::time::Instant::now());
    if let Err(seconds) = admitted {
        let mut resp = ids.error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            &format!("Rate limit is exceeded. Try again in {seconds} seconds."),
        );
        resp.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(seconds));
        return resp;
    }
    match route {
        Route::Get(id) => match lock(&state.store).get(&id) {
            Some(entity) => ids.respond(StatusCode::OK, &with_context(entity, ENTITY_CONTEXT)),
            None => not_found(&ids, &id),
        },
        Route::Machine(id) => match lock(&state.store).machine(&id) {
            Some(entity) => ids.respond(StatusCode::OK, &with_context(entity, MACHINE_CONTEXT)),
            None => ids.error(
                StatusCode::NOT_FOUND,
                "ResourceNotFound",
                &format!("Machine {id} was not found"),
            ),
        },
        Route::List(collection) => {
            // The guard has let only 127.0.0.1/localhost/[::1] on our port through.
            let host = parts.headers.get(HOST).and_then(|h| h.to_str().ok());
            let page = list::page(
                &lock(&state.store),
                collection,
                parts.uri.query(),
                state.page_size.load(Ordering::Relaxed),
                host.unwrap_or("127.0.0.1"),
                parts.uri.path(),
            );
            match page {
                Ok(body) => ids.respond(StatusCode::OK, &body),
                Err(message) => ids.error(StatusCode::BAD_REQUEST, "BadRequest", &message),
            }
        }
        Route::Cancel(id) => {
            let comment = match comment(&body) {
                Ok(c) => c,
                Err((code, message)) => return ids.error(StatusCode::BAD_REQUEST, code, message),
            };
            let race = lock(&state.races).remove(&id.to_ascii_lowercase());
            let outcome = lock(&state.store).cancel(&id, principal, &comment, &now_iso(), race);
            match outcome {
                CancelOutcome::Cancelled(entity) => {
                    ids.respond(StatusCode::OK, &with_context(&entity, ENTITY_CONTEXT))
                }
                CancelOutcome::NotFound => not_found(&ids, &id),
                CancelOutcome::NotCancellable(status) => ids.error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    &format!(
                        "Machine action {id} cannot be cancelled because its status is {status}."
                    ),
                ),
            }
        }
    }
}

fn not_found(ids: &Ids, id: &str) -> Response {
    ids.error(
        StatusCode::NOT_FOUND,
        "ResourceNotFound",
        &format!("Machine action {id} was not found"),
    )
}

/// Validates the cancel body: a JSON object with a non-blank string `Comment`
/// (case-sensitive key). Returns the comment as sent (untrimmed).
fn comment(body: &[u8]) -> Result<String, (&'static str, &'static str)> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| ("InvalidRequestBody", "The request body is not valid JSON."))?;
    let Value::Object(obj) = value else {
        return Err((
            "InvalidRequestBody",
            "The request body must be a JSON object.",
        ));
    };
    match obj.get("Comment") {
        Some(Value::String(c)) if !c.trim().is_empty() => Ok(c.clone()),
        _ => Err((
            "MissingRequiredParameter",
            "Required parameter 'Comment' is missing or empty.",
        )),
    }
}

/// The entity with `@odata.context` first, as single-entity responses carry it.
fn with_context(entity: &Value, context: &str) -> Value {
    let mut out = Map::new();
    out.insert("@odata.context".into(), context.into());
    if let Value::Object(obj) = entity {
        for (k, v) in obj {
            if k != "@odata.context" {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// The token of an `Authorization: Bearer …` header (any case of the scheme).
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert!(is_api_path("/api") && is_api_path("/API/x") && !is_api_path("/apix"));
        assert!(
            matches!(parse_route("/api/machineactions/abc"), Some((Route::Get(id), "GET")) if id == "abc")
        );
        assert!(
            matches!(parse_route("/api/v1.0/MachineActions/a%20b/cancel"), Some((Route::Cancel(id), "POST")) if id == "a b")
        );
        assert!(matches!(
            parse_route("/api/MachineActions"),
            Some((Route::List(Collection::Actions), "GET"))
        ));
        assert!(matches!(
            parse_route("/api/v1.0/machines"),
            Some((Route::List(Collection::Machines), "GET"))
        ));
        assert!(
            matches!(parse_route("/api/machines/AB12"), Some((Route::Machine(id), "GET")) if id == "AB12")
        );
        for p in [
            "/api",
            "/api/",
            "/api/machineactions/",
            "/api/machines/",
            "/api/machines/x/cancel",
            "/api/machineactions/x/cancel/y",
            "/api/machineactions/x/y",
            "/api/foo/x",
            "/api/machineactions/%zz",
        ] {
            assert!(parse_route(p).is_none(), "{p}");
        }
    }

    #[test]
    fn comment_validation() {
        assert_eq!(comment(br#"{"Comment":" hi "}"#).unwrap(), " hi ");
        assert_eq!(comment(b"nope").unwrap_err().0, "InvalidRequestBody");
        assert_eq!(comment(b"").unwrap_err().0, "InvalidRequestBody");
        assert_eq!(comment(b"[1]").unwrap_err().0, "InvalidRequestBody");
        for b in [
            r#"{}"#,
            r#"{"comment":"x"}"#,
            r#"{"Comment":"  "}"#,
            r#"{"Comment":5}"#,
        ] {
            assert_eq!(
                comment(b.as_bytes()).unwrap_err().0,
                "MissingRequiredParameter",
                "{b}"
            );
        }
    }
}
