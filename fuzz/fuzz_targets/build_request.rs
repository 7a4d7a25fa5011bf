//! Requests built from any inputs that validate are safe to send: the URL is
//! the normalised base URL plus the id's path, with nothing that could end
//! the path (whitespace, controls, `?`, `#`); no header value can split a
//! header; the cancel body is exactly `{"Comment": <trimmed comment>}`.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mde_machine_actions::input::{AccessToken, BaseUrl, Comment, MachineActionId, Timeout};
use mde_machine_actions::{cancel_request, get_request, HttpRequest, Method};
use serde_json::Value;

/// An id: any text, or a GUID with its hex digits in mixed case, since any
/// text almost never is one.
#[derive(Debug, Arbitrary)]
enum Id {
    Text(String),
    Guid([u8; 16], u32),
}

/// A base URL: any text, or one put together from plausible parts.
#[derive(Debug, Arbitrary)]
enum Base {
    Text(String),
    Parts {
        https: bool,
        host: Host,
        port: Option<u16>,
        path: Vec<String>,
        trailing_slash: bool,
    },
}

#[derive(Debug, Arbitrary)]
enum Host {
    Localhost,
    Loopback4(u8, u8, u8),
    Loopback6,
    Name(String),
}

#[derive(Debug, Arbitrary)]
struct Input {
    id: Id,
    comment: String,
    bearer_prefix: bool,
    token: String,
    base: Base,
    timeout_ms: f64,
}

fuzz_target!(|input: Input| {
    if let Ok(timeout) = Timeout::from_millis(input.timeout_ms) {
        assert!((1..=600_000).contains(&timeout.as_millis()));
    }
    let id_text = id_text(&input.id);
    let base_text = base_text(&input.base);
    let token_text = if input.bearer_prefix {
        format!("Bearer {}", input.token)
    } else {
        input.token.clone()
    };
    let comment_parsed = Comment::parse(&input.comment);
    if let Ok(comment) = &comment_parsed {
        assert_eq!(comment.as_str(), input.comment.trim());
    }
    let (Ok(id), Ok(comment), Ok(token), Ok(base)) = (
        MachineActionId::parse(&id_text),
        comment_parsed,
        AccessToken::parse(&token_text),
        BaseUrl::parse(&base_text),
    ) else {
        return;
    };
    assert_eq!(id.as_str(), id_text.to_ascii_lowercase());
    assert!(
        BaseUrl::parse(base.as_str()).is_ok(),
        "the normalised base URL {:?} does not validate",
        base.as_str()
    );

    let cancel = cancel_request(&base, &id, &comment, &token);
    check(&cancel, &base, &id, &token, "/cancel");
    assert_eq!(cancel.method, Method::Post);
    let body = cancel.body.as_deref().expect("a cancel has a body");
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(members)) => {
            assert_eq!(members.len(), 1, "body {body:?}");
            assert_eq!(members["Comment"].as_str(), Some(input.comment.trim()));
        }
        other => panic!("the body {body:?} is not an object: {other:?}"),
    }

    let get = get_request(&base, &id, &token);
    check(&get, &base, &id, &token, "");
    assert_eq!(get.method, Method::Get);
    assert_eq!(get.body, None);
});

/// What both requests promise.
fn check(
    request: &HttpRequest,
    base: &BaseUrl,
    id: &MachineActionId,
    token: &AccessToken,
    suffix: &str,
) {
    let url = &request.url;
    assert!(url.starts_with(base.as_str()), "{url:?} vs {base:?}");
    assert!(url.contains(id.as_str()), "{url:?} lacks {id:?}");
    assert_eq!(
        &url[base.as_str().len()..],
        format!("/api/machineactions/{}{suffix}", id.as_str())
    );
    assert!(
        !url.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '?' || c == '#'),
        "{url:?} has a character that ends or breaks the path"
    );
    for (name, value) in &request.headers {
        assert!(
            !value.contains(['\r', '\n', '\0']),
            "header {name} can be split: {value:?}"
        );
    }
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {}", token.secret()).as_str())
    );
    // Debug must not depend on the token at all: it shows the same with
    // another one (comparing texts, because a short token can occur in the
    // rest of the output by chance).
    let mut other = request.clone();
    for (name, value) in &mut other.headers {
        if *name == "authorization" {
            *value = String::from("Bearer another-token");
        }
    }
    assert_eq!(
        format!("{request:?}"),
        format!("{other:?}"),
        "Debug shows the token"
    );
}

fn id_text(id: &Id) -> String {
    match id {
        Id::Text(text) => text.clone(),
        Id::Guid(bytes, case) => {
            let mut text = String::with_capacity(36);
            for (i, byte) in bytes.iter().enumerate() {
                if matches!(i, 4 | 6 | 8 | 10) {
                    text.push('-');
                }
                let pair = format!("{byte:02x}");
                if case >> (i * 2 % 32) & 1 == 1 {
                    text.push_str(&pair.to_ascii_uppercase());
                } else {
                    text.push_str(&pair);
                }
            }
            text
        }
    }
}

fn base_text(base: &Base) -> String {
    match base {
        Base::Text(text) => text.clone(),
        Base::Parts {
            https,
            host,
            port,
            path,
            trailing_slash,
        } => {
            let mut text = String::from(if *https { "https://" } else { "http://" });
            match host {
                Host::Localhost => text.push_str("localhost"),
                Host::Loopback4(a, b, c) => text.push_str(&format!("127.{a}.{b}.{c}")),
                Host::Loopback6 => text.push_str("[::1]"),
                Host::Name(name) => text.push_str(name),
            }
            if let Some(port) = port {
                text.push_str(&format!(":{port}"));
            }
            for segment in path {
                text.push('/');
                text.push_str(segment);
            }
            if *trailing_slash {
                text.push('/');
            }
            text
        }
    }
}
