//! The MachineAction entity, typed, and lossless.
//!
//! Defender's payloads vary: `externalID` or `externalId`, `lastUpdateTimeUtc`
//! or `lastUpdateDateTimeUtc`, `commands` as strings or objects,
//! `relatedFileInfo` as `""`, an object or null, `Canceled` or `Cancelled`,
//! any field missing or null, new fields without notice. Parsing accepts all
//! of them; serialising writes one canonical shape (the seed's 18 fields,
//! then `errorHResult`, then every field not modelled, as it came), so
//! nothing Defender said is lost.

use crate::json::{write_string, Json, JsonError, ObjectWriter};

/// A machine action as Defender reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
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
    /// fields Defender adds later), in arrival order.
    pub extra: Vec<(String, Json)>,
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// A command name, as in the docs' sample (`"PutFile"`).
    Name(String),
    /// A live-response command record, kept whole:
    /// `{index, startTime, endTime, commandStatus, errors, command: {type, params}}`.
    Record(Json),
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelatedFileInfo {
    /// A string in place of the object (the seed's example has `""`).
    Text(String),
    /// `{fileIdentifier, fileIdentifierType}`, kept whole.
    File(Json),
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
    /// The body is not JSON, or the JSON is cut off or nested too deeply.
    Json(JsonError),
    /// JSON, but not an object.
    NotAnObject,
    /// A required field (`id` or `status`) is missing or null.
    Missing(&'static str),
    /// A field has the wrong JSON type.
    WrongType(&'static str),
}

impl MachineAction {
    /// Parses a response body, saying precisely what is wrong when it is not
    /// a MachineAction.
    pub fn parse(body: &str) -> Result<MachineAction, BodyProblem> {
        Json::parse(body)
            .map_err(BodyProblem::Json)
            .and_then(MachineAction::from_json)
    }

    /// Reads a MachineAction from parsed JSON. `id` and `status` are required;
    /// every other field may be missing or null, and unknown fields are kept.
    pub fn from_json(json: Json) -> Result<MachineAction, BodyProblem> {
        let Json::Object(members) = json else {
            return Err(BodyProblem::NotAnObject);
        };
        let mut action = MachineAction::default();
        let (mut id, mut status) = (None, None);
        for (key, value) in members {
            let Some(name) = canonical_name(&key) else {
                action.extra.push((key, value));
                continue;
            };
            let a = &mut action;
            match name {
                "id" => id = text(value, name)?,
                "type" => a.action_type = text(value, name)?.map(ActionType::from_wire),
                "scope" => a.scope = text(value, name)?,
                "requestor" => a.requestor = text(value, name)?,
                "externalID" => a.external_id = text(value, name)?,
                "requestSource" => a.request_source = text(value, name)?,
                "commands" => a.commands = commands(value)?,
                "cancellationRequestor" => a.cancellation_requestor = text(value, name)?,
                "requestorComment" => a.requestor_comment = text(value, name)?,
                "cancellationComment" => a.cancellation_comment = text(value, name)?,
                "status" => status = text(value, name)?,
                "machineId" => a.machine_id = text(value, name)?,
                "computerDnsName" => a.computer_dns_name = text(value, name)?,
                "cancellationDateTimeUtc" => a.cancellation_date_time_utc = text(value, name)?,
                "creationDateTimeUtc" => a.creation_date_time_utc = text(value, name)?,
                "lastUpdateDateTimeUtc" => a.last_update_date_time_utc = text(value, name)?,
                "title" => a.title = text(value, name)?,
                "relatedFileInfo" => a.related_file_info = related_file_info(value)?,
                _ => a.error_h_result = integer(value, name)?, // "errorHResult"
            }
        }
        action.id = id.ok_or(BodyProblem::Missing("id"))?;
        action.status = ActionStatus::from_wire(status.ok_or(BodyProblem::Missing("status"))?);
        Ok(action)
    }

    /// Appends the canonical JSON: the seed's 18 fields (null when absent),
    /// `errorHResult`, then every unmodelled field as it came.
    pub fn write_json(&self, out: &mut String) {
        let mut o = ObjectWriter::new(out);
        o.string("id", Some(&self.id));
        o.string("type", self.action_type.as_ref().map(ActionType::as_str));
        o.string("scope", self.scope.as_deref());
        o.string("requestor", self.requestor.as_deref());
        o.string("externalID", self.external_id.as_deref());
        o.string("requestSource", self.request_source.as_deref());
        let commands = o.member("commands");
        match &self.commands {
            None => commands.push_str("null"),
            Some(list) => {
                commands.push('[');
                for (i, command) in list.iter().enumerate() {
                    if i > 0 {
                        commands.push(',');
                    }
                    match command {
                        Command::Name(name) => write_string(commands, name),
                        Command::Record(record) => record.write(commands),
                    }
                }
                commands.push(']');
            }
        }
        o.string(
            "cancellationRequestor",
            self.cancellation_requestor.as_deref(),
        );
        o.string("requestorComment", self.requestor_comment.as_deref());
        o.string("cancellationComment", self.cancellation_comment.as_deref());
        o.string("status", Some(self.status.as_str()));
        o.string("machineId", self.machine_id.as_deref());
        o.string("computerDnsName", self.computer_dns_name.as_deref());
        o.string(
            "cancellationDateTimeUtc",
            self.cancellation_date_time_utc.as_deref(),
        );
        o.string(
            "creationDateTimeUtc",
            self.creation_date_time_utc.as_deref(),
        );
        o.string(
            "lastUpdateDateTimeUtc",
            self.last_update_date_time_utc.as_deref(),
        );
        o.string("title", self.title.as_deref());
        match &self.related_file_info {
            None => o.member("relatedFileInfo").push_str("null"),
            Some(RelatedFileInfo::Text(text)) => o.string("relatedFileInfo", Some(text)),
            Some(RelatedFileInfo::File(file)) => file.write(o.member("relatedFileInfo")),
        }
        match self.error_h_result {
            None => o.member("errorHResult").push_str("null"),
            Some(n) => crate::response::push_i64(o.member("errorHResult"), n),
        }
        for (key, value) in &self.extra {
            value.write(o.member(key));
        }
        o.end();
    }

    /// The canonical JSON text (see [`MachineAction::write_json`]).
    pub fn to_json_text(&self) -> String {
        let mut out = String::with_capacity(1024);
        self.write_json(&mut out);
        out
    }
}

/// A string field: null reads as absent.
fn text(value: Json, field: &'static str) -> Result<Option<String>, BodyProblem> {
    match value {
        Json::Null => Ok(None),
        Json::String(text) => Ok(Some(text)),
        _ => Err(BodyProblem::WrongType(field)),
    }
}

/// An integer field that fits in an `i64`.
fn integer(value: Json, field: &'static str) -> Result<Option<i64>, BodyProblem> {
    match value {
        Json::Null => Ok(None),
        Json::Number(text) => text
            .parse()
            .map(Some)
            .map_err(|_| BodyProblem::WrongType(field)),
        _ => Err(BodyProblem::WrongType(field)),
    }
}

fn commands(value: Json) -> Result<Option<Vec<Command>>, BodyProblem> {
    let items = match value {
        Json::Null => return Ok(None),
        Json::Array(items) => items,
        _ => return Err(BodyProblem::WrongType("commands")),
    };
    items
        .into_iter()
        .map(|item| match item {
            Json::String(name) => Ok(Command::Name(name)),
            record @ Json::Object(_) => Ok(Command::Record(record)),
            _ => Err(BodyProblem::WrongType("commands")),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn related_file_info(value: Json) -> Result<Option<RelatedFileInfo>, BodyProblem> {
    match value {
        Json::Null => Ok(None),
        Json::String(text) => Ok(Some(RelatedFileInfo::Text(text))),
        file @ Json::Object(_) => Ok(Some(RelatedFileInfo::File(file))),
        _ => Err(BodyProblem::WrongType("relatedFileInfo")),
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
