//! Query options, order and paging of the collection endpoints.

use super::*;
use crate::demo::{PLAYBOOK_COMMENT, PLAYBOOK_COUNT, PLAYBOOK_REQUESTOR};
use crate::state::SeedKind;
use crate::util::percent_encode;

const HOST: &str = "127.0.0.1:4321";
const START: u64 = 1_795_964_645;

fn demo() -> Store {
    Store::starting_at(SeedKind::Demo, START)
}

fn encoded(filter: &str) -> String {
    let mut q = String::from("$filter=");
    percent_encode(&mut q, filter);
    q
}

fn path(c: Collection) -> &'static str {
    match c {
        Collection::Actions => "/api/machineactions",
        Collection::Machines => "/api/machines",
    }
}

/// One page for `query`, which must be accepted.
fn get(store: &Store, c: Collection, query: &str, page_size: usize) -> Value {
    page(store, c, Some(query), page_size, HOST, path(c)).unwrap_or_else(|e| panic!("{query}: {e}"))
}

/// Is `query` refused (a 400)?
fn refused(store: &Store, c: Collection, query: &str) -> bool {
    page(store, c, Some(query), 10, HOST, path(c)).is_err()
}

fn ids(body: &Value) -> Vec<String> {
    let rows = body["value"].as_array().unwrap().iter();
    rows.map(|v| v["id"].as_str().unwrap().to_owned()).collect()
}

/// Follows next links from `query` to the end: each page's ids, and the links seen.
fn all_pages(
    store: &Store,
    c: Collection,
    query: &str,
    page_size: usize,
) -> (Vec<Vec<String>>, Vec<String>) {
    let (mut pages, mut links) = (Vec::new(), Vec::new());
    let mut query = query.to_owned();
    loop {
        let body = get(store, c, &query, page_size);
        pages.push(ids(&body));
        let Some(link) = body["@odata.nextLink"].as_str() else {
            return (pages, links);
        };
        let prefix = format!("http://{HOST}{}?", path(c));
        assert!(link.starts_with(&prefix), "{link}");
        assert!(
            link.bytes().all(|b| b.is_ascii_graphic() && b != b'#'),
            "{link}"
        );
        query = link[prefix.len()..].to_owned();
        links.push(link.to_owned());
        assert!(pages.len() < 1000, "next links never end");
    }
}

#[test]
fn next_links_return_each_result_exactly_once() {
    let store = demo();
    let filter = encoded(&format!(
        "requestor eq '{PLAYBOOK_REQUESTOR}' and status eq 'Pending' and type eq 'RunAntiVirusScan'"
    ));
    let (pages, links) = all_pages(&store, Collection::Actions, &filter, 40);
    assert_eq!(
        pages.iter().map(Vec::len).collect::<Vec<_>>(),
        [40, 40, 40, 30]
    );
    assert_eq!(links.len(), 3);
    assert!(links[0].ends_with("&$top=9960&$skip=40"), "{}", links[0]);
    assert!(links[0].contains("status%20eq%20%27Pending%27"));
    let mut found: Vec<String> = pages.concat();
    found.sort_unstable();
    found.dedup();
    assert_eq!(found.len(), PLAYBOOK_COUNT);

    // Without a filter, everything, in the same order as one big page.
    let (pages, _) = all_pages(&store, Collection::Actions, "", 2);
    let one = get(&store, Collection::Actions, "", MAX_TOP);
    assert!(one.get("@odata.nextLink").is_none());
    let whole = ids(&one);
    assert_eq!(pages.concat(), whole);
    assert_eq!(whole.len(), store.actions().count());
}

#[test]
fn top_and_skip_bound_the_pages() {
    let store = demo();
    let (pages, links) = all_pages(&store, Collection::Actions, "$top=5", 2);
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    assert!(links[1].ends_with("?$top=1&$skip=4"), "{}", links[1]);
    let body = get(&store, Collection::Actions, "$top=3&$skip=2", 100);
    let (first, _) = all_pages(&store, Collection::Actions, "$top=5", 10);
    assert_eq!(ids(&body), first[0][2..5]);
    assert!(body.get("@odata.nextLink").is_none(), "$top is reached");
    let past = get(&store, Collection::Actions, "$skip=100000", 2);
    assert_eq!(past["value"], Value::Array(vec![]));
    assert!(past.get("@odata.nextLink").is_none());
}

