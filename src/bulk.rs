//! Cancelling many actions: which request each one needs (a cancel, a read
//! for a dry run, or none when a listing already told), what each answer
//! means for that action, and the summary. The shell runs up to
//! [`CONCURRENCY`] jobs at once; every request waits for the client's quota,
//! so the run goes as fast as the quota allows and never draws a 429.
//!
//! ```text
//! let mut bulk = Bulk::for_ids(&ids, dry_run)?;      // or Bulk::for_listing
//! while let Some((index, job)) = bulk.next_job() {   // in each of the workers
//!     let result = /* Job::Cancel: the client's cancel; Job::Read: its get; Job::Known: none */;
//!     let entry = bulk.settle(index, result);         // report progress
//! }
//! let report = bulk.finish();
//! ```

use crate::error::{Error, ErrorKind};
use crate::input::MachineActionId;
use crate::list::ListQuery;
use crate::listing::Listed;
use crate::model::{ActionState, ActionStatus};
use crate::outcome::CancelOutcome;
use crate::raw::RawJson;
use crate::response::ActionResponse;
use serde::Serialize;

/// How many actions are worked on at once: enough that the quota, not the
/// round trips, sets the pace; few enough to stop quickly.
pub const CONCURRENCY: usize = 8;

/// The most ids one run takes (Defender's `$top` limit for a listing).
pub const MAX_IDS: usize = 10_000;

/// What came of one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// This run cancelled it.
    Cancelled,
    /// It had been cancelled before.
    AlreadyCancelled,
    /// It had already finished (Succeeded, Failed, TimeOut).
    NotCancellable,
    /// No such action.
    NotFound,
    /// Anything else went wrong; see the entry's `error`.
    Failed,
    /// A dry run: it is Pending or InProgress and a cancel would be sent.
    WouldCancel,
    /// Stopped by the signal before its request was sent.
    Skipped,
}

impl Outcome {
    /// Every outcome, in the summary's order.
    pub const ALL: [Outcome; 7] = [
        Outcome::Cancelled,
        Outcome::AlreadyCancelled,
        Outcome::NotCancellable,
        Outcome::NotFound,
        Outcome::Failed,
        Outcome::WouldCancel,
        Outcome::Skipped,
    ];

    /// The outcome's name in the JS API (`"already_cancelled"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Cancelled => "cancelled",
            Outcome::AlreadyCancelled => "already_cancelled",
            Outcome::NotCancellable => "not_cancellable",
            Outcome::NotFound => "not_found",
            Outcome::Failed => "failed",
            Outcome::WouldCancel => "would_cancel",
            Outcome::Skipped => "skipped",
        }
    }
}

/// One action's line in the results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Entry {
    /// The action's id.
    pub id: String,
    /// The device's id, when known.
    pub machine_id: Option<String>,
    /// The device's name, when known.
    pub computer_dns_name: Option<String>,
    /// The action's type, when known.
    #[serde(rename = "type")]
    pub action_type: Option<String>,
    /// What came of it.
    pub outcome: Outcome,
    /// Its status as last read, when known.
    pub status: Option<String>,
    /// For `failed` (and the other error outcomes): what went wrong.
    pub error: Option<EntryError>,
}

/// An error, reduced to what a results table or file shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct EntryError {
    /// The error's kind (`"server"`, `"timeout"`, …).
    pub kind: &'static str,
    /// What happened and what to do.
    pub message: String,
    /// The HTTP status, when one arrived.
    pub status_code: Option<u16>,
    /// Defender's correlation id, for a support case.
    pub correlation_id: Option<String>,
}

/// The request one action needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// Cancel it (the client's verified cancel).
    Cancel(MachineActionId),
    /// Read it (a dry run of given ids).
    Read(MachineActionId),
    /// None: the listing already said what it is.
    Known,
}

/// A run in progress.
#[derive(Debug)]
pub struct Bulk {
    dry_run: bool,
    truncated: bool,
    entries: Vec<Entry>,
    jobs: Vec<Job>,
    next: usize,
    done: usize,
    stopped: bool,
}

