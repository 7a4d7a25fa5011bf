//! Listing machine actions: `GET {base}/api/machineactions?$filter=…&$top=N`,
//! and devices: `GET {base}/api/machines?$filter=startswith(…)`, with the
//! filter built from validated values — nothing a caller passes can inject
//! OData — and the pages that follow by `@odata.nextLink`, on the same host
//! only, so the token never travels elsewhere.

use crate::error::{Error, ErrorKind};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::input::{AccessToken, BaseUrl};
use crate::lenient;
use crate::model::ActionState;
use crate::raw::{Body, RawJson};
use crate::request::percent_encode;
use crate::response::{interpret_status, push_u64, Operation};
use crate::time::parse_iso8601_ms;
use serde::Deserialize;

/// The most results a listing returns by default.
pub const DEFAULT_TOP: u32 = 1_000;

/// The most results a listing may ask for (Defender's `$top` limit).
pub const MAX_TOP: u32 = 10_000;

/// What to list, as a caller gives it; [`ListQuery::new`] validates it.
/// Each list field matches any of its values; the fields are all required
/// to match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// `status`: any of `Pending`, `InProgress`, `Succeeded`, `Failed`,
    /// `TimeOut`, `Cancelled`.
    pub status: Vec<String>,
    /// `machineId`: device ids, 40 hex digits each.
    pub machine_id: Vec<String>,
    /// `type`: action types (`Isolate`, `RunAntiVirusScan`, …).
    pub action_type: Vec<String>,
    /// `requestor`: who asked for the action.
    pub requestor: Option<String>,
    /// Created at or after this ISO 8601 UTC time.
    pub created_after: Option<String>,
    /// Created before this ISO 8601 UTC time.
    pub created_before: Option<String>,
    /// How many results at most: 1 to [`MAX_TOP`], [`DEFAULT_TOP`] when absent.
    pub top: Option<u32>,
}

/// A validated listing: the `$filter` text and how many results to take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    filter: String,
    top: u32,
}

const STATUSES: [&str; 6] = [
    "Pending",
    "InProgress",
    "Succeeded",
    "Failed",
    "TimeOut",
    "Cancelled",
];

impl ListQuery {
    /// Validates `filter` and builds the `$filter` expression.
    pub fn new(filter: &ListFilter) -> Result<ListQuery, Error> {
        let mut clauses: Vec<String> = Vec::new();
        if let Some(clause) = any_of("status", &filter.status, |v| {
            STATUSES.contains(&v).then_some(()).ok_or(
                "status must be one of Pending, InProgress, Succeeded, Failed, TimeOut or Cancelled.",
            )
        })? {
            clauses.push(clause);
        }
        if let Some(clause) = any_of("machineId", &filter.machine_id, |v| {
            (v.len() == 40 && v.bytes().all(|b| b.is_ascii_hexdigit()))
                .then_some(())
                .ok_or("machineId must be a device id: 40 hex digits.")
        })? {
            clauses.push(clause);
        }
        if let Some(clause) = any_of("type", &filter.action_type, |v| {
            (!v.is_empty()
                && v.len() <= 64
                && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' '))
            .then_some(())
            .ok_or("type must be an action type such as Isolate or RunAntiVirusScan.")
        })? {
            clauses.push(clause);
        }
        if let Some(requestor) = &filter.requestor {
            if requestor.is_empty()
                || requestor.chars().count() > 256
                || requestor.chars().any(char::is_control)
            {
                return Err(Error::invalid_input(
                    "requestor must be a user or app name: 1 to 256 characters, no control characters.",
                ));
            }
            clauses.push(comparison("requestor", "eq", &quoted(requestor)));
        }
        for (value, operator) in [
            (&filter.created_after, "ge"),
            (&filter.created_before, "lt"),
        ] {
            if let Some(time) = value {
                if parse_iso8601_ms(time).is_none() {
                    return Err(Error::invalid_input(
                        "createdAfter and createdBefore must be ISO 8601 UTC times such as 2026-11-30T12:00:00Z.",
                    ));
                }
                clauses.push(comparison("creationDateTimeUtc", operator, time));
            }
        }
        let top = filter.top.unwrap_or(DEFAULT_TOP);
        if !(1..=MAX_TOP).contains(&top) {
            return Err(Error::invalid_input(
                "top must be a whole number from 1 to 10000.",
            ));
        }
        Ok(ListQuery {
            filter: clauses.join(" and "),
            top,
        })
    }

    /// The `$filter` expression (empty for no filter).
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// How many results at most.
    pub fn top(&self) -> u32 {
        self.top
    }

    /// `GET {base}/api/machineactions?$filter=…&$top=N`, asking for at most
    /// `remaining` results.
    pub fn request(&self, base: &BaseUrl, token: &AccessToken, remaining: u32) -> HttpRequest {
        get(self.url(base, remaining), token)
    }

    /// The first page's URL, asking for at most `remaining` results.
    pub fn url(&self, base: &BaseUrl, remaining: u32) -> String {
        query_url(
            base,
            Operation::List,
            &self.filter,
            remaining.clamp(1, self.top),
        )
    }

    /// The first page's URL for a whole listing: one more than `top` is
    /// asked for (within [`MAX_TOP`]), so the listing can tell whether more
    /// were left beyond it.
    pub fn listing_url(&self, base: &BaseUrl) -> String {
        let ask = self.top.saturating_add(1).min(MAX_TOP);
        query_url(base, Operation::List, &self.filter, ask)
    }

    /// Reads a `$filter` and `$top` that a client sent (a proxy checking
    /// what it forwards): `Some` only for a filter this module would build
    /// itself, from values it accepts — so only the documented fields and
    /// operators pass — with `$top` capped at [`MAX_TOP`].
    pub fn recognise(filter: &str, top: Option<&str>) -> Option<ListQuery> {
        let parsed = crate::list_parse::parse(filter)?;
        let top = match top {
            Some(text) => text.parse::<u32>().ok()?.clamp(1, MAX_TOP),
            None => MAX_TOP,
        };
        let query = ListQuery::new(&ListFilter {
            top: Some(top),
            ..parsed
        })
        .ok()?;
        (query.filter == filter).then_some(query)
    }
}

