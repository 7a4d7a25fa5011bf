//! Where a call's access token comes from.

#[cfg(feature = "edge")]
use super::credentials::ClientCredentials;
use super::deadline::Deadline;
use super::js_error::error_from_js;
use crate::error::{Error, ErrorKind, Source};
use crate::input::AccessToken;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// The source of the bearer token for each call.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TokenSource {
    /// One fixed token.
    Static(AccessToken),
    /// A JS function returning a token or a Promise of one, called before
    /// every request so it can refresh an expiring token.
    Function(Function),
    /// A JS object with `getToken()` (returning a token or a Promise of one)
    /// and optionally `invalidate()`, such as the exported `ClientCredentials`.
    Provider(Object),
    /// Client-credentials tokens from Entra ID, cached and refreshed.
    #[cfg(feature = "edge")]
    Credentials(ClientCredentials),
}

impl TokenSource {
    /// The token for the next request, within the call's deadline.
    pub(crate) async fn resolve(&self, deadline: &Deadline) -> Result<AccessToken, Error> {
        let value = match self {
            TokenSource::Static(token) => return Ok(token.clone()),
            #[cfg(feature = "edge")]
            TokenSource::Credentials(credentials) => return credentials.token(deadline).await,
            TokenSource::Function(function) => function.call0(&JsValue::UNDEFINED),
            TokenSource::Provider(provider) => {
                Reflect::get(provider, &JsValue::from_str("getToken"))
                    .and_then(|f| f.dyn_into::<Function>())
                    .and_then(|get_token| get_token.call0(provider))
            }
        }
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

    /// After the API refused a token: makes the next `resolve` fetch a new
    /// one, when the source can. Returns whether it could.
    pub(crate) fn invalidate(&self) -> bool {
        match self {
            #[cfg(feature = "edge")]
            TokenSource::Credentials(credentials) => {
                credentials.invalidate();
                true
            }
            TokenSource::Provider(provider) => {
                Reflect::get(provider, &JsValue::from_str("invalidate"))
                    .ok()
                    .and_then(|f| f.dyn_into::<Function>().ok())
                    .is_some_and(|invalidate| invalidate.call0(provider).is_ok())
            }
            TokenSource::Static(_) | TokenSource::Function(_) => false,
        }
    }
}

/// A token provider's own MachineActionError passes through as it is; any
/// other throw is wrapped, keeping it as `cause`.
fn provider_failed(cause: JsValue) -> Error {
    error_from_js(&cause).unwrap_or_else(|| {
        Error::new(
            ErrorKind::Unauthorized,
            "The token function failed, so no request was sent; its error is in `cause`.",
        )
        .with_source(Source::Client)
        .with_cause(cause)
    })
}
