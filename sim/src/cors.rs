//! CORS for the origins the simulator trusts (its own, and `--allow-origin`'s: a test page
//! served from another loopback origin) on every path — `/api`, `/_sim` and misses — so such
//! a page can call both and read the correlation headers. Any other origin gets no CORS
//! header at all, so no other web page can read an answer (or the request log). Real MDE
//! hosts do not document CORS; the simulator plays an edge proxy with an allow-list.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{
    HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ORIGIN,
    VARY,
};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

const EXPOSE: &str = "mise-correlation-id, request-id, client-request-id, Retry-After, OData-Version, Content-Length";

/// Answers preflights and decorates every response to an allowed origin (errors, injected
/// faults and misses included), so a cross-origin test page sees a wrong path prefix as
/// the 404 it is rather than as a CORS failure. A preflight from another origin is a 403.
pub async fn layer(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let origin = req
        .headers()
        .get(ORIGIN)
        .filter(|o| state.access.origin_allowed(o))
        .cloned();
    let refused = origin.is_none() && req.headers().contains_key(ORIGIN);
    let mut resp = if req.method() == Method::OPTIONS {
        let mut r = Response::new(axum::body::Body::empty());
        *r.status_mut() = if refused {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::NO_CONTENT
        };
        if !refused {
            let h = r.headers_mut();
            h.insert(
                ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"),
            );
            h.insert(
                ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("Authorization, Content-Type, Accept, X-Sim-Secret"),
            );
            h.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        }
        r
    } else {
        next.run(req).await
    };
    let h = resp.headers_mut();
    if let Some(origin) = origin {
        h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSE),
        );
    }
    h.append(VARY, HeaderValue::from_static("Origin"));
    resp
}
