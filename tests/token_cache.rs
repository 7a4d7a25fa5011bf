//! The client-credentials token cache's decisions: fresh, refreshing, still
//! valid after a failed refresh, tried again after 30 s, one request shared.

use mde_machine_actions::entra::{IssuedToken, TokenCache, TokenLookup, REFRESH_RETRY_MS};
use mde_machine_actions::input::AccessToken;
use mde_machine_actions::{Error, ErrorKind};

const HOUR_MS: u64 = 3_600_000;
/// Refresh five minutes before expiry, as `ClientCredentials` does by default.
const BEFORE_MS: u64 = 300_000;

fn token(text: &str, expires_at_ms: u64) -> IssuedToken {
    IssuedToken {
        access_token: AccessToken::parse(text).unwrap(),
        expires_at_ms,
    }
}

fn entra_down() -> Error {
    Error::new(ErrorKind::Server, "Entra ID is down.")
}

#[test]
fn the_first_caller_fetches_and_those_meanwhile_join_its_request() {
    let mut cache = TokenCache::new(BEFORE_MS);
    assert_eq!(cache.lookup(0), TokenLookup::Fetch);
    assert_eq!(cache.lookup(1), TokenLookup::Join);
    assert_eq!(cache.lookup(2), TokenLookup::Join);
    assert_eq!(
        cache.requests(),
        1,
        "one request shared by concurrent callers"
    );
}

#[test]
fn a_fresh_token_is_served_without_a_request() {
    let mut cache = TokenCache::new(BEFORE_MS);
    assert_eq!(cache.lookup(0), TokenLookup::Fetch);
    let issued = cache.issued(token("first", HOUR_MS));
    assert_eq!(issued.secret(), "first");
    for now in [1, HOUR_MS / 2, HOUR_MS - BEFORE_MS - 1] {
        assert_eq!(
            cache.lookup(now),
            TokenLookup::Serve(issued.clone()),
            "at {now}"
        );
    }
    assert_eq!(cache.requests(), 1);
}

#[test]
fn a_token_close_to_expiry_is_refreshed() {
    let mut cache = TokenCache::new(BEFORE_MS);
    cache.lookup(0);
    cache.issued(token("first", HOUR_MS));
    assert_eq!(cache.lookup(HOUR_MS - BEFORE_MS), TokenLookup::Fetch);
    assert_eq!(cache.requests(), 2);
}

#[test]
fn a_failed_refresh_keeps_serving_a_still_valid_token_and_waits_30_s_to_try_again() {
    let mut cache = TokenCache::new(BEFORE_MS);
    cache.lookup(0);
    let first = cache.issued(token("first", HOUR_MS));
    let refresh_at = HOUR_MS - BEFORE_MS;
    assert_eq!(cache.lookup(refresh_at), TokenLookup::Fetch);
    let served = cache.failed(entra_down(), refresh_at).unwrap();
    assert_eq!(served, first, "the old token serves while it is valid");
    let retry_at = refresh_at + REFRESH_RETRY_MS;
    assert_eq!(cache.lookup(retry_at - 1), TokenLookup::Serve(first));
    assert_eq!(
        cache.lookup(retry_at),
        TokenLookup::Fetch,
        "tried again after 30 s"
    );
    assert_eq!(cache.requests(), 3);
}

#[test]
fn a_failed_request_without_a_valid_token_is_the_callers_error() {
    let mut cache = TokenCache::new(BEFORE_MS);
    assert_eq!(cache.lookup(0), TokenLookup::Fetch);
    let error = cache.failed(entra_down(), 10).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Server);
    assert_eq!(
        cache.lookup(20),
        TokenLookup::Fetch,
        "the next caller tries again"
    );
}

#[test]
fn an_expired_token_is_never_served_even_after_a_failed_refresh() {
    let mut cache = TokenCache::new(BEFORE_MS);
    cache.lookup(0);
    cache.issued(token("first", HOUR_MS));
    assert_eq!(cache.lookup(HOUR_MS), TokenLookup::Fetch);
    assert!(cache.failed(entra_down(), HOUR_MS).is_err());
}

#[test]
fn invalidating_forgets_the_token_and_any_wait() {
    let mut cache = TokenCache::new(BEFORE_MS);
    cache.lookup(0);
    cache.issued(token("first", HOUR_MS));
    cache.invalidate();
    assert_eq!(
        cache.lookup(1),
        TokenLookup::Fetch,
        "a 401 means a new token"
    );
}