/// The whole run's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// One entry per action, in the order given or listed.
    pub results: Vec<Entry>,
    /// How many actions came to each outcome (every outcome, 0 included).
    pub summary: Vec<(Outcome, usize)>,
    /// True when the listing stopped at its `top` with more actions left:
    /// a run over a filter did not reach them all.
    pub truncated: bool,
}

impl Bulk {
    /// A run over `ids`, each checked first: one that is not a GUID fails the
    /// whole run before anything is sent. Repeated ids count once.
    pub fn for_ids(ids: &[String], dry_run: bool) -> Result<Bulk, Error> {
        if ids.is_empty() || ids.len() > MAX_IDS {
            return Err(Error::invalid_input(
                "ids must list 1 to 10000 machine action ids.",
            ));
        }
        let mut bulk = Bulk::new(dry_run, ids.len());
        for text in ids {
            let id = MachineActionId::parse(text)?;
            if bulk
                .entries
                .iter()
                .any(|e| e.id.eq_ignore_ascii_case(id.as_str()))
            {
                continue;
            }
            bulk.entries.push(blank(id.as_str()));
            bulk.jobs.push(if dry_run {
                Job::Read(id)
            } else {
                Job::Cancel(id)
            });
        }
        Ok(bulk)
    }

    /// Checks that a bulk run's filter narrows the listing at all: a run
    /// over every action of the tenant is asked for by naming the statuses
    /// (`status: ["Pending", "InProgress"]`), never by an empty filter — so
    /// a field that came out empty (a search that found no device) cannot
    /// widen a bulk cancel to everything.
    pub fn check_filter(query: &ListQuery) -> Result<(), Error> {
        if query.filter().is_empty() {
            return Err(Error::invalid_input(
                "A bulk cancel's filter must have at least one condition; to cancel everything still open, say status: [\"Pending\", \"InProgress\"].",
            ));
        }
        Ok(())
    }

    /// A run over the actions a listing found: a cancel for each one still
    /// Pending or InProgress (none in a dry run), nothing for the rest, whose
    /// outcome the listing already tells. An action listed twice (pages
    /// that shifted while being read) counts once.
    pub fn for_listing(listed: &Listed, dry_run: bool) -> Bulk {
        let mut bulk = Bulk::new(dry_run, listed.items.len());
        bulk.truncated = listed.truncated;
        for (state, json) in listed.states.iter().zip(&listed.items) {
            if bulk
                .entries
                .iter()
                .any(|e| e.id.eq_ignore_ascii_case(&state.id))
            {
                continue;
            }
            let mut entry = blank(&state.id);
            describe(&mut entry, state, json);
            let job = match MachineActionId::parse(&state.id) {
                Ok(id) if !dry_run && !state.status.is_final() => Job::Cancel(id),
                // Not an id the API would take: it cannot be cancelled here.
                Err(error) if !state.status.is_final() => {
                    entry.outcome = Outcome::Failed;
                    entry.error = Some(entry_error(&error));
                    Job::Known
                }
                _ => {
                    entry.outcome = standing(&state.status);
                    Job::Known
                }
            };
            bulk.entries.push(entry);
            bulk.jobs.push(job);
        }
        bulk
    }

    fn new(dry_run: bool, capacity: usize) -> Bulk {
        Bulk {
            dry_run,
            truncated: false,
            entries: Vec::with_capacity(capacity),
            jobs: Vec::with_capacity(capacity),
            next: 0,
            done: 0,
            stopped: false,
        }
    }

    /// How many actions the run covers.
    pub fn total(&self) -> usize {
        self.entries.len()
    }

    /// How many are settled.
    pub fn done(&self) -> usize {
        self.done
    }

    /// How many cancels or reads are still to be sent (for a time estimate).
    pub fn requests_left(&self) -> usize {
        self.jobs[self.next.min(self.jobs.len())..]
            .iter()
            .filter(|job| **job != Job::Known)
            .count()
    }

