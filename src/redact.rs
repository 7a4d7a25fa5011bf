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
    /// Every 8-byte window of the secret.
    runs: Windows,
    /// Every 4-byte window of the secret: the quick first look. A run of
    /// [`MIN_RUN`] bytes always holds a whole 4-byte block that starts at a
    /// multiple of 4, so a text none of whose blocks is a piece of the secret
    /// holds no run, and a quarter of its positions tell.
    blocks: Windows,
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
        if secret.len() < MIN_RUN {
            return Redactor {
                short: secret.to_owned(),
                ..Redactor::default()
            };
        }
        Redactor {
            runs: Windows::of(secret.as_bytes(), MIN_RUN),
            blocks: Windows::of(secret.as_bytes(), 4),
            short: String::new(),
        }
    }

    /// `text` with every run of the secret masked, or `None` when it holds none.
    pub fn redact(&self, text: &str) -> Option<String> {
        if self.runs.slots.is_empty() {
            return (!self.short.is_empty())
                .then(|| replace_all(text, &self.short, MASK))
                .flatten();
        }
        if text.len() < MIN_RUN {
            return None;
        }
        if !text
            .as_bytes()
            .chunks_exact(4)
            .any(|block| self.blocks.holds(window(block)))
        {
            return None;
        }
        // Marks every byte covered by a window that is also in the secret.
        // The window rolls a byte at a time (the same number `window` makes
        // of those 8 bytes): this scan runs over every body a call reads.
        let mut covered_until = 0;
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let mut w = 0u64;
        for (end, &byte) in text.as_bytes().iter().enumerate().map(|(i, b)| (i + 1, b)) {
            w = (w >> 8) | (u64::from(byte) << 56);
            if end >= MIN_RUN && self.runs.holds(w) {
                let start = end - MIN_RUN;
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
        // A secret with multi-byte characters can match from inside one:
        // spans grow to whole characters, and those that then touch are one.
        let mut masked: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
        for (mut start, mut end) in spans {
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            while !text.is_char_boundary(end) {
                end += 1;
            }
            match masked.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => masked.push((start, end)),
            }
        }
        let mut clean = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end) in masked {
            clean.push_str(&text[at..start]);
            clean.push_str(MASK);
            at = end;
        }
        clean.push_str(&text[at..]);
        Some(clean)
    }
}

/// Every window of one length of a secret, each as a number (see
/// [`window`]), in an open-addressing table where 0 marks a free slot; a
/// window of zero bytes only is noted apart.
#[derive(Clone, Default, PartialEq, Eq)]
struct Windows {
    slots: Vec<u64>,
    zero: bool,
}

impl Windows {
    fn of(secret: &[u8], len: usize) -> Self {
        let windows = secret.windows(len);
        let mut table = Windows {
            slots: vec![0; (windows.len() * 2).next_power_of_two()],
            zero: false,
        };
        for w in windows.map(window) {
            if w == 0 {
                table.zero = true;
            } else {
                let at = probe(&table.slots, w);
                table.slots[at] = w;
            }
        }
        table
    }

    /// Whether `w` is a window of the secret. Inlined even at opt-level
    /// "z": it runs for every body a call reads.
    #[inline(always)]
    fn holds(&self, w: u64) -> bool {
        match w {
            0 => self.zero,
            w => self.slots[probe(&self.slots, w)] == w,
        }
    }
}

/// The slot that holds `w`, or the free one where it would go.
#[inline(always)]
fn probe(slots: &[u64], w: u64) -> usize {
    let mask = slots.len() - 1;
    let mut at = (w.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize & mask;
    while slots[at] != 0 && slots[at] != w {
        at = (at + 1) & mask;
    }
    at
}

/// Up to 8 bytes as one number, the first byte lowest.
fn window(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .rev()
        .fold(0, |w, &byte| (w << 8) | u64::from(byte))
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
