//! The fields of a MachineAction that the client decides on.

use super::values::{object, ActionStatus, ActionType};
use super::BodyProblem;
use crate::lenient;
use serde::{Deserialize, Deserializer, Serialize};

/// What every answer is checked for and every verdict is made from: the
/// id, where the action stands, and what a cancel left on it. Read from each
/// answer; the whole entity is [`crate::MachineAction`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ActionState {
    /// `id`. Empty when the body had no string `id` (refused by
    /// [`crate::interpret`]).
    #[serde(default, deserialize_with = "required_string")]
    pub id: String,
    /// `status`. [`ActionStatus::Other`] with an empty text when the body had
    /// no string `status` (refused by [`crate::interpret`]).
    #[serde(default = "missing_status", deserialize_with = "required_status")]
    pub status: ActionStatus,
    /// `type`.
    #[serde(rename = "type", default, deserialize_with = "lenient::parsed")]
    pub action_type: Option<ActionType>,
    /// `cancellationComment`: why it was cancelled.
    #[serde(default, deserialize_with = "lenient::string")]
    pub cancellation_comment: Option<String>,
    /// `cancellationDateTimeUtc`, ISO 8601 as sent.
    #[serde(default, deserialize_with = "lenient::string")]
    pub cancellation_date_time_utc: Option<String>,
    /// `commands`, reduced to what a verdict needs: the `commandStatus` of
    /// each live-response record (`None` for a name, or anything else). The
    /// whole records are [`crate::MachineAction::commands`].
    #[serde(
        rename = "commands",
        default,
        deserialize_with = "lenient::list",
        skip_serializing
    )]
    pub command_statuses: Option<Vec<CommandStatus>>,
}

/// The `commandStatus` of one entry of `commands` (`Created`, `Completed`,
/// `Failed`), when it is a record that has one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CommandStatus(pub Option<String>);

impl<'de> Deserialize<'de> for CommandStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Record {
            #[serde(default, deserialize_with = "lenient::string")]
            command_status: Option<String>,
        }
        object::<D, Record>(d).map(|record| CommandStatus(record.and_then(|r| r.command_status)))
    }
}

impl ActionState {
    /// Checks that the fields a decision needs are there: a string `id` and
    /// a string `status`.
    pub(crate) fn checked(self) -> Result<ActionState, BodyProblem> {
        if self.id.is_empty() {
            return Err(BodyProblem::Missing("id"));
        }
        if self.status.as_str().is_empty() {
            return Err(BodyProblem::Missing("status"));
        }
        Ok(self)
    }

    /// True when a live-response command of the action reports `Completed`.
    pub fn has_completed_command(&self) -> bool {
        self.command_statuses
            .iter()
            .flatten()
            .any(|c| c.0.as_deref() == Some("Completed"))
    }
}

/// The status a body without a string `status` reads as.
pub(super) fn missing_status() -> ActionStatus {
    ActionStatus::Other(String::new())
}

pub(super) fn required_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    lenient::string(d).map(Option::unwrap_or_default)
}

pub(super) fn required_status<'de, D: Deserializer<'de>>(d: D) -> Result<ActionStatus, D::Error> {
    lenient::parsed(d).map(|status| status.unwrap_or_else(missing_status))
}
