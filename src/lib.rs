//! Cancel Microsoft Defender for Endpoint machine actions from a browser or an
//! edge Worker.
//!
//! The crate is a sans-IO core with a thin WebAssembly shell:
//!
//! - [`input`]: validated arguments (GUID ids, comments, tokens, base URLs);
//! - [`request`]: the exact HTTP requests the API expects, as plain values;
//! - [`list`], [`listing`]: listing actions and devices with a validated
//!   `$filter`, page by page;
//! - [`bulk`], [`watch`]: cancelling many actions, and waiting for one to finish;
//! - [`access`]: the app role a signed-in analyst needs for each endpoint;
//! - [`response`]: reading answers into a typed [`ActionResponse`] or an [`Error`];
//! - [`model`]: the `MachineAction` entity as serde types, lenient across
//!   payload variants;
//! - [`raw`]: bodies as the runtime parsed them (the engine's `JSON.parse` in
//!   wasm, serde_json natively), kept whole next to the typed view;
//! - [`entra`]: client-credentials token requests to Entra ID, as plain values;
//! - [`retry`], [`quota`], [`outcome`]: when to try again, staying inside
//!   the API's quota, and what a cancel really did;
//! - `wasm` (on `wasm32` only): `fetch`, JS conversion, and the exports
//!   `cancelMachineAction` and `MachineActionsClient`.
//!
//! Any Rust HTTP client can drive the core:
//!
//! ```
//! use mde_machine_actions::{cancel_request, interpret, HttpResponse, Operation};
//! use mde_machine_actions::input::{AccessToken, BaseUrl, Comment, MachineActionId};
//!
//! let request = cancel_request(
//!     &BaseUrl::default(),
//!     &MachineActionId::parse("5382f7ea-7557-4ab7-9782-d50480024a4e")?,
//!     &Comment::parse("Stuck isolation, cancelled from the SOC portal")?,
//!     &AccessToken::parse("eyJ0eXAiOi...")?,
//! );
//! assert_eq!(request.url, "https://api.security.microsoft.com/api/machineactions/5382f7ea-7557-4ab7-9782-d50480024a4e/cancel");
//!
//! // … send it with any client, then:
//! let answer = HttpResponse {
//!     status: 404,
//!     body: r#"{"error":{"code":"ResourceNotFound","message":"Machine action was not found","target":"43f4cb08-8fac-4b65-9db1-745c2ae65f3a"}}"#.into(),
//!     ..HttpResponse::default()
//! };
//! let error = interpret(Operation::Cancel, answer, 0).unwrap_err();
//! assert_eq!(error.kind().as_str(), "not_found");
//! assert_eq!(error.correlation_id(), Some("43f4cb08-8fac-4b65-9db1-745c2ae65f3a"));
//! # Ok::<(), mde_machine_actions::Error>(())
//! ```
#![deny(missing_docs, missing_debug_implementations)]

pub mod access;
pub mod bulk;
pub mod call;
pub mod entra;
pub mod error;
pub mod http;
pub mod input;
mod lenient;
pub mod list;
mod list_parse;
pub mod listing;
pub mod model;
pub mod outcome;
pub mod quota;
pub mod raw;
pub mod redact;
pub mod request;
pub mod response;
pub mod retry;
pub mod time;
pub mod watch;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

// Smaller than the default dlmalloc; the module is single-threaded.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub use call::{Answer, Call, Clock, Event, Step};
pub use error::{Error, ErrorKind, Source};
pub use http::{HttpRequest, HttpResponse, Method};
pub use model::{
    ActionState, ActionStatus, ActionType, BodyProblem, Command, CommandRecord, FileInfo, Machine,
    MachineAction, RelatedFileInfo,
};
pub use raw::{Body, BodyText, RawJson};
pub use request::{cancel_request, get_request};
pub use response::{interpret, interpret_parsed, ActionResponse, Operation};
