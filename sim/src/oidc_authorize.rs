//! `/{tenant}/oauth2/v2.0/authorize`: checks an authorization request like Entra, shows
//! the dev sign-in page (`GET`), and sends the chosen user's code to the redirect URI
//! (`POST` from that page), in the query or, with `response_mode=fragment` (MSAL browser's
//! default), in the fragment: `#code=…&client_info=…&state=…&session_state=…`.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;

use crate::entra;
use crate::oidc::{redirect, user};
use crate::oidc_claims::{client_info, Scopes};
use crate::oidc_page;
use crate::oidc_token;
use crate::state::AppState;

/// The validated parameters of an authorization request.
pub struct AuthRequest {
    pub redirect_uri: String,
    pub nonce: Option<String>,
    pub challenge: String,
    pub scopes: Scopes,
}

/// `GET` (no `chosen`): the sign-in page; `POST` with the chosen user: a code, sent to the
/// redirect URI. Client and redirect URI errors are an error page (nothing is sent to an
/// unverified URI); the others go back to the redirect URI as `error=…`.
pub fn authorize(state: &AppState, q: &HashMap<String, String>, chosen: Option<&str>) -> Response {
    let cfg = &state.oidc_config;
    let field = |name: &str| q.get(name).map(String::as_str).unwrap_or("");
    if field("client_id").is_empty() {
        return oidc_page::error_page(
            StatusCode::BAD_REQUEST,
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    }
    if !field("client_id").eq_ignore_ascii_case(&cfg.client_id) {
        let msg = format!(
            "Application with identifier '{}' was not found in the directory '{}'.",
            entra::printable(field("client_id")),
            state.entra_config.tenant
        );
        return oidc_page::error_page(StatusCode::BAD_REQUEST, 700016, &msg);
    }
    let redirect_uri = field("redirect_uri");
    if !cfg.redirect_allowed(redirect_uri) {
        let msg = format!(
            "The redirect URI '{}' specified in the request does not match the redirect URIs configured for the application '{}'.",
            entra::printable(redirect_uri),
            cfg.client_id
        );
        return oidc_page::error_page(StatusCode::BAD_REQUEST, 50011, &msg);
    }
    let fragment = field("response_mode") == "fragment";
    let back_state = q.get("state").filter(|s| s.len() <= 4096).cloned();
    let fail = |error: &str, code: u32, description: &str| {
        let mut params = vec![
            ("error", error.to_owned()),
            ("error_description", format!("AADSTS{code}: {description}")),
        ];
        params.extend(back_state.clone().map(|s| ("state", s)));
        redirect(&with_params(redirect_uri, fragment, &params))
    };
    if !matches!(field("response_mode"), "" | "query" | "fragment") {
        return fail(
            "invalid_request",
            900144,
            "The response_mode must be 'query' or 'fragment' here.",
        );
    }
    if field("response_type") != "code" {
        return fail(
            "unsupported_response_type",
            700054,
            "The response_type must be 'code'.",
        );
    }
    let challenge = field("code_challenge");
    if challenge.is_empty() {
        return fail("invalid_request", 9002325, "Proof Key for Code Exchange is required for cross-origin authorization code redemption.");
    }
    if field("code_challenge_method") != "S256" || !(43..=128).contains(&challenge.len()) {
        return fail(
            "invalid_request",
            50148,
            "The code_challenge must be an S256 challenge (code_challenge_method=S256).",
        );
    }
    if q.get("nonce").is_some_and(|n| n.len() > 1024) {
        return fail("invalid_request", 90015, "The nonce is too long.");
    }
    let scopes = match Scopes::parse(field("scope"), &cfg.api_audience) {
        Ok(s) => s,
        Err((error, code, description)) => return fail(error, code, &description),
    };
    if field("prompt") == "none" {
        return fail(
            "login_required",
            50058,
            "A silent sign-in request was sent but no user is signed in.",
        );
    }
    let request = AuthRequest {
        redirect_uri: redirect_uri.to_owned(),
        nonce: q.get("nonce").cloned(),
        challenge: challenge.to_owned(),
        scopes,
    };
    let Some(chosen) = chosen else {
        return oidc_page::sign_in(q, redirect_uri);
    };
    let Some(user) = user(chosen) else {
        return oidc_page::error_page(
            StatusCode::BAD_REQUEST,
            0,
            "Choose one of the listed users.",
        );
    };
    let code = oidc_token::issue_code(state, user, &request);
    let client_info = client_info(user, &state.entra_config.tenant);
    let mut params = vec![("code", code), ("client_info", client_info)];
    params.extend(back_state.map(|s| ("state", s)));
    params.push(("session_state", crate::util::stable_guid(user.oid)));
    redirect(&with_params(redirect_uri, fragment, &params))
}

/// `uri` with `params` added to its query (`?`/`&`) or as its fragment.
fn with_params(uri: &str, fragment: bool, params: &[(&str, String)]) -> String {
    let mut out = uri.to_owned();
    let mut sep = if fragment {
        '#'
    } else if uri.contains('?') {
        '&'
    } else {
        '?'
    };
    for (name, value) in params {
        out.push(sep);
        out.push_str(name);
        out.push('=');
        crate::util::percent_encode(&mut out, value);
        sep = '&';
    }
    out
}
