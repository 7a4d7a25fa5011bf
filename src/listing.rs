//! A whole listing: its pages read one [`Call`] after another, following
//! `@odata.nextLink` on the same host only, until `top` results, within one
//! deadline. The shell drives each page's call and hands its answer back.
//!
//! ```text
//! let mut listing = Listing::new(base, ListOf::Actions(&query), retry, timeout_ms, now_ms);
//! while let Some(call) = listing.next_call(now_ms)? {
//!     listing.take(/* the call driven to its end */)?;
//! }
//! let listed = listing.finish();
//! ```

use crate::call::{Answer, Call};
use crate::error::{Error, ErrorKind};
use crate::input::BaseUrl;
use crate::list::{next_page_url, ListPage, ListQuery, MachineQuery};
use crate::model::ActionState;
use crate::raw::RawJson;
use crate::response::Operation;
use crate::retry::RetryPolicy;

/// The most pages one listing reads: a server that links page after page
/// without end cannot keep the client busy.
pub const MAX_PAGES: u32 = 1_000;

/// A listing in progress.
#[derive(Debug)]
pub struct Listing {
    base: BaseUrl,
    operation: Operation,
    retry: RetryPolicy,
    top: usize,
    ends_ms: u64,
    whole_ms: u64,
    /// The next page to read, when there is one.
    next_url: Option<String>,
    pages: u32,
    listed: Listed,
}

/// What a listing found.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Listed {
    /// The entries, as the runtime parsed them: machine actions with the
    /// canonical shape, or devices as sent.
    pub items: Vec<RawJson>,
    /// For machine actions, each item's decision fields (same order).
    pub states: Vec<ActionState>,
    /// Entries that were left out: no string `id` (or, for an action, `status`).
    pub skipped: usize,
    /// True when the listing stopped at `top` with more results left.
    pub truncated: bool,
}

/// What a listing reads.
#[derive(Debug, Clone, Copy)]
pub enum ListOf<'a> {
    /// Machine actions matching a query.
    Actions(&'a ListQuery),
    /// Devices matching a query.
    Machines(&'a MachineQuery),
}

/// A listing a client asked a proxy for, recognised: see
/// [`Query::recognise`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// Machine actions.
    Actions(ListQuery),
    /// Devices.
    Machines(MachineQuery),
}

impl Query {
    /// Reads the `$filter` and `$top` of a listing request for `endpoint`
    /// (`list` or `machines`) that a proxy received: only a filter the
    /// package writes itself passes, so only the documented fields and
    /// operators reach Defender, and `$top` is capped at 10,000.
    pub fn recognise(
        endpoint: &str,
        filter: Option<&str>,
        top: Option<&str>,
    ) -> Result<Query, Error> {
        let filter = filter.unwrap_or("");
        let query = match Operation::parse(endpoint) {
            Some(Operation::List) => ListQuery::recognise(filter, top).map(Query::Actions),
            Some(Operation::Machines) => MachineQuery::recognise(filter, top).map(Query::Machines),
            _ => None,
        };
        query.ok_or_else(|| {
            Error::invalid_input(
                "This $filter is not forwarded: only the filters MachineActionsClient.list and findMachines write (status, machineId, type, requestor and creation time; startswith on computerDnsName) pass, with $top from 1 to 10000.",
            )
        })
    }

    /// The listing to read.
    pub fn list_of(&self) -> ListOf<'_> {
        match self {
            Query::Actions(query) => ListOf::Actions(query),
            Query::Machines(query) => ListOf::Machines(query),
        }
    }
}

impl Listing {
    /// A listing of `what`, within `timeout_ms` from `now_ms`.
    pub fn new(
        base: BaseUrl,
        what: ListOf,
        retry: RetryPolicy,
        timeout_ms: u64,
        now_ms: u64,
    ) -> Listing {
        let (operation, url, top) = match what {
            ListOf::Actions(query) => (Operation::List, query.listing_url(&base), query.top()),
            ListOf::Machines(query) => (Operation::Machines, query.url(&base), query.top()),
        };
        Listing {
            base,
            operation,
            retry,
            top: top as usize,
            ends_ms: now_ms.saturating_add(timeout_ms),
            whole_ms: timeout_ms,
            next_url: Some(url),
            pages: 0,
            listed: Listed::default(),
        }
    }

    /// The call that reads the next page, with what is left of the
    /// deadline; `None` when the listing is complete.
    pub fn next_call(&mut self, now_ms: u64) -> Result<Option<Call>, Error> {
        let Some(url) = self.next_url.take() else {
            return Ok(None);
        };
        let left = self.ends_ms.saturating_sub(now_ms);
        if left == 0 {
            let mut text = String::from("The listing did not complete within ");
            crate::response::push_u64(&mut text, self.whole_ms);
            text.push_str(" ms (timeoutMs); ask for fewer results (top) or allow more time.");
            return Err(Error::new(ErrorKind::Timeout, text));
        }
        self.pages += 1;
        let base = self.base.clone();
        Ok(Some(Call::page(
            base,
            self.operation,
            url,
            self.retry,
            left,
        )))
    }

    /// Takes the answer of the call [`Listing::next_call`] gave.
    pub fn take(&mut self, result: Result<Answer, Error>) -> Result<(), Error> {
        let Some(page) = result?.into_page() else {
            return Err(Error::invalid_input(
                "The listing was driven out of order (an answer that is not a page).",
            ));
        };
        let had = self.listed.items.len();
        let next_link = page.next_link.clone();
        match self.operation {
            Operation::List => {
                let page = ListPage::from_page(page);
                self.listed.skipped += page.skipped;
                for (state, json) in page.actions {
                    self.listed.states.push(state);
                    self.listed.items.push(json);
                }
            }
            _ => {
                for item in page.items {
                    match crate::raw::string_field(&item, "id") {
                        Some(_) => self.listed.items.push(item),
                        None => self.listed.skipped += 1,
                    }
                }
            }
        }
        if self.listed.items.len() >= self.top {
            self.listed.truncated = self.listed.items.len() > self.top || next_link.is_some();
            self.listed.items.truncate(self.top);
            self.listed.states.truncate(self.top);
            return Ok(());
        }
        let Some(link) = next_link else {
            return Ok(());
        };
        if self.listed.items.len() == had || self.pages >= MAX_PAGES {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                "The server kept linking to further pages without new results; the listing was stopped.",
            ));
        }
        self.next_url = Some(next_page_url(&self.base, self.operation, &link)?);
        Ok(())
    }

    /// What was found.
    pub fn finish(self) -> Listed {
        self.listed
    }
}
