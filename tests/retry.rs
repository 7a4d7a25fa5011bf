//! Retry policy: what is retried, how long it waits, and that it stops.

use mde_machine_actions::http::refused_send;
use mde_machine_actions::retry::{is_retryable, RetryPolicy};
use mde_machine_actions::{interpret, Error, ErrorKind, HttpResponse, Operation, Source};

fn error(status: u16, retry_after: Option<&str>) -> Error {
    let headers = retry_after
        .map(|v| vec![("retry-after".to_owned(), v.to_owned())])
        .unwrap_or_default();
    let response = HttpResponse {
        status,
        headers,
        ..HttpResponse::default()
    };
    interpret(Operation::Cancel, response, 0).unwrap_err()
}

#[test]
fn transient_statuses_and_failures_before_an_answer_are_retried() {
    for status in [429, 500, 502, 503, 504] {
        assert!(is_retryable(&error(status, None)), "{status}");
    }
    assert!(is_retryable(&Error::new(ErrorKind::Network, "refused")));
}

#[test]
fn everything_else_is_final() {
    for status in [400, 401, 403, 404, 409, 501, 505, 302] {
        assert!(!is_retryable(&error(status, None)), "{status}");
    }
    assert!(!is_retryable(&Error::new(ErrorKind::Timeout, "late")));
    assert!(!is_retryable(&Error::invalid_input("bad")));
}

#[test]
fn backoff_doubles_with_jitter_and_is_capped() {
    let policy = RetryPolicy {
        max_attempts: 10,
        base_delay_ms: 500,
        max_delay_ms: 8_000,
    };
    let e = error(503, None);
    assert_eq!(policy.delay_after(&e, 1, 0.0), Some(250));
    assert_eq!(policy.delay_after(&e, 1, 0.999_999), Some(499));
    assert_eq!(policy.delay_after(&e, 2, 0.0), Some(500));
    assert_eq!(policy.delay_after(&e, 3, 0.0), Some(1_000));
    assert_eq!(policy.delay_after(&e, 9, 0.0), Some(4_000));
    assert!(policy.delay_after(&e, 9, 0.5).unwrap() <= 8_000);
}

#[test]
fn retry_after_is_never_undercut() {
    let policy = RetryPolicy::default();
    assert_eq!(
        policy.delay_after(&error(429, Some("7")), 1, 0.5),
        Some(7_000)
    );
    assert_eq!(
        policy.delay_after(&error(503, Some("0")), 1, 0.0),
        Some(250)
    );
}

#[test]
fn attempts_are_bounded() {
    let e = error(503, None);
    let policy = RetryPolicy::default();
    assert_eq!(policy.max_attempts, 3);
    assert!(policy.delay_after(&e, 2, 0.0).is_some());
    assert_eq!(policy.delay_after(&e, 3, 0.0), None);
    assert_eq!(RetryPolicy::with_retries(0).delay_after(&e, 1, 0.0), None);
}

#[test]
fn an_error_made_outside_a_call_counts_no_request() {
    assert_eq!(error(503, None).attempts(), 0);
    assert_eq!(error(503, None).with_attempts(3).attempts(), 3);
}

#[test]
fn a_runtime_refusing_network_access_is_the_callers_input_and_final() {
    let url = "https://api.security.microsoft.com/api/machineactions/5382f7ea-7557-4ab7-9782-d50480024a4e/cancel";
    for name in ["NotCapable", "PermissionDenied"] {
        let error = refused_send(name, url).expect(name);
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{name}");
        assert_eq!(error.source(), Source::Client);
        assert_eq!(error.attempts(), 0);
        assert!(!is_retryable(&error) && !error.is_transient());
        assert!(
            error
                .message()
                .contains("--allow-net=api.security.microsoft.com)"),
            "{}",
            error.message()
        );
        assert!(!error.message().contains("/api/"), "the host only");
    }
    let local = refused_send("NotCapable", "http://127.0.0.1:18181/api/machineactions/x").unwrap();
    assert!(local.message().contains("--allow-net=127.0.0.1:18181)"));
}

#[test]
fn other_fetch_failures_stay_network_failures() {
    for name in [
        "TypeError",
        "AbortError",
        "TimeoutError",
        "Error",
        "notcapable",
        "",
    ] {
        assert!(
            refused_send(name, "https://example.com/").is_none(),
            "{name}"
        );
    }
}
