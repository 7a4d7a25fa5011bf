//! The values inside a MachineAction: its status and type (unknown values
//! kept), commands, and the related file.

use crate::lenient;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// `status` of a machine action.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ActionStatus {
    /// Waiting for the device.
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

impl From<String> for ActionStatus {
    fn from(text: String) -> Self {
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
}

impl ActionStatus {
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

    /// True for `Succeeded`, `Failed`, `TimeOut` and `Cancelled`: such an
    /// action can no longer be cancelled. A status this version does not
    /// know is not taken as final.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            ActionStatus::Succeeded
                | ActionStatus::Failed
                | ActionStatus::TimeOut
                | ActionStatus::Cancelled
        )
    }
}

impl Serialize for ActionStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
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

impl From<String> for ActionType {
    fn from(text: String) -> Self {
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
}

impl ActionType {
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

impl Serialize for ActionType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One entry of `commands`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Command {
    /// A command name, as in the docs' sample (`"PutFile"`).
    Name(String),
    /// A live-response command record.
    Record(CommandRecord),
    /// An entry that is neither (kept as sent in the raw body).
    Other,
}

/// A live-response command record:
/// `{index, startTime, endTime, commandStatus, errors, command: {type, params}}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CommandRecord {
    /// `index`: the command's place in the script.
    #[serde(default, deserialize_with = "lenient::integer")]
    pub index: Option<i64>,
    /// `startTime`, ISO 8601 as sent.
    #[serde(default, deserialize_with = "lenient::string")]
    pub start_time: Option<String>,
    /// `endTime`, ISO 8601 as sent.
    #[serde(default, deserialize_with = "lenient::string")]
    pub end_time: Option<String>,
    /// `commandStatus`: `Created`, `Completed` or `Failed`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub command_status: Option<String>,
    /// `command.type`: `PutFile`, `RunScript`, `GetFile`, …
    #[serde(default, deserialize_with = "command_type")]
    pub command: Option<String>,
}

/// `command: {type, params}` reduced to its type.
fn command_type<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Spec {
        #[serde(rename = "type", default, deserialize_with = "lenient::string")]
        kind: Option<String>,
    }
    Ok(object::<D, Spec>(d)?.and_then(|spec| spec.kind))
}

impl Command {
    /// The command's type: the name itself, or `command.type` of a record.
    pub fn command_type(&self) -> Option<&str> {
        match self {
            Command::Name(name) => Some(name),
            Command::Record(record) => record.command.as_deref(),
            Command::Other => None,
        }
    }

    /// `commandStatus` of a record (`Created`, `Completed`, `Failed`).
    pub fn command_status(&self) -> Option<&str> {
        match self {
            Command::Record(record) => record.command_status.as_deref(),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Command {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(one_of(Command::Name, Command::Record, || Command::Other))
    }
}

/// `relatedFileInfo`: an object, or the empty string some payloads carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum RelatedFileInfo {
    /// A string in place of the object (the seed's example has `""`).
    Text(String),
    /// `{fileIdentifier, fileIdentifierType}`.
    File(FileInfo),
}

/// The file of a file action.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FileInfo {
    /// `fileIdentifier`: the file's hash.
    #[serde(default, deserialize_with = "lenient::string")]
    pub file_identifier: Option<String>,
    /// `fileIdentifierType`: `Sha1`, `Sha256` or `Md5`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub file_identifier_type: Option<String>,
}

impl RelatedFileInfo {
    /// `fileIdentifier`: the file's hash.
    pub fn file_identifier(&self) -> Option<&str> {
        match self {
            RelatedFileInfo::Text(_) => None,
            RelatedFileInfo::File(file) => file.file_identifier.as_deref(),
        }
    }

    /// `fileIdentifierType`: `Sha1`, `Sha256` or `Md5`.
    pub fn file_identifier_type(&self) -> Option<&str> {
        match self {
            RelatedFileInfo::Text(_) => None,
            RelatedFileInfo::File(file) => file.file_identifier_type.as_deref(),
        }
    }
}

pub(super) fn related_file_info<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<RelatedFileInfo>, D::Error> {
    d.deserialize_any(one_of(
        |text| Some(RelatedFileInfo::Text(text)),
        |file| Some(RelatedFileInfo::File(file)),
        || None,
    ))
}

/// An object field read as `T`; anything else reads as `None`.
pub(crate) fn object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    d.deserialize_any(one_of(|_| None, Some, || None))
}

/// A visitor for a value that is a string, an object read as `T`, or
/// anything else: each case mapped by its own function.
struct OneOf<S, O, E, T>(S, O, E, std::marker::PhantomData<T>);

fn one_of<S, O, E, T>(text: S, object: O, other: E) -> OneOf<S, O, E, T> {
    OneOf(text, object, other, std::marker::PhantomData)
}

impl<'de, S, O, E, T, V> Visitor<'de> for OneOf<S, O, E, T>
where
    S: FnOnce(String) -> V,
    O: FnOnce(T) -> V,
    E: FnOnce() -> V,
    T: Deserialize<'de>,
{
    type Value = V;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<Er>(self, v: &str) -> Result<V, Er> {
        Ok((self.0)(v.to_owned()))
    }

    fn visit_string<Er>(self, v: String) -> Result<V, Er> {
        Ok((self.0)(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V, A::Error> {
        T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(self.1)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V, A::Error> {
        lenient::drain_seq(seq).map(|()| (self.2)())
    }

    fn visit_i64<Er>(self, _: i64) -> Result<V, Er> {
        Ok((self.2)())
    }

    fn visit_u64<Er>(self, _: u64) -> Result<V, Er> {
        Ok((self.2)())
    }

    fn visit_f64<Er>(self, _: f64) -> Result<V, Er> {
        Ok((self.2)())
    }

    fn visit_bool<Er>(self, _: bool) -> Result<V, Er> {
        Ok((self.2)())
    }

    fn visit_unit<Er>(self) -> Result<V, Er> {
        Ok((self.2)())
    }

    fn visit_none<Er>(self) -> Result<V, Er> {
        Ok((self.2)())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V, D::Error> {
        d.deserialize_any(self)
    }
}
