//! What a cancel really did. Defender races a cancel against the action
//! finishing, refuses a second cancel with a bare 400, and a lost answer leaves
//! the caller guessing; these rules turn each case into one answer.

use crate::error::{Error, ErrorKind};
use crate::model::{ActionState, ActionStatus};
use crate::response::ActionResponse;

/// The verdict on a cancel that succeeded in effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
    /// This call cancelled the action.
    Cancelled,
    /// The action had been cancelled before this call (by someone else, or
    /// by this call's own request whose answer was lost).
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
const READ_BACK: &str = "The cancel's own answer was lost or unclear, so the action was read back: this is its state now.";

/// Judges a 200 answer to a cancel.
pub fn judge_answer(mut response: ActionResponse) -> Result<ActionResponse, Error> {
    let notice = match &response.state.status {
        ActionStatus::Cancelled => completed_despite_cancel(&response.state),
        ActionStatus::Pending | ActionStatus::InProgress => Some(STILL_RUNNING),
        _ => return Err(not_cancellable(&response.state)),
    };
    response.outcome = Some(CancelOutcome::Cancelled);
    response.notice = notice.map(str::to_owned);
    Ok(response)
}

/// True for failures after which the cancel may or may not have happened:
/// a 400 (Defender's answer to cancelling a finished or cancelled action), a
/// timeout, or a network failure after the request may have left.
pub fn is_ambiguous(error: &Error) -> bool {
    match error.kind() {
        ErrorKind::BadRequest => error.status_code() == Some(400),
        ErrorKind::Network | ErrorKind::Timeout => true,
        _ => false,
    }
}

/// Judges the action as read back after an ambiguous failure `original`.
/// `comment` is this call's cancellation comment: finding it on a cancelled
/// action after a lost answer means this call's request did the cancel.
pub fn judge_read_back(
    original: Error,
    mut read: ActionResponse,
    comment: &str,
) -> Result<ActionResponse, Error> {
    let action = &read.state;
    let outcome = match &action.status {
        ActionStatus::Cancelled => {
            let ours = original.kind() != ErrorKind::BadRequest
                && action.cancellation_comment.as_deref() == Some(comment);
            if ours {
                CancelOutcome::Cancelled
            } else {
                CancelOutcome::AlreadyCancelled
            }
        }
        ActionStatus::Pending | ActionStatus::InProgress => return Err(original),
        _ => return Err(not_cancellable(action)),
    };
    // A bare 400 is Defender's ordinary answer to a second cancel, so only a
    // lost answer (timeout, network) is worth a word about the read-back.
    let mut notice = String::new();
    if original.kind() != ErrorKind::BadRequest {
        notice.push_str(READ_BACK);
    }
    if let Some(extra) = completed_despite_cancel(action) {
        if !notice.is_empty() {
            notice.push(' ');
        }
        notice.push_str(extra);
    }
    read.outcome = Some(outcome);
    read.notice = (!notice.is_empty()).then_some(notice);
    Ok(read)
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
