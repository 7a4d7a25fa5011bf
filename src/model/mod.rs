//! The MachineAction entity, typed with serde.
//!
//! Defender's payloads vary: `externalID` or `externalId`, `lastUpdateTimeUtc`
//! or `lastUpdateDateTimeUtc`, `commands` as strings or objects,
//! `relatedFileInfo` as `""`, an object or null, `Canceled` or `Cancelled`,
//! any field missing or null, new fields without notice. The typed views read
//! all of them; an optional field of the wrong type reads as `None` rather
//! than failing the body. Nothing is lost: the body itself is kept as the
//! runtime parsed it (see [`crate::raw`]), with the canonical spellings set.
//!
//! Two views: [`ActionState`], the few fields every decision needs, read on
//! every answer; and the whole [`MachineAction`], read when asked for, so a
//! build that never asks (the JS package) does not carry its code.

mod action;
mod machine;
mod state;
mod values;

pub use action::MachineAction;
pub use machine::Machine;
pub use state::{ActionState, CommandStatus};
pub(crate) use values::object;
pub use values::{ActionStatus, ActionType, Command, CommandRecord, FileInfo, RelatedFileInfo};

/// The fields of the canonical shape, in order: the API description's 18,
/// then `errorHResult`. Absent ones are set to null in the kept body.
pub const CANONICAL_FIELDS: [&str; 19] = [
    "id",
    "type",
    "scope",
    "requestor",
    "externalID",
    "requestSource",
    "commands",
    "cancellationRequestor",
    "requestorComment",
    "cancellationComment",
    "status",
    "machineId",
    "computerDnsName",
    "cancellationDateTimeUtc",
    "creationDateTimeUtc",
    "lastUpdateDateTimeUtc",
    "title",
    "relatedFileInfo",
    "errorHResult",
];

/// Spelling variants read into a canonical field: `(canonical, variant)`.
pub const SPELLING_VARIANTS: [(&str, &str); 2] = [
    ("externalID", "externalId"),
    ("lastUpdateDateTimeUtc", "lastUpdateTimeUtc"),
];

/// Why a body is not a MachineAction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyProblem {
    /// The body is empty.
    Empty,
    /// The JSON ends before its value does: the body was cut off.
    Truncated,
    /// An HTML page (a proxy or a sign-in page answered).
    Html,
    /// Not JSON.
    NotJson,
    /// JSON, but not an object.
    NotAnObject,
    /// A required field (`id` or `status`) is missing, null or not a string.
    Missing(&'static str),
}
