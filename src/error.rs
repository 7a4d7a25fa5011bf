//! The one error type every operation returns.
//!
//! Like reqwest's error it is opaque: a [`ErrorKind`] to branch on, predicates for
//! the common questions, and the facts Defender gave (status, OData code,
//! correlation id, `Retry-After`). Messages are written for the analyst who reads
//! them and never contain the access token: inputs are named, never echoed, and
//! the wasm shell scrubs anything a server might have echoed back.

use crate::redact::{find, redact, Redactor, MASK, MIN_RUN};
use std::borrow::Cow;
use std::fmt;

/// What went wrong, in the categories the JS API exposes as `error.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// An argument broke a rule, or the runtime would not send the request
    /// (Deno without `--allow-net` for the host); nothing was sent.
    InvalidInput,
    /// HTTP 401: the token is missing, invalid, expired or for another audience.
    Unauthorized,
    /// HTTP 403: the token lacks a permission, or the feature is disabled.
    Forbidden,
    /// HTTP 404: no machine action with that id in this tenant and cloud.
    NotFound,
    /// Any other HTTP 4xx, e.g. cancelling an action that already finished.
    BadRequest,
    /// HTTP 429: over the API quota; see [`Error::retry_after_seconds`].
    RateLimited,
    /// HTTP 5xx: Defender or a proxy in front of it failed.
    Server,
    /// No HTTP response: connection refused or dropped, DNS, TLS or CORS.
    Network,
    /// The call's deadline passed before an answer was complete.
    Timeout,
    /// The caller's `AbortSignal` fired.
    Aborted,
    /// An answer that is not what the API promises (a 2xx that is not a
    /// MachineAction, a redirect, a status outside the HTTP classes).
    InvalidResponse,
    /// The action already finished (Succeeded, Failed, TimeOut), so it can no
    /// longer be cancelled; see [`Error::action_status`].
    NotCancellable,
}

impl ErrorKind {
    /// The kind's name in the JS API (`"not_found"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Server => "server",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Aborted => "aborted",
            ErrorKind::InvalidResponse => "invalid_response",
            ErrorKind::NotCancellable => "not_cancellable",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a failure came from, so a caller can tell who to talk to without
/// reading the message: `error.source` in the JS API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Source {
    /// Defender's API, or a proxy in front of it: an answer, or no answer.
    Defender,
    /// Entra ID's token endpoint (client credentials).
    Entra,
    /// This side: an argument, the token function, the caller's signal, the
    /// client's own quota budget.
    Client,
}

impl Source {
    /// `"defender"`, `"entra"` or `"client"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Defender => "defender",
            Source::Entra => "entra",
            Source::Client => "client",
        }
    }
}

/// A failed machine-action call.
///
/// Holds no secret: build it from facts, never from the request headers.
#[derive(Clone)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    message: Cow<'static, str>,
    status_code: Option<u16>,
    error_code: Option<String>,
    correlation_id: Option<String>,
    retry_after_seconds: Option<u64>,
    attempts: u32,
    action_status: Option<String>,
    source: Source,
    /// The JS error behind this one (a fetch rejection, a token function's
    /// throw), kept whole like workers-rs keeps `cause`.
    #[cfg(target_arch = "wasm32")]
    cause: Option<wasm_bindgen::JsValue>,
}