#[test]
fn newest_first_then_by_id() {
    let store = demo();
    let body = get(&store, Collection::Actions, "", MAX_TOP);
    assert_eq!(
        body["@odata.context"],
        format!("http://{HOST}/api/$metadata#MachineActions")
    );
    let rows = body["value"].as_array().unwrap();
    let keys: Vec<(i64, &str)> = rows
        .iter()
        .map(|a| {
            (
                parse_iso(a["creationDateTimeUtc"].as_str().unwrap()).unwrap(),
                a["id"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(keys
        .windows(2)
        .all(|w| w[0].0 > w[1].0 || (w[0].0 == w[1].0 && w[0].1 < w[1].1)));
}

#[test]
fn filters_on_every_documented_field() {
    let store = demo();
    let count = |filter: &str| {
        let body = get(&store, Collection::Actions, &encoded(filter), MAX_TOP);
        body["value"].as_array().unwrap().len()
    };
    let comment = PLAYBOOK_COMMENT.replace('\'', "''");
    assert_eq!(
        count(&format!("requestor eq '{PLAYBOOK_REQUESTOR}'")),
        PLAYBOOK_COUNT
    );
    assert!(count(&format!("requestor eq '{comment}'")) == 0);
    assert_eq!(count("id eq '0F5A1C2E-7B3D-4E8A-9C61-2D4B8E7F1A01'"), 1);
    assert_eq!(
        count("machineId eq 'A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4' and type eq 'Isolate'"),
        1
    );
    assert_eq!(count("computerDnsName eq 'desktop-fin-042.contoso.local' and (status eq 'Pending' or status eq 'Succeeded')"), 2);
    assert_eq!(
        count("scope eq 'Selective' and requestSource eq 'PublicApi' and status eq 'InProgress'"),
        1
    );
    let hour_ago = crate::util::format_iso(START - 3600, 0);
    let in_two = crate::util::format_iso(START - 3600 + 120, 0);
    assert_eq!(
        count(&format!(
            "creationDateTimeUtc ge {hour_ago} and creationDateTimeUtc lt {in_two}"
        )),
        PLAYBOOK_COUNT
    );
    assert_eq!(
        count(&format!(
            "lastUpdateDateTimeUtc gt {}",
            crate::util::format_iso(START, 0)
        )),
        0
    );
}

#[test]
fn machines_by_prefix_and_fields() {
    let store = demo();
    let (pages, _) = all_pages(
        &store,
        Collection::Machines,
        &encoded("startswith(computerDnsName,'DESKTOP-FIN-')"),
        3,
    );
    let names: Vec<String> = pages.concat();
    assert!(!names.is_empty());
    let body = page(
        &store,
        Collection::Machines,
        Some(&encoded("startswith(computerDnsName,'desktop-fin-')")),
        MAX_TOP,
        HOST,
        "/api/machines",
    )
    .unwrap();
    assert_eq!(
        body["@odata.context"],
        format!("http://{HOST}/api/$metadata#Machines")
    );
    let rows = body["value"].as_array().unwrap();
    assert_eq!(rows.len(), names.len());
    assert!(rows.iter().all(|m| m["computerDnsName"]
        .as_str()
        .unwrap()
        .starts_with("desktop-fin-")));
    let dns: Vec<&str> = rows
        .iter()
        .map(|m| m["computerDnsName"].as_str().unwrap())
        .collect();
    assert!(dns.windows(2).all(|w| w[0] < w[1]), "by name");
    let one = get(
        &store,
        Collection::Machines,
        &encoded(
            "computerDnsName eq 'DESKTOP-FIN-042.contoso.local' and healthStatus eq 'Inactive'",
        ),
        10,
    );
    assert_eq!(
        one["value"][0]["id"],
        "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4"
    );
    let win = get(
        &store,
        Collection::Machines,
        &encoded("osPlatform eq 'Windows11' or osPlatform eq 'Windows10'"),
        MAX_TOP,
    );
    assert!(win["value"].as_array().unwrap().len() > 150);
    assert!(refused(
        &store,
        Collection::Machines,
        &encoded("status eq 'Pending'")
    ));
    assert!(refused(
        &store,
        Collection::Actions,
        &encoded("startswith(computerDnsName,'d')")
    ));
}

#[test]
fn bad_query_options_are_refused() {
    let store = demo();
    for q in [
        "$top=0",
        "$top=10001",
        "$top=-1",
        "$top=+5",
        "$top=",
        "$top=1e3",
        "$skip=-1",
        "$skip=x",
        "$skip=99999999999999999999999",
        "$orderby=id",
        "$select=id",
        "$count=true",
        "$expand=x",
        "$Filter=status%20eq%20%27x%27",
        "$top=1&$top=2",
        "$filter=",
        "$filter=status%zzeq",
        "%zz=1",
        "$filter=status+eq+'Pending'",
        "$filter=status%20ne%20'x'",
    ] {
        assert!(refused(&store, Collection::Actions, q), "{q}");
    }
    // Options without `$`, and a literal `+` inside a string, are fine.
    for q in ["api-version=1&&$top=1", "$filter=requestor%20eq%20'a+b'"] {
        assert!(!refused(&store, Collection::Actions, q), "{q}");
    }
}
