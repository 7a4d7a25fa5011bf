//! Small helpers shared by the modules: timestamps in the exact shape MDE uses, fresh
//! correlation ids, and percent-decoding of path segments. Kept dependency-free on purpose.

use std::time::{SystemTime, UNIX_EPOCH};

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
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b").as_deref(), Some("a b"));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%2"), None);
        assert_eq!(percent_decode("%ff"), None);
    }
}
