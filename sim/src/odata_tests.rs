//! The `$filter` parser: each operator, precedence, parentheses, escaping, and that every
//! rejection is an error message rather than a panic.

use super::*;
use serde_json::json;

const SCHEMA: Schema = &[
    ("status", Kind::Text),
    ("requestor", Kind::Text),
    ("id", Kind::TextNoCase),
    ("computerDnsName", Kind::Prefix),
    ("creationDateTimeUtc", Kind::Time),
];

fn row(status: &str, requestor: &str, dns: &str, created: &str) -> Value {
    json!({"id": "AB-1", "status": status, "requestor": requestor,
           "computerDnsName": dns, "creationDateTimeUtc": created})
}

fn rows() -> Vec<Value> {
    vec![
        row(
            "Pending",
            "ann",
            "desktop-fin-042.contoso.local",
            "2026-11-30T10:00:00Z",
        ),
        row(
            "Pending",
            "bob",
            "laptop-hr-007.contoso.local",
            "2026-11-30T12:00:00.5Z",
        ),
        row(
            "Failed",
            "o'brien",
            "SRV-SQL-02.contoso.local",
            "2026-11-30T12:00:00Z",
        ),
        row(
            "Succeeded",
            "ann",
            "desktop-eng-001.contoso.local",
            "2026-11-29T23:59:59.9999999Z",
        ),
    ]
}

