//! Listing: a `$filter` built only from validated values, pages followed on
//! the same host only, and pages read leniently.
#![cfg(not(target_arch = "wasm32"))]

use mde_machine_actions::input::{AccessToken, BaseUrl};
use mde_machine_actions::list::{interpret_list, next_page_request, ListFilter, ListQuery};
use mde_machine_actions::{ErrorKind, HttpResponse};

const MACHINE: &str = "7b1f4967d9728e5aa3c06a9e617a22a4a5a17378";

fn base() -> BaseUrl {
    BaseUrl::parse("https://api.security.microsoft.com").unwrap()
}

fn token() -> AccessToken {
    AccessToken::parse("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.list.sig").unwrap()
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

#[test]
fn no_filter_lists_the_default_number() {
    let query = ListQuery::new(&ListFilter::default()).unwrap();
    assert_eq!(query.filter(), "");
    assert_eq!(query.top(), 1_000);
    let request = query.request(&base(), &token(), 1_000);
    assert_eq!(
        request.url,
        "https://api.security.microsoft.com/api/machineactions?$top=1000"
    );
    assert_eq!(request.header("accept"), Some("application/json"));
}

#[test]
fn each_field_becomes_a_clause_and_several_values_an_or_group() {
    let filter = ListFilter {
        status: strings(&["Pending", "InProgress"]),
        machine_id: strings(&[MACHINE]),
        action_type: strings(&["RunAntiVirusScan"]),
        requestor: Some("playbook@contoso.com".into()),
        created_after: Some("2026-11-30T00:00:00Z".into()),
        created_before: Some("2026-11-30T12:00:00.5Z".into()),
        top: Some(200),
    };
    let query = ListQuery::new(&filter).unwrap();
    assert_eq!(
        query.filter(),
        format!(
            "(status eq 'Pending' or status eq 'InProgress') and machineId eq '{MACHINE}' and type eq 'RunAntiVirusScan' and requestor eq 'playbook@contoso.com' and creationDateTimeUtc ge 2026-11-30T00:00:00Z and creationDateTimeUtc lt 2026-11-30T12:00:00.5Z"
        )
    );
    let url = query.request(&base(), &token(), 150).url;
    assert!(url.starts_with(
        "https://api.security.microsoft.com/api/machineactions?$filter=%28status%20eq%20%27Pending%27%20or%20"
    ));
    assert!(url.ends_with("&$top=150"), "{url}");
}

#[test]
fn quotes_in_a_requestor_are_doubled_so_nothing_can_be_injected() {
    let filter = ListFilter {
        requestor: Some("x' or status eq 'Succeeded".into()),
        ..ListFilter::default()
    };
    assert_eq!(
        ListQuery::new(&filter).unwrap().filter(),
        "requestor eq 'x'' or status eq ''Succeeded'"
    );
}

#[test]
fn bad_values_are_refused_before_anything_is_built() {
    let cases = [
        ListFilter {
            status: strings(&["Queued"]),
            ..ListFilter::default()
        },
        ListFilter {
            status: strings(&["Pending' or 1 eq 1 or status eq 'x"]),
            ..ListFilter::default()
        },
        ListFilter {
            machine_id: strings(&["not-a-machine"]),
            ..ListFilter::default()
        },
        ListFilter {
            action_type: strings(&["Isolate' or 'a' eq 'a"]),
            ..ListFilter::default()
        },
        ListFilter {
            requestor: Some(String::new()),
            ..ListFilter::default()
        },
        ListFilter {
            requestor: Some("a\u{0}b".into()),
            ..ListFilter::default()
        },
        ListFilter {
            created_after: Some("yesterday".into()),
            ..ListFilter::default()
        },
        ListFilter {
            created_before: Some("2026-11-30 12:00:00".into()),
            ..ListFilter::default()
        },
        ListFilter {
            top: Some(0),
            ..ListFilter::default()
        },
        ListFilter {
            top: Some(10_001),
            ..ListFilter::default()
        },
        ListFilter {
            status: vec!["Pending".into(); 101],
            ..ListFilter::default()
        },
    ];
    for filter in cases {
        let error = ListQuery::new(&filter).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{filter:?}");
    }
}

#[test]
fn the_next_page_is_followed_only_on_the_same_host_and_path() {
    let next = "https://api.security.microsoft.com/api/machineactions?$top=100&$skip=100";
    assert_eq!(
        next_page_request(&base(), next, &token()).unwrap().url,
        next
    );
    for elsewhere in [
        "https://evil.example.com/api/machineactions?$skip=100",
        "https://api.security.microsoft.com.evil.example.com/api/machineactions?$skip=1",
        "http://api.security.microsoft.com/api/machineactions?$skip=100",
        "https://api.security.microsoft.com/api/machines?$skip=100",
        "https://api.security.microsoft.com/api/machineactions?$skip=1#frag",
        "https://api.security.microsoft.com/api/machineactions?$skip=1 x",
    ] {
        let error = next_page_request(&base(), elsewhere, &token()).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidResponse, "{elsewhere}");
    }
}

fn page(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        body: body.to_owned(),
        ..HttpResponse::default()
    }
}

#[test]
fn a_page_keeps_every_action_whole_and_counts_what_is_not_one() {
    let body = r#"{"@odata.context":"x","value":[
        {"id":"a","status":"Pending","type":"Isolate","extra":1},
        {"id":"b","status":"Succeeded"},
        {"status":"Pending"},
        7
    ],"@odata.nextLink":"https://api.security.microsoft.com/api/machineactions?$skip=2"}"#;
    let page = interpret_list(page(200, body), 0).unwrap();
    assert_eq!(page.actions.len(), 2);
    assert_eq!(page.skipped, 2);
    assert_eq!(page.actions[0].1["extra"], 1);
    assert_eq!(page.actions[0].1["scope"], serde_json::Value::Null);
    assert_eq!(page.cancellable().count(), 1);
    assert!(page.next_link.unwrap().ends_with("$skip=2"));
}

#[test]
fn the_documented_list_examples_read() {
    for name in [
        "docs-list-machineactions-200-example1.json",
        "docs-list-machineactions-200-example2-filter-top2.json",
    ] {
        let text = std::fs::read_to_string(format!("tests/fixtures/mde/{name}")).unwrap();
        let page = interpret_list(page(200, &text), 0).unwrap();
        assert!(!page.actions.is_empty(), "{name}");
        assert_eq!(page.skipped, 0, "{name}");
    }
}

#[test]
fn what_is_not_a_page_is_invalid_response_and_error_statuses_read_as_errors() {
    for body in [
        "",
        "<html>",
        r#"{"id":"a","status":"Pending"}"#,
        r#"{"value":7}"#,
    ] {
        let error = interpret_list(page(200, body), 0).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidResponse, "{body}");
    }
    let error = interpret_list(
        page(403, r#"{"error":{"code":"Forbidden","message":"no"}}"#),
        0,
    )
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Forbidden);
    assert_eq!(error.error_code(), Some("Forbidden"));
}
