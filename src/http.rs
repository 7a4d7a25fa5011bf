//! HTTP requests and responses as plain values.
//!
//! The core builds an [`HttpRequest`] and reads an [`HttpResponse`]; whatever
//! performs the exchange (the wasm shell's `fetch`, or any Rust HTTP client)
//! only moves bytes between the two. That keeps every rule testable without
//! a network.

use crate::error::{Error, ErrorKind};

/// The HTTP methods the machine-actions API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Reads an action.
    Get,
    /// Cancels an action.
    Post,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A request ready to send, exactly as it must go on the wire.
///
/// Its `Debug` output hides the `Authorization` header, and the whole body of
/// a form request (a token request's body holds the client secret).
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL.
    pub url: String,
    /// Header names (lower case) and values, in the order to send them.
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body, if the method has one.
    pub body: Option<String>,
}

impl HttpRequest {
    /// The value of a header, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// The first value of header `name` (lower case) in a list of pairs.
pub(crate) fn find_header<'a, K: AsRef<str>>(
    headers: &'a [(K, String)],
    name: &str,
) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.as_ref() == name)
        .map(|(_, v)| v.as_str())
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    *n,
                    if *n == "authorization" {
                        "[redacted]"
                    } else {
                        v.as_str()
                    },
                )
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field(
                "body",
                &match self.header("content-type") {
                    Some(t) if t.starts_with("application/x-www-form-urlencoded") => {
                        Some("[redacted]")
                    }
                    _ => self.body.as_deref(),
                },
            )
            .finish()
    }
}

/// A response as it arrived.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// The status code; 0 when a browser hides a refused redirect.
    pub status: u16,
    /// The reason phrase, possibly empty (HTTP/2 has none).
    pub reason: String,
    /// Header names in lower case with their values, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body text.
    pub body: String,
}

impl HttpResponse {
    /// The value of a header, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// A request the runtime would not let out, by the name of the error its
/// `fetch` rejected with: `NotCapable` (Deno 2) or `PermissionDenied`
/// (Deno 1) when the program lacks `--allow-net` for `url`'s host. Nothing
/// left, and trying again cannot help, so it is the caller's `invalid_input`
/// with no attempt counted, not a network failure. `None` for any other
/// name: a network failure, which the retry policy may try again. Node, Bun,
/// workerd and browsers have no such permissions.
pub fn refused_send(error_name: &str, url: &str) -> Option<Error> {
    if !matches!(error_name, "NotCapable" | "PermissionDenied") {
        return None;
    }
    // Every URL sent comes from a `BaseUrl`: scheme, `//`, host, path.
    let host = url.split('/').nth(2).unwrap_or_default();
    let mut text = String::from("The runtime refused network access to ");
    text.push_str(host);
    text.push_str(", so nothing was sent: grant it (in Deno, --allow-net=");
    text.push_str(host);
    text.push_str(") and run again.");
    Some(Error::new(ErrorKind::InvalidInput, text))
}

/// The standard reason phrase for a status, for responses that carry none.
pub fn canonical_reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}
