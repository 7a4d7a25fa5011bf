//! The Rust API on wasm32 (`wasm::MachineActionsClient`), run in Node by
//! wasm-bindgen-test-runner against the simulator whose URL and control secret
//! `cargo xtask test` passes at compile time in `MDE_SIM_URL` and `MDE_SIM_SECRET`.
#![cfg(target_arch = "wasm32")]

use mde_machine_actions::entra::{ClientCredentialsConfig, Cloud};
use mde_machine_actions::input::{AccessToken, BaseUrl, Comment, MachineActionId, Timeout};
use mde_machine_actions::outcome::CancelOutcome;
use mde_machine_actions::wasm::{ClientCredentials, MachineActionsClient, TokenSource};
use mde_machine_actions::{ActionStatus, ErrorKind, Source};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

/// A Pending isolation in the simulator's seed.
const PENDING: &str = "0f5a1c2e-7b3d-4e8a-9c61-2d4b8e7f1a01";
/// A Succeeded action in the seed.
const SUCCEEDED: &str = "7bde0df6-9c8a-4fc1-a47b-d0f26d9e8b08";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str, init: &JsValue) -> js_sys::Promise;
}

fn sim() -> &'static str {
    match option_env!("MDE_SIM_URL") {
        Some(url) => url,
        None => panic!("build with MDE_SIM_URL set to the simulator's URL (cargo xtask test does)"),
    }
}

/// Sends a control request to the simulator; panics unless it answers 2xx.
async fn control(method: &str, path: &str, body: &str) {
    let Some(secret) = option_env!("MDE_SIM_SECRET") else {
        panic!("build with MDE_SIM_SECRET set to the simulator's control secret (cargo xtask test does)")
    };
    let init = js_sys::JSON::parse(&format!(
        r#"{{"method":"{method}","headers":{{"content-type":"application/json","x-sim-secret":{}}},"body":{}}}"#,
        json_string(secret),
        json_string(body)
    ))
    .unwrap();
    let response: web_sys::Response =
        JsFuture::from(global_fetch(&format!("{}/_sim{path}", sim()), &init))
            .await
            .unwrap()
            .unchecked_into();
    assert!(
        response.ok(),
        "{method} /_sim{path} answered {}",
        response.status()
    );
}

/// `body` as a JSON string literal.
fn json_string(body: &str) -> String {
    js_sys::JSON::stringify(&JsValue::from_str(body))
        .unwrap()
        .into()
}

/// Restores the simulator's seed, so each test starts from the same state.
async fn reset() {
    control("POST", "/reset", "").await;
}

fn client(token: &str) -> MachineActionsClient {
    MachineActionsClient::new(
        TokenSource::Static(AccessToken::parse(token).unwrap()),
        BaseUrl::parse(sim()).unwrap(),
        Timeout::default(),
    )
}

/// A client whose tokens come from the simulator's Entra endpoint (its default
/// app registration), refreshed `refresh_before_seconds` before expiry.
fn credentials_client(refresh_before_seconds: u32) -> (ClientCredentials, MachineActionsClient) {
    let config = ClientCredentialsConfig::new(
        "00000000-0000-4000-8000-00000000a11d",
        "11111111-0000-4000-8000-00000000c11e",
        "sim-client-secret",
        Cloud::Commercial,
        Some(sim()),
        None,
    )
    .unwrap();
    let credentials = ClientCredentials::new(config, refresh_before_seconds, Timeout::default());
    let client = MachineActionsClient::new(
        TokenSource::Credentials(credentials.clone()),
        BaseUrl::parse(sim()).unwrap(),
        Timeout::default(),
    );
    (credentials, client)
}

fn id(text: &str) -> MachineActionId {
    MachineActionId::parse(text).unwrap()
}

#[wasm_bindgen_test]
async fn get_then_cancel_a_pending_action() {
    reset().await;
    let client = client("sim-token");
    let before = client.get(&id(PENDING), None, None).await.unwrap();
    assert_eq!(before.state.status, ActionStatus::Pending);
    let comment = Comment::parse("cancelled from Rust").unwrap();
    let after = client
        .cancel(&id(PENDING), &comment, None, None)
        .await
        .unwrap();
    assert_eq!(after.status_code, 200);
    assert_eq!(after.state.status, ActionStatus::Cancelled);
    assert_eq!(
        after.state.cancellation_comment.as_deref(),
        Some("cancelled from Rust")
    );
    assert!(after.header("mise-correlation-id").is_some());
}

