//! The collection endpoints through the whole stack: auth, quota, the next link on the
//! request's host, the request log, faults, and the control routes that feed them.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::demo::{PLAYBOOK_COUNT, PLAYBOOK_REQUESTOR};
use crate::guard::SECRET_HEADER;
use crate::request_log::redact_authorization;
use crate::security_tests::{request, send, state, HOST, SECRET, TOKEN};
use crate::state::{lock, AppState};
use crate::util::percent_encode;

/// A `GET` with the token, to `host`: status, JSON body (null if none), `Retry-After`.
async fn api(st: &Arc<AppState>, path: &str, host: &str) -> (StatusCode, Value, Option<String>) {
    call(st, "GET", path, host).await
}

async fn call(
    st: &Arc<AppState>,
    method: &str,
    path: &str,
    host: &str,
) -> (StatusCode, Value, Option<String>) {
    let auth = format!("Bearer {TOKEN}");
    let req = request(
        method,
        path,
        &[("authorization", &auth), ("host", host)],
        "",
    );
    let (resp, text) = send(st, req).await;
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    (resp.status(), body, retry)
}

async fn control(st: &Arc<AppState>, method: &str, path: &str, body: &str) -> (StatusCode, Value) {
    let headers = [
        (SECRET_HEADER, SECRET),
        ("content-type", "application/json"),
    ];
    let (resp, text) = send(st, request(method, path, &headers, body)).await;
    (resp.status(), serde_json::from_str(&text).unwrap())
}

#[tokio::test]
async fn the_playbook_is_found_page_by_page_on_the_callers_host() {
    let st = state();
    assert_eq!(
        control(&st, "POST", "/_sim/seed", r#"{"preset":"demo"}"#)
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        control(&st, "PUT", "/_sim/paging", r#"{"page_size":64}"#)
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        control(&st, "GET", "/_sim/paging", "").await.1,
        json!({"page_size": 64})
    );
    let mut query = String::new();
    percent_encode(
        &mut query,
        &format!("requestor eq '{PLAYBOOK_REQUESTOR}' and status eq 'Pending'"),
    );
    let host = "LocalHost:4321";
    let mut path = format!("/api/machineactions?$filter={query}&$top=1000");
    let mut seen = Vec::new();
    loop {
        let (status, body, _) = api(&st, &path, host).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            body["@odata.context"],
            format!("http://{host}/api/$metadata#MachineActions")
        );
        seen.extend(
            body["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].clone()),
        );
        let Some(next) = body["@odata.nextLink"].as_str() else {
            break;
        };
        path = next
            .strip_prefix(&format!("http://{host}"))
            .expect(next)
            .to_owned();
    }
    assert_eq!(seen.len(), PLAYBOOK_COUNT);
    // The log shows each page, the token only as its fingerprint.
    let log = lock(&st.requests).entries();
    assert_eq!(log.len(), 3);
    assert!(log[1].query.as_deref().unwrap_or("").contains("$skip=64"));
    assert_eq!(
        log[1].headers["authorization"],
        redact_authorization(&format!("Bearer {TOKEN}"))
    );
}

#[tokio::test]
async fn lists_need_a_token_and_answer_odata_errors() {
    let st = state();
    let (resp, text) = send(&st, request("GET", "/api/machineactions", &[], "")).await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{text}");
    let (status, body, _) = api(&st, "/api/machineactions?$filter=status%20ne%20'x'", HOST).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "BadRequest");
    assert!(body["error"]["message"].as_str().unwrap().contains("'ne'"));
    assert_eq!(body["error"]["target"].as_str().unwrap().len(), 36);
    let (status, body, _) = api(&st, "/api/machines/nope", HOST).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::NOT_FOUND, &json!("ResourceNotFound"))
    );
    let (status, body, _) = api(
        &st,
        "/api/machines/A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4",
        HOST,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["computerDnsName"], "desktop-fin-042.contoso.local");
    assert!(body["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("#Machines/$entity"));
    let (status, _, _) = call(&st, "POST", "/api/machines", HOST).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn list_and_machines_have_quotas_of_their_own() {
    let st = state();
    let limits = r#"{"limits":[{"calls":2,"window_ms":60000}]}"#;
    assert_eq!(
        control(&st, "PUT", "/_sim/quota", limits).await.0,
        StatusCode::OK
    );
    for path in ["/api/machineactions", "/api/machineactions?$top=1"] {
        assert_eq!(api(&st, path, HOST).await.0, StatusCode::OK);
    }
    let (status, body, retry) = api(&st, "/api/machineactions", HOST).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::TOO_MANY_REQUESTS, &json!("TooManyRequests"))
    );
    assert_eq!(retry.as_deref(), Some("60"));
    // Neither get nor machines was charged for the listing.
    assert_eq!(api(&st, "/api/machines", HOST).await.0, StatusCode::OK);
    assert_eq!(
        api(
            &st,
            &format!("/api/machineactions/{}", crate::seed::SUCCEEDED),
            HOST
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        api(&st, "/api/machines/x", HOST).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api(&st, "/api/machines?$top=1", HOST).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        control(&st, "GET", "/_sim/quota", "").await.1["rejected"],
        2
    );
}

#[tokio::test]
async fn faults_reach_lists_by_path() {
    let st = state();
    let fault = r#"{"method":"GET","path_contains":"/machineactions?","status":503}"#;
    assert_eq!(
        control(&st, "POST", "/_sim/faults", fault).await.0,
        StatusCode::OK
    );
    let get_one = format!("/api/machineactions/{}", crate::seed::SUCCEEDED);
    let (status, _, _) = api(&st, &get_one, HOST).await;
    assert_eq!(status, StatusCode::OK, "a get is not a list");
    let (status, _, _) = api(&st, "/api/machineactions?$top=5", HOST).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn pending_actions_are_planted_and_listed() {
    let st = state();
    let (status, body) = control(
        &st,
        "POST",
        "/_sim/pending",
        r#"{"count":25,"type":"Isolate"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ids = body["ids"].as_array().unwrap();
    assert_eq!(ids.len(), 25);
    let (_, page, _) = api(
        &st,
        "/api/machineactions?$filter=type%20eq%20'Isolate'%20and%20status%20eq%20'Pending'",
        HOST,
    )
    .await;
    assert_eq!(
        page["value"].as_array().unwrap().len(),
        26,
        "25 planted and the seed's"
    );
    let (_, devices, _) = api(&st, "/api/machines", HOST).await;
    assert_eq!(
        devices["value"].as_array().unwrap().len(),
        25,
        "10 named, 15 made"
    );
    for (body, why) in [
        (r#"{"count":0}"#, "count"),
        (r#"{"preset":"demo"}"#, "unknown field"),
    ] {
        let (status, err) = control(&st, "POST", "/_sim/pending", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(err["error"].as_str().unwrap().contains(why), "{err}");
    }
    for (path, body) in [
        ("/_sim/seed", r#"{"preset":"all"}"#),
        ("/_sim/paging", r#"{"page_size":0}"#),
    ] {
        let method = if path.ends_with("seed") {
            "POST"
        } else {
            "PUT"
        };
        assert_eq!(
            control(&st, method, path, body).await.0,
            StatusCode::BAD_REQUEST,
            "{path}"
        );
    }
    let (_, counts) = control(&st, "POST", "/_sim/seed", r#"{"preset":"none"}"#).await;
    assert_eq!(counts, json!({"ok": true, "actions": 0, "machines": 0}));
    control(&st, "POST", "/_sim/reset", "").await;
    assert_eq!(lock(&st.store).actions().count(), 11);
}
