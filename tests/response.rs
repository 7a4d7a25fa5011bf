//! Interpreting answers: every status maps to its kind, with the facts kept.
// Native: bodies are parsed with serde_json here (the engine parses them in wasm).
#![cfg(not(target_arch = "wasm32"))]

use mde_machine_actions::response::parse_retry_after;
use mde_machine_actions::{interpret, ErrorKind, HttpResponse, Operation};

const ID: &str = "5382f7ea-7557-4ab7-9782-d50480024a4e";
/// 2025-02-07T10:57:23Z, the Date of the seed's example.
const NOW: u64 = 1_738_925_843;

fn response(status: u16, body: &str, headers: &[(&str, &str)]) -> HttpResponse {
    HttpResponse {
        status,
        reason: String::new(),
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body: body.to_owned(),
    }
}

fn odata(code: &str, target: &str) -> String {
    format!(
        r#"{{"error":{{"code":"{code}","message":"Something about {code}","target":"{target}"}}}}"#
    )
}

fn seed_body() -> String {
    std::fs::read_to_string("tests/fixtures/mde/synthetic-swimlane-cancel-200-json_body.json")
        .unwrap()
}

#[test]
fn a_200_gives_the_seeds_shape_with_the_standard_reason() {
    let answer = response(
        200,
        &seed_body(),
        &[
            ("content-type", "application/json; odata.metadata=minimal"),
            ("mise-correlation-id", "8d39c870"),
        ],
    );
    let result = interpret(Operation::Cancel, answer, NOW).unwrap();
    assert_eq!(result.status_code, 200);
    assert_eq!(result.reason, "OK");
    assert_eq!(result.header("mise-correlation-id"), Some("8d39c870"));
    assert_eq!(result.state.id, ID);
    assert_eq!(result.json_body["id"], ID);
    assert_eq!(result.action().id, ID);
    assert_eq!(
        result.response_headers[0],
        (
            "content-type".to_owned(),
            "application/json; odata.metadata=minimal".to_owned()
        )
    );
}

#[test]
fn a_reason_sent_by_the_server_is_kept() {
    let mut answer = response(200, &seed_body(), &[]);
    answer.reason = "Ok".into();
    assert_eq!(interpret(Operation::Get, answer, NOW).unwrap().reason, "Ok");
}

#[test]
fn each_status_maps_to_its_kind() {
    for (status, kind) in [
        (400, ErrorKind::BadRequest),
        (401, ErrorKind::Unauthorized),
        (403, ErrorKind::Forbidden),
        (404, ErrorKind::NotFound),
        (405, ErrorKind::BadRequest),
        (409, ErrorKind::BadRequest),
        (429, ErrorKind::RateLimited),
        (500, ErrorKind::Server),
        (502, ErrorKind::Server),
        (503, ErrorKind::Server),
        (504, ErrorKind::Server),
        (302, ErrorKind::InvalidResponse),
        (0, ErrorKind::InvalidResponse),
        (101, ErrorKind::InvalidResponse),
        (600, ErrorKind::InvalidResponse),
    ] {
        let error = interpret(Operation::Cancel, response(status, "", &[]), NOW).unwrap_err();
        assert_eq!(error.kind(), kind, "HTTP {status}");
        assert_eq!(error.status_code(), Some(status));
        assert_eq!(error.is_status(), (400..600).contains(&status));
    }
}

#[test]
fn the_odata_error_gives_code_and_correlation_id() {
    let body = odata("ResourceNotFound", "43f4cb08-8fac-4b65-9db1-745c2ae65f3a");
    let error = interpret(
        Operation::Cancel,
        response(404, &body, &[("mise-correlation-id", "header-id")]),
        NOW,
    )
    .unwrap_err();
    assert_eq!(error.error_code(), Some("ResourceNotFound"));
    assert_eq!(
        error.correlation_id(),
        Some("43f4cb08-8fac-4b65-9db1-745c2ae65f3a")
    );
    assert!(error
        .message()
        .contains("Defender said: Something about ResourceNotFound"));
    assert!(error.message().contains("HTTP 404 ResourceNotFound"));
}

#[test]
fn the_documented_error_fixtures_are_read() {
    let body = std::fs::read_to_string("tests/fixtures/mde/docs-error-400-invalidrequestbody.json")
        .unwrap();
    let error = interpret(Operation::Cancel, response(400, &body, &[]), NOW).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadRequest);
    assert_eq!(error.error_code(), Some("InvalidRequestBody"));
    assert_eq!(
        error.correlation_id(),
        Some("1fa66c0f-18bd-4133-b378-36d76f3a2ba0")
    );
}

