//! The verified cancel: one answer for each thing Defender can do to a cancel.
// Native: bodies are parsed with serde_json here (the engine parses them in wasm).
#![cfg(not(target_arch = "wasm32"))]

use mde_machine_actions::outcome::{is_ambiguous, judge_answer, judge_read_back, CancelOutcome};
use mde_machine_actions::{interpret, ActionResponse, Error, ErrorKind, HttpResponse, Operation};

const COMMENT: &str = "stuck isolation";

fn answer(body: &str) -> ActionResponse {
    let response = HttpResponse {
        status: 200,
        body: body.to_owned(),
        ..HttpResponse::default()
    };
    interpret(Operation::Cancel, response, 0).unwrap()
}

fn action(status: &str, comment: &str) -> ActionResponse {
    answer(&format!(
        r#"{{"id":"a","status":"{status}","cancellationComment":"{comment}"}}"#
    ))
}

fn bad_request() -> Error {
    let response = HttpResponse {
        status: 400,
        ..HttpResponse::default()
    };
    interpret(Operation::Cancel, response, 0).unwrap_err()
}

#[test]
fn a_200_reading_cancelled_is_cancelled() {
    let result = judge_answer(action("Cancelled", COMMENT)).unwrap();
    assert_eq!(result.outcome, Some(CancelOutcome::Cancelled));
    assert_eq!(result.notice, None);
    assert_eq!(result.outcome.unwrap().as_str(), "cancelled");
}

#[test]
fn a_200_reading_finished_is_not_cancellable() {
    let error = judge_answer(action("Succeeded", "")).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotCancellable);
    assert_eq!(error.action_status(), Some("Succeeded"));
}

#[test]
fn a_200_still_pending_says_so() {
    let result = judge_answer(action("InProgress", "")).unwrap();
    assert_eq!(result.outcome, Some(CancelOutcome::Cancelled));
    assert!(result.notice.unwrap().contains("still reads"));
}

#[test]
fn ambiguous_failures_are_a_400_a_timeout_or_the_network() {
    assert!(is_ambiguous(&bad_request()));
    assert!(is_ambiguous(&Error::new(ErrorKind::Timeout, "late")));
    assert!(is_ambiguous(&Error::new(ErrorKind::Network, "dropped")));
    assert!(!is_ambiguous(&Error::new(ErrorKind::NotFound, "no")));
    assert!(!is_ambiguous(&Error::new(ErrorKind::Server, "boom")));
}

#[test]
fn after_a_400_a_cancelled_action_was_already_cancelled() {
    let result = judge_read_back(bad_request(), action("Cancelled", COMMENT), COMMENT).unwrap();
    assert_eq!(result.outcome, Some(CancelOutcome::AlreadyCancelled));
    assert_eq!(
        result.notice, None,
        "a 400 is the ordinary answer to a second cancel"
    );
}

#[test]
fn after_a_lost_answer_our_own_comment_means_we_cancelled_it() {
    let lost = Error::new(ErrorKind::Network, "dropped");
    let ours = judge_read_back(lost.clone(), action("Cancelled", COMMENT), COMMENT).unwrap();
    assert_eq!(ours.outcome, Some(CancelOutcome::Cancelled));
    assert!(
        ours.notice.unwrap().contains("read back"),
        "a lost answer is worth a word"
    );
    let theirs = judge_read_back(lost, action("Cancelled", "someone else"), COMMENT).unwrap();
    assert_eq!(theirs.outcome, Some(CancelOutcome::AlreadyCancelled));
}

#[test]
fn a_still_pending_action_keeps_the_original_error() {
    let error = judge_read_back(bad_request(), action("Pending", ""), COMMENT).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadRequest);
}

#[test]
fn a_finished_action_read_back_is_not_cancellable() {
    for status in ["Succeeded", "Failed", "TimeOut"] {
        let error = judge_read_back(bad_request(), action(status, ""), COMMENT).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotCancellable);
        assert_eq!(error.action_status(), Some(status));
    }
}

#[test]
fn a_completed_live_response_command_is_reported() {
    let body = r#"{"id":"a","status":"Cancelled","type":"LiveResponse","commands":[{"index":0,"commandStatus":"Completed"}]}"#;
    let result = judge_answer(answer(body)).unwrap();
    assert!(result.notice.unwrap().contains("already completed"));
    let read = judge_read_back(bad_request(), answer(body), COMMENT).unwrap();
    assert!(read.notice.unwrap().contains("already completed"));
}
