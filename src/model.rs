//! The MachineAction entity, typed, and lossless.
//!
//! Defender's payloads vary: `externalID` or `externalId`, `lastUpdateTimeUtc`
//! or `lastUpdateDateTimeUtc`, `commands` as strings or objects,
//! `relatedFileInfo` as `""`, an object or null, `Canceled` or `Cancelled`,
//! any field missing or null, new fields without notice. Parsing accepts all
//! of them; serialising writes one canonical shape (the seed's 18 fields,
//! then `errorHResult`, then every field not modelled, as it came), so
//! nothing Defender said is lost.

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use std::cell::Cell;
use std::fmt;

/// A machine action as Defender reports it.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct MachineAction {
    /// The action's id (a GUID); a cancel keeps it.
    pub id: String,
    /// `type`: what the action does.
    pub action_type: Option<ActionType>,
    /// `scope`: `Full`/`Selective` for isolation, `Quick`/`Full` for scans.
    pub scope: Option<String>,
    /// `requestor`: who asked for the action (a UPN or an app).
    pub requestor: Option<String>,
    /// `externalID` (also read from `externalId`).
    pub external_id: Option<String>,
    /// `requestSource`, e.g. `PublicApi`.
    pub request_source: Option<String>,
    /// `commands`: names, or live-response command records.
    pub commands: Option<Vec<Command>>,
    /// `cancellationRequestor`: who cancelled it.
    pub cancellation_requestor: Option<String>,
    /// `requestorComment`: why the action was requested.
    pub requestor_comment: Option<String>,
    /// `cancellationComment`: why it was cancelled.
    pub cancellation_comment: Option<String>,
    /// `status`: where the action stands.
    pub status: ActionStatus,
    /// `machineId`: the device's id (null for some pending offboards).
    pub machine_id: Option<String>,
    /// `computerDnsName`: the device's name.
    pub computer_dns_name: Option<String>,
    /// `cancellationDateTimeUtc`, ISO 8601 as sent.
    pub cancellation_date_time_utc: Option<String>,
    /// `creationDateTimeUtc`, ISO 8601 as sent.
    pub creation_date_time_utc: Option<String>,
    /// `lastUpdateDateTimeUtc` (also read from `lastUpdateTimeUtc`).
    pub last_update_date_time_utc: Option<String>,
    /// `title`.
    pub title: Option<String>,
    /// `relatedFileInfo`: the file a file action is about.
    pub related_file_info: Option<RelatedFileInfo>,
    /// `errorHResult`, when sent.
    pub error_h_result: Option<i64>,
    /// Every field not modelled above (`@odata.context`, `troubleshootInfo`,
    /// fields Defender adds later), by name.
    pub extra: Map<String, Value>,
}

/// `status` of a machine action.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ActionStatus {
    /// Waiting for the device.
    #[default]
    Pending,
    /// Running on the device.
    InProgress,
    /// Finished successfully.
    Succeeded,
    /// Finished with a failure.
    Failed,
    /// Gave up waiting for the device.
    TimeOut,
    /// Cancelled (older docs spell it `Canceled`; both read as this).
    Cancelled,
    /// A value this version does not know, kept as sent.
    Other(String),
}

impl ActionStatus {
    fn from_wire(text: String) -> Self {
        match text.as_str() {
            "Pending" => ActionStatus::Pending,
            "InProgress" => ActionStatus::InProgress,
            "Succeeded" => ActionStatus::Succeeded,
            "Failed" => ActionStatus::Failed,
            "TimeOut" => ActionStatus::TimeOut,
            "Cancelled" | "Canceled" => ActionStatus::Cancelled,
            _ => ActionStatus::Other(text),
        }
    }

    /// The status as Defender names it.
    pub fn as_str(&self) -> &str {
        match self {
            ActionStatus::Pending => "Pending",
            ActionStatus::InProgress => "InProgress",
            ActionStatus::Succeeded => "Succeeded",
            ActionStatus::Failed => "Failed",
            ActionStatus::TimeOut => "TimeOut",
            ActionStatus::Cancelled => "Cancelled",
            ActionStatus::Other(text) => text,
        }
    }

