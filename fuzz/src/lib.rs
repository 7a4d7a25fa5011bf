//! What the fuzz targets share: the byte layout of an HTTP response, and the
//! checks that a secret never survives in an error.
//!
//! The layout is `BODY [0xFF META]`, chosen so that a plain response body
//! (a fixture copied from tests/fixtures/mde) is already a good seed: without
//! the 0xFF byte, which valid UTF-8 never contains, it is a `200 OK` with no
//! headers. `META` is one status byte, eight bytes of "now" (little-endian),
//! then text: the reason phrase, and one `name: value` header per line.
//! Byte 0x01 in the body or a header value stands for the secret, so seeds
//! and mutations can place it anywhere a server might echo it.

use mde_machine_actions::{Error, HttpResponse};

/// The statuses that steer the interpreters into different paths; a status
/// byte of 0xF0 or more takes the next two bytes as any `u16` instead.
const STATUSES: [u16; 16] = [
    200, 201, 202, 204, 400, 401, 403, 404, 409, 429, 500, 502, 503, 301, 302, 0,
];

/// Stands for the secret in the input.
pub const SECRET_MARK: char = '\u{1}';

/// A response decoded from fuzz input, and the clock reading to read it at.
#[derive(Debug)]
pub struct Exchange {
    /// The response, with every [`SECRET_MARK`] replaced by the secret.
    pub response: HttpResponse,
    /// The eight "now" bytes, as a number.
    pub now: u64,
}

/// Decodes `BODY [0xFF META]` (see the module docs), writing `secret` where
/// the input has [`SECRET_MARK`].
pub fn exchange(data: &[u8], secret: &str) -> Exchange {
    let (body, meta) = match data.iter().position(|&b| b == 0xFF) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let mut rest = meta;
    let status = match take(&mut rest, 1).first() {
        None => 200,
        Some(&b) if b >= 0xF0 => u16::from_le_bytes(array(take(&mut rest, 2))),
        Some(&b) => STATUSES[usize::from(b) % STATUSES.len()],
    };
    let now = u64::from_le_bytes(array(take(&mut rest, 8)));
    let text = String::from_utf8_lossy(rest);
    let mut lines = text.split('\n');
    let reason = lines.next().unwrap_or_default().to_owned();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| {
            let value = value.strip_prefix(' ').unwrap_or(value);
            (name.to_ascii_lowercase(), with_secret(value, secret))
        })
        .collect();
    Exchange {
        response: HttpResponse {
            status,
            reason,
            headers,
            body: with_secret(&String::from_utf8_lossy(body), secret),
        },
        now,
    }
}

fn take<'a>(rest: &mut &'a [u8], n: usize) -> &'a [u8] {
    let (head, tail) = rest.split_at(n.min(rest.len()));
    *rest = tail;
    head
}

/// Zero-pads a short read, so a cut-off input still decodes.
fn array<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0; N];
    out[..bytes.len()].copy_from_slice(bytes);
    out
}

fn with_secret(text: &str, secret: &str) -> String {
    text.replace(SECRET_MARK, secret)
}

/// Panics unless `error`, once redacted of `secret`, has a message and shows
/// the secret nowhere: not in its message, codes, `Display` or `Debug`.
///
/// `secret` must contain no `[`, `]` or `\` and be longer than 8 bytes, so
/// that neither the mask nor `Debug`'s escapes can form it by accident.
pub fn assert_redacted(error: Error, secret: &str) {
    assert!(
        !error.message().is_empty(),
        "empty error message: {error:?}"
    );
    let error = error.redact(secret);
    let texts = [
        Some(error.message().to_owned()),
        error.error_code().map(str::to_owned),
        error.correlation_id().map(str::to_owned),
        error.action_status().map(str::to_owned),
        Some(error.to_string()),
        Some(format!("{error:?}")),
    ];
    for text in texts.iter().flatten() {
        assert!(
            !text.contains(secret),
            "the secret survived redaction in {text:?}"
        );
    }
}
