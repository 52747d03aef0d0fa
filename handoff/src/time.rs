//! Times in the signed document: `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, UTC, whole seconds), nothing else, so one
//! instant has exactly one spelling. Civil-date arithmetic after the well-known days-from-civil method.

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ` (years 0000–9999; others are clamped).
pub fn format_utc(unix: i64) -> String {
    let unix = unix.clamp(-62_167_219_200, 253_402_300_799);
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

/// Japan's time, UTC+9 all year (no daylight saving time since 1951): what people here read on a clock.
pub const JST_OFFSET_SECONDS: i64 = 9 * 3600;

/// Seconds since the Unix epoch as Japan's (date, time of day): ("2026-12-06", "12:28:36"). For people; the
/// signed document keeps [`format_utc`].
pub fn jst_parts(unix: i64) -> (String, String) {
    let iso = format_utc(unix.saturating_add(JST_OFFSET_SECONDS));
    let (date, rest) = iso.split_once('T').unwrap_or((iso.as_str(), ""));
    (date.to_string(), rest.trim_end_matches('Z').to_string())
}

/// Parses exactly the form [`format_utc`] writes.
pub fn parse_utc(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())?
    };
    let (y, mo, d, h, mi, s) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants_have_their_known_spelling() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_utc(1_796_387_696), "2026-12-04T12:34:56Z");
        assert_eq!(parse_utc("2026-12-04T12:34:56Z"), Some(1_796_387_696));
    }

    #[test]
    fn every_day_over_centuries_round_trips() {
        let mut t = -2_208_988_800; // 1900-01-01
        while t < 4_102_444_800 {
            assert_eq!(parse_utc(&format_utc(t)), Some(t));
            t += 86_400 + 3_661;
        }
    }

    #[test]
    fn other_spellings_are_refused() {
        for bad in [
            "2026-12-04T12:34:56+09:00",
            "2026-12-04 12:34:56Z",
            "2026-12-04T12:34:56.0Z",
            "2026-02-30T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-12-04T24:00:00Z",
            "+026-12-04T12:34:56Z",
            "２０２６-12-04T12:34:5Z",
            "",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn japans_time_is_nine_hours_ahead_all_year_and_crosses_the_date_line_of_utc() {
        assert_eq!(jst_parts(parse_utc("2026-12-06T03:28:36Z").unwrap()), ("2026-12-06".into(), "12:28:36".into()));
        assert_eq!(jst_parts(parse_utc("2026-07-01T20:00:00Z").unwrap()), ("2026-07-02".into(), "05:00:00".into()));
        assert_eq!(jst_parts(parse_utc("2031-11-26T14:59:59Z").unwrap()), ("2031-11-26".into(), "23:59:59".into()));
    }
}
