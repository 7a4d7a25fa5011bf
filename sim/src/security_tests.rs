//! The protections of `guard.rs`, `cors.rs` and `request_log.rs`, through the whole
//! middleware stack (the router called in-process, as the accept loop calls it).

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::http::{Request, StatusCode};
use axum::response::Response;
use tower::ServiceExt;

use crate::app::router;
use crate::guard::{Access, SECRET_HEADER};
use crate::seed;
use crate::state::{AppState, SeedKind};

pub(crate) const PORT: u16 = 4321;
pub(crate) const HOST: &str = "127.0.0.1:4321";
pub(crate) const SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const TEST_PAGE: &str = "http://127.0.0.1:5555";
const FOREIGN: &str = "https://evil.example";
/// A token the simulator accepts, long enough that any 8-character run would be telling.
pub(crate) const TOKEN: &str =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.sim-security-test.c2lnbmF0dXJl";

pub(crate) fn state() -> Arc<AppState> {
    let mut state = AppState::new(vec![TOKEN.into()], SeedKind::Default, true, vec![]);
    state.access = Access::new(PORT, &[TEST_PAGE.to_owned()], SECRET.to_owned());
    Arc::new(state)
}

/// A request with the right `Host`; `headers` may override it.
pub(crate) fn request(
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(path);
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        b = b.header("host", HOST);
    }
    for (name, value) in headers {
        b = b.header(*name, *value);
    }
    b.body(Body::from(body.to_owned())).unwrap()
}

pub(crate) async fn send(state: &Arc<AppState>, req: Request<Body>) -> (Response, String) {
    let resp = router(state.clone()).oneshot(req).await.unwrap();
    let (parts, body) = resp.into_parts();
    let text = String::from_utf8(to_bytes(body, usize::MAX).await.unwrap().to_vec()).unwrap();
    (Response::from_parts(parts, Body::empty()), text)
}

async fn status(state: &Arc<AppState>, req: Request<Body>) -> StatusCode {
    send(state, req).await.0.status()
}

fn allow_origin(resp: &Response) -> Option<&str> {
    resp.headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap())
}

const GET_ACTION: &str = "/api/machineactions/0f5a1c2e-7b3d-4e8a-9c61-2d4b8e7f1a01";

/// `GET` of a seeded action with the token, from a page on `origin`.
async fn get_action_from(st: &Arc<AppState>, origin: &str) -> Response {
    let auth = format!("Bearer {TOKEN}");
    let headers = [("origin", origin), ("authorization", auth.as_str())];
    send(st, request("GET", GET_ACTION, &headers, "")).await.0
}

