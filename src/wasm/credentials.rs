//! A client-credentials token provider: one token per provider (so per
//! isolate when the provider lives at module scope), refreshed before it
//! expires, with concurrent callers sharing one request to Entra ID. When a
//! refresh fails, the old token serves as long as it is still valid.

use super::deadline::Deadline;
use super::fetch::send;
use super::js_error::{error_from_js, error_to_js};
use crate::entra::{interpret_token_parsed, ClientCredentialsConfig, IssuedToken};
use crate::error::Error;
use crate::input::{AccessToken, Timeout};
use js_sys::Promise;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::future_to_promise;

/// Refresh a token this long before it expires, by default (5 minutes).
pub const DEFAULT_REFRESH_BEFORE_SECONDS: u32 = 300;

/// Client-credentials tokens for the Defender API. Cheap to clone: clones
/// share the cache.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    inner: Rc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: ClientCredentialsConfig,
    refresh_before_ms: u64,
    timeout: Timeout,
    state: RefCell<State>,
}

#[derive(Debug, Default)]
struct State {
    token: Option<IssuedToken>,
    /// The request under way, shared by every caller that needs a token now.
    in_flight: Option<Promise>,
    requests: u32,
    /// After a refresh failed while the token still had time: no new attempt
    /// before then, the old token serves.
    next_refresh_ms: u64,
}

/// How long a still-valid token keeps serving after a refresh failed, before
/// the next attempt (so Entra being down costs one request per half minute,
/// not one per call).
const REFRESH_RETRY_MS: u64 = 30_000;

impl ClientCredentials {
    /// A provider that refreshes `refresh_before_seconds` before expiry and
    /// gives each token request `timeout`.
    pub fn new(
        config: ClientCredentialsConfig,
        refresh_before_seconds: u32,
        timeout: Timeout,
    ) -> Self {
        ClientCredentials {
            inner: Rc::new(Inner {
                config,
                refresh_before_ms: u64::from(refresh_before_seconds) * 1000,
                timeout,
                state: RefCell::default(),
            }),
        }
    }

    /// How many token requests this provider has sent.
    pub fn token_requests(&self) -> u32 {
        self.inner.state.borrow().requests
    }

    /// Forgets the cached token, so the next call asks for a new one (after
    /// the API refused it, say).
    pub fn invalidate(&self) {
        self.inner.state.borrow_mut().token = None;
    }

    /// A Promise of the token text: the cached one while it is fresh, else
    /// the request under way, else a new request.
    pub fn token_promise(&self) -> Promise {
        let mut state = self.inner.state.borrow_mut();
        let now = now_ms();
        if let Some(token) = &state.token {
            let fresh = now.saturating_add(self.inner.refresh_before_ms) < token.expires_at_ms;
            let waiting_to_retry = now < state.next_refresh_ms && now < token.expires_at_ms;
            if fresh || waiting_to_retry {
                return Promise::resolve(&JsValue::from_str(token.access_token.secret()));
            }
        }
        if let Some(promise) = &state.in_flight {
            return promise.clone();
        }
        state.requests += 1;
        let inner = self.inner.clone();
        let promise = future_to_promise(async move {
            let issued = fetch_token(&inner).await;
            let mut state = inner.state.borrow_mut();
            state.in_flight = None;
            match issued {
                Ok(token) => {
                    let text = JsValue::from_str(token.access_token.secret());
                    state.token = Some(token);
                    Ok(text)
                }
                // A refresh that fails while the token still has time is not
                // the caller's problem yet: the token serves until it expires.
                Err(error) => {
                    let still_valid = state
                        .token
                        .as_ref()
                        .filter(|token| now_ms() < token.expires_at_ms)
                        .map(|token| JsValue::from_str(token.access_token.secret()));
                    match still_valid {
                        Some(text) => {
                            state.next_refresh_ms = now_ms() + REFRESH_RETRY_MS;
                            Ok(text)
                        }
                        None => Err(error_to_js(error)),
                    }
                }
            }
        });
        state.in_flight = Some(promise.clone());
        promise
    }

    /// The token for a call, within that call's deadline.
    pub(crate) async fn token(&self, deadline: &Deadline) -> Result<AccessToken, Error> {
        let value = deadline
            .race(self.token_promise())
            .await
            .map_err(|e| e.js_cause().and_then(error_from_js).unwrap_or(e))?;
        AccessToken::parse(&value.as_string().unwrap_or_default())
    }
}

async fn fetch_token(inner: &Inner) -> Result<IssuedToken, Error> {
    let secret = inner.config.client_secret().secret();
    let deadline = Deadline::start(inner.timeout, None)?;
    let sent_at = now_ms();
    let (head, body) = send(&inner.config.token_request(), &deadline)
        .await
        .map_err(|e| e.redact(secret))?;
    interpret_token_parsed(head, &body, sent_at, inner.config.client_secret())
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
