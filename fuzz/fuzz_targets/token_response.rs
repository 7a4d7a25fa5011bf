//! Entra's answer to a token request, whatever it is: reading it never
//! panics, a token it yields is valid and expires no earlier than now, and an
//! error never contains the client secret, even when Entra echoes it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mde_machine_actions::entra::{interpret_token_response, ClientSecret};
use mde_machine_actions::input::AccessToken;
use mde_machine_actions_fuzz::{assert_redacted, exchange};

/// Shaped like an Entra client secret's value (see `assert_redacted` for why
/// it starts with `Z` and has no brackets).
const SECRET: &str = "Zq8Q~fuzz.Secret_Value-0123456789abcdefXY";

fuzz_target!(|data: &[u8]| {
    let secret = ClientSecret::parse(SECRET).expect("the fixed secret is valid");
    let exchange = exchange(data, SECRET);
    let status = exchange.response.status;
    match interpret_token_response(exchange.response, exchange.now, &secret) {
        Ok(issued) => {
            assert_eq!(status, 200, "a token from HTTP {status}");
            assert!(issued.expires_at_ms >= exchange.now);
            let token = issued.access_token.secret();
            let again = AccessToken::parse(token).expect("the issued token re-validates");
            assert_eq!(again, issued.access_token);
        }
        Err(error) => {
            assert_eq!(error.status_code(), Some(status));
            assert_redacted(error, SECRET);
        }
    }
});
