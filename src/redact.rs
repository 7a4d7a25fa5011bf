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
    /// Every 8-byte window of the secret, as a number, in an open-addressing
    /// table (0 marks a free slot: the bytes of a secret are never all 0).
    slots: Vec<u64>,
    /// A secret shorter than a run, masked where it stands whole.
    short: String,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redactor([redacted])")
    }
}

impl Redactor {
    /// A redactor for `secret`; one shorter than [`MIN_RUN`] is masked where
    /// it stands whole.
    pub fn new(secret: &str) -> Self {
        let count = secret.len().saturating_sub(MIN_RUN - 1);
        if count == 0 {
            return Redactor {
                slots: Vec::new(),
                short: secret.to_owned(),
            };
        }
        let mut slots = vec![0u64; (count * 2).next_power_of_two()];
        for w in secret.as_bytes().windows(MIN_RUN).map(window) {
            let at = probe(&slots, w);
            slots[at] = w;
        }
        Redactor {
            slots,
            short: String::new(),
        }
    }

    fn contains(&self, w: u64) -> bool {
        w != 0 && self.slots[probe(&self.slots, w)] == w
    }

    /// `text` with every run of the secret masked, or `None` when it holds none.
    pub fn redact(&self, text: &str) -> Option<String> {
        if self.slots.is_empty() {
            return (!self.short.is_empty())
                .then(|| replace_all(text, &self.short, MASK))
                .flatten();
        }
        if text.len() < MIN_RUN {
            return None;
        }
        let bytes = text.as_bytes();
        // Marks every byte covered by a window that is also in the secret.
        let mut covered_until = 0;
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for (start, w) in bytes.windows(MIN_RUN).enumerate() {
            if self.contains(window(w)) {
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

/// The slot that holds `w`, or the free one where it would go.
fn probe(slots: &[u64], w: u64) -> usize {
    let mask = slots.len() - 1;
    let mut at = (w.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize & mask;
    while slots[at] != 0 && slots[at] != w {
        at = (at + 1) & mask;
    }
    at
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
        return replace_all(text, secret, MASK);
    }
    Redactor::new(secret).redact(text)
}

/// Where `needle` (not empty) first stands in `hay`, by bytes: the crate's
/// few substring searches need nothing faster, and `str`'s searcher would
/// add kilobytes to the wasm module.
pub(crate) fn find(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes()
        .windows(needle.len().max(1))
        .position(|w| w == needle.as_bytes())
}

/// `text` with every `needle` (not empty) replaced, or `None` when it has none.
pub(crate) fn replace_all(text: &str, needle: &str, with: &str) -> Option<String> {
    let mut rest = text;
    let mut out = String::new();
    while let Some(at) = find(rest, needle) {
        out.push_str(&rest[..at]);
        out.push_str(with);
        rest = &rest[at + needle.len()..];
    }
    if out.is_empty() && rest.len() == text.len() {
        return None;
    }
    out.push_str(rest);
    Some(out)
}
