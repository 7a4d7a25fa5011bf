//! Small helpers shared by the modules: timestamps in the exact shape MDE uses (and read
//! back, for `$filter` and the seed), fresh correlation ids, and percent-decoding and
//! -encoding. Kept dependency-free on purpose.

use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

/// Current UTC time as ISO 8601 with 7 fractional digits (`2026-11-29T15:04:05.1234567Z`),
/// the precision real MDE responses use (.NET ticks).
pub fn now_iso() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format_iso(d.as_secs(), d.subsec_nanos() / 100)
}

/// Formats seconds since the Unix epoch plus 100-ns ticks (0..10_000_000) as ISO 8601 UTC.
pub fn format_iso(secs: u64, ticks: u32) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ticks:07}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// 100-ns ticks since the Unix epoch of an ISO 8601 UTC time `YYYY-MM-DDTHH:MM:SS[.f]Z`
/// with 0–7 fractional digits, the shapes MDE writes; `None` for anything else (other
/// offsets, out-of-range fields, years before 1970).
pub fn parse_iso(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let digits = b.get(from..from + len)?;
        digits.iter().try_fold(0i64, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if b.len() < 20 || seps.iter().any(|&(i, c)| b[i] != c) || b[b.len() - 1] != b'Z' {
        return None;
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (h, mi, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    let frac = &b[19..b.len() - 1];
    let ticks = match frac {
        [] => 0,
        [b'.', digits @ ..] if (1..=7).contains(&digits.len()) => {
            num(20, digits.len())? * 10i64.pow(7 - digits.len() as u32)
        }
        _ => return None,
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let valid = y >= 1970
        && (1..=12).contains(&mo)
        && d >= 1
        && d <= month_days[(mo - 1) as usize]
        && h < 24
        && mi < 60
        && sec < 60;
    if !valid {
        return None;
    }
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec;
    Some(secs * 10_000_000 + ticks)
}

/// Formats 100-ns ticks since the Unix epoch (not before it) like [`format_iso`].
pub fn format_ticks(ticks: i64) -> String {
    let ticks = ticks.max(0);
    format_iso((ticks / 10_000_000) as u64, (ticks % 10_000_000) as u32)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of `civil_from_days`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian), so we need no date crate.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A fresh random (v4) UUID, lower-case, for `mise-correlation-id` / `request-id`.
pub fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Seconds since the Unix epoch now; the seed's times are relative to the start.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Lower-case hex SHA-256 of `label`: stable ids for seeded entities.
pub fn hex_digest(label: &str) -> String {
    Sha256::digest(label.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A well-formed v4-shaped GUID derived from `label`, the same on every run.
pub fn stable_guid(label: &str) -> String {
    let h = hex_digest(label);
    let variant = ["8", "9", "a", "b"][usize::from(h.as_bytes()[16] % 4)];
    format!(
        "{}-{}-4{}-{variant}{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// splitmix64: a few lines of fixed-seed randomness, so the seed is varied yet the same
/// on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// Seeded from `label`, so each entity's draws do not depend on the others'.
    pub fn from_label(label: &str) -> Self {
        let h = Sha256::digest(label.as_bytes());
        let mut seed = [0u8; 8];
        seed.copy_from_slice(&h[..8]);
        Rng(u64::from_le_bytes(seed))
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..hi` (`lo` when the range is empty).
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % hi.saturating_sub(lo).max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as u64) as usize]
    }
}

/// Decodes `%XX` escapes in one path segment. `None` for malformed escapes or non-UTF-8
/// results, which callers turn into a 404/400 instead of panicking.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Appends `text` percent-encoded: everything but unreserved characters (RFC 3986), so the
/// result is safe in any query value and round-trips through [`percent_decode`].
pub fn percent_encode(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 0xf)] as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_format_has_seven_digits() {
        assert_eq!(format_iso(0, 0), "1970-01-01T00:00:00.0000000Z");
        // 2026-11-29T15:04:05Z
        assert_eq!(
            format_iso(1_795_964_645, 1_234_567),
            "2026-11-29T15:04:05.1234567Z"
        );
        assert_eq!(now_iso().len(), "2026-11-29T15:04:05.1234567Z".len());
    }

    #[test]
    fn iso_round_trips_and_rejects_other_shapes() {
        let t = parse_iso("2026-11-29T15:04:05.1234567Z").unwrap();
        assert_eq!(format_ticks(t), "2026-11-29T15:04:05.1234567Z");
        assert_eq!(parse_iso("2026-11-29T15:04:05Z"), Some(t - 1_234_567));
        assert_eq!(
            parse_iso("2026-11-29T15:04:05.5Z"),
            Some(t - 1_234_567 + 5_000_000)
        );
        assert_eq!(parse_iso("1970-01-01T00:00:00Z"), Some(0));
        assert!(parse_iso("2024-02-29T00:00:00Z").is_some());
        for bad in [
            "2026-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-29T24:00:00Z",
            "2026-11-29T15:04:05",
            "2026-11-29T15:04:05+01:00",
            "2026-11-29T15:04:05.12345678Z",
            "2026-11-29T15:04:05.Z",
            "2026-11-29 15:04:05Z",
            "1969-12-31T23:59:59Z",
            "+026-11-29T15:04:05Z",
            "",
        ] {
            assert_eq!(parse_iso(bad), None, "{bad}");
        }
    }

    #[test]
    fn stable_ids_are_well_formed() {
        let g = stable_guid("x");
        assert_eq!(g, stable_guid("x"));
        assert_ne!(g, stable_guid("y"));
        let lens: Vec<usize> = g.split('-').map(str::len).collect();
        assert_eq!(lens, [8, 4, 4, 4, 12]);
        assert_eq!(&g[14..15], "4");
        assert!(g
            .bytes()
            .all(|b| b == b'-' || b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        let mut r = Rng::new(7);
        assert!((0..1000).all(|_| (3..5).contains(&r.range(3, 5))));
    }

    #[test]
    fn percent_encoding_round_trips() {
        let mut out = String::new();
        percent_encode(&mut out, "status eq 'a''b' + ü&$");
        assert_eq!(out, "status%20eq%20%27a%27%27b%27%20%2B%20%C3%BC%26%24");
        assert_eq!(
            percent_decode(&out).as_deref(),
            Some("status eq 'a''b' + ü&$")
        );
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b").as_deref(), Some("a b"));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%2"), None);
        assert_eq!(percent_decode("%ff"), None);
    }
}
