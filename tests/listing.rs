//! Whole listings driven through scripted pages: paging, `top`, the same-host
//! rule, endless links, device lookups, and reading back a client's filter.
#![cfg(not(target_arch = "wasm32"))]

mod driver;

use driver::{json, network, Reply, Script};
use mde_machine_actions::input::BaseUrl;
use mde_machine_actions::list::{ListFilter, ListQuery, MachineQuery};
use mde_machine_actions::listing::{ListOf, Listed, Listing};
use mde_machine_actions::retry::RetryPolicy;
use mde_machine_actions::{Error, ErrorKind, Method, Operation};

const BASE: &str = "https://api.security.microsoft.com";
const NOW: u64 = 1_796_040_000_000;

fn base() -> BaseUrl {
    BaseUrl::parse(BASE).unwrap()
}

fn action(n: usize, status: &str) -> String {
    format!(
        r#"{{"id":"00000000-0000-4000-8000-{n:012}","status":"{status}","type":"RunAntiVirusScan","machineId":"{n:040}","computerDnsName":"desktop-{n:03}"}}"#
    )
}

fn page(items: &[String], next: Option<&str>) -> Reply {
    let next = next.map_or(String::new(), |link| {
        format!(r#","@odata.nextLink":"{link}""#)
    });
    json(200, format!(r#"{{"value":[{}]{next}}}"#, items.join(",")))
}

/// Reads a whole listing from `replies`; the script's trace and the result.
fn read(what: ListOf, timeout_ms: u64, replies: Vec<Reply>) -> (Result<Listed, Error>, Script) {
    let mut script = Script::new(replies, NOW);
    let mut listing = Listing::new(base(), what, RetryPolicy::default(), timeout_ms, NOW);
    let result = (|| {
        while let Some(call) = listing.next_call(script.now)? {
            let answer = script.run(call);
            listing.take(answer)?;
        }
        Ok(())
    })();
    (result.map(|()| listing.finish()), script)
}

fn pending(top: Option<u32>) -> ListQuery {
    ListQuery::new(&ListFilter {
        status: vec!["Pending".into()],
        top,
        ..ListFilter::default()
    })
    .unwrap()
}

#[test]
fn pages_are_followed_until_the_last_and_every_action_is_kept_once() {
    let next =
        format!("{BASE}/api/machineactions?$filter=status%20eq%20%27Pending%27&$top=998&$skip=2");
    let query = pending(None);
    let (listed, script) = read(
        ListOf::Actions(&query),
        30_000,
        vec![
            page(&[action(1, "Pending"), action(2, "Pending")], Some(&next)),
            page(&[action(3, "Pending"), r#"{"no":"id"}"#.into()], None),
        ],
    );
    let listed = listed.unwrap();
    assert_eq!(listed.items.len(), 3);
    assert_eq!(listed.states.len(), 3);
    assert_eq!(listed.skipped, 1);
    assert!(!listed.truncated);
    assert_eq!(listed.states[2].id, "00000000-0000-4000-8000-000000000003");
    let urls: Vec<&str> = script
        .trace
        .sent
        .iter()
        .map(|(_, url)| url.as_str())
        .collect();
    assert_eq!(
        urls,
        [
            &format!("{BASE}/api/machineactions?$filter=status%20eq%20%27Pending%27&$top=1001"),
            &next
        ]
    );
    assert!(script.trace.sent.iter().all(|(m, _)| *m == Method::Get));
    assert_eq!(script.trace.acquires, [Operation::List, Operation::List]);
}

#[test]
fn a_listing_stops_at_top_and_says_more_were_left() {
    let query = pending(Some(2));
    let next = format!("{BASE}/api/machineactions?$skip=3");
    let (listed, script) = read(
        ListOf::Actions(&query),
        30_000,
        vec![page(
            &[
                action(1, "Pending"),
                action(2, "Pending"),
                action(3, "Pending"),
            ],
            Some(&next),
        )],
    );
    let listed = listed.unwrap();
    assert_eq!(listed.items.len(), 2);
    assert!(listed.truncated);
    assert_eq!(script.trace.sent.len(), 1);
    assert!(script.trace.sent[0].1.ends_with("&$top=3"));
}

#[test]
fn a_next_link_to_another_host_is_not_followed_and_the_token_goes_nowhere() {
    let query = pending(None);
    let (listed, script) = read(
        ListOf::Actions(&query),
        30_000,
        vec![page(
            &[action(1, "Pending")],
            Some("https://evil.example.com/api/machineactions?$skip=1"),
        )],
    );
    assert_eq!(listed.unwrap_err().kind(), ErrorKind::InvalidResponse);
    assert_eq!(script.trace.sent.len(), 1);
}

#[test]
fn a_server_that_links_on_without_new_results_is_stopped() {
    let query = pending(None);
    let next = format!("{BASE}/api/machineactions?$skip=0");
    let (listed, script) = read(
        ListOf::Actions(&query),
        30_000,
        vec![
            page(&[action(1, "Pending")], Some(&next)),
            page(&[], Some(&next)),
        ],
    );
    assert_eq!(listed.unwrap_err().kind(), ErrorKind::InvalidResponse);
    assert_eq!(script.trace.sent.len(), 2);
}

#[test]
fn a_failing_page_is_retried_and_then_fails_the_listing() {
    let query = pending(None);
    let (listed, script) = read(
        ListOf::Actions(&query),
        30_000,
        vec![Reply::Fail(network()), page(&[action(1, "Pending")], None)],
    );
    assert_eq!(listed.unwrap().items.len(), 1);
    assert_eq!(script.trace.sent.len(), 2);
    let (listed, _) = read(
        ListOf::Actions(&query),
        30_000,
        vec![json(
            403,
            r#"{"error":{"code":"Forbidden","message":"no"}}"#.into(),
        )],
    );
    let error = listed.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Forbidden);
    assert!(
        error.message().contains("read machine actions"),
        "{}",
        error.message()
    );
}

#[test]
fn the_listing_deadline_covers_every_page() {
    let query = pending(None);
    let next = format!("{BASE}/api/machineactions?$skip=1");
    let mut script = Script::new(vec![page(&[action(1, "Pending")], Some(&next))], NOW);
    let mut listing = Listing::new(
        base(),
        ListOf::Actions(&query),
        RetryPolicy::default(),
        5_000,
        NOW,
    );
    let call = listing.next_call(NOW).unwrap().unwrap();
    listing.take(script.run(call)).unwrap();
    // The second page's call gets what is left of the 5 s.
    let call = listing.next_call(NOW + 4_000).unwrap().unwrap();
    drop(call);
    let mut late = Listing::new(
        base(),
        ListOf::Actions(&query),
        RetryPolicy::default(),
        5_000,
        NOW,
    );
    let error = late.next_call(NOW + 5_000).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
}

#[test]
fn devices_are_found_by_the_start_of_their_name() {
    let query = MachineQuery::new("desktop-fin", None).unwrap();
    assert_eq!(query.filter(), "startswith(computerDnsName,'desktop-fin')");
    let machine = r#"{"id":"1111111111111111111111111111111111111111","computerDnsName":"desktop-fin-042.contoso.local","osPlatform":"Windows11","healthStatus":"Active"}"#;
    let (listed, script) = read(
        ListOf::Machines(&query),
        30_000,
        vec![page(
            &[machine.into(), r#"{"computerDnsName":"no-id"}"#.into()],
            None,
        )],
    );
    let listed = listed.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.skipped, 1);
    assert!(listed.states.is_empty());
    let typed = mde_machine_actions::Machine::from_json(&listed.items[0]);
    assert_eq!(typed.os_platform.as_deref(), Some("Windows11"));
    assert_eq!(
        script.trace.sent[0].1,
        format!("{BASE}/api/machines?$filter=startswith%28computerDnsName%2C%27desktop-fin%27%29&$top=51")
    );
    assert_eq!(script.trace.acquires, [Operation::Machines]);
}

#[test]
fn a_device_name_cannot_inject_odata() {
    let query = MachineQuery::new("x') or true or startswith(id,'", None).unwrap();
    assert_eq!(
        query.filter(),
        "startswith(computerDnsName,'x'') or true or startswith(id,''')"
    );
    for bad in ["", "   ", "a\u{7}b", &"x".repeat(256)] {
        assert_eq!(
            MachineQuery::new(bad, None).unwrap_err().kind(),
            ErrorKind::InvalidInput,
            "{bad:?}"
        );
    }
    assert!(MachineQuery::new("a", Some(0)).is_err());
    assert!(MachineQuery::new("a", Some(10_001)).is_err());
}

#[test]
fn a_proxy_recognises_exactly_the_filters_the_package_writes() {
    let written = ListQuery::new(&ListFilter {
        status: vec!["Pending".into(), "InProgress".into()],
        machine_id: vec!["a".repeat(40)],
        action_type: vec!["Isolate".into()],
        requestor: Some("o'brien@contoso.com".into()),
        created_after: Some("2026-11-30T00:00:00Z".into()),
        created_before: Some("2026-12-01T00:00:00.5Z".into()),
        top: Some(10),
    })
    .unwrap();
    let read = ListQuery::recognise(written.filter(), Some("10")).unwrap();
    assert_eq!(read, written);
    assert_eq!(ListQuery::recognise("", None).unwrap().top(), 10_000);
    assert_eq!(
        ListQuery::recognise("status eq 'Pending'", Some("99999"))
            .unwrap()
            .top(),
        10_000
    );
    for foreign in [
        "status ne 'Pending'",
        "status eq 'Queued'",
        "computerDnsName eq 'x'",
        "status eq 'Pending' or status eq 'Failed'",
        "(status eq 'Pending' or type eq 'Isolate')",
        "status eq 'Pending' and status eq 'Failed'",
        "requestor eq 'a' or 1 eq 1",
        "requestor eq a",
        "creationDateTimeUtc ge '2026-11-30T00:00:00Z'",
        "creationDateTimeUtc gt 2026-11-30T00:00:00Z",
        "type eq 'Isolate' and status eq 'Pending'",
        "status eq 'Pending' ",
        "status  eq 'Pending'",
        "(status eq 'Pending')",
        "startswith(status,'P')",
        "status eq 'Pending",
    ] {
        assert!(ListQuery::recognise(foreign, None).is_none(), "{foreign}");
    }
    assert!(ListQuery::recognise("status eq 'Pending'", Some("ten")).is_none());
    // A quote inside a value is only ever part of the value.
    let odd = ListQuery::recognise("requestor eq 'a'' or ''1'' eq ''1'", None).unwrap();
    assert_eq!(odd.filter(), "requestor eq 'a'' or ''1'' eq ''1'");
    let machines = MachineQuery::new("o'neil", Some(5)).unwrap();
    assert_eq!(
        MachineQuery::recognise(machines.filter(), Some("5")),
        Some(machines)
    );
    for foreign in [
        "startswith(computerDnsName,'a') or 1 eq 1",
        "startswith(computerDnsName,'a'') or true or startswith(id,'')",
        "computerDnsName eq 'a'",
        "startswith(computerDnsName,'')",
    ] {
        assert!(
            MachineQuery::recognise(foreign, None).is_none(),
            "{foreign}"
        );
    }
}

#[test]
fn a_proxy_forwards_only_listings_it_recognises() {
    use mde_machine_actions::listing::Query;
    let query = Query::recognise("list", Some("status eq 'Pending'"), Some("20000")).unwrap();
    match &query {
        Query::Actions(q) => assert_eq!((q.filter(), q.top()), ("status eq 'Pending'", 10_000)),
        other => panic!("{other:?}"),
    }
    assert!(matches!(query.list_of(), ListOf::Actions(_)));
    let machines =
        Query::recognise("machines", Some("startswith(computerDnsName,'lap')"), None).unwrap();
    assert!(matches!(machines, Query::Machines(_)));
    for (endpoint, filter) in [
        ("list", Some("status eq 'Pending' or 1 eq 1")),
        ("machines", None),
        ("machines", Some("status eq 'Pending'")),
        ("cancel", Some("status eq 'Pending'")),
    ] {
        let error = Query::recognise(endpoint, filter, None).unwrap_err();
        assert_eq!(
            error.kind(),
            ErrorKind::InvalidInput,
            "{endpoint} {filter:?}"
        );
    }
}
