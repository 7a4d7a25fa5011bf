//! The fields of a MachineAction that the client decides on.

use super::values::{ActionStatus, ActionType, Command};
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
    /// `commands`: names, or live-response command records.
    #[serde(default, deserialize_with = "lenient::list")]
    pub commands: Option<Vec<Command>>,
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

    /// The fields whose canonical spelling may differ from what was sent
    /// (`Canceled` → `Cancelled`, `Live Response` → `LiveResponse`), with
    /// that spelling.
    pub(crate) fn respellings(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("status", Some(self.status.as_str())),
            ("type", self.action_type.as_ref().map(ActionType::as_str)),
        ]
        .into_iter()
        .filter_map(|(field, value)| Some((field, value?)))
    }

    /// True when a live-response command of the action reports `Completed`.
    pub fn has_completed_command(&self) -> bool {
        self.commands
            .iter()
            .flatten()
            .any(|c| c.command_status() == Some("Completed"))
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
