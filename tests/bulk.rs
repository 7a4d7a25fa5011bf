//! Bulk runs: which request each action needs, what each answer means for it,
//! stopping, and the summary — driven through scripted calls.
#![cfg(not(target_arch = "wasm32"))]

mod driver;

use driver::{json, network, Reply, Script};
use mde_machine_actions::bulk::{Bulk, Job, Outcome, Report};
use mde_machine_actions::input::{BaseUrl, Comment};
use mde_machine_actions::list::{ListFilter, ListQuery};
use mde_machine_actions::listing::{ListOf, Listed, Listing};
use mde_machine_actions::retry::RetryPolicy;
use mde_machine_actions::{Call, Error, ErrorKind, Method};

const BASE: &str = "https://api.security.microsoft.com";
const NOW: u64 = 1_796_040_000_000;
const COMMENT: &str = "Misfired playbook: cancel the full scans";

fn id(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn action(n: usize, status: &str, comment: Option<&str>) -> String {
    let comment = comment.map_or("null".to_owned(), |c| format!("{c:?}"));
    format!(
        r#"{{"id":"{}","status":"{status}","type":"RunAntiVirusScan","machineId":"{n:040}","computerDnsName":"desktop-{n:03}","cancellationComment":{comment},"cancellationDateTimeUtc":"2026-11-30T12:00:01Z"}}"#,
        id(n)
    )
}

fn odata(status: u16, code: &str) -> Reply {
    json(
        status,
        format!(r#"{{"error":{{"code":"{code}","message":"m","target":"corr-{status}"}}}}"#),
    )
}

/// Runs `bulk` one job at a time through scripted calls, stopping before
/// the job numbered `stop_at` when given.
fn run(mut bulk: Bulk, replies: Vec<Reply>, stop_at: Option<usize>) -> (Report, Script) {
    let mut script = Script::new(replies, NOW);
    let base = BaseUrl::parse(BASE).unwrap();
    let mut handed = 0;
    loop {
        if stop_at == Some(handed) {
            bulk.stop();
        }
        let Some((index, job)) = bulk.next_job() else {
            break;
        };
        handed += 1;
        let call = match job {
            Job::Known => None,
            Job::Cancel(id) => Some(Call::cancel(
                base.clone(),
                id,
                Comment::parse(COMMENT).unwrap(),
                RetryPolicy::with_retries(0),
                30_000,
            )),
            Job::Read(id) => Some(Call::get(
                base.clone(),
                id,
                RetryPolicy::with_retries(0),
                30_000,
            )),
        };
        let result: Option<Result<_, Error>> =
            call.map(|call| script.run(call).map(|a| a.into_action().unwrap()));
        let done = bulk.done();
        let entry = bulk.settle(index, result);
        assert!(!entry.id.is_empty());
        assert_eq!(bulk.done(), done + 1);
    }
    assert!(script.replies.is_empty(), "unused replies");
    (bulk.finish(), script)
}

/// What a listing finds in one page with `body`.
fn listed(body: &str) -> Listed {
    let query = ListQuery::new(&ListFilter::default()).unwrap();
    let mut script = Script::new(vec![json(200, body.to_owned())], NOW);
    let base = BaseUrl::parse(BASE).unwrap();
    let what = ListOf::Actions(&query);
    let mut listing = Listing::new(base, what, RetryPolicy::default(), 30_000, NOW);
    let call = listing.next_call(NOW).unwrap().unwrap();
    listing.take(script.run(call)).unwrap();
    listing.finish()
}

fn count(report: &Report, outcome: Outcome) -> usize {
    report
        .summary
        .iter()
        .find(|(o, _)| *o == outcome)
        .map_or(0, |(_, n)| *n)
}

#[test]
fn each_answer_becomes_the_action_outcome_in_the_order_given() {
    let ids: Vec<String> = (1..=6).map(id).collect();
    let bulk = Bulk::for_ids(&ids, false).unwrap();
    assert_eq!(bulk.total(), 6);
    assert_eq!(bulk.requests_left(), 6);
    let (report, script) = run(
        bulk,
        vec![
            json(200, action(1, "Cancelled", Some(COMMENT))),
            odata(400, "BadRequest"),
            json(200, action(2, "Cancelled", Some("someone else, earlier"))),
            odata(404, "ResourceNotFound"),
            odata(400, "BadRequest"),
            json(200, action(4, "Succeeded", None)),
            Reply::Fail(network()),
            json(200, action(5, "Pending", None)),
            odata(500, "InternalError"),
        ],
        None,
    );
    let outcomes: Vec<Outcome> = report.results.iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Cancelled,
            Outcome::AlreadyCancelled,
            Outcome::NotFound,
            Outcome::NotCancellable,
            Outcome::Failed,
            Outcome::Failed,
        ]
    );
    let first = &report.results[0];
    assert_eq!(first.computer_dns_name.as_deref(), Some("desktop-001"));
    assert_eq!(first.machine_id.as_deref(), Some(&*format!("{:040}", 1)));
    assert_eq!(first.action_type.as_deref(), Some("RunAntiVirusScan"));
    assert_eq!(first.status.as_deref(), Some("Cancelled"));
    assert!(first.error.is_none());
    assert_eq!(report.results[3].status.as_deref(), Some("Succeeded"));
    let lost = report.results[4].error.as_ref().unwrap();
    assert_eq!(lost.kind, "network");
    let server = report.results[5].error.as_ref().unwrap();
    assert_eq!((server.kind, server.status_code), ("server", Some(500)));
    assert_eq!(server.correlation_id.as_deref(), Some("corr-500"));
    assert_eq!(count(&report, Outcome::Failed), 2);
    assert_eq!(count(&report, Outcome::Skipped), 0);
    assert_eq!(report.summary.len(), 7);
    let cancels = script
        .trace
        .sent
        .iter()
        .filter(|(m, _)| *m == Method::Post)
        .count();
    assert_eq!(cancels, 6);
    // The ambiguous answers (two 400s, a lost answer) were read back.
    let reads = script
        .trace
        .sent
        .iter()
        .filter(|(m, _)| *m == Method::Get)
        .count();
    assert_eq!(reads, 3);
}

