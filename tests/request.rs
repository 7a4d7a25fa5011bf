//! Requests go out exactly as the API documents them.

use mde_machine_actions::input::{AccessToken, BaseUrl, Comment, MachineActionId};
use mde_machine_actions::{cancel_request, get_request, Method};

fn inputs() -> (BaseUrl, MachineActionId, AccessToken) {
    (
        BaseUrl::parse("https://eu.api.security.microsoft.com/").unwrap(),
        MachineActionId::parse("5382f7ea-7557-4ab7-9782-d50480024a4e").unwrap(),
        AccessToken::parse("eyJ0.eyJ1.sig").unwrap(),
    )
}

#[test]
fn cancel_is_a_post_with_exactly_three_headers_and_the_comment() {
    let (base, id, token) = inputs();
    let comment = Comment::parse("Stuck isolation, cancelled from the SOC portal").unwrap();
    let request = cancel_request(&base, &id, &comment, &token);
    assert_eq!(request.method, Method::Post);
    assert_eq!(
        request.url,
        "https://eu.api.security.microsoft.com/api/machineactions/5382f7ea-7557-4ab7-9782-d50480024a4e/cancel"
    );
    assert_eq!(
        request.headers,
        vec![
            ("authorization", "Bearer eyJ0.eyJ1.sig".to_owned()),
            ("content-type", "application/json".to_owned()),
            ("accept", "application/json".to_owned()),
        ]
    );
    assert_eq!(
        request.body.as_deref(),
        Some(r#"{"Comment":"Stuck isolation, cancelled from the SOC portal"}"#)
    );
}

#[test]
fn the_comment_is_escaped_as_json() {
    let (base, id, token) = inputs();
    let comment = Comment::parse("say \"why\"\\ here\nnext line — ü").unwrap();
    let request = cancel_request(&base, &id, &comment, &token);
    assert_eq!(
        request.body.as_deref(),
        Some(r#"{"Comment":"say \"why\"\\ here\nnext line — ü"}"#)
    );
}

#[test]
fn get_is_a_get_without_body_or_content_type() {
    let (base, id, token) = inputs();
    let request = get_request(&base, &id, &token);
    assert_eq!(request.method, Method::Get);
    assert!(request
        .url
        .ends_with("/api/machineactions/5382f7ea-7557-4ab7-9782-d50480024a4e"));
    assert_eq!(request.header("content-type"), None);
    assert_eq!(
        request.header("authorization"),
        Some("Bearer eyJ0.eyJ1.sig")
    );
    assert_eq!(request.body, None);
}

#[test]
fn a_path_prefix_is_kept() {
    let (_, id, token) = inputs();
    let base = BaseUrl::parse("https://edge.example.com/mde/").unwrap();
    let request = get_request(&base, &id, &token);
    assert_eq!(
        request.url,
        "https://edge.example.com/mde/api/machineactions/5382f7ea-7557-4ab7-9782-d50480024a4e"
    );
}

#[test]
fn debug_output_hides_the_authorization_header() {
    let (base, id, token) = inputs();
    let text = format!("{:?}", get_request(&base, &id, &token));
    assert!(!text.contains("eyJ0"), "{text}");
    assert!(text.contains("[redacted]"));
}

#[test]
fn debug_output_hides_the_whole_body_of_a_form_request() {
    let config = mde_machine_actions::entra::ClientCredentialsConfig::new(
        "contoso.onmicrosoft.com",
        "11111111-0000-4000-8000-00000000c11e",
        "the-client-secret-value",
        mde_machine_actions::entra::Cloud::Commercial,
        None,
        None,
    )
    .unwrap();
    let printed = format!("{:?}", config.token_request());
    assert!(!printed.contains("the-client-secret-value"), "{printed}");
    assert!(
        !printed.contains("client_id="),
        "the body is withheld whole: {printed}"
    );
    assert!(printed.contains("[redacted]"));
}

#[test]
fn a_secret_shorter_than_a_run_is_masked_where_it_stands_whole() {
    let redactor = mde_machine_actions::redact::Redactor::new("abc12");
    assert_eq!(
        redactor.redact("token abc12 echoed").as_deref(),
        Some("token [redacted] echoed")
    );
    assert_eq!(redactor.redact("nothing here"), None);
}

/// What the redactor must do, written the slow way: mask every byte that an
/// 8-byte piece of the secret covers.
fn masked_the_slow_way(text: &str, secret: &str) -> Option<String> {
    let (t, s) = (text.as_bytes(), secret.as_bytes());
    let mut covered = vec![false; t.len()];
    for start in 0..t.len().saturating_sub(7) {
        if s.windows(8).any(|w| w == &t[start..start + 8]) {
            covered[start..start + 8].iter_mut().for_each(|c| *c = true);
        }
    }
    if !covered.contains(&true) {
        return None;
    }
    let mut out = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if covered[at..at + c.len_utf8()].contains(&true) {
            out.push_str("[redacted]");
            while chars
                .peek()
                .is_some_and(|&(next, n)| covered[next..next + n.len_utf8()].contains(&true))
            {
                chars.next();
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

#[test]
fn every_piece_of_the_secret_is_masked_wherever_it_stands() {
    let secrets = [
        "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJhcGkifQ.c2lnbmF0dXJl",
        "aaaaaaaaaaaaaaaaaaaa",
        "abcdefgh",
        "sim-token",
        "ключ-секрет-токен-длинный",
        "abcdefg\u{10000}\u{10000}hijklmn",
        // Reachable only through the public API (tokens and client secrets
        // hold no control characters), and masked all the same.
        "xx\0x\0\0\0\0\0\0\0\0\0xxx\0x\0x",
    ];
    // A small generator, so the cases are many and the same on every run.
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = |bound: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % bound as u64) as usize
    };
    let filler = [
        "{\"id\":\"",
        "x",
        "é",
        "😀",
        "\0\0",
        " Bearer ",
        "\"}",
        "0123456789",
        "\n",
    ];
    for secret in secrets {
        let redactor = mde_machine_actions::redact::Redactor::new(secret);
        let boundaries: Vec<usize> = (0..=secret.len())
            .filter(|&i| secret.is_char_boundary(i))
            .collect();
        for _ in 0..2_000 {
            let mut text = String::new();
            for _ in 0..next(6) {
                text.push_str(filler[next(filler.len())]);
                let from = boundaries[next(boundaries.len())];
                let to = boundaries[next(boundaries.len())];
                let (from, to) = (from.min(to), from.max(to));
                text.push_str(&secret[from..to]);
            }
            assert_eq!(
                redactor.redact(&text),
                masked_the_slow_way(&text, secret),
                "{text:?}"
            );
        }
    }
}
