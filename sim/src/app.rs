//! Wiring: which part of the simulator a path belongs to, the middleware stack
//! (see [`router`]) and the single dispatching handler.
//! Routing is done by hand rather than with axum routes so that every miss and wrong
//! method gets the right kind of error body (OData for `/api`, `{"error"}` for `/_sim`).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::Response;
use axum::Router;

use crate::state::AppState;
use crate::{api, control, cors, entra, guard, oidc, request_log, static_files};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Area {
    Api,
    Control,
    /// The Entra token endpoint, `/{tenant}/oauth2/v2.0/token`.
    Entra,
    /// The sign-in endpoints of `oidc.rs` (metadata, keys, authorize, logout).
    Oidc,
    Other,
}

/// API and control routes take precedence over any static mount.
pub fn area(path: &str) -> Area {
    if api::is_api_path(path) {
        Area::Api
    } else if path == "/_sim" || path.starts_with("/_sim/") {
        Area::Control
    } else if entra::is_token_path(path) {
        Area::Entra
    } else if oidc::route(path).is_some() {
        Area::Oidc
    } else {
        Area::Other
    }
}

/// Outermost first: access log, `Host` check, request log, CORS, `/_sim` guard.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .fallback(dispatch)
        .layer(from_fn_with_state(state.clone(), guard::control))
        .layer(from_fn_with_state(state.clone(), cors::layer))
        .layer(from_fn_with_state(state.clone(), request_log::layer))
        .layer(from_fn_with_state(state.clone(), guard::host))
        .layer(from_fn_with_state(state.clone(), access_log))
        .with_state(state)
}

async fn dispatch(State(state): State<Arc<AppState>>, req: Request) -> Response {
    match area(req.uri().path()) {
        Area::Api => api::handle(&state, req).await,
        Area::Control => control::handle(&state, req).await,
        Area::Entra => entra::handle(&state, req).await,
        Area::Oidc => oidc::handle(&state, req).await,
        Area::Other => static_files::serve(&state, req).await,
    }
}

/// One line per request on stderr: method, path (no query), status, duration. Never
/// headers — the Authorization header must not end up in logs.
async fn access_log(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if state.quiet {
        return next.run(req).await;
    }
    let mut line = AccessLine {
        method: req.method().to_string(),
        path: req.uri().path().to_owned(),
        started: Instant::now(),
        status: None,
    };
    let resp = next.run(req).await;
    line.status = Some(resp.status().as_u16());
    resp
}

/// Prints its line when dropped, so requests that never get a response (the `drop` and
/// `hang` faults, clients that went away) are logged too, with status `---`.
struct AccessLine {
    method: String,
    path: String,
    started: Instant,
    status: Option<u16>,
}

impl Drop for AccessLine {
    fn drop(&mut self) {
        let status = self
            .status
            .map_or_else(|| "---".to_owned(), |s| s.to_string());
        eprintln!(
            "{} {} {status} {:.1}ms",
            self.method,
            self.path,
            self.started.elapsed().as_secs_f64() * 1000.0
        );
    }
}