#[wasm_bindgen_test]
async fn a_finished_action_cannot_be_cancelled() {
    reset().await;
    let comment = Comment::parse("too late").unwrap();
    let error = client("sim-token")
        .cancel(&id(SUCCEEDED), &comment, None, None)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotCancellable);
    assert_eq!(error.action_status(), Some("Succeeded"));
}

#[wasm_bindgen_test]
async fn a_second_cancel_with_another_comment_is_already_cancelled() {
    reset().await;
    let client = client("sim-token");
    let first = client
        .cancel(&id(PENDING), &Comment::parse("first").unwrap(), None, None)
        .await
        .unwrap();
    assert_eq!(first.outcome, Some(CancelOutcome::Cancelled));
    let second = client
        .cancel(&id(PENDING), &Comment::parse("second").unwrap(), None, None)
        .await
        .unwrap();
    assert_eq!(second.outcome, Some(CancelOutcome::AlreadyCancelled));
}

#[wasm_bindgen_test]
async fn the_same_comment_again_within_the_clock_skew_reads_as_this_calls_own_cancel() {
    // Indistinguishable from the runtime resending the first request.
    reset().await;
    let client = client("sim-token");
    let comment = Comment::parse("twice").unwrap();
    for _ in 0..2 {
        let result = client
            .cancel(&id(PENDING), &comment, None, None)
            .await
            .unwrap();
        assert_eq!(result.outcome, Some(CancelOutcome::Cancelled));
    }
}

#[wasm_bindgen_test]
async fn client_credentials_fetch_one_token_for_many_calls() {
    reset().await;
    let (credentials, client) = credentials_client(300);
    for _ in 0..3 {
        client.get(&id(PENDING), None, None).await.unwrap();
    }
    assert_eq!(credentials.token_requests(), 1);
}

#[wasm_bindgen_test]
async fn a_failed_refresh_keeps_serving_a_token_that_is_still_valid() {
    reset().await;
    // Refresh an hour early: every call wants a new token.
    let (credentials, client) = credentials_client(3600);
    client.get(&id(PENDING), None, None).await.unwrap();
    control(
        "POST",
        "/faults",
        r#"{"path_contains":"oauth2","times":0,"status":503,"body":"Entra is down"}"#,
    )
    .await;
    client.get(&id(PENDING), None, None).await.unwrap();
    client.get(&id(PENDING), None, None).await.unwrap();
    assert_eq!(
        credentials.token_requests(),
        2,
        "one failed refresh, then the old token serves without asking again"
    );
}

#[wasm_bindgen_test]
async fn entra_throttling_is_retried_within_the_deadline() {
    reset().await;
    control(
        "POST",
        "/faults",
        r#"{"path_contains":"oauth2","times":2,"status":429,"headers":{"Retry-After":"1"},"json":{"error":"temporarily_unavailable","error_codes":[50196]}}"#,
    )
    .await;
    let (credentials, client) = credentials_client(300);
    client.get(&id(PENDING), None, None).await.unwrap();
    assert_eq!(
        credentials.token_requests(),
        1,
        "one token request, tried three times"
    );
}

#[wasm_bindgen_test]
async fn entra_failing_for_good_is_a_server_error_from_entra_with_its_requests_counted() {
    reset().await;
    control(
        "POST",
        "/faults",
        r#"{"path_contains":"oauth2","times":0,"status":503,"body":"Entra is down"}"#,
    )
    .await;
    let (_, client) = credentials_client(300);
    let error = client.get(&id(PENDING), None, None).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Server);
    assert_eq!(error.source(), Source::Entra);
    assert_eq!(
        error.attempts(),
        3,
        "three requests to Entra, none to Defender"
    );
}

#[wasm_bindgen_test]
async fn a_wrong_token_is_unauthorized_and_not_quoted() {
    reset().await;
    let error = client("wrong-token-42")
        .get(&id(PENDING), None, None)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unauthorized);
    assert!(!error.message().contains("wrong-token-42"));
    assert!(!format!("{error:?}").contains("wrong-token-42"));
}

#[wasm_bindgen_test]
async fn an_aborted_signal_sends_nothing() {
    reset().await;
    let controller = web_sys::AbortController::new().unwrap();
    controller.abort();
    let error = client("sim-token")
        .get(&id(PENDING), None, Some(&controller.signal()))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Aborted);
}

#[wasm_bindgen_test]
async fn a_refused_connection_is_network_with_the_js_cause() {
    let client = MachineActionsClient::new(
        TokenSource::Static(AccessToken::parse("sim-token").unwrap()),
        BaseUrl::parse("http://127.0.0.1:9").unwrap(),
        Timeout::from_millis(5000.0).unwrap(),
    );
    let error = client.get(&id(PENDING), None, None).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Network);
    assert!(error.js_cause().is_some());
}
