//! What a cancel really did. Defender races a cancel against the action
//! finishing, refuses a second cancel with a bare 400, and a lost answer leaves
//! the caller guessing; these rules turn each case into one answer.

use crate::error::{Error, ErrorKind};
use crate::model::{ActionState, ActionStatus};
use crate::response::ActionResponse;
use crate::time::parse_iso8601_ms;

/// The verdict on a cancel that succeeded in effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
    /// This call cancelled the action.
    Cancelled,
    /// The action had been cancelled before this call, by someone else (or
    /// by an earlier call).
    AlreadyCancelled,
}

impl CancelOutcome {
    /// `"cancelled"` or `"already_cancelled"`, as in the JS result's `outcome`.
    pub fn as_str(self) -> &'static str {
        match self {
            CancelOutcome::Cancelled => "cancelled",
            CancelOutcome::AlreadyCancelled => "already_cancelled",
        }
    }
}

const COMPLETED_DESPITE_CANCEL: &str = "The action reads Cancelled, but its live-response command had already completed on the device: what it did there was not undone.";
const STILL_RUNNING: &str = "Defender accepted the cancel, but the action still reads Pending or InProgress: check its status again shortly.";
const UNKNOWN_STATUS: &str = "Defender accepted the cancel, but reports a status this version does not know, so it is not taken as finished: check the action again shortly.";
const READ_BACK: &str = "The cancel's own answer was lost or unclear, so the action was read back: it carries this call's comment, so this call cancelled it.";

/// How far Defender's clock may run behind ours when a cancellation time is
/// compared with the moment a call began.
pub const CLOCK_SKEW_MS: u64 = 5 * 60 * 1000;

/// What the read-back compares the action with: this call's comment, and
/// when the call began (Unix milliseconds).
#[derive(Debug, Clone, Copy)]
pub struct CancelAttempt<'a> {
    /// The comment this call sent.
    pub comment: &'a str,
    /// When this call began.
    pub began_ms: u64,
    /// Whether one of this call's cancels lost its answer (a timeout or a
    /// network failure): then a cancellation without a time is judged by the
    /// comment alone.
    pub answer_lost: bool,
}

/// Judges a 2xx answer to a cancel.
pub fn judge_answer(mut response: ActionResponse) -> Result<ActionResponse, Error> {
    let notice = match &response.state.status {
        ActionStatus::Cancelled => completed_despite_cancel(&response.state),
        ActionStatus::Pending | ActionStatus::InProgress => Some(STILL_RUNNING),
        ActionStatus::Other(_) => Some(UNKNOWN_STATUS),
        _ => return Err(not_cancellable(&response.state)),
    };
    response.outcome = Some(CancelOutcome::Cancelled);
    response.notice = notice.map(str::to_owned);
    Ok(response)
}

/// True for failures after which the cancel may or may not have happened:
/// a 400 (Defender's answer to cancelling a finished or cancelled action —
/// including this call's own request, resent by the runtime or retried after
/// a lost answer), a timeout, or a network failure after the request may
/// have left.
pub fn is_ambiguous(error: &Error) -> bool {
    match error.kind() {
        ErrorKind::BadRequest => error.status_code() == Some(400),
        ErrorKind::Network | ErrorKind::Timeout => true,
        _ => false,
    }
}

/// Judges the action as read back after an ambiguous failure `original`.
///
/// A cancelled action that carries this call's comment and a cancellation
/// time not before the call began (less [`CLOCK_SKEW_MS`]) was cancelled by
/// this call — whether its answer was lost, retried, or silently resent by
/// the runtime and answered 400 — so the outcome is `cancelled`. Any other
/// cancelled action was `already_cancelled`. An action without a
/// cancellation time is this call's only when the comment matches and one of
/// this call's answers was lost.
pub fn judge_read_back(
    original: Error,
    mut read: ActionResponse,
    attempt: CancelAttempt<'_>,
) -> Result<ActionResponse, Error> {
    let action = &read.state;
    let ours = match &action.status {
        ActionStatus::Cancelled => is_ours(action, attempt),
        ActionStatus::Pending | ActionStatus::InProgress | ActionStatus::Other(_) => {
            return Err(original)
        }
        _ => return Err(not_cancellable(action)),
    };
    let mut notice = String::new();
    if ours {
        notice.push_str(READ_BACK);
    }
    if let Some(extra) = completed_despite_cancel(action) {
        if !notice.is_empty() {
            notice.push(' ');
        }
        notice.push_str(extra);
    }
    read.outcome = Some(if ours {
        CancelOutcome::Cancelled
    } else {
        CancelOutcome::AlreadyCancelled
    });
    read.notice = (!notice.is_empty()).then_some(notice);
    Ok(read)
}

fn is_ours(action: &ActionState, attempt: CancelAttempt<'_>) -> bool {
    if action.cancellation_comment.as_deref() != Some(attempt.comment) {
        return false;
    }
    match action
        .cancellation_date_time_utc
        .as_deref()
        .and_then(parse_iso8601_ms)
    {
        Some(at) => at.saturating_add(CLOCK_SKEW_MS) >= attempt.began_ms,
        None => attempt.answer_lost,
    }
}

fn completed_despite_cancel(action: &ActionState) -> Option<&'static str> {
    action
        .has_completed_command()
        .then_some(COMPLETED_DESPITE_CANCEL)
}

/// The error for an action that finished before it could be cancelled.
pub fn not_cancellable(action: &ActionState) -> Error {
    let status = action.status.as_str();
    let mut message = String::from("The action already finished with status ");
    message.push_str(status);
    message.push_str(", so it can no longer be cancelled. Nothing was changed.");
    Error::new(ErrorKind::NotCancellable, message).with_action_status(status)
}
