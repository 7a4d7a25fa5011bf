//! The JSON reader is strict and total: it never panics, and it tells a
//! cut-off body from one that is not JSON.

use mde_machine_actions::json::{write_string, JsonError, MAX_DEPTH};
use mde_machine_actions::Json;

#[test]
fn values_round_trip_exactly() {
    for text in [
        "null",
        "true",
        "false",
        "0",
        "-0",
        "12345678901234567890123",
        "-1.5e-300",
        "1E+2",
        r#""a\"b\\c\nd\u0001""#,
        "[]",
        "{}",
        r#"{"b":1,"a":[{"x":null}],"b":2}"#,
    ] {
        assert_eq!(Json::parse(text).unwrap().to_text(), text, "{text}");
    }
}

#[test]
fn whitespace_around_and_between_tokens_is_allowed() {
    let json = Json::parse(" \n{ \"a\" :\t[ 1 , 2 ] }\r\n").unwrap();
    assert_eq!(json.to_text(), r#"{"a":[1,2]}"#);
}

#[test]
fn escapes_and_surrogate_pairs_decode() {
    let json = Json::parse(r#""\ud83d\ude00 \u00e9 \/ \b\f\t""#).unwrap();
    assert_eq!(json.as_str(), Some("😀 é / \u{8}\u{c}\t"));
    let lone = Json::parse(r#""\ud800x""#).unwrap();
    assert_eq!(lone.as_str(), Some("\u{FFFD}x"));
}

#[test]
fn the_last_duplicate_key_wins_on_lookup_like_json_parse() {
    let json = Json::parse(r#"{"a":1,"a":2}"#).unwrap();
    assert_eq!(json.get("a"), Some(&Json::Number("2".into())));
}

#[test]
fn a_cut_off_text_is_truncated() {
    for text in [
        "",
        "{",
        r#"{"a""#,
        r#"{"a":"#,
        r#"{"a":"b"#,
        "[1,",
        "tru",
        "nul",
        "-",
        "1.",
        "1e",
        r#""\u12"#,
        r#"{"a":1"#,
    ] {
        assert_eq!(Json::parse(text), Err(JsonError::Truncated), "{text:?}");
    }
}

#[test]
fn malformed_text_is_a_syntax_error() {
    for text in [
        "x",
        "{a:1}",
        "[1 2]",
        "01",
        "1.e5",
        "+1",
        "--1",
        "{\"a\":1,}",
        "[1,]",
        "\"\u{1}\"",
        r#""\x""#,
        "nan",
        "truex",
        "{} {}",
        "'a'",
    ] {
        assert_eq!(Json::parse(text), Err(JsonError::Syntax), "{text:?}");
    }
}

#[test]
fn nesting_is_bounded_instead_of_overflowing_the_stack() {
    let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
    assert!(Json::parse(&ok).is_ok());
    let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
    assert_eq!(Json::parse(&deep), Err(JsonError::TooDeep));
    assert_eq!(Json::parse(&"[".repeat(100_000)), Err(JsonError::TooDeep));
}

#[test]
fn strings_are_written_with_escapes_json_parse_accepts() {
    let mut out = String::new();
    write_string(&mut out, "q\"b\\n\n\r\t\u{0}\u{1f}é😀");
    assert_eq!(out, r#""q\"b\\n\n\r\t\u0000\u001fé😀""#);
    assert_eq!(
        Json::parse(&out).unwrap().as_str(),
        Some("q\"b\\n\n\r\t\u{0}\u{1f}é😀")
    );
}