#[test]
fn an_empty_code_and_no_target_fall_back_to_headers() {
    let body = r#"{"error":{"code":"","message":"An error has occurred.","details":[]}}"#;
    for (header, value) in [
        ("mise-correlation-id", "m-1"),
        ("request-id", "r-1"),
        ("client-request-id", "c-1"),
    ] {
        let error = interpret(
            Operation::Cancel,
            response(500, body, &[(header, value)]),
            NOW,
        )
        .unwrap_err();
        assert_eq!(error.error_code(), None);
        assert_eq!(error.correlation_id(), Some(value), "{header}");
    }
    let error = interpret(Operation::Cancel, response(500, body, &[]), NOW).unwrap_err();
    assert_eq!(error.correlation_id(), None);
}

#[test]
fn forbidden_names_the_permissions_of_the_operation() {
    let cancel = interpret(
        Operation::Cancel,
        response(403, &odata("Forbidden", "t"), &[]),
        NOW,
    )
    .unwrap_err();
    for permission in [
        "Machine.Isolate",
        "Machine.Scan",
        "Machine.LiveResponse",
        "Machine.CollectForensics",
    ] {
        assert!(cancel.message().contains(permission), "{permission}");
    }
    let get = interpret(
        Operation::Get,
        response(403, &odata("Forbidden", "t"), &[]),
        NOW,
    )
    .unwrap_err();
    assert!(get.message().contains("Machine.Read.All"));
}

#[test]
fn a_400_on_cancel_explains_final_states() {
    let error = interpret(
        Operation::Cancel,
        response(400, &odata("BadRequest", "t"), &[]),
        NOW,
    )
    .unwrap_err();
    assert!(error.message().contains("already finished"));
}

#[test]
fn retry_after_seconds_and_http_dates_are_read() {
    let error = interpret(
        Operation::Cancel,
        response(429, "", &[("retry-after", "12")]),
        NOW,
    )
    .unwrap_err();
    assert_eq!(error.retry_after_seconds(), Some(12));
    assert!(error.message().contains("Retry after 12 s."));
    assert!(error.is_transient());
    assert_eq!(
        parse_retry_after("Fri, 07 Feb 2025 10:58:23 GMT", NOW),
        Some(60)
    );
    assert_eq!(
        parse_retry_after("Fri, 07 Feb 2025 10:50:00 GMT", NOW),
        Some(0)
    );
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777),
        Some(0)
    );
    assert_eq!(
        parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_700),
        Some(77)
    );
    for bad in [
        "",
        "soon",
        "-1",
        "1.5",
        "Fri, 07 Feb 2025 10:58:23 UTC",
        "Fri, 32 Feb 2025 10:58:23 GMT",
    ] {
        assert_eq!(parse_retry_after(bad, NOW), None, "{bad:?}");
    }
}

#[test]
fn an_html_error_page_is_named_as_such() {
    let html = "<html><body>502 Bad Gateway</body></html>";
    let error = interpret(
        Operation::Cancel,
        response(502, html, &[("content-type", "text/html")]),
        NOW,
    )
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Server);
    assert_eq!(error.error_code(), None);
    assert!(error.message().contains("HTML"));
}

