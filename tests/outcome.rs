//! The verified cancel: one answer for each thing Defender can do to a cancel.
// Native: bodies are parsed with serde_json here (the engine parses them in wasm).
#![cfg(not(target_arch = "wasm32"))]

use mde_machine_actions::outcome::{
    is_ambiguous, judge_answer, judge_read_back, CancelAttempt, CancelOutcome,
};
use mde_machine_actions::{interpret, ActionResponse, Error, ErrorKind, HttpResponse, Operation};

const COMMENT: &str = "stuck isolation";

/// This call: its comment, begun at the epoch (so any cancellation time is after it).
const OURS: CancelAttempt = CancelAttempt {
    comment: COMMENT,
    began_ms: 0,
    answer_lost: true,
};

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
fn after_a_400_someone_elses_cancel_was_already_cancelled() {
    let result =
        judge_read_back(bad_request(), action("Cancelled", "another analyst"), OURS).unwrap();
    assert_eq!(result.outcome, Some(CancelOutcome::AlreadyCancelled));
    assert_eq!(
        result.notice, None,
        "a 400 is the ordinary answer to a second cancel"
    );
}

#[test]
fn after_a_400_our_own_comment_means_the_runtime_resent_our_cancel() {
    let result = judge_read_back(bad_request(), action("Cancelled", COMMENT), OURS).unwrap();
    assert_eq!(result.outcome, Some(CancelOutcome::Cancelled));
}

#[test]
fn our_comment_on_a_cancellation_older_than_the_call_is_not_ours() {
    let read = answer(&format!(
        r#"{{"id":"a","status":"Cancelled","cancellationComment":"{COMMENT}","cancellationDateTimeUtc":"2020-01-01T00:00:00Z"}}"#
    ));
    let later = CancelAttempt {
        comment: COMMENT,
        began_ms: 1_600_000_000_000,
        answer_lost: true,
    };
    let result = judge_read_back(bad_request(), read, later).unwrap();
    assert_eq!(result.outcome, Some(CancelOutcome::AlreadyCancelled));
}

#[test]
fn after_a_lost_answer_our_own_comment_means_we_cancelled_it() {
    let lost = Error::new(ErrorKind::Network, "dropped");
    let ours = judge_read_back(lost.clone(), action("Cancelled", COMMENT), OURS).unwrap();
    assert_eq!(ours.outcome, Some(CancelOutcome::Cancelled));
    assert!(
        ours.notice.unwrap().contains("read back"),
        "a lost answer is worth a word"
    );
    let theirs = judge_read_back(lost, action("Cancelled", "someone else"), OURS).unwrap();
    assert_eq!(theirs.outcome, Some(CancelOutcome::AlreadyCancelled));
}

#[test]
fn a_still_pending_action_keeps_the_original_error() {
    let error = judge_read_back(bad_request(), action("Pending", ""), OURS).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadRequest);
}

#[test]
fn a_finished_action_read_back_is_not_cancellable() {
    for status in ["Succeeded", "Failed", "TimeOut"] {
        let error = judge_read_back(bad_request(), action(status, ""), OURS).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::NotCancellable);
        assert_eq!(error.action_status(), Some(status));
    }
}

#[test]
fn a_completed_live_response_command_is_reported() {
    let body = r#"{"id":"a","status":"Cancelled","type":"LiveResponse","commands":[{"index":0,"commandStatus":"Completed"}]}"#;
    let result = judge_answer(answer(body)).unwrap();
    assert!(result.notice.unwrap().contains("already completed"));
    let read = judge_read_back(bad_request(), answer(body), OURS).unwrap();
    assert!(read.notice.unwrap().contains("already completed"));
}

#[test]
fn without_a_cancellation_time_our_comment_is_ours_only_after_a_lost_answer() {
    let plain_400 = CancelAttempt {
        answer_lost: false,
        ..OURS
    };
    let read = judge_read_back(bad_request(), action("Cancelled", COMMENT), plain_400).unwrap();
    assert_eq!(read.outcome, Some(CancelOutcome::AlreadyCancelled));
    let read = judge_read_back(bad_request(), action("Cancelled", COMMENT), OURS).unwrap();
    assert_eq!(read.outcome, Some(CancelOutcome::Cancelled));
}
