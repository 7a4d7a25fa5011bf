//! The collection endpoints, `GET /api/machineactions` and `GET /api/machines`: the query
//! options Defender takes (`$filter` in the subset of `odata.rs`, `$top`, `$skip`), a stable
//! order, and server-side paging with an `@odata.nextLink` on the host the request came
//! to, so a client that follows it sees each result exactly once.

use serde_json::{Map, Value};

use crate::odata::{self, Expr, Kind, Schema};
use crate::state::Store;
use crate::util::{parse_iso, percent_decode, percent_encode};

/// Defender's cap on `$top`, also its default.
pub const MAX_TOP: usize = 10_000;

const ACTION_FIELDS: Schema = &[
    ("id", Kind::TextNoCase),
    ("status", Kind::Text),
    ("machineId", Kind::TextNoCase),
    ("type", Kind::Text),
    ("requestor", Kind::Text),
    ("computerDnsName", Kind::TextNoCase),
    ("scope", Kind::Text),
    ("requestSource", Kind::Text),
    ("creationDateTimeUtc", Kind::Time),
    ("lastUpdateDateTimeUtc", Kind::Time),
];

const MACHINE_FIELDS: Schema = &[
    ("id", Kind::TextNoCase),
    ("computerDnsName", Kind::Prefix),
    ("osPlatform", Kind::Text),
    ("healthStatus", Kind::Text),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collection {
    Actions,
    Machines,
}

impl Collection {
    fn schema(self) -> Schema {
        match self {
            Collection::Actions => ACTION_FIELDS,
            Collection::Machines => MACHINE_FIELDS,
        }
    }

    fn entity_set(self) -> &'static str {
        match self {
            Collection::Actions => "MachineActions",
            Collection::Machines => "Machines",
        }
    }

    /// Newest action first (then by id); devices by name (then by id): a total order, so
    /// pages neither repeat nor skip a result.
    fn sort(self, hits: &mut [&Value]) {
        let text = |v: &Value, k: &str| {
            v.get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_lowercase()
        };
        match self {
            Collection::Actions => hits.sort_by_cached_key(|a| {
                let created = a
                    .get("creationDateTimeUtc")
                    .and_then(Value::as_str)
                    .and_then(parse_iso)
                    .unwrap_or(-1);
                (std::cmp::Reverse(created), text(a, "id"))
            }),
            Collection::Machines => {
                hits.sort_by_cached_key(|m| (text(m, "computerDnsName"), text(m, "id")))
            }
        }
    }
}

/// The query options of one request.
#[derive(Debug)]
struct Query {
    /// The filter as sent (decoded), for the next link, and parsed.
    filter: Option<(String, Expr)>,
    top: usize,
    skip: usize,
}

/// Reads `$filter`, `$top` and `$skip`; any other `$` option, a repeated one or a bad value
/// is the message for a 400. Options without `$` are ignored, as OData allows.
fn parse_query(raw: Option<&str>, schema: Schema) -> Result<Query, String> {
    let mut q = Query {
        filter: None,
        top: MAX_TOP,
        skip: 0,
    };
    let mut seen: Vec<String> = Vec::new();
    for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(name), Some(value)) = (percent_decode(name), percent_decode(value)) else {
            return Err("The query string is not properly percent-encoded.".into());
        };
        if !name.starts_with('$') {
            continue;
        }
        if seen.contains(&name) {
            return Err(format!("Query option '{name}' was given more than once."));
        }
        match name.as_str() {
            "$filter" => q.filter = Some((value.clone(), odata::parse(&value, schema)?)),
            "$top" => {
                q.top = whole(&value)
                    .filter(|n| (1..=MAX_TOP).contains(n))
                    .ok_or(format!("$top must be a whole number from 1 to {MAX_TOP}."))?
            }
            "$skip" => q.skip = whole(&value).ok_or("$skip must be a whole number, 0 or more.")?,
            _ => return Err(format!("Query option '{name}' is not supported.")),
        }
        seen.push(name);
    }
    Ok(q)
}

/// Digits only (no sign, no spaces), within `usize`.
fn whole(text: &str) -> Option<usize> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// One page of `collection` for a request to `http://{host}{path}?{query}`: the body
/// `{"@odata.context", "value", ["@odata.nextLink"]}`, or the message for a 400.
pub fn page(
    store: &Store,
    collection: Collection,
    query: Option<&str>,
    page_size: usize,
    host: &str,
    path: &str,
) -> Result<Value, String> {
    let q = parse_query(query, collection.schema())?;
    let entities: Box<dyn Iterator<Item = &Value>> = match collection {
        Collection::Actions => Box::new(store.actions()),
        Collection::Machines => Box::new(store.machines()),
    };
    let mut hits: Vec<&Value> = entities
        .filter(|e| q.filter.as_ref().is_none_or(|(_, f)| f.matches(e)))
        .collect();
    collection.sort(&mut hits);
    let value: Vec<Value> = hits
        .iter()
        .skip(q.skip)
        .take(q.top.min(page_size.max(1)))
        .map(|&v| v.clone())
        .collect();
    let next_skip = q.skip.saturating_add(value.len());
    let remaining = q.top - value.len();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        format!("http://{host}/api/$metadata#{}", collection.entity_set()).into(),
    );
    let more = remaining > 0 && next_skip < hits.len();
    body.insert("value".into(), Value::Array(value));
    if more {
        let mut link = format!("http://{host}{path}?");
        if let Some((text, _)) = &q.filter {
            link.push_str("$filter=");
            percent_encode(&mut link, text);
            link.push('&');
        }
        link.push_str(&format!("$top={remaining}&$skip={next_skip}"));
        body.insert("@odata.nextLink".into(), link.into());
    }
    Ok(Value::Object(body))
}

#[cfg(test)]
#[path = "list_tests.rs"]
mod tests;
