//! Removing a secret, or any piece of it, from text a server sent back.
//!
//! Servers and proxies echo request headers into error bodies, headers and
//! correlation fields, sometimes cut short or spliced. Any run of
//! [`MIN_RUN`] or more bytes of the secret found in a text is replaced by
//! [`MASK`], so neither the whole token nor a usable piece of it leaves the
//! crate. Tokens are visible ASCII (see [`crate::input::AccessToken`]), so a
//! run is found by comparing 8-byte windows as numbers.

/// The shortest run of the secret that is masked.
pub const MIN_RUN: usize = 8;

/// What a masked run is replaced with.
pub const MASK: &str = "[redacted]";

/// Finds runs of one secret in texts.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Redactor {
    /// Every 8-byte window of the secret, as a number, sorted.
    windows: Vec<u64>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redactor([redacted])")
    }
}

impl Redactor {
    /// A redactor for `secret`; one shorter than [`MIN_RUN`] is masked only
    /// where it stands whole.
    pub fn new(secret: &str) -> Self {
        let mut windows: Vec<u64> = secret.as_bytes().windows(MIN_RUN).map(window).collect();
        windows.sort_unstable();
        windows.dedup();
        Redactor { windows }
    }

    /// `text` with every run of the secret masked, or `None` when it holds none.
    pub fn redact(&self, text: &str) -> Option<String> {
        if self.windows.is_empty() || text.len() < MIN_RUN {
            return None;
        }
        let bytes = text.as_bytes();
        // Marks every byte covered by a window that is also in the secret.
        let mut covered_until = 0;
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for (start, w) in bytes.windows(MIN_RUN).enumerate() {
            if self.windows.binary_search(&window(w)).is_ok() {
                let end = start + MIN_RUN;
                match spans.last_mut() {
                    Some(last) if start <= covered_until => last.1 = end,
                    _ => spans.push((start, end)),
                }
                covered_until = end;
            }
        }
        if spans.is_empty() {
            return None;
        }
        let mut clean = String::with_capacity(text.len());
        let mut at = 0;
        for (mut start, mut end) in spans {
            // A secret with multi-byte characters can match from inside one.
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            while !text.is_char_boundary(end) {
                end += 1;
            }
            start = start.max(at);
            clean.push_str(&text[at..start]);
            clean.push_str(MASK);
            at = end;
        }
        clean.push_str(&text[at..]);
        Some(clean)
    }
}

fn window(bytes: &[u8]) -> u64 {
    let mut w = [0u8; MIN_RUN];
    w.copy_from_slice(bytes);
    u64::from_le_bytes(w)
}

/// `text` without `secret` or any run of it (see [`Redactor`]).
pub fn redact(text: &str, secret: &str) -> Option<String> {
    if secret.is_empty() {
        return None;
    }
    if secret.len() < MIN_RUN {
        return text.contains(secret).then(|| text.replace(secret, MASK));
    }
    Redactor::new(secret).redact(text)
}
