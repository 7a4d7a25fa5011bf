//! Validation rules: each input type refuses what must not be sent.

use mde_machine_actions::input::{AccessToken, BaseUrl, Comment, MachineActionId, Timeout};
use mde_machine_actions::ErrorKind;

const ID: &str = "5382f7ea-7557-4ab7-9782-d50480024a4e";

#[test]
fn a_guid_is_accepted_and_lower_cased() {
    let id = MachineActionId::parse("5382F7EA-7557-4AB7-9782-D50480024A4E").unwrap();
    assert_eq!(id.as_str(), ID);
}

#[test]
fn anything_but_a_bare_guid_is_refused() {
    for bad in [
        "",
        "5382f7ea",
        "{5382f7ea-7557-4ab7-9782-d50480024a4e}",
        " 5382f7ea-7557-4ab7-9782-d50480024a4e",
        "5382f7ea-7557-4ab7-9782-d50480024a4e ",
        "5382f7ea-7557-4ab7-9782-d50480024a4/",
        "5382f7ea-7557-4ab7-9782-d50480024a4%",
        "5382f7ea-7557-4ab7-9782-d5048002..4e",
        "5382f7ea07557-4ab7-9782-d50480024a4e",
        "5382f7ea-7557-4ab7-9782-d50480024a4g",
        "５382f7ea-7557-4ab7-9782-d50480024a4",
    ] {
        let error = MachineActionId::parse(bad).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{bad:?}");
        assert!(error.message().contains("machineActionId"), "{bad:?}");
    }
}

#[test]
fn a_comment_is_trimmed_and_bounded() {
    assert_eq!(
        Comment::parse("  stuck isolation \n").unwrap().as_str(),
        "stuck isolation"
    );
    assert!(Comment::parse(&"é".repeat(1000)).is_ok());
    assert!(Comment::parse(&"é".repeat(1001)).is_err());
    assert!(Comment::parse("line one\nline two\ttabbed").is_ok());
}

#[test]
fn an_empty_or_control_character_comment_is_refused() {
    for bad in ["", "   ", "\n\t", "bell\u{7}", "nul\u{0}", "esc\u{1b}[31m"] {
        assert!(
            Comment::parse(bad).unwrap_err().is_invalid_input(),
            "{bad:?}"
        );
    }
}

#[test]
fn a_token_may_carry_a_bearer_prefix() {
    assert_eq!(
        AccessToken::parse("Bearer abc.def").unwrap().secret(),
        "abc.def"
    );
    assert_eq!(AccessToken::parse("bearer   abc").unwrap().secret(), "abc");
    assert_eq!(AccessToken::parse("abc").unwrap().secret(), "abc");
}

#[test]
fn a_token_that_could_break_a_header_is_refused_without_being_quoted() {
    for bad in ["", "Bearer ", "a b", "abc\r\nX-Evil: 1", "tök", "abc\u{0}"] {
        let error = AccessToken::parse(bad).unwrap_err();
        assert!(error.is_invalid_input(), "{bad:?}");
        if bad.len() > 3 {
            assert!(
                !error.message().contains(bad),
                "the message quotes the token"
            );
        }
    }
    assert!(AccessToken::parse(&"a".repeat(16 * 1024 + 1)).is_err());
}

#[test]
fn a_token_is_redacted_in_debug_output() {
    let token = AccessToken::parse("super-secret").unwrap();
    assert_eq!(format!("{token:?}"), "AccessToken([redacted])");
}

