//! The whole call, driven through scripted event sequences: every path the
//! wasm client takes, decided here without a network.
#![cfg(not(target_arch = "wasm32"))]

mod driver;

use driver::{json, network, Reply, Script, Trace, TOKEN};
use mde_machine_actions::http::refused_send;
use mde_machine_actions::input::{AccessToken, BaseUrl, Comment, MachineActionId};
use mde_machine_actions::outcome::{CancelOutcome, CLOCK_SKEW_MS};
use mde_machine_actions::retry::RetryPolicy;
use mde_machine_actions::{
    ActionResponse, Call, Clock, Error, ErrorKind, Event, HttpResponse, Method, Operation, Source,
    Step,
};

const ID: &str = "5382f7ea-7557-4ab7-9782-d50480024a4e";
const COMMENT: &str = "Stuck isolation, cancelled from the SOC portal";
/// 2026-11-30T12:00:00Z.
const BEGAN_MS: u64 = 1_796_040_000_000;

fn action(id: &str, status: &str, comment: Option<&str>, cancelled_at: Option<&str>) -> String {
    let text = |v: Option<&str>| v.map_or("null".to_owned(), |v| format!("{v:?}"));
    format!(
        r#"{{"id":"{id}","status":"{status}","cancellationComment":{},"cancellationDateTimeUtc":{}}}"#,
        text(comment),
        text(cancelled_at)
    )
}

/// Drives `call` like the wasm shell, answering each request from `replies`.
fn drive(
    call: Call,
    replies: Vec<Reply>,
    can_refresh: bool,
) -> (Result<ActionResponse, Error>, Trace) {
    let mut script = Script::new(replies, BEGAN_MS);
    script.can_refresh = can_refresh;
    let result = script.run(call);
    assert!(
        script.replies.is_empty(),
        "{} scripted replies left unused",
        script.replies.len()
    );
    let action = result.map(|answer| answer.into_action().expect("an action"));
    (action, script.trace)
}

fn cancel_call(timeout_ms: u64) -> Call {
    Call::cancel(
        BaseUrl::parse("https://api.security.microsoft.com").unwrap(),
        MachineActionId::parse(ID).unwrap(),
        Comment::parse(COMMENT).unwrap(),
        RetryPolicy::default(),
        timeout_ms,
    )
}

fn get_call() -> Call {
    Call::get(
        BaseUrl::parse("https://api.security.microsoft.com").unwrap(),
        MachineActionId::parse(ID).unwrap(),
        RetryPolicy::default(),
        30_000,
    )
}

/// 2026-11-30T12:00:01Z: just after the call began.
const AFTER_START: &str = "2026-11-30T12:00:01.1234567Z";

/// The read-back of an action this call cancelled: its comment, a time after it began.
fn cancelled_by_this_call() -> Reply {
    json(
        200,
        action(ID, "Cancelled", Some(COMMENT), Some(AFTER_START)),
    )
}

#[test]
fn a_cancel_answered_cancelled_is_cancelled_after_one_request() {
    let (result, trace) = drive(cancel_call(30_000), vec![cancelled_by_this_call()], false);
    let result = result.unwrap();
    assert_eq!(result.outcome, Some(CancelOutcome::Cancelled));
    assert_eq!(trace.sent.len(), 1);
    assert_eq!(trace.sent[0].0, Method::Post);
    assert_eq!(
        trace.arms,
        [30_000 - 5_000],
        "a reserve is kept for the read-back"
    );
}

#[test]
fn a_lost_answer_then_our_comment_on_read_back_is_cancelled() {
    let (result, trace) = drive(
        cancel_call(30_000),
        vec![
            Reply::Fail(network()),
            Reply::Fail(network()),
            Reply::Fail(network()),
            cancelled_by_this_call(),
        ],
        false,
    );
    let result = result.unwrap();
    assert_eq!(result.outcome, Some(CancelOutcome::Cancelled));
    assert!(result.notice.unwrap().contains("this call cancelled it"));
    let methods: Vec<Method> = trace.sent.iter().map(|(m, _)| *m).collect();
    assert_eq!(
        methods,
        [Method::Post, Method::Post, Method::Post, Method::Get]
    );
}

