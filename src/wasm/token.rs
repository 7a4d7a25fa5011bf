//! Where a call's access token comes from.

use super::deadline::Deadline;
use crate::error::{Error, ErrorKind};
use crate::input::AccessToken;
use js_sys::{Function, Promise};
use wasm_bindgen::JsValue;

/// The source of the bearer token for each call.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TokenSource {
    /// One fixed token.
    Static(AccessToken),
    /// A JS function returning a token or a Promise of one, called before
    /// every request so it can refresh an expiring token.
    Function(Function),
}

impl TokenSource {
    /// The token for the next request, within the call's deadline.
    pub(crate) async fn resolve(&self, deadline: &Deadline) -> Result<AccessToken, Error> {
        let function = match self {
            TokenSource::Static(token) => return Ok(token.clone()),
            TokenSource::Function(function) => function,
        };
        let value = function
            .call0(&JsValue::UNDEFINED)
            .map_err(provider_failed)?;
        let value = deadline
            .race(Promise::resolve(&value))
            .await
            .map_err(|e| match e.kind() {
                ErrorKind::Network => provider_failed(e.js_cause().cloned().unwrap_or_default()),
                _ => e,
            })?;
        match value.as_string() {
            Some(text) => AccessToken::parse(&text),
            None => Err(Error::invalid_input(
                "the token function must return a string, or a Promise of one.",
            )),
        }
    }
}

fn provider_failed(cause: JsValue) -> Error {
    Error::new(
        ErrorKind::Unauthorized,
        "The token function failed, so no request was sent; its error is in `cause`.",
    )
    .with_cause(cause)
}
