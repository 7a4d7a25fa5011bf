//! Waiting for an action to finish: when to read again, what counts as a
//! change, when the wait ends.
#![cfg(not(target_arch = "wasm32"))]

use mde_machine_actions::watch::{Next, Watch, DEFAULT_INTERVAL_MS};
use mde_machine_actions::{
    interpret, ActionResponse, Error, ErrorKind, HttpResponse, Operation, Source,
};

const NOW: u64 = 1_796_040_000_000;

fn read(status: &str, updated: &str) -> ActionResponse {
    let body = format!(
        r#"{{"id":"5382f7ea-7557-4ab7-9782-d50480024a4e","status":"{status}","lastUpdateTimeUtc":"{updated}"}}"#
    );
    interpret(
        Operation::Get,
        HttpResponse {
            status: 200,
            body,
            ..HttpResponse::default()
        },
        0,
    )
    .unwrap()
}

#[test]
fn reads_repeat_at_the_interval_and_only_changes_are_reported() {
    let mut watch = Watch::new(None, None, NOW).unwrap();
    let first = watch.observe(&read("Pending", "t1"), NOW).unwrap();
    assert_eq!(first, (true, Next::ReadAfter(DEFAULT_INTERVAL_MS)));
    assert_eq!(
        watch.observe(&read("Pending", "t1"), NOW + 5_000).unwrap(),
        (false, Next::ReadAfter(5_000))
    );
    // The spelling variant reads as the same field: a new time is a change.
    assert!(
        watch
            .observe(&read("Pending", "t2"), NOW + 10_000)
            .unwrap()
            .0
    );
    assert_eq!(
        watch
            .observe(&read("InProgress", "t2"), NOW + 15_000)
            .unwrap(),
        (true, Next::ReadAfter(5_000))
    );
    assert_eq!(
        watch
            .observe(&read("Canceled", "t3"), NOW + 20_000)
            .unwrap(),
        (true, Next::Final)
    );
}

#[test]
fn every_final_status_ends_the_wait() {
    for status in ["Succeeded", "Failed", "TimeOut", "Cancelled"] {
        let mut watch = Watch::new(Some(1_000.0), None, NOW).unwrap();
        assert_eq!(
            watch.observe(&read(status, "t"), NOW).unwrap().1,
            Next::Final
        );
    }
    let mut watch = Watch::new(Some(1_000.0), None, NOW).unwrap();
    assert_ne!(
        watch.observe(&read("Queued", "t"), NOW).unwrap().1,
        Next::Final
    );
}

#[test]
fn a_wait_that_would_outlast_its_timeout_ends_with_the_last_status() {
    let mut watch = Watch::new(Some(1_000.0), Some(2_500.0), NOW).unwrap();
    assert!(watch.observe(&read("Pending", "t"), NOW).is_ok());
    assert!(watch.observe(&read("Pending", "t"), NOW + 1_000).is_ok());
    let error = watch
        .observe(&read("Pending", "t"), NOW + 2_000)
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert_eq!(error.source(), Source::Client);
    assert!(
        error
            .message()
            .contains("still Pending after waiting 2500 ms"),
        "{}",
        error.message()
    );
    assert_eq!(watch.read_timeout(30_000, NOW + 2_000), 500);
    assert_eq!(watch.read_timeout(30_000, NOW + 9_000), 1);
    assert_eq!(
        Watch::new(None, None, NOW)
            .unwrap()
            .read_timeout(30_000, NOW),
        30_000
    );
}

#[test]
fn passing_failures_are_read_again_and_lasting_ones_end_the_wait() {
    let mut watch = Watch::new(Some(1_000.0), Some(10_000.0), NOW).unwrap();
    let server = Error::new(ErrorKind::Server, "503");
    assert_eq!(
        watch.read_failed(server, NOW).unwrap(),
        Next::ReadAfter(1_000)
    );
    let gone = Error::new(ErrorKind::NotFound, "404");
    assert_eq!(
        watch.read_failed(gone, NOW).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let late = Error::new(ErrorKind::Network, "down");
    assert_eq!(
        watch.read_failed(late, NOW + 9_500).unwrap_err().kind(),
        ErrorKind::Network
    );
}

#[test]
fn bad_intervals_and_timeouts_are_refused() {
    for (interval, timeout) in [
        (Some(199.0), None),
        (Some(f64::NAN), None),
        (Some(600_001.0), None),
        (None, Some(0.0)),
        (None, Some(86_400_001.0)),
        (None, Some(f64::INFINITY)),
    ] {
        let error = Watch::new(interval, timeout, NOW).unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::InvalidInput,
            "{interval:?} {timeout:?}"
        );
    }
}