#[test]
fn base_urls_are_normalised() {
    for (input, expected) in [
        (
            "https://api.security.microsoft.com",
            "https://api.security.microsoft.com",
        ),
        (
            "https://api.security.microsoft.com/",
            "https://api.security.microsoft.com",
        ),
        (
            "https://api.security.microsoft.com/api",
            "https://api.security.microsoft.com",
        ),
        (
            "https://API.Security.Microsoft.com/api/",
            "https://api.security.microsoft.com",
        ),
        (
            "HTTPS://eu.api.security.microsoft.com",
            "https://eu.api.security.microsoft.com",
        ),
        (
            "https://edge.example.com:8443/mde/",
            "https://edge.example.com:8443/mde",
        ),
        (
            "https://edge.example.com/a%20b/c",
            "https://edge.example.com/a%20b/c",
        ),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.3.2.1", "http://127.3.2.1"),
        ("http://localhost:3000/", "http://localhost:3000"),
        ("http://[::1]:9000", "http://[::1]:9000"),
        ("https://[2001:db8::1]", "https://[2001:db8::1]"),
    ] {
        assert_eq!(BaseUrl::parse(input).unwrap().as_str(), expected, "{input}");
    }
    assert_eq!(
        BaseUrl::default().as_str(),
        "https://api.security.microsoft.com"
    );
}

#[test]
fn unsafe_or_malformed_base_urls_are_refused() {
    for bad in [
        "",
        "api.security.microsoft.com",
        "ftp://api.security.microsoft.com",
        "javascript:alert(1)",
        "http://api.security.microsoft.com",
        "http://10.0.0.1",
        "http://127.0.0.1.example.com",
        "http://128.0.0.1",
        "http://[::2]",
        "https://user:pass@api.security.microsoft.com",
        "https://user@api.security.microsoft.com",
        "https://api.security.microsoft.com/?q=1",
        "https://api.security.microsoft.com/#frag",
        "https://api.security.microsoft.com/a/../b",
        "https://api.security.microsoft.com//double",
        "https://api.security.microsoft.com/a b",
        "https://api.security.microsoft.com/%zz",
        "https://api.security.microsoft.com:0",
        "https://api.security.microsoft.com:65536",
        "https://api.security.microsoft.com:",
        "https://-bad-.example.com",
        "https://exa_mple.com",
        "https://bad\\host.com",
        "https://",
        "https:///path",
        "not a url",
    ] {
        assert!(
            BaseUrl::parse(bad).unwrap_err().is_invalid_input(),
            "{bad:?}"
        );
    }
}

#[test]
fn timeouts_are_bounded() {
    assert_eq!(Timeout::default().as_millis(), 30_000);
    assert_eq!(Timeout::from_millis(1.2).unwrap().as_millis(), 2);
    assert_eq!(
        Timeout::from_millis(600_000.0).unwrap().as_millis(),
        600_000
    );
    for bad in [0.0, -1.0, 600_001.0, f64::NAN, f64::INFINITY] {
        assert!(Timeout::from_millis(bad).is_err(), "{bad}");
    }
}

#[test]
fn every_final_api_segment_goes_and_normalising_twice_changes_nothing() {
    assert_eq!(
        BaseUrl::parse("https://h.example/api/api")
            .unwrap()
            .as_str(),
        "https://h.example"
    );
    for input in [
        "https://h.example/api/api/",
        "https://h.example/x/api",
        "http://[::1]:9/a/b/",
    ] {
        let once = BaseUrl::parse(input).unwrap();
        assert_eq!(BaseUrl::parse(once.as_str()).unwrap(), once, "{input}");
    }
}

#[test]
fn a_base_url_with_a_dot_segment_in_any_spelling_is_refused() {
    for url in [
        "https://proxy.example.com/prefix/..",
        "https://proxy.example.com/prefix/%2e%2e/api",
        "https://proxy.example.com/prefix/%2E%2E",
        "https://proxy.example.com/prefix/.%2E/x",
        "https://proxy.example.com/prefix/%2e",
        "https://proxy.example.com/%2e./prefix",
    ] {
        let error = BaseUrl::parse(url).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{url}");
    }
    assert!(BaseUrl::parse("https://proxy.example.com/v%2e1/").is_ok());
}

#[test]
fn a_braced_or_hyphenless_guid_is_refused_with_advice_on_fixing_it() {
    let braced = MachineActionId::parse(&format!("{{{ID}}}")).unwrap_err();
    assert!(
        braced.message().contains("remove the braces"),
        "{}",
        braced.message()
    );
    let bare = MachineActionId::parse(&ID.replace('-', "")).unwrap_err();
    assert!(bare.message().contains("hyphens"), "{}", bare.message());
}