#[tokio::test]
async fn only_its_own_and_allowed_origins_get_cors_headers() {
    let st = state();
    for origin in [TEST_PAGE, "http://localhost:4321", "http://127.0.0.1:4321"] {
        let resp = get_action_from(&st, origin).await;
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(allow_origin(&resp), Some(origin));
    }
    for origin in [FOREIGN, "null", "http://127.0.0.1:4322", "http://localhost"] {
        // The API still answers (a server cannot stop a browser sending), but no page
        // on that origin may read the answer.
        let resp = get_action_from(&st, origin).await;
        assert_eq!(allow_origin(&resp), None, "{origin}");
        assert!(resp
            .headers()
            .get("access-control-expose-headers")
            .is_none());
        // Nor preflight a call, to the API or the controls.
        for path in [GET_ACTION, "/_sim/requests"] {
            let preflight = request(
                "OPTIONS",
                path,
                &[
                    ("origin", origin),
                    ("access-control-request-method", "GET"),
                    (
                        "access-control-request-headers",
                        "authorization, x-sim-secret",
                    ),
                ],
                "",
            );
            let (resp, _) = send(&st, preflight).await;
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{origin} {path}");
            assert_eq!(allow_origin(&resp), None);
            assert!(resp.headers().get("access-control-allow-headers").is_none());
        }
        // /_sim refuses it outright, even with the secret.
        let (resp, _) = send(
            &st,
            request(
                "GET",
                "/_sim/requests",
                &[("origin", origin), (SECRET_HEADER, SECRET)],
                "",
            ),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{origin}");
        assert_eq!(allow_origin(&resp), None);
    }
    // The allowed test page may preflight the controls with the secret header.
    let preflight = request(
        "OPTIONS",
        "/_sim/reset",
        &[
            ("origin", TEST_PAGE),
            ("access-control-request-method", "POST"),
        ],
        "",
    );
    let (resp, _) = send(&st, preflight).await;
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(allow_origin(&resp), Some(TEST_PAGE));
    let allowed = resp.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap();
    assert!(allowed.contains("X-Sim-Secret"), "{allowed}");
}

#[tokio::test]
async fn a_host_other_than_its_loopback_names_on_its_port_is_refused() {
    let st = state();
    for host in [
        "127.0.0.1:4321",
        "localhost:4321",
        "LOCALHOST:4321",
        "[::1]:4321",
    ] {
        let req = request(
            "GET",
            "/_sim/health",
            &[("host", host), (SECRET_HEADER, SECRET)],
            "",
        );
        assert_eq!(status(&st, req).await, StatusCode::OK, "{host}");
    }
    // A DNS-rebinding page reaches 127.0.0.1 under its own name; the port must match too.
    for host in [
        "evil.example:4321",
        "evil.example",
        "127.0.0.1",
        "127.0.0.1:4322",
        "localhost.evil.example:4321",
        "10.0.0.1:4321",
        "",
    ] {
        for (path, extra) in [
            ("/_sim/requests", Some((SECRET_HEADER, SECRET))),
            (GET_ACTION, Some(("authorization", "Bearer x"))),
            (
                "/00000000-0000-4000-8000-00000000a11d/oauth2/v2.0/token",
                None,
            ),
            ("/", None),
        ] {
            let mut headers = vec![("host", host)];
            headers.extend(extra);
            let (resp, text) = send(&st, request("GET", path, &headers, "")).await;
            assert_eq!(
                resp.status(),
                StatusCode::MISDIRECTED_REQUEST,
                "{host} {path}"
            );
            assert!(!text.contains(SECRET) && !text.contains("sim-"), "{text}");
        }
    }
    // Nothing reached the log.
    assert!(crate::state::lock(&st.requests).entries().is_empty());
}

#[tokio::test]
async fn the_controls_need_the_secret() {
    let st = state();
    for secret in [
        None,
        Some(""),
        Some("wrong"),
        Some(&SECRET[..63]),
        Some(&SECRET.to_uppercase()),
    ] {
        for (method, path) in [
            ("GET", "/_sim/health"),
            ("GET", "/_sim/requests"),
            ("POST", "/_sim/reset"),
            ("GET", "/_sim/actions"),
        ] {
            let headers: Vec<_> = secret.map(|s| (SECRET_HEADER, s)).into_iter().collect();
            let (resp, text) = send(&st, request(method, path, &headers, "")).await;
            assert_eq!(
                resp.status(),
                StatusCode::FORBIDDEN,
                "{secret:?} {method} {path}"
            );
            assert!(
                text.contains("x-sim-secret") && !text.contains(SECRET),
                "{text}"
            );
        }
    }
    let req = request("GET", "/_sim/health", &[(SECRET_HEADER, SECRET)], "");
    assert_eq!(send(&st, req).await.1, r#"{"ok":true}"#);
}

#[tokio::test]
async fn control_bodies_must_be_json() {
    let st = state();
    let fault = r#"{"status":500}"#;
    for content_type in [
        Some("text/plain"),
        Some("text/plain;charset=UTF-8"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let mut headers = vec![(SECRET_HEADER, SECRET)];
        headers.extend(content_type.map(|c| ("content-type", c)));
        let req = request("POST", "/_sim/faults", &headers, fault);
        assert_eq!(
            status(&st, req).await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        // Not even an empty simple POST may reset.
        let mut headers = vec![(SECRET_HEADER, SECRET)];
        headers.extend(content_type.map(|c| ("content-type", c)));
        if content_type.is_some() {
            let req = request("POST", "/_sim/reset", &headers, "");
            assert_eq!(
                status(&st, req).await,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{content_type:?}"
            );
        }
    }
    assert!(
        crate::state::lock(&st.faults).describe().is_empty(),
        "a refused fault was queued"
    );
    for content_type in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
    ] {
        let headers = [(SECRET_HEADER, SECRET), ("content-type", content_type)];
        assert_eq!(
            status(&st, request("POST", "/_sim/faults", &headers, fault)).await,
            StatusCode::OK
        );
    }
    // No body and no Content-Type is fine (POST /_sim/reset).
    let req = request("POST", "/_sim/reset", &[(SECRET_HEADER, SECRET)], "");
    assert_eq!(status(&st, req).await, StatusCode::OK);
}

#[tokio::test]
async fn the_request_log_never_holds_the_token() {
    let st = state();
    for auth in [
        format!("Bearer {TOKEN}"),
        format!("bearer {TOKEN}"),
        TOKEN.to_owned(),
        format!("Bearer {TOKEN}x"),
    ] {
        let cancel = format!("/api/machineactions/{}/cancel", seed::PENDING_AV_SCAN);
        let req = request(
            "POST",
            &cancel,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            r#"{"Comment":"c"}"#,
        );
        send(&st, req).await;
    }
    let (resp, log) = send(
        &st,
        request("GET", "/_sim/requests", &[(SECRET_HEADER, SECRET)], ""),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let chars: Vec<char> = TOKEN.chars().collect();
    for run in chars.windows(8) {
        let run: String = run.iter().collect();
        assert!(
            !log.contains(&run),
            "the log holds {run:?} of the token: {log}"
        );
    }
    let entries: Vec<serde_json::Value> = serde_json::from_str(&log).unwrap();
    assert_eq!(entries.len(), 4);
    let expected = crate::request_log::redact_authorization(&format!("Bearer {TOKEN}"));
    assert_eq!(entries[0]["headers"]["authorization"], expected.as_str());
    assert_eq!(entries[0]["token"], "configured");
    assert_eq!(entries[2]["token"], serde_json::Value::Null);
    assert_eq!(entries[3]["token"], "unknown");
}

#[tokio::test]
async fn served_files_forbid_framing() {
    let dir = std::env::temp_dir().join(format!("mde-sim-static-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>page</title>").unwrap();
    let mut state = AppState::new(
        vec![],
        SeedKind::None,
        true,
        vec![crate::state::StaticMount {
            prefix: String::new(),
            dir: dir.clone(),
        }],
    );
    state.access = Access::new(PORT, &[], SECRET.to_owned());
    let st = Arc::new(state);
    for path in ["/", "/index.html"] {
        let (resp, text) = send(&st, request("GET", path, &[], "")).await;
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert!(text.contains("<title>page</title>"));
        let h = resp.headers();
        assert_eq!(h["content-security-policy"], "frame-ancestors 'none'");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h[crate::static_files::SIMULATOR_HEADER], "1");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
