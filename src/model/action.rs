//! The whole MachineAction, typed.

use super::state::{missing_status, required_status, required_string};
use super::values::{related_file_info, ActionStatus, ActionType, Command, RelatedFileInfo};
use crate::lenient;
use serde::{Deserialize, Serialize};

/// A machine action as Defender reports it: the typed view of its fields.
///
/// `externalId` and `lastUpdateTimeUtc` are read as separate wire fields
/// rather than with `#[serde(alias)]`, which would refuse a body that carries
/// both spellings as a duplicate field; the canonical one wins.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MachineAction {
    /// The action's id (a GUID); a cancel keeps it. Empty when the body had
    /// no string `id` (such a body is refused by [`crate::interpret`]).
    #[serde(default, deserialize_with = "required_string")]
    pub id: String,
    /// `type`: what the action does.
    #[serde(rename = "type", default, deserialize_with = "lenient::parsed")]
    pub action_type: Option<ActionType>,
    /// `scope`: `Full`/`Selective` for isolation, `Quick`/`Full` for scans.
    #[serde(default, deserialize_with = "lenient::string")]
    pub scope: Option<String>,
    /// `requestor`: who asked for the action (a UPN or an app).
    #[serde(default, deserialize_with = "lenient::string")]
    pub requestor: Option<String>,
    /// `externalID` (also read from `externalId`).
    #[serde(rename = "externalID", default, deserialize_with = "lenient::string")]
    pub external_id: Option<String>,
    /// `requestSource`, e.g. `PublicApi`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub request_source: Option<String>,
    /// `commands`: names, or live-response command records.
    #[serde(default, deserialize_with = "lenient::list")]
    pub commands: Option<Vec<Command>>,
    /// `cancellationRequestor`: who cancelled it.
    #[serde(default, deserialize_with = "lenient::string")]
    pub cancellation_requestor: Option<String>,
    /// `requestorComment`: why the action was requested.
    #[serde(default, deserialize_with = "lenient::string")]
    pub requestor_comment: Option<String>,
    /// `cancellationComment`: why it was cancelled.
    #[serde(default, deserialize_with = "lenient::string")]
    pub cancellation_comment: Option<String>,
    /// `status`: where the action stands. [`ActionStatus::Other`] with an
    /// empty text when the body had no string `status` (refused by
    /// [`crate::interpret`]).
    #[serde(default = "missing_status", deserialize_with = "required_status")]
    pub status: ActionStatus,
    /// `machineId`: the device's id (null for some pending offboards).
    #[serde(default, deserialize_with = "lenient::string")]
    pub machine_id: Option<String>,
    /// `computerDnsName`: the device's name.
    #[serde(default, deserialize_with = "lenient::string")]
    pub computer_dns_name: Option<String>,
    /// `cancellationDateTimeUtc`, ISO 8601 as sent.
    #[serde(default, deserialize_with = "lenient::string")]
    pub cancellation_date_time_utc: Option<String>,
    /// `creationDateTimeUtc`, ISO 8601 as sent.
    #[serde(default, deserialize_with = "lenient::string")]
    pub creation_date_time_utc: Option<String>,
    /// `lastUpdateDateTimeUtc` (also read from `lastUpdateTimeUtc`).
    #[serde(default, deserialize_with = "lenient::string")]
    pub last_update_date_time_utc: Option<String>,
    /// `title`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub title: Option<String>,
    /// `relatedFileInfo`: the file a file action is about.
    #[serde(default, deserialize_with = "related_file_info")]
    pub related_file_info: Option<RelatedFileInfo>,
    /// `errorHResult`, when sent as a whole number.
    #[serde(default, deserialize_with = "lenient::integer")]
    pub error_h_result: Option<i64>,
    /// `externalId`, the spelling real captures use.
    #[serde(
        rename = "externalId",
        default,
        deserialize_with = "lenient::string",
        skip_serializing
    )]
    external_id_variant: Option<String>,
    /// `lastUpdateTimeUtc`, the spelling the docs' list samples use.
    #[serde(default, deserialize_with = "lenient::string", skip_serializing)]
    last_update_time_utc: Option<String>,
}

impl Default for MachineAction {
    fn default() -> Self {
        MachineAction {
            id: String::new(),
            action_type: None,
            scope: None,
            requestor: None,
            external_id: None,
            request_source: None,
            commands: None,
            cancellation_requestor: None,
            requestor_comment: None,
            cancellation_comment: None,
            status: missing_status(),
            machine_id: None,
            computer_dns_name: None,
            cancellation_date_time_utc: None,
            creation_date_time_utc: None,
            last_update_date_time_utc: None,
            title: None,
            related_file_info: None,
            error_h_result: None,
            external_id_variant: None,
            last_update_time_utc: None,
        }
    }
}

impl MachineAction {
    /// Parses a response body natively (with serde_json), saying precisely
    /// what is wrong when it is not a MachineAction.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn parse(body: &str) -> Result<MachineAction, super::BodyProblem> {
        crate::raw::Body::from_text(body)
            .action()
            .map(|(_, json)| MachineAction::from_json(&json))
    }

    /// The typed view of parsed JSON, with the spelling variants read into
    /// the canonical fields (deserializing the type directly leaves them
    /// apart). Every field is optional here: see [`crate::Body::action`] for
    /// the checked form.
    pub fn from_json(json: &crate::raw::RawJson) -> MachineAction {
        let mut action: MachineAction = crate::raw::decode(json).unwrap_or_default();
        if action.external_id.is_none() {
            action.external_id = action.external_id_variant.take();
        }
        if action.last_update_date_time_utc.is_none() {
            action.last_update_date_time_utc = action.last_update_time_utc.take();
        }
        action
    }
}