impl Error {
    /// A new error of `kind` with a message for the person reading it.
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                status_code: None,
                error_code: None,
                correlation_id: None,
                retry_after_seconds: None,
                attempts: 0,
                action_status: None,
                source: match kind {
                    ErrorKind::InvalidInput | ErrorKind::Aborted => Source::Client,
                    _ => Source::Defender,
                },
                #[cfg(target_arch = "wasm32")]
                cause: None,
            }),
        }
    }

    /// Shorthand for an [`ErrorKind::InvalidInput`] error.
    pub fn invalid_input(message: &'static str) -> Self {
        Error::new(ErrorKind::InvalidInput, message)
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.inner.status_code = Some(status);
        self
    }

    pub(crate) fn with_error_code(mut self, code: Option<String>) -> Self {
        self.inner.error_code = code;
        self
    }

    pub(crate) fn with_correlation_id(mut self, id: Option<String>) -> Self {
        self.inner.correlation_id = id;
        self
    }

    pub(crate) fn with_retry_after(mut self, seconds: Option<u64>) -> Self {
        self.inner.retry_after_seconds = seconds;
        self
    }

    /// Says where the failure came from.
    pub fn with_source(mut self, source: Source) -> Self {
        self.inner.source = source;
        self
    }

    pub(crate) fn with_action_status(mut self, status: &str) -> Self {
        self.inner.action_status = Some(status.to_owned());
        self
    }

    /// Records that the call sent `attempts` requests.
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    /// Says in the message that the failing request was tried `tries` times.
    pub(crate) fn gave_up_after(mut self, tries: u32) -> Self {
        if tries > 1 {
            let mut message = self.inner.message.into_owned();
            message.push_str(" Gave up after ");
            crate::response::push_u64(&mut message, tries.into());
            message.push_str(" attempts.");
            self.inner.message = Cow::Owned(message);
        }
        self
    }

    #[cfg(target_arch = "wasm32")]
    pub(crate) fn with_cause(mut self, cause: wasm_bindgen::JsValue) -> Self {
        self.inner.cause = Some(cause);
        self
    }

    /// The JS error that caused this one, when there was one.
    #[cfg(target_arch = "wasm32")]
    pub fn js_cause(&self) -> Option<&wasm_bindgen::JsValue> {
        self.inner.cause.as_ref()
    }

    /// The category of failure.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// What happened and what to do about it.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The HTTP status, when a response arrived.
    pub fn status_code(&self) -> Option<u16> {
        self.inner.status_code
    }

    /// The OData `error.code` Defender sent (`ResourceNotFound`, …), if any.
    pub fn error_code(&self) -> Option<&str> {
        self.inner.error_code.as_deref()
    }

    /// The id to quote to Microsoft support: OData `error.target`, else the
    /// `mise-correlation-id` or `request-id` response header.
    pub fn correlation_id(&self) -> Option<&str> {
        self.inner.correlation_id.as_deref()
    }

    /// Seconds the server asked to wait (`Retry-After`), if it said.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        self.inner.retry_after_seconds
    }

    /// How many requests the call sent, retries and read-back included, and
    /// for a token Entra ID would not give, the requests made for it (0 when
    /// nothing was sent).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// Where the failure came from.
    pub fn source(&self) -> Source {
        self.inner.source
    }

    /// The action's status, for [`ErrorKind::NotCancellable`].
    pub fn action_status(&self) -> Option<&str> {
        self.inner.action_status.as_deref()
    }

    /// True when the arguments were refused before anything was sent.
    pub fn is_invalid_input(&self) -> bool {
        self.kind() == ErrorKind::InvalidInput
    }

    /// True when the deadline passed.
    pub fn is_timeout(&self) -> bool {
        self.kind() == ErrorKind::Timeout
    }

    /// True when an HTTP error status arrived (4xx or 5xx).
    pub fn is_status(&self) -> bool {
        matches!(self.status_code(), Some(400..=599))
    }

    /// True when trying the same call again later may succeed: 429, 5xx,
    /// network failures and timeouts (`error.retryable` in the JS API).
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::RateLimited | ErrorKind::Server | ErrorKind::Network | ErrorKind::Timeout
        )
    }

    /// Replaces every occurrence of `secret` in the error's texts.
    ///
    /// Servers and proxies sometimes echo request headers in error bodies;
    /// the shell calls this with the token before an error leaves the crate.
    /// A text cut short (ending in `…`) loses a trailing piece of the secret
    /// too, and a text that would still contain the secret after masking
    /// (a secret made of the mask's own letters) is withheld whole.
    pub fn redact(self, secret: &str) -> Self {
        if secret.is_empty() {
            return self;
        }
        self.redact_with(&Redactor::new(secret), secret)
    }

    /// [`Error::redact`] with the secret's [`Redactor`] already built.
    pub(crate) fn redact_with(mut self, redactor: &Redactor, secret: &str) -> Self {
        let inner = &mut *self.inner;
        if let Some(clean) = scrub(&inner.message, redactor, secret) {
            inner.message = Cow::Owned(clean);
        }
        for text in [
            &mut inner.error_code,
            &mut inner.correlation_id,
            &mut inner.action_status,
        ]
        .into_iter()
        .flatten()
        {
            if let Some(clean) = scrub(text, redactor, secret) {
                *text = clean;
            }
        }
        self
    }
}

/// `text` without `secret` or any run of it, or `None` when it has none.
fn scrub(text: &str, redactor: &Redactor, secret: &str) -> Option<String> {
    let mut clean = if secret.len() < MIN_RUN {
        redact(text, secret)
    } else {
        redactor.redact(text)
    };
    // A text cut short (ending in `…`) may end in a piece of the secret
    // shorter than a run: that piece goes too.
    let current = clean.as_deref().unwrap_or(text);
    if let Some(body) = current.strip_suffix('…') {
        let partial = (4.min(secret.len())..secret.len().min(MIN_RUN))
            .rev()
            .find(|&n| secret.is_char_boundary(n) && body.ends_with(&secret[..n]));
        if let Some(n) = partial {
            clean = Some([&body[..body.len() - n], MASK, "…"].concat());
        }
    }
    // A secret made of the mask's own letters could be rebuilt by masking.
    if clean.as_deref().is_some_and(|c| find(c, secret).is_some()) {
        return Some(String::from(
            "[withheld: the text contained the access token]",
        ));
    }
    clean
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        f.debug_struct("Error")
            .field("kind", &inner.kind)
            .field("message", &inner.message)
            .field("status_code", &inner.status_code)
            .field("error_code", &inner.error_code)
            .field("correlation_id", &inner.correlation_id)
            .field("retry_after_seconds", &inner.retry_after_seconds)
            .field("attempts", &inner.attempts)
            .field("action_status", &inner.action_status)
            .field("source", &inner.source)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)
    }
}

impl std::error::Error for Error {}