#[test]
fn a_2xx_that_is_not_a_machine_action_is_invalid_response() {
    for (body, says) in [
        ("", "empty"),
        ("  \n", "empty"),
        (
            r#"{"id":"5382f7ea-7557-4ab7-9782-d50480024a4e","status":"Canc"#,
            "ends early",
        ),
        ("<!doctype html><title>Sign in</title>", "HTML"),
        ("not json", "not JSON"),
        ("[1,2]", "not an object"),
        // Read by name only, never by position as serde_json could.
        (r#"["x","Pending"]"#, "not an object"),
        (r#"{"status":"Pending"}"#, "`id`"),
        (r#"{"id":"x"}"#, "`status`"),
        (r#"{"id":"x","status":null}"#, "`status`"),
        (r#"{"id":"x","status":5}"#, "`status`"),
        (r#"{"id":7,"status":"Pending"}"#, "`id`"),
        (r#""a string""#, "not an object"),
        ("null", "not an object"),
        (r#"{"id":"x","status":"Pending"} trailing"#, "not JSON"),
        (r#"{"id":"x","status":"Pending"}}"#, "not JSON"),
        (r#"[{"id":"x""#, "ends early"),
    ] {
        let error = interpret(Operation::Cancel, response(200, body, &[]), NOW).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidResponse, "{body}");
        assert_eq!(error.status_code(), Some(200));
        assert!(
            error.message().contains(says),
            "{body}: {}",
            error.message()
        );
    }
}

#[test]
fn a_body_over_one_mebibyte_is_refused() {
    let body = format!(
        r#"{{"id":"x","status":"Pending","pad":"{}"}}"#,
        "x".repeat(1024 * 1024)
    );
    let error = interpret(Operation::Get, response(200, &body, &[]), NOW).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidResponse);
    assert!(error.message().contains("1 MiB"));
}

#[test]
fn a_redirect_is_refused_with_advice() {
    let error = interpret(
        Operation::Cancel,
        response(302, "", &[("location", "https://elsewhere")]),
        NOW,
    )
    .unwrap_err();
    assert!(error.message().contains("redirect"));
}

#[test]
fn a_secret_echoed_by_a_server_is_redacted() {
    let body = r#"{"error":{"code":"Unauthorized","message":"Bearer secret-token-123 is not valid","target":"secret-token-123"}}"#;
    let error = interpret(Operation::Cancel, response(401, body, &[]), NOW)
        .unwrap_err()
        .redact("secret-token-123");
    assert!(!error.message().contains("secret-token-123"));
    assert!(!format!("{error:?}").contains("secret-token-123"));
    assert_eq!(error.correlation_id(), Some("[redacted]"));
}

#[test]
fn an_absurd_retry_after_year_is_ignored_not_overflowed() {
    // Found by the interpret_response fuzz target.
    for date in [
        "Sun, 06 Nov 99999999999999 08:49:37 GMT",
        "Sun, 06 Nov 584942417355 08:49:37 GMT",
        "Sun, 06 Jan -9223372036854775808 08:49:37 GMT",
        "Sun, 06 Nov 0 08:49:37 GMT",
    ] {
        assert_eq!(parse_retry_after(date, NOW), None, "{date}");
        let error = interpret(
            Operation::Cancel,
            response(503, "", &[("retry-after", date)]),
            NOW,
        )
        .unwrap_err();
        assert_eq!(error.retry_after_seconds(), None);
    }
    assert_eq!(
        parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", 0),
        Some(3_600),
        "capped at an hour"
    );
}

#[test]
fn retry_after_is_capped_at_an_hour_in_every_form() {
    assert_eq!(parse_retry_after("120", NOW), Some(120));
    assert_eq!(parse_retry_after("3601", NOW), Some(3_600));
    assert_eq!(parse_retry_after("999999999", NOW), Some(3_600));
    assert_eq!(parse_retry_after(&"9".repeat(30), NOW), Some(3_600));
    let error = interpret(
        Operation::Get,
        response(429, "", &[("retry-after", "999999999")]),
        NOW,
    )
    .unwrap_err();
    assert_eq!(error.retry_after_seconds(), Some(3_600));
    assert!(
        error.message().contains("Retry after 3600 s"),
        "{}",
        error.message()
    );
}

#[test]
fn a_secret_cut_by_truncation_is_redacted_too() {
    let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-part";
    let message = format!("{}{}", "x".repeat(380), token);
    let body = format!(r#"{{"error":{{"code":"Unauthorized","message":"{message}"}}}}"#);
    let error = interpret(Operation::Cancel, response(401, &body, &[]), NOW)
        .unwrap_err()
        .redact(token);
    assert!(
        error.message().contains("[redacted]…"),
        "{}",
        error.message()
    );
    assert!(
        !error.message().contains("eyJ0eXAiOiJKV1Qi"),
        "{}",
        error.message()
    );
}

#[test]
fn a_secret_that_masking_would_rebuild_withholds_the_text() {
    let error = mde_machine_actions::Error::new(ErrorKind::Server, "x]]xx").redact("]x");
    assert!(!error.message().contains("]x"), "{}", error.message());
    let error = mde_machine_actions::Error::new(ErrorKind::Server, "a red flag").redact("red");
    assert!(!error.message().contains("red flag"), "{}", error.message());
}
