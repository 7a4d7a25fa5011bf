//! Validated inputs. Each type can only hold a value that is safe to send, so
//! a request built from them never needs checking again, and bad input is
//! refused before anything leaves the process.

use crate::error::Error;
use crate::redact::{replace_all, Redactor};
use std::fmt;
use std::sync::{Arc, OnceLock};

/// The API host of Microsoft's commercial cloud, used when no base URL is given.
pub const DEFAULT_BASE_URL: &str = "https://api.security.microsoft.com";

/// The longest cancellation comment accepted, in characters.
///
/// Defender documents no limit; the comment is an audit-trail entry, and
/// 1,000 characters is generous for one while keeping requests small.
pub const MAX_COMMENT_CHARS: usize = 1000;

/// The longest access token accepted, in bytes (Entra tokens are 1–3 KB).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// The default deadline for one call, in milliseconds.
pub const DEFAULT_TIMEOUT_MS: u32 = 30_000;

/// The longest deadline accepted, in milliseconds (10 minutes).
pub const MAX_TIMEOUT_MS: u32 = 600_000;

/// A machine action id: a GUID, stored in lower case.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MachineActionId(String);

impl MachineActionId {
    /// Accepts exactly `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex digits,
    /// nothing around it, so the id can go into a URL path as it is.
    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.is_empty() {
            return Err(Error::invalid_input(
                "machineActionId is required: the GUID of the machine action to cancel.",
            ));
        }
        let bytes = text.as_bytes();
        let well_formed = bytes.len() == 36
            && bytes.iter().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => *b == b'-',
                _ => b.is_ascii_hexdigit(),
            });
        if !well_formed {
            let braced = matches!(
                (bytes.first(), bytes.last()),
                (Some(b'{'), Some(b'}')) | (Some(b'('), Some(b')'))
            );
            let hex = |b: &[u8]| b.iter().all(u8::is_ascii_hexdigit);
            return Err(Error::invalid_input(if braced {
                "machineActionId must be the GUID alone: remove the braces, like 5382f7ea-7557-4ab7-9782-d50480024a4e."
            } else if bytes.len() == 32 && hex(bytes) {
                "machineActionId needs its hyphens: a GUID is written 8-4-4-4-12, like 5382f7ea-7557-4ab7-9782-d50480024a4e."
            } else {
                "machineActionId must be a GUID like 5382f7ea-7557-4ab7-9782-d50480024a4e (36 characters, hex digits and hyphens, nothing around it)."
            }));
        }
        Ok(MachineActionId(text.to_ascii_lowercase()))
    }

    /// The id as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for MachineActionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for MachineActionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A cancellation comment: the audit-trail entry for the cancel.
///
/// Surrounding whitespace is removed; what remains must be non-empty, at most
/// [`MAX_COMMENT_CHARS`] characters, and free of control characters other
/// than tab and line breaks.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Comment(String);

impl Comment {
    /// Validates and trims a comment.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::invalid_input(
                "comment is required: say why the action is cancelled (it is kept in Defender's audit trail).",
            ));
        }
        if text.chars().take(MAX_COMMENT_CHARS + 1).count() > MAX_COMMENT_CHARS {
            return Err(Error::invalid_input(
                "comment is longer than 1000 characters; shorten it.",
            ));
        }
        if text
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            return Err(Error::invalid_input(
                "comment contains a control character; use plain text.",
            ));
        }
        Ok(Comment(text.to_owned()))
    }

    /// The comment as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The comment with the person who asked for the cancel in front —
    /// `[alice@contoso.com] Stuck isolation` — cut at the end (with `…`) to
    /// stay within [`MAX_COMMENT_CHARS`]: what a proxy forwards so that
    /// Defender's audit trail names the analyst, not the proxy's app. The
    /// name must be 1 to 256 characters without control characters.
    pub fn attributed(&self, person: &str) -> Result<Comment, Error> {
        let person = person.trim();
        if person.is_empty() || person.chars().count() > 256 || person.chars().any(char::is_control)
        {
            return Err(Error::invalid_input(
                "the person a comment is attributed to must be a name of 1 to 256 characters without control characters.",
            ));
        }
        let mut text = String::with_capacity(self.0.len() + person.len() + 3);
        text.push('[');
        text.push_str(person);
        text.push_str("] ");
        let room = MAX_COMMENT_CHARS - text.chars().count();
        if self.0.chars().count() <= room {
            text.push_str(&self.0);
        } else {
            text.extend(self.0.chars().take(room - 1));
            text.push('…');
        }
        Ok(Comment(text))
    }
}

