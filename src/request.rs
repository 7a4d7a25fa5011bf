//! Building the API's requests from validated inputs.

use crate::http::{HttpRequest, Method};
use crate::input::{AccessToken, BaseUrl, Comment, MachineActionId};

const JSON: &str = "application/json";

/// `POST {base}/api/machineactions/{id}/cancel` with `{"Comment": "…"}`.
///
/// Carries exactly `Authorization: Bearer …`, `Content-Type` and `Accept`.
pub fn cancel_request(
    base: &BaseUrl,
    id: &MachineActionId,
    comment: &Comment,
    token: &AccessToken,
) -> HttpRequest {
    let mut url = action_url(base, id);
    url.push_str("/cancel");
    HttpRequest {
        method: Method::Post,
        url,
        headers: vec![
            ("authorization", bearer(token)),
            ("content-type", JSON.to_owned()),
            ("accept", JSON.to_owned()),
        ],
        body: Some(cancel_body(comment)),
    }
}

/// `GET {base}/api/machineactions/{id}`.
pub fn get_request(base: &BaseUrl, id: &MachineActionId, token: &AccessToken) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        url: action_url(base, id),
        headers: vec![
            ("authorization", bearer(token)),
            ("accept", JSON.to_owned()),
        ],
        body: None,
    }
}

fn action_url(base: &BaseUrl, id: &MachineActionId) -> String {
    const PATH: &str = "/api/machineactions/";
    let mut url = String::with_capacity(base.as_str().len() + PATH.len() + 44);
    url.push_str(base.as_str());
    url.push_str(PATH);
    url.push_str(id.as_str());
    url
}

fn bearer(token: &AccessToken) -> String {
    let mut value = String::with_capacity(7 + token.secret().len());
    value.push_str("Bearer ");
    value.push_str(token.secret());
    value
}

/// `{"Comment":"…"}`: the key is case-sensitive, a wrong case is a 400.
fn cancel_body(comment: &Comment) -> String {
    let mut body = String::with_capacity(comment.as_str().len() + 16);
    body.push_str("{\"Comment\":");
    write_json_string(&mut body, comment.as_str());
    body.push('}');
    body
}

/// Appends `text` as a JSON string literal. The one piece of JSON the crate
/// writes itself: request bodies are a single string member, too small to
/// bring a serializer into the wasm module for.
pub(crate) fn write_json_string(out: &mut String, text: &str) {
    out.reserve(text.len() + 2);
    out.push('"');
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escape: &str = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[(byte >> 4) as usize] as char);
            out.push(HEX[(byte & 0xf) as usize] as char);
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&text[start..]);
    out.push('"');
}

/// Percent-encodes all but RFC 3986 unreserved characters (for a query
/// value or a form body).
pub(crate) fn percent_encode(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(HEX[(byte >> 4) as usize] as char);
            out.push(HEX[(byte & 0xf) as usize] as char);
        }
    }
}