#[test]
fn a_retried_cancel_answered_400_is_still_ours_when_the_read_back_says_so() {
    // The first cancel lands but its answer is lost; the retry gets
    // Defender's 400 for a second cancel.
    let (result, _) = drive(
        cancel_call(30_000),
        vec![
            Reply::Fail(network()),
            json(
                400,
                r#"{"error":{"code":"BadRequest","message":"Action is already cancelled"}}"#.into(),
            ),
            cancelled_by_this_call(),
        ],
        false,
    );
    assert_eq!(result.unwrap().outcome, Some(CancelOutcome::Cancelled));
}

#[test]
fn a_silently_resent_cancel_answered_400_is_ours_when_the_read_back_says_so() {
    // The runtime resent the POST itself: this call saw only the 400.
    let (result, trace) = drive(
        cancel_call(30_000),
        vec![
            json(
                400,
                r#"{"error":{"code":"BadRequest","message":"x"}}"#.into(),
            ),
            cancelled_by_this_call(),
        ],
        false,
    );
    assert_eq!(result.unwrap().outcome, Some(CancelOutcome::Cancelled));
    assert_eq!(trace.sent.len(), 2);
}

#[test]
fn a_400_and_someone_elses_cancel_is_already_cancelled() {
    let (result, _) = drive(
        cancel_call(30_000),
        vec![
            json(400, String::new()),
            json(
                200,
                action(ID, "Cancelled", Some("another analyst"), Some(AFTER_START)),
            ),
        ],
        false,
    );
    let result = result.unwrap();
    assert_eq!(result.outcome, Some(CancelOutcome::AlreadyCancelled));
    assert_eq!(result.notice, None);
}

#[test]
fn our_comment_on_a_cancel_from_before_the_call_is_already_cancelled() {
    // Ten minutes before the call began: more than the clock skew allowed.
    let long_before = "2026-11-30T11:50:00Z";
    const { assert!(10 * 60 * 1000 > CLOCK_SKEW_MS) };
    let (result, _) = drive(
        cancel_call(30_000),
        vec![
            json(400, String::new()),
            json(
                200,
                action(ID, "Cancelled", Some(COMMENT), Some(long_before)),
            ),
        ],
        false,
    );
    assert_eq!(
        result.unwrap().outcome,
        Some(CancelOutcome::AlreadyCancelled)
    );
}

#[test]
fn a_cancel_time_within_the_clock_skew_still_counts_as_ours() {
    let skewed = "2026-11-30T11:57:00Z";
    let (result, _) = drive(
        cancel_call(30_000),
        vec![
            json(400, String::new()),
            json(200, action(ID, "Cancelled", Some(COMMENT), Some(skewed))),
        ],
        false,
    );
    assert_eq!(result.unwrap().outcome, Some(CancelOutcome::Cancelled));
}

#[test]
fn a_read_back_still_pending_gives_the_original_error_with_every_request_counted() {
    let (result, _) = drive(
        cancel_call(30_000),
        vec![
            json(
                400,
                r#"{"error":{"code":"BadRequest","message":"nope"}}"#.into(),
            ),
            json(200, action(ID, "Pending", None, None)),
        ],
        false,
    );
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::BadRequest);
    assert_eq!(error.attempts(), 2);
}

#[test]
fn an_answer_about_another_action_is_invalid_response_and_not_read_back() {
    let other = "00000000-0000-4000-8000-000000000001";
    let (result, trace) = drive(
        cancel_call(30_000),
        vec![json(200, action(other, "Cancelled", Some(COMMENT), None))],
        false,
    );
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidResponse);
    assert_eq!(trace.sent.len(), 1);
}

#[test]
fn the_id_is_compared_without_regard_to_case() {
    let (result, _) = drive(
        get_call(),
        vec![json(
            200,
            action(&ID.to_ascii_uppercase(), "Pending", None, None),
        )],
        false,
    );
    assert!(result.is_ok());
}