    /// True for every status but `Pending` and `InProgress`: such an action
    /// can no longer be cancelled.
    pub fn is_final(&self) -> bool {
        !matches!(self, ActionStatus::Pending | ActionStatus::InProgress)
    }
}

/// `type` of a machine action.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ActionType {
    /// `RunAntiVirusScan`.
    RunAntiVirusScan,
    /// `Offboard`.
    Offboard,
    /// `LiveResponse` (also read from `Live Response`).
    LiveResponse,
    /// `CollectInvestigationPackage`.
    CollectInvestigationPackage,
    /// `Isolate`.
    Isolate,
    /// `Unisolate`.
    Unisolate,
    /// `StopAndQuarantineFile`.
    StopAndQuarantineFile,
    /// `RestrictCodeExecution`.
    RestrictCodeExecution,
    /// `UnrestrictCodeExecution`.
    UnrestrictCodeExecution,
    /// A value this version does not know, kept as sent.
    Other(String),
}

impl ActionType {
    fn from_wire(text: String) -> Self {
        match text.as_str() {
            "RunAntiVirusScan" => ActionType::RunAntiVirusScan,
            "Offboard" => ActionType::Offboard,
            "LiveResponse" | "Live Response" => ActionType::LiveResponse,
            "CollectInvestigationPackage" => ActionType::CollectInvestigationPackage,
            "Isolate" => ActionType::Isolate,
            "Unisolate" => ActionType::Unisolate,
            "StopAndQuarantineFile" => ActionType::StopAndQuarantineFile,
            "RestrictCodeExecution" => ActionType::RestrictCodeExecution,
            "UnrestrictCodeExecution" => ActionType::UnrestrictCodeExecution,
            _ => ActionType::Other(text),
        }
    }

    /// The type as Defender names it.
    pub fn as_str(&self) -> &str {
        match self {
            ActionType::RunAntiVirusScan => "RunAntiVirusScan",
            ActionType::Offboard => "Offboard",
            ActionType::LiveResponse => "LiveResponse",
            ActionType::CollectInvestigationPackage => "CollectInvestigationPackage",
            ActionType::Isolate => "Isolate",
            ActionType::Unisolate => "Unisolate",
            ActionType::StopAndQuarantineFile => "StopAndQuarantineFile",
            ActionType::RestrictCodeExecution => "RestrictCodeExecution",
            ActionType::UnrestrictCodeExecution => "UnrestrictCodeExecution",
            ActionType::Other(text) => text,
        }
    }
}

/// One entry of `commands`.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// A command name, as in the docs' sample (`"PutFile"`).
    Name(String),
    /// A live-response command record, kept whole:
    /// `{index, startTime, endTime, commandStatus, errors, command: {type, params}}`.
    Record(Map<String, Value>),
}

impl Command {
    /// The command's type: the name itself, or `command.type` of a record.
    pub fn command_type(&self) -> Option<&str> {
        match self {
            Command::Name(name) => Some(name),
            Command::Record(record) => record.get("command")?.get("type")?.as_str(),
        }
    }

    /// `commandStatus` of a record (`Created`, `Completed`, `Failed`).
    pub fn command_status(&self) -> Option<&str> {
        match self {
            Command::Name(_) => None,
            Command::Record(record) => record.get("commandStatus")?.as_str(),
        }
    }
}

/// `relatedFileInfo`: an object, or the empty string some payloads carry.
#[derive(Debug, Clone, PartialEq)]
pub enum RelatedFileInfo {
    /// A string in place of the object (the seed's example has `""`).
    Text(String),
    /// `{fileIdentifier, fileIdentifierType}`, kept whole.
    File(Map<String, Value>),
}