impl fmt::Debug for Comment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// A bearer access token. Its `Debug` output is redacted, and no error ever
/// quotes it. Cheap to clone: clones share the text and the [`Redactor`]
/// that finds echoes of it, built once per token.
#[derive(Clone)]
pub struct AccessToken(Arc<TokenText>);

struct TokenText {
    text: String,
    redactor: OnceLock<Redactor>,
}

impl PartialEq for AccessToken {
    fn eq(&self, other: &Self) -> bool {
        self.0.text == other.0.text
    }
}

impl Eq for AccessToken {}

impl AccessToken {
    /// Accepts a token with or without a leading `Bearer `; the rest must be
    /// visible ASCII (what JWTs and opaque tokens are made of), so it cannot
    /// split or forge a header.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let token = strip_bearer(text);
        if token.is_empty() {
            return Err(Error::invalid_input(
                "token is empty: pass the access token for the Defender API (without it nothing can be sent).",
            ));
        }
        if token.len() > MAX_TOKEN_BYTES {
            return Err(Error::invalid_input(
                "token is longer than 16 KB; pass the access token only.",
            ));
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::invalid_input(
                "token contains a space, line break or non-ASCII character, which cannot be sent in an HTTP header; pass the access token only.",
            ));
        }
        Ok(AccessToken(Arc::new(TokenText {
            text: token.to_owned(),
            redactor: OnceLock::new(),
        })))
    }

    /// The raw token, for the `Authorization` header and for redaction only.
    pub fn secret(&self) -> &str {
        &self.0.text
    }

    /// What finds the token, or a run of it, in a text a server sent back.
    pub fn redactor(&self) -> &Redactor {
        self.0.redactor.get_or_init(|| Redactor::new(&self.0.text))
    }
}

