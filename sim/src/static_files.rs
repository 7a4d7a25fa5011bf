//! Static file serving for `--static PREFIX=DIR`, so the demo page, the wasm package and
//! the API can share one origin (or deliberately not). Files are read fresh on every
//! request and sent with `Cache-Control: no-store` so a rebuilt package is never stale, and
//! with headers that forbid framing.

use std::path::{Component, Path, PathBuf};

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{HeaderValue, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use axum::http::{Method, StatusCode};
use axum::response::Response;

use crate::state::{AppState, StaticMount};
use crate::util::percent_decode;

/// On every file served, so the page can offer the simulator as a target.
pub const SIMULATOR_HEADER: &str = "x-mde-simulator";

/// MIME type by extension; browsers refuse `WebAssembly.instantiateStreaming` and module
/// scripts without the right one.
pub fn mime_for(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "wasm" => "application/wasm",
        "js" | "mjs" => "text/javascript",
        "css" => "text/css",
        "html" | "htm" => "text/html; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        "ts" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut r = Response::new(Body::from(text));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// The mount serving `path` (longest prefix first; mounts are pre-sorted) and the rest.
fn find_mount<'a>(mounts: &'a [StaticMount], path: &'a str) -> Option<(&'a StaticMount, &'a str)> {
    mounts.iter().find_map(|m| {
        let rest = path.strip_prefix(m.prefix.as_str())?;
        (rest.is_empty() || rest.starts_with('/')).then_some((m, rest))
    })
}

/// Maps the URL remainder to a file under `dir`, refusing anything that could escape it.
fn resolve(dir: &Path, rest: &str) -> Option<PathBuf> {
    let mut out = dir.to_path_buf();
    for seg in rest.split('/').filter(|s| !s.is_empty()) {
        let seg = percent_decode(seg)?;
        if seg.contains(['/', '\\', '\0']) {
            return None;
        }
        let mut comps = Path::new(&seg).components();
        match (comps.next(), comps.next()) {
            (Some(Component::Normal(c)), None) => out.push(c),
            _ => return None,
        }
    }
    Some(out)
}

pub async fn serve(state: &AppState, req: Request) -> Response {
    let path = req.uri().path();
    let Some((mount, rest)) = find_mount(&state.statics, path) else {
        return plain(StatusCode::NOT_FOUND, "Not Found");
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed");
    }
    let Some(mut file) = resolve(&mount.dir, rest) else {
        return plain(StatusCode::NOT_FOUND, "Not Found");
    };
    if tokio::fs::metadata(&file).await.is_ok_and(|m| m.is_dir()) {
        if !path.ends_with('/') {
            // Relative URLs inside index.html must resolve against the directory.
            let mut r = plain(StatusCode::PERMANENT_REDIRECT, "");
            let target = match req.uri().query() {
                Some(q) => format!("{path}/?{q}"),
                None => format!("{path}/"),
            };
            if let Ok(v) = HeaderValue::from_str(&target) {
                r.headers_mut().insert(LOCATION, v);
            }
            return r;
        }
        file.push("index.html");
    }
    match tokio::fs::read(&file).await {
        Ok(bytes) => {
            let len = bytes.len();
            let mut r = Response::new(Body::from(bytes));
            let h = r.headers_mut();
            h.insert(CONTENT_TYPE, HeaderValue::from_static(mime_for(&file)));
            h.insert(CONTENT_LENGTH, HeaderValue::from(len));
            h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert(
                "x-content-type-options",
                HeaderValue::from_static("nosniff"),
            );
            // No other site may frame the page (clickjacking the Cancel button): the CSP
            // directive for current browsers, X-Frame-Options for older ones. A <meta> CSP
            // cannot carry frame-ancestors, so these must be response headers.
            h.insert(
                "content-security-policy",
                HeaderValue::from_static("frame-ancestors 'none'"),
            );
            h.insert("x-frame-options", HeaderValue::from_static("DENY"));
            // How the page knows it is served by the simulator (it needs no /_sim for that).
            h.insert(SIMULATOR_HEADER, HeaderValue::from_static("1"));
            r
        }
        Err(_) => plain(StatusCode::NOT_FOUND, "Not Found"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounts_and_paths() {
        let mounts = vec![
            StaticMount {
                prefix: "/pkg".into(),
                dir: "/p".into(),
            },
            StaticMount {
                prefix: "".into(),
                dir: "/w".into(),
            },
        ];
        assert_eq!(
            find_mount(&mounts, "/pkg/a.wasm").unwrap().0.dir,
            Path::new("/p")
        );
        assert_eq!(find_mount(&mounts, "/pkgx").unwrap().0.dir, Path::new("/w"));
        assert_eq!(
            resolve(Path::new("/w"), "/a/b.js").unwrap(),
            Path::new("/w/a/b.js")
        );
        for bad in ["/../etc/passwd", "/a/%2e%2e/x", "/a%2fb", "/%5c..", "/./x"] {
            assert!(resolve(Path::new("/w"), bad).is_none(), "{bad}");
        }
        assert_eq!(mime_for(Path::new("x.wasm")), "application/wasm");
    }
}