impl RelatedFileInfo {
    /// `fileIdentifier`: the file's hash.
    pub fn file_identifier(&self) -> Option<&str> {
        match self {
            RelatedFileInfo::Text(_) => None,
            RelatedFileInfo::File(file) => file.get("fileIdentifier")?.as_str(),
        }
    }

    /// `fileIdentifierType`: `Sha1`, `Sha256` or `Md5`.
    pub fn file_identifier_type(&self) -> Option<&str> {
        match self {
            RelatedFileInfo::Text(_) => None,
            RelatedFileInfo::File(file) => file.get("fileIdentifierType")?.as_str(),
        }
    }
}

/// Why a body is not a MachineAction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyProblem {
    /// The JSON ended early.
    Truncated,
    /// Not JSON at all.
    NotJson,
    /// JSON, but not an object.
    NotAnObject,
    /// A required field (`id` or `status`) is missing or null.
    Missing(&'static str),
    /// A field has the wrong JSON type.
    WrongType(&'static str),
}

/// Parses a MachineAction, saying precisely what is wrong when it is not one.
pub fn parse_machine_action(body: &str) -> Result<MachineAction, BodyProblem> {
    let field = Cell::new(None);
    let mut deserializer = serde_json::Deserializer::from_str(body);
    let parsed = ActionSeed { field: &field }
        .deserialize(&mut deserializer)
        .and_then(|action| deserializer.end().map(|()| action));
    parsed.map_err(|e| match e.classify() {
        serde_json::error::Category::Eof => BodyProblem::Truncated,
        serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
            BodyProblem::NotJson
        }
        serde_json::error::Category::Data => match field.get() {
            Some(Field::Missing(name)) => BodyProblem::Missing(name),
            Some(Field::Reading(name)) => BodyProblem::WrongType(name),
            None => BodyProblem::NotAnObject,
        },
    })
}

#[derive(Clone, Copy)]
enum Field {
    Reading(&'static str),
    Missing(&'static str),
}

/// Deserialises with a note of which field failed, for precise messages
/// without formatting serde's own error text.
struct ActionSeed<'a> {
    field: &'a Cell<Option<Field>>,
}

impl<'de> DeserializeSeed<'de> for ActionSeed<'_> {
    type Value = MachineAction;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<MachineAction, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ActionSeed<'_> {
    type Value = MachineAction;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a MachineAction object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MachineAction, A::Error> {
        let mut action = MachineAction::default();
        let mut id = None;
        let mut status = None;
        while let Some(key) = map.next_key::<String>()? {
            let name = canonical_name(&key);
            self.field.set(Some(Field::Reading(name.unwrap_or("?"))));
            let a = &mut action;
            match name {
                Some("id") => id = map.next_value::<Option<String>>()?,
                Some("type") => {
                    a.action_type = map
                        .next_value::<Option<String>>()?
                        .map(ActionType::from_wire)
                }
                Some("scope") => a.scope = map.next_value()?,
                Some("requestor") => a.requestor = map.next_value()?,
                Some("externalID") => a.external_id = map.next_value()?,
                Some("requestSource") => a.request_source = map.next_value()?,
                Some("commands") => a.commands = map.next_value()?,
                Some("cancellationRequestor") => a.cancellation_requestor = map.next_value()?,
                Some("requestorComment") => a.requestor_comment = map.next_value()?,
                Some("cancellationComment") => a.cancellation_comment = map.next_value()?,
                Some("status") => status = map.next_value::<Option<String>>()?,
                Some("machineId") => a.machine_id = map.next_value()?,
                Some("computerDnsName") => a.computer_dns_name = map.next_value()?,
                Some("cancellationDateTimeUtc") => {
                    a.cancellation_date_time_utc = map.next_value()?
                }
                Some("creationDateTimeUtc") => a.creation_date_time_utc = map.next_value()?,
                Some("lastUpdateDateTimeUtc") => a.last_update_date_time_utc = map.next_value()?,
                Some("title") => a.title = map.next_value()?,
                Some("relatedFileInfo") => a.related_file_info = map.next_value()?,
                Some("errorHResult") => a.error_h_result = map.next_value()?,
                _ => {
                    let value = map.next_value::<Value>()?;
                    a.extra.insert(key, value);
                }
            }
        }
        let Some(id) = id else {
            self.field.set(Some(Field::Missing("id")));
            return Err(de::Error::missing_field("id"));
        };
        let Some(status) = status else {
            self.field.set(Some(Field::Missing("status")));
            return Err(de::Error::missing_field("status"));
        };
        action.id = id;
        action.status = ActionStatus::from_wire(status);
        Ok(action)
    }
}

