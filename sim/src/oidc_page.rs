//! The HTML of the simulated sign-in: the dev sign-in page (a list of seeded users to
//! choose from), error pages and the signed-out page. Plain HTML, no script and nothing
//! loaded from elsewhere, under a strict CSP: only its inline style (by hash), forms posted
//! only to itself and to the redirect URI's origin (a form's redirect counts), no framing.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::oidc::USERS;

const STYLE: &str = "body{font:16px system-ui,sans-serif;max-width:30em;margin:3em auto;padding:0 1em}\
button{display:block;width:100%;margin:.5em 0;padding:.8em;font:inherit;text-align:left;cursor:pointer}\
small{color:#555}";

/// The authorization request's fields the form carries over to the `POST`.
const CARRIED: [&str; 9] = [
    "client_id",
    "redirect_uri",
    "response_type",
    "response_mode",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
];

/// `&`, `<`, `>`, `"` and `'` escaped, for text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `scheme://authority` of a URI (for `form-action`); `None` if it has a character a CSP
/// source could not hold.
fn origin_of(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let clean = |s: &str| !s.is_empty() && !s.contains([';', ',', ' ', '\'', '"']);
    (clean(scheme) && clean(authority)).then(|| format!("{scheme}://{authority}"))
}

fn page(status: StatusCode, title: &str, body: &str, form_action: Option<&str>) -> Response {
    let style_hash = STANDARD.encode(Sha256::digest(STYLE.as_bytes()));
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>",
        escape(title)
    );
    let form_action = match form_action {
        Some(origin) => format!("'self' {origin}"),
        None => "'none'".to_owned(),
    };
    let csp = format!(
        "default-src 'none'; style-src 'sha256-{style_hash}'; form-action {form_action}; \
frame-ancestors 'none'; base-uri 'none'"
    );
    let mut resp = Response::new(Body::from(html));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    // Not no-referrer: under it a browser sends `Origin: null` with the form's POST, which
    // the origin check refuses. same-origin still sends nothing to the redirect URI's site.
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert("content-security-policy", v);
    }
    resp
}

/// The dev sign-in page: one button per seeded user, posting the request back.
pub fn sign_in(q: &HashMap<String, String>, redirect_uri: &str) -> Response {
    let Some(origin) = origin_of(redirect_uri) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            50011,
            "The redirect URI is not valid.",
        );
    };
    let mut body = String::from(
        "<h1>Sign in to the simulated tenant</h1>\
<p><small>mde-sim: a local stand-in for Microsoft Entra ID. Choose who signs in.</small></p>\
<form method=\"post\">",
    );
    for name in CARRIED {
        if let Some(value) = q.get(name) {
            body.push_str(&format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                escape(value)
            ));
        }
    }
    for u in &USERS {
        let roles = if u.roles.is_empty() {
            "no role".to_owned()
        } else {
            u.roles.join(", ")
        };
        body.push_str(&format!(
            "<button type=\"submit\" name=\"user\" value=\"{}\" id=\"user-{}\">{}<br><small>{} · {}</small></button>",
            u.key,
            u.key,
            escape(u.name),
            escape(u.username),
            escape(&roles)
        ));
    }
    body.push_str("</form>");
    page(StatusCode::OK, "Sign in", &body, Some(&origin))
}

/// An error Entra shows instead of redirecting (unknown client, unregistered redirect URI).
pub fn error_page(status: StatusCode, code: u32, message: &str) -> Response {
    let text = if code == 0 {
        message.to_owned()
    } else {
        format!("AADSTS{code}: {message}")
    };
    let body = format!(
        "<h1>Sorry, but we’re having trouble signing you in.</h1><p id=\"error\">{}</p>",
        escape(&text)
    );
    page(status, "Sign in error", &body, None)
}

pub fn signed_out() -> Response {
    page(
        StatusCode::OK,
        "Signed out",
        "<h1>You signed out of your account</h1><p>It’s a good idea to close all browser windows.</p>",
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_origins() {
        assert_eq!(
            escape("<a href='x'>&\""),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;"
        );
        assert_eq!(
            origin_of("http://127.0.0.1:8080/cb?x=1").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(origin_of("http://a;b/"), None);
        assert_eq!(origin_of("nope"), None);
    }
}