fn strip_bearer(text: &str) -> &str {
    const PREFIX: &str = "bearer ";
    match text.get(..PREFIX.len()) {
        Some(head) if head.eq_ignore_ascii_case(PREFIX) => text[PREFIX.len()..].trim_start(),
        _ => text,
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

/// The per-call deadline, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout(u32);

impl Timeout {
    /// Accepts a whole or fractional number of milliseconds from 1 to
    /// [`MAX_TIMEOUT_MS`]; fractions round up.
    pub fn from_millis(ms: f64) -> Result<Self, Error> {
        if !ms.is_finite() || ms <= 0.0 || ms > MAX_TIMEOUT_MS as f64 {
            return Err(Error::invalid_input(
                "timeoutMs must be a number of milliseconds from 1 to 600000.",
            ));
        }
        Ok(Timeout(ms.ceil() as u32))
    }

    /// The deadline in milliseconds.
    pub fn as_millis(self) -> u32 {
        self.0
    }
}

impl Default for Timeout {
    fn default() -> Self {
        Timeout(DEFAULT_TIMEOUT_MS)
    }
}

/// Where the API lives: `scheme://host[:port][/prefix]`, normalised.
///
/// Accepts `https` to any host, and plain `http` only to loopback
/// (`localhost`, `127.0.0.0/8`, `[::1]`) so a token never crosses a network in
/// clear text. User-info, queries, fragments and dot segments are refused.
/// Trailing slashes and final `/api` segments are removed, so both
/// `https://api.security.microsoft.com/` and `…/api` mean the API root.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl(String);

impl Default for BaseUrl {
    fn default() -> Self {
        BaseUrl(DEFAULT_BASE_URL.to_owned())
    }
}

impl BaseUrl {
    /// Validates and normalises a base URL.
    pub fn parse(text: &str) -> Result<Self, Error> {
        const BAD: &str = "baseUrl must be an https URL such as https://api.security.microsoft.com (or http to localhost, 127.0.0.1 or [::1]) with no user name, query or fragment.";
        if text.is_empty() || text.len() > 2048 {
            return Err(Error::invalid_input(BAD));
        }
        if text
            .bytes()
            .any(|b| !b.is_ascii_graphic() || matches!(b, b'?' | b'#' | b'\\' | b'@'))
        {
            return Err(Error::invalid_input(BAD));
        }
        let (https, rest) = if let Some(rest) = strip_prefix_ignore_case(text, "https://") {
            (true, rest)
        } else if let Some(rest) = strip_prefix_ignore_case(text, "http://") {
            (false, rest)
        } else {
            return Err(Error::invalid_input(BAD));
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let (host, port) = split_host_port(authority).ok_or(Error::invalid_input(BAD))?;
        let host = host.to_ascii_lowercase();
        if !https && !is_loopback(&host) {
            return Err(Error::invalid_input(
                "baseUrl uses plain http to a host that is not loopback; use https so the token is never sent in clear text.",
            ));
        }
        let mut url = String::with_capacity(text.len());
        url.push_str(if https { "https://" } else { "http://" });
        url.push_str(&host);
        if let Some(port) = port {
            url.push(':');
            url.push_str(port);
        }
        let mut segments: Vec<&str> = path.split('/').skip(1).collect();
        while segments.last() == Some(&"") {
            segments.pop();
        }
        // Every final `/api`, so normalising a normalised URL changes nothing.
        while segments
            .last()
            .is_some_and(|s| s.eq_ignore_ascii_case("api"))
        {
            segments.pop();
        }
        for segment in segments {
            if !is_path_segment(segment) {
                return Err(Error::invalid_input(BAD));
            }
            url.push('/');
            url.push_str(segment);
        }
        Ok(BaseUrl(url))
    }

    /// The normalised URL, without a trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Splits `host[:port]` or `[v6][:port]`, checking each part's characters.
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    let (host, port) = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let host = &authority[..=end];
        let inner = &host[1..host.len() - 1];
        if inner.is_empty()
            || !inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return None;
        }
        match &authority[end + 1..] {
            "" => (host, None),
            rest => (host, Some(rest.strip_prefix(':')?)),
        }
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        if !is_host_name(host) {
            return None;
        }
        (host, port)
    };
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && matches!(port.parse::<u32>(), Ok(1..=65535));
        if !valid {
            return None;
        }
    }
    Some((host, port))
}

/// A DNS name or IPv4 address: dot-separated labels of letters, digits and
/// inner hyphens.
fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn is_loopback(host: &str) -> bool {
    if host == "localhost" || host == "[::1]" {
        return true;
    }
    let mut octets = host.split('.');
    let first = octets.next();
    let rest: Vec<&str> = octets.collect();
    first == Some("127")
        && rest.len() == 3
        && rest
            .iter()
            .all(|o| !o.is_empty() && o.len() <= 3 && matches!(o.parse::<u16>(), Ok(0..=255)))
}

/// A non-empty path segment of RFC 3986 `pchar`s, and no dot segment in any
/// spelling (`..`, `%2e%2E`, `.%2e`): fetch would collapse it and the path
/// would leave the proxy's prefix.
fn is_path_segment(segment: &str) -> bool {
    let lower = segment.to_ascii_lowercase();
    let dots = replace_all(&lower, "%2e", ".").unwrap_or(lower);
    if segment.is_empty() || dots == "." || dots == ".." {
        return false;
    }
    let bytes = segment.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = |j: usize| bytes.get(j).is_some_and(|c| c.is_ascii_hexdigit());
            if !(hex(i + 1) && hex(i + 2)) {
                return false;
            }
            i += 3;
            continue;
        }
        if !(b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:".contains(&b)) {
            return false;
        }
        i += 1;
    }
    true
}
