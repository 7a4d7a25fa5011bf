//! CORS for every path (`/api`, `/_sim` and misses), so a test page served from another origin can call both
//! and — crucially — read the correlation headers. Real MDE hosts do not document CORS;
//! the simulator plays the part of a permissive edge proxy in front of them.

use axum::extract::Request;
use axum::http::header::{
    HeaderMap, HeaderValue, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ORIGIN,
    VARY,
};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

const EXPOSE: &str = "mise-correlation-id, request-id, client-request-id, Retry-After, OData-Version, Content-Length";

/// The request's Origin echoed back, or `*` when there is none.
fn allow_origin(req_headers: &HeaderMap) -> HeaderValue {
    req_headers
        .get(ORIGIN)
        .cloned()
        .unwrap_or_else(|| HeaderValue::from_static("*"))
}

/// Answers preflights and decorates every response (errors, injected faults and
/// misses included), so a cross-origin page sees a wrong path prefix as the 404 it
/// is rather than as a CORS failure.
pub async fn layer(req: Request, next: Next) -> Response {
    let origin = allow_origin(req.headers());
    let mut resp = if req.method() == Method::OPTIONS {
        let mut r = Response::new(axum::body::Body::empty());
        *r.status_mut() = StatusCode::NO_CONTENT;
        let h = r.headers_mut();
        h.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, PUT, DELETE, OPTIONS"),
        );
        h.insert(
            ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Authorization, Content-Type, Accept"),
        );
        h.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        r
    } else {
        next.run(req).await
    };
    let h = resp.headers_mut();
    h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(
        ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE),
    );
    h.append(VARY, HeaderValue::from_static("Origin"));
    resp
}