#[test]
fn ids_are_checked_before_anything_and_repeats_count_once() {
    let error = Bulk::for_ids(&[id(1), "not-a-guid".into()], false).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
    assert!(Bulk::for_ids(&[], false).is_err());
    assert!(Bulk::for_ids(&vec![id(1); 10_001], false).is_err());
    let bulk = Bulk::for_ids(&[id(1), id(1).to_uppercase(), id(2)], false).unwrap();
    assert_eq!(bulk.total(), 2);
}

#[test]
fn a_dry_run_of_ids_reads_each_and_sends_no_cancel() {
    let ids: Vec<String> = (1..=4).map(id).collect();
    let (report, script) = run(
        Bulk::for_ids(&ids, true).unwrap(),
        vec![
            json(200, action(1, "Pending", None)),
            json(200, action(2, "Cancelled", Some("x"))),
            json(200, action(3, "TimeOut", None)),
            odata(404, "ResourceNotFound"),
        ],
        None,
    );
    let outcomes: Vec<Outcome> = report.results.iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::WouldCancel,
            Outcome::AlreadyCancelled,
            Outcome::NotCancellable,
            Outcome::NotFound
        ]
    );
    assert!(script.trace.sent.iter().all(|(m, _)| *m == Method::Get));
}

#[test]
fn a_listing_run_cancels_only_what_is_still_pending() {
    let listed = listed(&format!(
        r#"{{"value":[{},{},{},{}]}}"#,
        action(1, "Pending", None),
        action(2, "Succeeded", None),
        action(3, "Canceled", None),
        action(4, "InProgress", None)
    ));

    let dry = Bulk::for_listing(&listed, true);
    assert_eq!(dry.requests_left(), 0);
    let (report, script) = run(dry, vec![], None);
    let outcomes: Vec<Outcome> = report.results.iter().map(|e| e.outcome).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::WouldCancel,
            Outcome::NotCancellable,
            Outcome::AlreadyCancelled,
            Outcome::WouldCancel
        ]
    );
    assert_eq!(
        report.results[1].computer_dns_name.as_deref(),
        Some("desktop-002")
    );
    assert!(script.trace.sent.is_empty());

    let real = Bulk::for_listing(&listed, false);
    assert_eq!(real.requests_left(), 2);
    let (report, script) = run(
        real,
        vec![
            json(200, action(1, "Cancelled", Some(COMMENT))),
            json(200, action(4, "Cancelled", Some(COMMENT))),
        ],
        None,
    );
    assert_eq!(count(&report, Outcome::Cancelled), 2);
    assert_eq!(count(&report, Outcome::NotCancellable), 1);
    assert_eq!(count(&report, Outcome::AlreadyCancelled), 1);
    assert_eq!(script.trace.sent.len(), 2);
}