#[test]
fn an_absurd_retry_after_is_capped_at_an_hour_and_pauses_the_budget() {
    let (result, trace) = drive(
        get_call(),
        vec![Reply::Http(
            429,
            vec![("retry-after", "999999999".into())],
            String::new(),
        )],
        false,
    );
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert_eq!(error.retry_after_seconds(), Some(3_600));
    assert_eq!(trace.releases, [(Operation::Get, Some(3_600))]);
    assert_eq!(
        error.attempts(),
        1,
        "the wait did not fit in the deadline: no retry"
    );
}

#[test]
fn a_retry_after_of_more_digits_than_a_u64_is_capped_too() {
    let (result, _) = drive(
        get_call(),
        vec![Reply::Http(
            429,
            vec![("retry-after", "9".repeat(40))],
            String::new(),
        )],
        false,
    );
    assert_eq!(result.unwrap_err().retry_after_seconds(), Some(3_600));
}

#[test]
fn a_503_is_retried_after_backoff_and_every_request_counted() {
    let (result, trace) = drive(
        get_call(),
        vec![
            json(503, String::new()),
            json(503, String::new()),
            json(503, String::new()),
        ],
        false,
    );
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Server);
    assert_eq!(error.attempts(), 3);
    assert!(error.message().ends_with("Gave up after 3 attempts."));
    assert_eq!(trace.sleeps, [375, 750], "backoff with jitter 0.5");
}

#[test]
fn a_401_refreshes_the_token_once_without_using_up_a_retry() {
    let (result, trace) = drive(
        get_call(),
        vec![
            json(401, String::new()),
            json(200, action(ID, "Pending", None, None)),
        ],
        true,
    );
    assert!(result.is_ok());
    assert_eq!(trace.refreshes, 1);
}

#[test]
fn a_401_with_a_token_that_cannot_refresh_is_unauthorized_after_one_request() {
    let (result, trace) = drive(get_call(), vec![json(401, String::new())], false);
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unauthorized);
    assert_eq!(error.attempts(), 1);
    assert_eq!(trace.refreshes, 1);
}

#[test]
fn a_cancel_the_runtime_would_not_send_is_final_and_counts_no_request() {
    let refused = refused_send("NotCapable", "https://api.security.microsoft.com/api").unwrap();
    let (result, trace) = drive(cancel_call(30_000), vec![Reply::Fail(refused)], false);
    let error = result.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert_eq!(error.source(), Source::Client);
    assert_eq!(error.attempts(), 0);
    assert_eq!(trace.sent.len(), 1, "neither retried nor read back");
    assert!(trace.sleeps.is_empty());
    assert_eq!(
        trace.releases,
        [(Operation::Cancel, None)],
        "the permit goes back"
    );
}