/// The modelled field a wire name stands for, spelling variants included.
fn canonical_name(key: &str) -> Option<&'static str> {
    Some(match key {
        "id" => "id",
        "type" => "type",
        "scope" => "scope",
        "requestor" => "requestor",
        "externalID" | "externalId" => "externalID",
        "requestSource" => "requestSource",
        "commands" => "commands",
        "cancellationRequestor" => "cancellationRequestor",
        "requestorComment" => "requestorComment",
        "cancellationComment" => "cancellationComment",
        "status" => "status",
        "machineId" => "machineId",
        "computerDnsName" => "computerDnsName",
        "cancellationDateTimeUtc" => "cancellationDateTimeUtc",
        "creationDateTimeUtc" => "creationDateTimeUtc",
        "lastUpdateDateTimeUtc" | "lastUpdateTimeUtc" => "lastUpdateDateTimeUtc",
        "title" => "title",
        "relatedFileInfo" => "relatedFileInfo",
        "errorHResult" => "errorHResult",
        _ => return None,
    })
}

impl<'de> Deserialize<'de> for MachineAction {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let field = Cell::new(None);
        ActionSeed { field: &field }.deserialize(deserializer)
    }
}

impl Serialize for MachineAction {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(19 + self.extra.len()))?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("type", &self.action_type.as_ref().map(ActionType::as_str))?;
        map.serialize_entry("scope", &self.scope)?;
        map.serialize_entry("requestor", &self.requestor)?;
        map.serialize_entry("externalID", &self.external_id)?;
        map.serialize_entry("requestSource", &self.request_source)?;
        map.serialize_entry("commands", &self.commands)?;
        map.serialize_entry("cancellationRequestor", &self.cancellation_requestor)?;
        map.serialize_entry("requestorComment", &self.requestor_comment)?;
        map.serialize_entry("cancellationComment", &self.cancellation_comment)?;
        map.serialize_entry("status", self.status.as_str())?;
        map.serialize_entry("machineId", &self.machine_id)?;
        map.serialize_entry("computerDnsName", &self.computer_dns_name)?;
        map.serialize_entry("cancellationDateTimeUtc", &self.cancellation_date_time_utc)?;
        map.serialize_entry("creationDateTimeUtc", &self.creation_date_time_utc)?;
        map.serialize_entry("lastUpdateDateTimeUtc", &self.last_update_date_time_utc)?;
        map.serialize_entry("title", &self.title)?;
        map.serialize_entry("relatedFileInfo", &self.related_file_info)?;
        map.serialize_entry("errorHResult", &self.error_h_result)?;
        for (key, value) in &self.extra {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Command {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(name) => Ok(Command::Name(name)),
            Value::Object(record) => Ok(Command::Record(record)),
            _ => Err(de::Error::custom("a command is a string or an object")),
        }
    }
}

impl Serialize for Command {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Command::Name(name) => serializer.serialize_str(name),
            Command::Record(record) => record.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for RelatedFileInfo {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::String(text) => Ok(RelatedFileInfo::Text(text)),
            Value::Object(file) => Ok(RelatedFileInfo::File(file)),
            _ => Err(de::Error::custom(
                "relatedFileInfo is an object or a string",
            )),
        }
    }
}

impl Serialize for RelatedFileInfo {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            RelatedFileInfo::Text(text) => serializer.serialize_str(text),
            RelatedFileInfo::File(file) => file.serialize(serializer),
        }
    }
}