#[test]
fn a_stopped_run_sends_nothing_more_and_the_rest_is_skipped() {
    let ids: Vec<String> = (1..=5).map(id).collect();
    let (report, script) = run(
        Bulk::for_ids(&ids, false).unwrap(),
        vec![
            json(200, action(1, "Cancelled", Some(COMMENT))),
            json(200, action(2, "Cancelled", Some(COMMENT))),
        ],
        Some(2),
    );
    assert_eq!(script.trace.sent.len(), 2);
    assert_eq!(count(&report, Outcome::Cancelled), 2);
    assert_eq!(count(&report, Outcome::Skipped), 3);
    assert!(report.results[2..]
        .iter()
        .all(|e| e.outcome == Outcome::Skipped && e.error.is_none()));
}

#[test]
fn a_call_stopped_before_it_sent_is_skipped_and_one_that_sent_is_failed() {
    let mut bulk = Bulk::for_ids(&[id(1), id(2)], false).unwrap();
    let (first, _) = bulk.next_job().unwrap();
    let (second, _) = bulk.next_job().unwrap();
    let aborted = || Error::new(ErrorKind::Aborted, "stopped");
    assert_eq!(
        bulk.settle(first, Some(Err(aborted()))).outcome,
        Outcome::Skipped
    );
    let sent = aborted().with_attempts(1);
    assert_eq!(
        bulk.settle(second, Some(Err(sent))).outcome,
        Outcome::Failed
    );
    assert!(bulk.next_job().is_none());
}

#[test]
fn outcomes_have_the_names_of_the_js_api() {
    let names: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
    assert_eq!(
        names,
        [
            "cancelled",
            "already_cancelled",
            "not_cancellable",
            "not_found",
            "failed",
            "would_cancel",
            "skipped"
        ]
    );
    let json = serde_json::to_value(Outcome::AlreadyCancelled).unwrap();
    assert_eq!(json, "already_cancelled");
}

#[test]
fn a_bulk_filter_must_narrow_the_listing() {
    let everything = ListQuery::new(&ListFilter::default()).unwrap();
    assert_eq!(
        Bulk::check_filter(&everything).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let open = ListQuery::new(&ListFilter {
        status: vec!["Pending".into(), "InProgress".into()],
        ..ListFilter::default()
    })
    .unwrap();
    assert!(Bulk::check_filter(&open).is_ok());
}

#[test]
fn a_listing_run_counts_a_repeated_action_once_and_fails_an_id_it_cannot_send() {
    let odd = r#"{"id":"not-a-guid","status":"Pending"}"#;
    let listed = listed(&format!(
        r#"{{"value":[{},{},{odd}]}}"#,
        action(1, "Pending", None),
        action(1, "Pending", None)
    ));
    let bulk = Bulk::for_listing(&listed, false);
    assert_eq!(bulk.total(), 2);
    assert_eq!(bulk.requests_left(), 1);
    let (report, _) = run(
        bulk,
        vec![json(200, action(1, "Cancelled", Some(COMMENT)))],
        None,
    );
    assert_eq!(report.results[0].outcome, Outcome::Cancelled);
    let failed = &report.results[1];
    assert_eq!(failed.outcome, Outcome::Failed);
    assert_eq!(failed.error.as_ref().unwrap().kind, "invalid_input");
    assert!(!report.truncated);
}