/// `{base}/api/…?$filter=…&$top=N`: the filter percent-encoded.
fn query_url(base: &BaseUrl, operation: Operation, filter: &str, top: u32) -> String {
    let mut url = String::from(base.as_str());
    url.push_str(collection_path(operation));
    url.push('?');
    if !filter.is_empty() {
        url.push_str("$filter=");
        percent_encode(&mut url, filter);
        url.push('&');
    }
    url.push_str("$top=");
    push_u64(&mut url, top.into());
    url
}

/// Where `operation`'s listing lives.
fn collection_path(operation: Operation) -> &'static str {
    match operation {
        Operation::Machines => "/api/machines",
        _ => "/api/machineactions",
    }
}

/// The most devices a lookup returns by default.
pub const DEFAULT_MACHINES_TOP: u32 = 50;

/// A device lookup by name: `startswith(computerDnsName,'…')`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineQuery {
    filter: String,
    top: u32,
}

impl MachineQuery {
    /// Devices whose `computerDnsName` starts with `prefix` (1 to 255
    /// characters, no control characters), at most `top` (1 to
    /// [`MAX_TOP`], [`DEFAULT_MACHINES_TOP`] when absent).
    pub fn new(prefix: &str, top: Option<u32>) -> Result<MachineQuery, Error> {
        let prefix = prefix.trim();
        if prefix.is_empty() || prefix.chars().count() > 255 || prefix.chars().any(char::is_control)
        {
            return Err(Error::invalid_input(
                "namePrefix must be the start of a device name: 1 to 255 characters, no control characters.",
            ));
        }
        let top = top.unwrap_or(DEFAULT_MACHINES_TOP);
        if !(1..=MAX_TOP).contains(&top) {
            return Err(Error::invalid_input(
                "top must be a whole number from 1 to 10000.",
            ));
        }
        let filter = ["startswith(computerDnsName,", &quoted(prefix), ")"].concat();
        Ok(MachineQuery { filter, top })
    }

    /// The `$filter` expression.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// How many devices at most.
    pub fn top(&self) -> u32 {
        self.top
    }

    /// The first page's URL, asking for one more than `top` (within
    /// [`MAX_TOP`]) so the listing can tell whether more were left.
    pub fn url(&self, base: &BaseUrl) -> String {
        let ask = self.top.saturating_add(1).min(MAX_TOP);
        query_url(base, Operation::Machines, &self.filter, ask)
    }

    /// Reads a `$filter` and `$top` that a client sent: `Some` only for a
    /// filter [`MachineQuery::new`] would build itself.
    pub fn recognise(filter: &str, top: Option<&str>) -> Option<MachineQuery> {
        let inner = filter
            .strip_prefix("startswith(computerDnsName,'")?
            .strip_suffix("')")?;
        let prefix = crate::list_parse::unquote(inner)?;
        let top = match top {
            Some(text) => text.parse::<u32>().ok()?.clamp(1, MAX_TOP),
            None => DEFAULT_MACHINES_TOP,
        };
        let query = MachineQuery::new(&prefix, Some(top)).ok()?;
        (query.filter == filter).then_some(query)
    }
}

/// `field eq 'a'`, or `(field eq 'a' or field eq 'b')` for several values,
/// each value checked by `valid` first; `None` for no values.
fn any_of(
    field: &str,
    values: &[String],
    valid: impl Fn(&str) -> Result<(), &'static str>,
) -> Result<Option<String>, Error> {
    if values.len() > 100 {
        return Err(Error::invalid_input(
            "a filter field takes at most 100 values.",
        ));
    }
    let mut terms = Vec::with_capacity(values.len());
    for value in values {
        valid(value).map_err(Error::invalid_input)?;
        terms.push(comparison(field, "eq", &quoted(value)));
    }
    Ok(match terms.len() {
        0 => None,
        1 => terms.pop(),
        _ => Some(["(", &terms.join(" or "), ")"].concat()),
    })
}

