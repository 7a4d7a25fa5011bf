//! `interpret` on any response, for both operations: it never panics; a
//! result's kept body agrees with its checked state and reads as a whole
//! MachineAction with the same id; an error has a message, and redaction
//! leaves no trace of a token the server echoed in its body or headers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mde_machine_actions::response::parse_retry_after;
use mde_machine_actions::{interpret, Operation};
use mde_machine_actions_fuzz::{assert_redacted, exchange};

/// A token as the wasm shell would hold it (see `assert_redacted` for why
/// it starts with `Z` and has no brackets).
const TOKEN: &str = "ZyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.fuzz-token.c2lnbmF0dXJl";

fuzz_target!(|data: &[u8]| {
    let exchange = exchange(data, TOKEN);
    for (_, value) in &exchange.response.headers {
        // Only must not panic; `interpret` calls it for `Retry-After`.
        let _ = parse_retry_after(value, exchange.now);
    }
    for operation in [Operation::Cancel, Operation::Get] {
        let response = exchange.response.clone();
        let status = response.status;
        match interpret(operation, response, exchange.now) {
            Ok(answer) => {
                assert!((200..300).contains(&status), "accepted HTTP {status}");
                assert_eq!(answer.status_code, status);
                assert_eq!(answer.response_headers, exchange.response.headers);
                assert!(!answer.state.id.is_empty() && !answer.state.status.as_str().is_empty());
                assert_eq!(answer.json_body["id"], answer.state.id.as_str());
                assert_eq!(
                    answer.action().id,
                    answer.state.id,
                    "the whole action disagrees"
                );
            }
            Err(error) => {
                assert_eq!(error.status_code(), Some(status));
                assert_redacted(error, TOKEN);
            }
        }
    }
});
