//! The WebAssembly shell: performs `fetch`, converts to and from JS, and
//! exports the JS API. Every decision about what to send and what an answer
//! means is made by the core modules.

#[cfg(feature = "edge")]
mod access;
mod bulk;
mod client;
#[cfg(feature = "edge")]
mod credentials;
mod deadline;
mod exports;
mod exports_runs;
mod fetch;
mod js_error;
mod options;
#[cfg(feature = "edge")]
mod quota_ledger;
#[cfg(feature = "edge")]
mod quota_provider;
mod quota_source;
mod run_options;
mod token;

pub use client::MachineActionsClient;
#[cfg(feature = "edge")]
pub use credentials::{ClientCredentials, DEFAULT_REFRESH_BEFORE_SECONDS};
pub use exports::{cancel_machine_action, is_machine_action_error, JsMachineActionsClient};
#[cfg(feature = "edge")]
pub use quota_ledger::JsQuotaLedger;
pub use quota_source::QuotaSource;
pub use token::TokenSource;
