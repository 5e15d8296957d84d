//! CloudTrail's `eventTime` spelling (`2024-07-30T21:31:05Z`) to and from microseconds since the
//! epoch, without a general-purpose date parser on the hot path.

/// Microseconds in a day: the unit of `date=` partitions and of delivery-day folders.
pub const DAY_MICROS: i64 = 86_400_000_000;

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction]Z` (UTC) into microseconds since 1970-01-01.
pub fn parse_event_time(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || *b.last()? != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let mut v = 0i64;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut micros = 0i64;
    let rest = &b[19..b.len() - 1];
    if !rest.is_empty() {
        if rest[0] != b'.' || rest.len() < 2 || rest.len() > 10 {
            return None;
        }
        let digits = &rest[1..];
        let mut scale = 100_000i64;
        for (i, &c) in digits.iter().enumerate() {
            if !c.is_ascii_digit() {
                return None;
            }
            if i < 6 {
                micros += i64::from(c - b'0') * scale;
                scale /= 10;
            }
        }
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 24 + hour) * 60 + min) * 60_000_000 + sec * 1_000_000 + micros)
}

/// Formats microseconds since the epoch as CloudTrail does (`2024-07-30T21:31:05Z`), with a
/// fraction only when the time has one.
pub fn format_event_time(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let tod = secs.rem_euclid(86_400);
    let (hh, mm, ss) = (tod / 3600, tod / 60 % 60, tod % 60);
    if frac == 0 {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{frac:06}Z")
    }
}

/// The UTC calendar date of a timestamp, as `YYYY-MM-DD`.
pub fn date_of(micros: i64) -> String {
    let (y, m, d) = civil_from_days(micros.div_euclid(DAY_MICROS));
    format!("{y:04}-{m:02}-{d:02}")
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_cloudtrail_times() {
        for s in [
            "2024-07-30T21:31:05Z",
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59Z",
            "1969-12-31T23:59:59Z",
        ] {
            let t = parse_event_time(s).unwrap();
            assert_eq!(format_event_time(t), s);
        }
        assert_eq!(parse_event_time("1970-01-01T00:00:01Z"), Some(1_000_000));
        assert_eq!(
            parse_event_time("2024-01-01T00:00:00.5Z")
                .map(format_event_time)
                .as_deref(),
            Some("2024-01-01T00:00:00.500000Z")
        );
    }

    #[test]
    fn rejects_what_is_not_an_event_time() {
        for s in [
            "",
            "Oct 8, 2024, 4:15:32 PM",
            "2024-02-30T00:00:00Z",
            "2024-07-30 21:31:05Z",
            "2024-07-30T21:31:05",
            "2024-13-01T00:00:00Z",
            "2024-07-30T21:31:05+02:00",
        ] {
            assert_eq!(parse_event_time(s), None, "{s}");
        }
    }

    #[test]
    fn dates_are_utc_days() {
        assert_eq!(
            date_of(parse_event_time("2024-07-30T23:59:59Z").unwrap()),
            "2024-07-30"
        );
        assert_eq!(date_of(-1), "1969-12-31");
    }
}