fn comparison(field: &str, operator: &str, value: &str) -> String {
    [field, " ", operator, " ", value].concat()
}

/// An OData string literal: quoted, with single quotes doubled.
fn quoted(value: &str) -> String {
    let mut text = String::with_capacity(value.len() + 2);
    text.push('\'');
    for c in value.chars() {
        if c == '\'' {
            text.push('\'');
        }
        text.push(c);
    }
    text.push('\'');
    text
}

/// A `GET` of `url` with the token.
pub(crate) fn get(url: String, token: &AccessToken) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        url,
        headers: vec![
            ("authorization", ["Bearer ", token.secret()].concat()),
            ("accept", "application/json".to_owned()),
        ],
        body: None,
    }
}

/// The request for the next page at `next_link`, which must be on `base`'s
/// scheme, host and port (and under its path prefix): the token is never
/// sent anywhere else.
pub fn next_page_request(
    base: &BaseUrl,
    next_link: &str,
    token: &AccessToken,
) -> Result<HttpRequest, Error> {
    next_page_url(base, Operation::List, next_link).map(|url| get(url, token))
}

/// `next_link` when it is a page of `operation`'s listing under `base`.
pub(crate) fn next_page_url(
    base: &BaseUrl,
    operation: Operation,
    next_link: &str,
) -> Result<String, Error> {
    let prefix = [base.as_str(), collection_path(operation), "?"].concat();
    let same_place = next_link
        .get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(&prefix));
    let clean = next_link
        .bytes()
        .all(|b| b.is_ascii_graphic() && !matches!(b, b'#' | b'\\'));
    if !same_place || !clean {
        return Err(Error::new(
            ErrorKind::InvalidResponse,
            "The list's next page is on another host or path than baseUrl, so it was not followed: the token is sent nowhere else.",
        ));
    }
    Ok(next_link.to_owned())
}

/// One page of a listing, as sent: its items, and the link to the next.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Page {
    /// The entries of `value`, as parsed.
    pub items: Vec<RawJson>,
    /// `@odata.nextLink`, when more results remain.
    pub next_link: Option<String>,
}

/// Reads a page of `operation`'s listing. A page that is not
/// `{ "value": [ … ] }` is `invalid_response`; an error status is read as
/// for any call.
pub fn interpret_page(
    operation: Operation,
    head: &HttpResponse,
    body: &Body,
    now_unix_secs: u64,
) -> Result<Page, Error> {
    interpret_status(operation, head, body, now_unix_secs)?;
    let not_a_page = || {
        Error::new(
            ErrorKind::InvalidResponse,
            "The answer is not a list ({\"value\": [...]}); check that baseUrl points at the Defender API.",
        )
        .with_status(head.status)
    };
    let items = match body {
        Body::Json(json) => crate::raw::items(json, "value").ok_or_else(not_a_page)?,
        Body::Unparsable(_) => return Err(not_a_page()),
    };
    let head: PageHead = body.decode().ok_or_else(not_a_page)?;
    Ok(Page {
        items,
        next_link: head.next_link,
    })
}

/// One page of a listing.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ListPage {
    /// The actions on the page that have a string `id` and `status`: the
    /// state decisions need, and each action's body kept whole.
    pub actions: Vec<(ActionState, RawJson)>,
    /// Entries that are not machine actions (no string `id` or `status`).
    pub skipped: usize,
    /// `@odata.nextLink`, when more results remain.
    pub next_link: Option<String>,
}

#[derive(Deserialize)]
struct PageHead {
    #[serde(
        rename = "@odata.nextLink",
        default,
        deserialize_with = "lenient::string"
    )]
    next_link: Option<String>,
}

/// Reads a page of machine actions: [`interpret_page`], each entry checked
/// and given the canonical shape.
pub fn interpret_list(response: HttpResponse, now_unix_secs: u64) -> Result<ListPage, Error> {
    let body = Body::from_text(&response.body);
    let page = interpret_page(Operation::List, &response, &body, now_unix_secs)?;
    Ok(ListPage::from_page(page))
}

impl ListPage {
    /// The machine actions of a page; entries that are not are counted.
    pub fn from_page(page: Page) -> ListPage {
        let mut list = ListPage {
            actions: Vec::with_capacity(page.items.len()),
            skipped: 0,
            next_link: page.next_link,
        };
        for item in page.items {
            match Body::Json(item).action() {
                Ok(action) => list.actions.push(action),
                Err(_) => list.skipped += 1,
            }
        }
        list
    }

    /// The actions a cancel can still change: any not final (`Pending`,
    /// `InProgress`, or a status this version does not know) — the rule a
    /// bulk run uses too.
    pub fn cancellable(&self) -> impl Iterator<Item = &(ActionState, RawJson)> {
        self.actions
            .iter()
            .filter(|(state, _)| !state.status.is_final())
    }
}