    /// The next action to work on, and its request; `None` when all are
    /// handed out or the run was stopped.
    pub fn next_job(&mut self) -> Option<(usize, Job)> {
        if self.stopped || self.next >= self.jobs.len() {
            return None;
        }
        let index = self.next;
        self.next += 1;
        let job = std::mem::replace(&mut self.jobs[index], Job::Known);
        Some((index, job))
    }

    /// Takes the result of action `index`'s request (`None` for
    /// [`Job::Known`]), and returns its settled entry.
    pub fn settle(
        &mut self,
        index: usize,
        result: Option<Result<ActionResponse, Error>>,
    ) -> &Entry {
        let dry_run = self.dry_run;
        let entry = &mut self.entries[index];
        match result {
            None => {}
            Some(Ok(response)) => {
                describe(entry, &response.state, &response.json_body);
                entry.outcome = match (dry_run, response.outcome) {
                    (false, Some(CancelOutcome::AlreadyCancelled)) => Outcome::AlreadyCancelled,
                    (false, _) => Outcome::Cancelled,
                    (true, _) => standing(&response.state.status),
                };
            }
            Some(Err(error)) => {
                if let Some(status) = error.action_status() {
                    entry.status = Some(status.to_owned());
                }
                entry.outcome = match error.kind() {
                    ErrorKind::NotCancellable => Outcome::NotCancellable,
                    ErrorKind::NotFound => Outcome::NotFound,
                    ErrorKind::Aborted if error.attempts() == 0 => Outcome::Skipped,
                    _ => Outcome::Failed,
                };
                if entry.outcome == Outcome::Skipped {
                    // Nothing was sent: there is no error to report.
                    return self.settled(index);
                }
                entry.error = Some(entry_error(&error));
            }
        }
        self.settled(index)
    }

    fn settled(&mut self, index: usize) -> &Entry {
        self.done += 1;
        &self.entries[index]
    }

    /// Hands out no more jobs: what is not yet sent stays `skipped`.
    pub fn stop(&mut self) {
        self.stopped = true;
    }

    /// True for a dry run.
    pub fn is_dry_run(&self) -> bool {
        self.dry_run
    }

    /// The results and the summary.
    pub fn finish(mut self) -> Report {
        self.take_report()
    }

    /// The results and the summary, taken out of a run that is over.
    pub fn take_report(&mut self) -> Report {
        self.stopped = true;
        let results = std::mem::take(&mut self.entries);
        let summary = Outcome::ALL
            .iter()
            .map(|&outcome| {
                let count = results.iter().filter(|e| e.outcome == outcome).count();
                (outcome, count)
            })
            .collect();
        Report {
            results,
            summary,
            truncated: self.truncated,
        }
    }
}

fn entry_error(error: &Error) -> EntryError {
    EntryError {
        kind: error.kind().as_str(),
        message: error.message().to_owned(),
        status_code: error.status_code(),
        correlation_id: error.correlation_id().map(str::to_owned),
    }
}

fn blank(id: &str) -> Entry {
    Entry {
        id: id.to_owned(),
        machine_id: None,
        computer_dns_name: None,
        action_type: None,
        outcome: Outcome::Skipped,
        status: None,
        error: None,
    }
}

/// Fills in what an action's body says of it.
fn describe(entry: &mut Entry, state: &ActionState, json: &RawJson) {
    entry.status = Some(state.status.as_str().to_owned());
    if let Some(action_type) = &state.action_type {
        entry.action_type = Some(action_type.as_str().to_owned());
    }
    for (field, key) in [
        (&mut entry.machine_id, "machineId"),
        (&mut entry.computer_dns_name, "computerDnsName"),
    ] {
        if let Some(value) = crate::raw::string_field(json, key) {
            *field = Some(value);
        }
    }
}

/// What an action's status says a cancel would meet.
fn standing(status: &ActionStatus) -> Outcome {
    match status {
        ActionStatus::Cancelled => Outcome::AlreadyCancelled,
        status if status.is_final() => Outcome::NotCancellable,
        _ => Outcome::WouldCancel,
    }
}
