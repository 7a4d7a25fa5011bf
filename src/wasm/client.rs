//! The client: configuration shared by calls, and the calls themselves.

use super::deadline::Deadline;
use super::fetch::send;
use super::token::TokenSource;
use crate::error::Error;
use crate::http::HttpRequest;
use crate::input::{AccessToken, BaseUrl, Comment, MachineActionId, Timeout};
use crate::request::{cancel_request, get_request};
use crate::response::{interpret, ActionResponse, Operation};
use std::rc::Rc;
use web_sys::AbortSignal;

/// A Defender machine-actions client for wasm callers.
///
/// Cheap to clone: clones share one configuration.
#[derive(Debug, Clone)]
pub struct MachineActionsClient {
    config: Rc<Config>,
}

#[derive(Debug)]
struct Config {
    token: TokenSource,
    base_url: BaseUrl,
    timeout: Timeout,
}

impl MachineActionsClient {
    /// A client for Microsoft's commercial cloud with the default timeout.
    pub fn new(token: TokenSource, base_url: BaseUrl, timeout: Timeout) -> Self {
        MachineActionsClient {
            config: Rc::new(Config {
                token,
                base_url,
                timeout,
            }),
        }
    }

    /// The per-call deadline this client applies unless a call overrides it.
    pub fn timeout(&self) -> Timeout {
        self.config.timeout
    }

    /// Cancels a pending machine action (`POST …/cancel`).
    pub async fn cancel(
        &self,
        id: &MachineActionId,
        comment: &Comment,
        timeout: Option<Timeout>,
        signal: Option<&AbortSignal>,
    ) -> Result<ActionResponse, Error> {
        let base = &self.config.base_url;
        self.execute(Operation::Cancel, timeout, signal, |token| {
            cancel_request(base, id, comment, token)
        })
        .await
    }

    /// Reads a machine action's current state (`GET`).
    pub async fn get(
        &self,
        id: &MachineActionId,
        timeout: Option<Timeout>,
        signal: Option<&AbortSignal>,
    ) -> Result<ActionResponse, Error> {
        let base = &self.config.base_url;
        self.execute(Operation::Get, timeout, signal, |token| {
            get_request(base, id, token)
        })
        .await
    }

    async fn execute(
        &self,
        operation: Operation,
        timeout: Option<Timeout>,
        signal: Option<&AbortSignal>,
        build: impl FnOnce(&AccessToken) -> HttpRequest,
    ) -> Result<ActionResponse, Error> {
        let deadline = Deadline::start(timeout.unwrap_or(self.config.timeout), signal)?;
        let token = self.config.token.resolve(&deadline).await?;
        let request = build(&token);
        let response = send(&request, &deadline).await;
        let now = (js_sys::Date::now() / 1000.0) as u64;
        response
            .and_then(|response| interpret(operation, response, now))
            .map_err(|e| e.redact(token.secret()))
    }
}