/// Which of [`rows`] match `filter` (their indexes).
fn hits(filter: &str) -> Vec<usize> {
    let expr = parse(filter, SCHEMA).unwrap_or_else(|e| panic!("{filter}: {e}"));
    rows()
        .iter()
        .enumerate()
        .filter(|(_, r)| expr.matches(r))
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn eq_on_strings_and_ids() {
    assert_eq!(hits("status eq 'Pending'"), [0, 1]);
    assert_eq!(
        hits("status eq 'pending'"),
        [] as [usize; 0],
        "case-sensitive"
    );
    assert_eq!(hits("id eq 'ab-1'"), [0, 1, 2, 3], "ids ignore case");
    assert_eq!(hits("computerDnsName eq 'srv-sql-02.contoso.local'"), [2]);
    assert_eq!(hits("requestor eq null"), [] as [usize; 0]);
}

#[test]
fn quotes_are_escaped_by_doubling() {
    assert_eq!(hits("requestor eq 'o''brien'"), [2]);
    assert_eq!(
        parse("status eq ''''", SCHEMA).unwrap(),
        Expr::Compare {
            field: "status",
            kind: Kind::Text,
            op: Op::Eq,
            value: Literal::Text("'".into())
        }
    );
    assert_eq!(hits("requestor eq 'ann' or requestor eq ''"), [0, 3]);
}

#[test]
fn datetime_comparisons() {
    let t = "2026-11-30T12:00:00Z";
    assert_eq!(hits(&format!("creationDateTimeUtc ge {t}")), [1, 2]);
    assert_eq!(hits(&format!("creationDateTimeUtc gt {t}")), [1]);
    assert_eq!(hits(&format!("creationDateTimeUtc le {t}")), [0, 2, 3]);
    assert_eq!(hits(&format!("creationDateTimeUtc lt {t}")), [0, 3]);
    assert_eq!(hits(&format!("creationDateTimeUtc eq {t}")), [2]);
    assert_eq!(
        hits("creationDateTimeUtc eq 2026-11-30T12:00:00.5000000Z"),
        [1]
    );
    assert_eq!(
        hits("creationDateTimeUtc lt 2026-11-30T00:00:00.0000001Z"),
        [3]
    );
}

#[test]
fn startswith_ignores_case() {
    assert_eq!(hits("startswith(computerDnsName,'desktop-')"), [0, 3]);
    assert_eq!(hits("startswith(computerDnsName, 'srv-sql')"), [2]);
    assert_eq!(hits("startswith(computerDnsName,'LAPTOP-HR')"), [1]);
    assert_eq!(hits("startswith(computerDnsName,'')"), [0, 1, 2, 3]);
}

#[test]
fn and_binds_tighter_than_or() {
    // Read as: Failed or (Pending and bob).
    assert_eq!(
        hits("status eq 'Failed' or status eq 'Pending' and requestor eq 'bob'"),
        [1, 2]
    );
    assert_eq!(
        hits("(status eq 'Failed' or status eq 'Pending') and requestor eq 'bob'"),
        [1]
    );
    assert_eq!(
        hits("requestor eq 'ann' and (status eq 'Succeeded' or (status eq 'Pending' and creationDateTimeUtc lt 2026-11-30T11:00:00Z))"),
        [0, 3]
    );
    assert_eq!(hits("((((status eq 'Failed'))))"), [2]);
}

#[test]
fn nesting_is_capped() {
    let ok = format!(
        "{}status eq 'x'{}",
        "(".repeat(MAX_DEPTH),
        ")".repeat(MAX_DEPTH)
    );
    assert!(parse(&ok, SCHEMA).is_ok());
    let deep = format!(
        "{}status eq 'x'{}",
        "(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    assert!(parse(&deep, SCHEMA).unwrap_err().contains("deeper"));
    // Far deeper than the cap, still an error and no stack overflow.
    let huge = "(".repeat(MAX_FILTER_LEN);
    assert!(parse(&huge, SCHEMA).is_err());
}

#[test]
fn everything_outside_the_subset_is_refused() {
    let long = format!("status eq '{}'", "x".repeat(MAX_FILTER_LEN));
    let cases: &[(&str, &str)] = &[
        ("", "empty"),
        ("   ", "empty"),
        (&long, "longer"),
        ("Status eq 'Pending'", "property named 'Status'"),
        ("machineGroup eq 'x'", "property named"),
        ("status ne 'Pending'", "operator 'ne'"),
        ("status EQ 'Pending'", "operator 'EQ'"),
        ("status eq 'a' AND status eq 'b'", "unexpected 'AND'"),
        ("status ge 'Pending'", "Only 'eq'"),
        ("status eq Pending", "quoted string"),
        ("status eq 5", "quoted string"),
        ("status eq", "quoted string"),
        ("status", "needs an operator"),
        ("status 'x'", "expected an operator"),
        ("status eq 'Pending", "Unterminated"),
        ("(status eq 'Pending'", "Unbalanced"),
        ("status eq 'Pending')", "Unbalanced"),
        ("status eq 'a' status eq 'b'", "after a complete expression"),
        ("status eq 'a' and", "at the end"),
        ("and status eq 'a'", "property named 'and'"),
        ("not status eq 'a'", "property named 'not'"),
        ("contains(status,'a')", "function 'contains'"),
        ("startswith(status,'P')", "not supported on 'status'"),
        ("startswith(computerDnsName)", "expected ','"),
        ("startswith(computerDnsName,desktop)", "string literal"),
        ("startswith('x',computerDnsName)", "property name first"),
        ("startswith(computerDnsName,'a'", "expected ')'"),
        (
            "creationDateTimeUtc ge '2026-11-30T12:00:00Z'",
            "unquoted datetime",
        ),
        ("creationDateTimeUtc ge 2026-11-30", "not an ISO 8601"),
        (
            "creationDateTimeUtc ge 2026-11-30T12:00:00+01:00",
            "not an ISO 8601",
        ),
        (
            "creationDateTimeUtc ge 2026-02-30T12:00:00Z",
            "not an ISO 8601",
        ),
        ("creationDateTimeUtc ge null", "unquoted datetime"),
        ("status eq 'a' ; drop", "unexpected ';'"),
        ("status\teq 'a'", "unexpected"),
        ("status eq 'a' or ()", "expected a property name"),
        ("()", "expected a property name"),
        (")", "expected a property name"),
        (",", "expected a property name"),
        ("'x' eq status", "expected a property name"),
        ("status eq 'é' or é", "unexpected 'é'"),
    ];
    for (filter, why) in cases {
        match parse(filter, SCHEMA) {
            Ok(e) => panic!("{filter:?} parsed as {e:?}"),
            Err(msg) => assert!(msg.contains(why), "{filter:?}: {msg:?} lacks {why:?}"),
        }
    }
}

#[test]
fn odd_entities_match_nothing() {
    let expr = parse(
        "status eq 'Pending' or creationDateTimeUtc ge 2026-01-01T00:00:00Z",
        SCHEMA,
    )
    .unwrap();
    for odd in [
        json!(null),
        json!([1]),
        json!({"status": 5}),
        json!({"creationDateTimeUtc": "soon"}),
    ] {
        assert!(!expr.matches(&odd), "{odd}");
    }
    assert!(parse("status eq null", SCHEMA).unwrap().matches(&json!({})));
}
