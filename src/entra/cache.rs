//! The client-credentials token cache, as decisions: what to serve, when to
//! ask Entra ID again, and what a failed request leaves behind.

use super::IssuedToken;
use crate::error::Error;
use crate::input::AccessToken;

/// How long a still-valid token keeps serving after a refresh failed, before
/// the next attempt (so Entra being down costs one request per half minute,
/// not one per call).
pub const REFRESH_RETRY_MS: u64 = 30_000;

/// The client-credentials token cache, as decisions: serve the cached token,
/// wait for the request under way, or send a new one; and what a finished
/// request leaves behind. The shell keeps the one shared request itself.
#[derive(Debug, Clone, Default)]
pub struct TokenCache {
    token: Option<IssuedToken>,
    refresh_before_ms: u64,
    refreshing: bool,
    /// After a refresh failed while the token still had time: no new attempt
    /// before then, the old token serves.
    next_refresh_ms: u64,
    requests: u32,
}

/// What to do for a caller that needs a token now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenLookup {
    /// Use this token.
    Serve(AccessToken),
    /// A request is under way: wait for it and use what it gives.
    Join,
    /// Send a new token request (it is now the one under way).
    Fetch,
}

impl TokenCache {
    /// A cache that refreshes `refresh_before_ms` before a token expires.
    pub fn new(refresh_before_ms: u64) -> Self {
        TokenCache {
            refresh_before_ms,
            ..TokenCache::default()
        }
    }

    /// What a caller does at `now_ms`: the cached token while it is fresh (or
    /// still valid and a failed refresh is waiting to be retried), else the
    /// request under way, else a new request.
    pub fn lookup(&mut self, now_ms: u64) -> TokenLookup {
        if let Some(token) = &self.token {
            let fresh = now_ms.saturating_add(self.refresh_before_ms) < token.expires_at_ms;
            let waiting_to_retry = now_ms < self.next_refresh_ms && now_ms < token.expires_at_ms;
            if fresh || waiting_to_retry {
                return TokenLookup::Serve(token.access_token.clone());
            }
        }
        if self.refreshing {
            return TokenLookup::Join;
        }
        self.refreshing = true;
        self.requests += 1;
        TokenLookup::Fetch
    }

    /// The request under way gave a token.
    pub fn issued(&mut self, token: IssuedToken) -> AccessToken {
        self.refreshing = false;
        let access = token.access_token.clone();
        self.token = Some(token);
        access
    }

    /// The request under way failed at `now_ms`: a token that is still valid
    /// keeps serving (the next attempt waits [`REFRESH_RETRY_MS`]); without
    /// one the failure is the caller's.
    pub fn failed(&mut self, error: Error, now_ms: u64) -> Result<AccessToken, Error> {
        self.refreshing = false;
        match &self.token {
            Some(token) if now_ms < token.expires_at_ms => {
                self.next_refresh_ms = now_ms.saturating_add(REFRESH_RETRY_MS);
                Ok(token.access_token.clone())
            }
            _ => Err(error),
        }
    }

    /// Forgets the cached token (the API refused it).
    pub fn invalidate(&mut self) {
        self.token = None;
        self.next_refresh_ms = 0;
    }

    /// How many token requests were sent.
    pub fn requests(&self) -> u32 {
        self.requests
    }
}