#[test]
fn a_failed_token_is_not_read_back_and_counts_no_request() {
    let mut call = cancel_call(30_000);
    let clock = Clock {
        now_ms: BEGAN_MS,
        random: 0.0,
    };
    assert!(matches!(call.step(Event::Start, clock), Step::Arm { .. }));
    assert!(matches!(call.step(Event::Armed, clock), Step::Token));
    let failure = network().with_source(Source::Entra);
    match call.step(Event::Token(Err(failure)), clock) {
        Step::Done(result) if result.is_err() => {
            let error = result.unwrap_err();
            assert_eq!(error.attempts(), 0);
            assert_eq!(error.source(), Source::Entra);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_unknown_status_after_a_cancel_is_not_final_and_says_so() {
    let (result, _) = drive(
        cancel_call(30_000),
        vec![json(200, action(ID, "Queued", None, None))],
        false,
    );
    let result = result.unwrap();
    assert_eq!(result.outcome, Some(CancelOutcome::Cancelled));
    assert!(result.notice.unwrap().contains("does not know"));
}

#[test]
fn credentials_the_server_sends_back_are_dropped_and_echoes_of_the_token_masked() {
    let echo = &TOKEN[10..30];
    let (result, _) = drive(
        get_call(),
        vec![Reply::Http(
            200,
            vec![
                ("authorization", format!("Bearer {TOKEN}")),
                ("set-cookie", "session=1".into()),
                ("x-echo", format!("seen {echo}")),
            ],
            format!(r#"{{"id":"{ID}","status":"Pending","title":"{echo}"}}"#),
        )],
        false,
    );
    let result = result.unwrap();
    let names: Vec<&str> = result
        .response_headers
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(names, ["x-echo"]);
    assert_eq!(result.response_headers[0].1, "seen [redacted]");
    assert_eq!(result.json_body["title"], "[redacted]");
}

#[test]
fn a_partial_echo_of_the_token_in_an_odata_target_is_masked() {
    let piece = &TOKEN[5..25];
    let (result, _) = drive(
        get_call(),
        vec![json(
            404,
            format!(
                r#"{{"error":{{"code":"NotFound","message":"no {piece}","target":"{piece}"}}}}"#
            ),
        )],
        false,
    );
    let error = result.unwrap_err();
    for text in [error.message(), error.correlation_id().unwrap()] {
        assert!(!text.contains(&TOKEN[5..13]), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }
}

#[test]
fn a_timeout_of_the_cancel_leaves_the_read_back_the_rest_of_the_deadline() {
    let timeout = Error::new(ErrorKind::Timeout, "No complete answer within 8000 ms.");
    let (result, trace) = drive(
        cancel_call(8_000),
        vec![Reply::Fail(timeout), cancelled_by_this_call()],
        false,
    );
    assert_eq!(result.unwrap().outcome, Some(CancelOutcome::Cancelled));
    assert_eq!(trace.arms[0], 6_000, "a quarter of 8 s kept back");
    assert!(
        trace.arms[1] > 7_900 && trace.arms[1] < 8_000,
        "{:?}",
        trace.arms
    );
}

#[test]
fn a_lost_answer_is_read_back_even_when_a_later_attempt_fails_otherwise() {
    // The first cancel may have landed; the retry meets a Retry-After too long
    // for the deadline. The read-back still decides.
    let (result, trace) = drive(
        cancel_call(30_000),
        vec![
            Reply::Fail(network()),
            Reply::Http(429, vec![("retry-after", "3600".into())], String::new()),
            cancelled_by_this_call(),
        ],
        false,
    );
    assert_eq!(result.unwrap().outcome, Some(CancelOutcome::Cancelled));
    assert_eq!(trace.sent.last().unwrap().0, Method::Get);
}

#[test]
fn a_quota_refusal_after_a_lost_answer_is_read_back() {
    let mut call = cancel_call(30_000);
    let clock = Clock {
        now_ms: BEGAN_MS,
        random: 0.0,
    };
    let mut step = call.step(Event::Start, clock);
    let mut lost_one = false;
    for _ in 0..20 {
        step = match step {
            Step::Arm { .. } => call.step(Event::Armed, clock),
            Step::Token => call.step(Event::Token(AccessToken::parse(TOKEN)), clock),
            Step::Acquire(Operation::Cancel) if lost_one => {
                let full =
                    Error::new(ErrorKind::RateLimited, "no room").with_source(Source::Client);
                call.step(Event::Failed(full), clock)
            }
            Step::Acquire(_) => call.step(Event::Permitted, clock),
            Step::Send(request) if request.method == Method::Post => {
                lost_one = true;
                call.step(Event::Answer(Err(network())), clock)
            }
            Step::Send(_) => {
                let body = action(ID, "Cancelled", Some(COMMENT), Some(AFTER_START));
                let head = HttpResponse {
                    status: 200,
                    ..HttpResponse::default()
                };
                call.step(Event::Answer(Ok((head, body.into()))), clock)
            }
            Step::Release { .. } => call.step(Event::Released, clock),
            Step::Sleep(_) => call.step(Event::Woke, clock),
            Step::Refresh => call.step(Event::Refreshed(false), clock),
            Step::Done(result) => {
                let action = result.unwrap().into_action().unwrap();
                assert_eq!(action.outcome, Some(CancelOutcome::Cancelled));
                return;
            }
        };
    }
    panic!("the call did not end");
}

#[test]
fn a_call_that_is_over_takes_no_more_events() {
    let mut call = get_call();
    let clock = Clock {
        now_ms: BEGAN_MS,
        random: 0.0,
    };
    let _ = call.step(Event::Start, clock);
    let _ = call.step(Event::Failed(network()), clock);
    match call.step(Event::Armed, clock) {
        Step::Done(result) => assert!(result.is_err()),
        other => panic!("an event after the end gave {other:?}"),
    }
}
