//! A client-credentials token provider: one token per provider (so per
//! isolate when the provider lives at module scope), refreshed before it
//! expires, with concurrent callers sharing one request to Entra ID. When a
//! refresh fails, the old token serves as long as it is still valid.

use super::deadline::Deadline;
use super::fetch::send;
use super::js_error::{error_from_js, error_to_js};
use crate::entra::{
    interpret_token_response, ClientCredentialsConfig, IssuedToken, TokenCache, TokenLookup,
};
use crate::error::{Error, ErrorKind, Source};
use crate::input::{AccessToken, Timeout};
use crate::redact::Redactor;
use crate::retry::RetryPolicy;
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
    timeout: Timeout,
    state: RefCell<State>,
}

#[derive(Debug)]
struct State {
    /// What to serve, decided by the core.
    cache: TokenCache,
    /// The request under way, shared by every caller that needs a token now.
    in_flight: Option<Promise>,
}

impl ClientCredentials {
    /// A provider that refreshes `refresh_before_seconds` before expiry and
    /// gives each token request `timeout` (its retries included).
    pub fn new(
        config: ClientCredentialsConfig,
        refresh_before_seconds: u32,
        timeout: Timeout,
    ) -> Self {
        let cache = TokenCache::new(u64::from(refresh_before_seconds) * 1000);
        ClientCredentials {
            inner: Rc::new(Inner {
                config,
                timeout,
                state: RefCell::new(State {
                    cache,
                    in_flight: None,
                }),
            }),
        }
    }

    /// How many token requests this provider has sent.
    pub fn token_requests(&self) -> u32 {
        self.inner.state.borrow().cache.requests()
    }

    /// Forgets the cached token, so the next call asks for a new one (after
    /// the API refused it, say).
    pub fn invalidate(&self) {
        self.inner.state.borrow_mut().cache.invalidate();
    }

    /// A Promise of the token text: the cached one while it is fresh, else
    /// the request under way, else a new request.
    pub fn token_promise(&self) -> Promise {
        let mut state = self.inner.state.borrow_mut();
        let lookup = state.cache.lookup(now_ms());
        match (lookup, &state.in_flight) {
            (TokenLookup::Serve(token), _) => {
                return Promise::resolve(&JsValue::from_str(token.secret()))
            }
            (TokenLookup::Join, Some(promise)) => return promise.clone(),
            _ => {}
        }
        let inner = self.inner.clone();
        let promise = future_to_promise(async move {
            let issued = fetch_token(&inner).await;
            let mut state = inner.state.borrow_mut();
            state.in_flight = None;
            let token = match issued {
                Ok(token) => Ok(state.cache.issued(token)),
                Err(error) => state.cache.failed(error, now_ms()),
            };
            token
                .map(|t| JsValue::from_str(t.secret()))
                .map_err(error_to_js)
        });
        state.in_flight = Some(promise.clone());
        promise
    }

    /// The token for a call, within that call's deadline.
    pub(crate) async fn token(&self, deadline: &Deadline) -> Result<AccessToken, Error> {
        let value = deadline
            .race(self.token_promise())
            .await
            .map_err(|e| e.js_cause().and_then(error_from_js).unwrap_or(e))
            .map_err(|e| match e.kind() {
                // Waiting for Entra past the call's deadline.
                ErrorKind::Timeout => e.with_source(Source::Entra),
                _ => e,
            })?;
        AccessToken::parse(&value.as_string().unwrap_or_default())
    }
}

/// One token request, tried again on Entra's 429, 5xx and network failures
/// as the retry policy says, within the provider's timeout.
async fn fetch_token(inner: &Inner) -> Result<IssuedToken, Error> {
    let secret = inner.config.client_secret();
    let redactor = Redactor::new(secret.secret());
    let deadline = Deadline::start(inner.timeout, None)?;
    let policy = RetryPolicy::default();
    let mut tries = 0;
    loop {
        tries += 1;
        let sent_at = now_ms();
        let result = match send(&inner.config.token_request(), &deadline).await {
            Ok((mut head, body)) => {
                head.body = redactor.redact(&body.text).unwrap_or(body.text);
                interpret_token_response(head, sent_at, secret)
            }
            // The runtime would not send it (no permission): this side's, nothing sent.
            Err(error) if error.is_invalid_input() => return Err(error),
            Err(error) => Err(error.redact(secret.secret()).with_source(Source::Entra)),
        };
        let error = match result {
            Ok(token) => return Ok(token),
            Err(error) => error,
        };
        match policy.delay_after(&error, tries, js_sys::Math::random()) {
            Some(ms) if ms < deadline.remaining_ms() => deadline
                .sleep(ms)
                .await
                .map_err(|e| e.with_source(Source::Entra).with_attempts(tries))?,
            _ => return Err(error.gave_up_after(tries).with_attempts(tries)),
        }
    }
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}
