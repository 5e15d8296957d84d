//! Time windows as users write them everywhere (`--since 7d`, `--from`, `--until`), and the one
//! type a window keeps from the command line down to partition pruning: the CLI parses it once,
//! the listing of sources, the lake's manifest and the query engine's pruning all read it.

use crate::time::{days_from_civil, parse_event_time, DAY_MICROS};

/// A window, duration or instant that cannot be read: the message says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WindowError(String);

type Result<T> = std::result::Result<T, WindowError>;

/// A half-open time window `[from, until)` in microseconds since the epoch; either end open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TimeWindow {
    pub from: Option<i64>,
    pub until: Option<i64>,
}

impl TimeWindow {
    /// Builds a window from the three options; `--since` and `--from` exclude each other.
    pub fn from_args(
        since: Option<&str>,
        from: Option<&str>,
        until: Option<&str>,
        now_micros: i64,
    ) -> Result<Self> {
        if since.is_some() && from.is_some() {
            return Err(WindowError(
                "--since and --from cannot be used together".into(),
            ));
        }
        let from = match (since, from) {
            (Some(s), _) => Some(now_micros - parse_duration(s)?),
            (_, Some(f)) => Some(parse_instant(f)?),
            _ => None,
        };
        let until = until.map(parse_instant).transpose()?;
        if let (Some(f), Some(u)) = (from, until) {
            if f >= u {
                return Err(WindowError(
                    "the time window is empty: --from/--since is not before --until".into(),
                ));
            }
        }
        Ok(Self { from, until })
    }

    /// Whether an instant lies in the window.
    pub fn contains(&self, t: i64) -> bool {
        self.from.is_none_or(|f| t >= f) && self.until.is_none_or(|u| t < u)
    }

    /// Whether any instant of the UTC day `date` (`YYYY-MM-DD`) lies in the window. A date that
    /// cannot be read is kept (never prune what cannot be judged).
    pub fn overlaps_date(&self, date: &str) -> bool {
        let Some(start) = parse_date(date) else {
            return true;
        };
        let end = start + DAY_MICROS;
        self.from.is_none_or(|f| end > f) && self.until.is_none_or(|u| start < u)
    }

    pub fn is_unbounded(&self) -> bool {
        self.from.is_none() && self.until.is_none()
    }

    /// Narrows the window to start no earlier than `t`.
    pub fn raise_from(&mut self, t: i64) {
        self.from = Some(self.from.map_or(t, |f| f.max(t)));
    }

    /// Narrows the window to end no later than `t`.
    pub fn lower_until(&mut self, t: i64) {
        self.until = Some(self.until.map_or(t, |u| u.min(t)));
    }
}

/// `30m`, `12h`, `7d`, `2w` as microseconds.
pub fn parse_duration(s: &str) -> Result<i64> {
    let bad = || {
        WindowError(format!(
            "cannot read the duration {s:?}: use a number and a unit, like 30m, 12h, 7d or 2w"
        ))
    };
    let s = s.trim();
    let unit = s.chars().last().ok_or_else(bad)?;
    let n: i64 = s[..s.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
    let secs = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return Err(bad()),
    };
    n.checked_mul(secs * 1_000_000)
        .filter(|v| *v >= 0)
        .ok_or_else(bad)
}

/// `YYYY-MM-DD` (midnight UTC), `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DD HH:MM:SS` (UTC).
pub fn parse_instant(s: &str) -> Result<i64> {
    let s = s.trim();
    if let Some(d) = parse_date(s) {
        return Ok(d);
    }
    let iso = if s.ends_with('Z') {
        s.replacen(' ', "T", 1)
    } else {
        format!("{}Z", s.replacen(' ', "T", 1))
    };
    parse_event_time(&iso).ok_or_else(|| {
        WindowError(format!("cannot read the time {s:?}: use 2024-07-30, 2024-07-30T21:00:00Z or '2024-07-30 21:00:00'"))
    })
}

/// Midnight UTC of a `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y: i64 = s[0..4].parse().ok()?;
    let m: i64 = s[5..7].parse().ok()?;
    let d: i64 = s[8..10].parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) * DAY_MICROS)
}

/// Now, in microseconds since the epoch.
pub fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        let day = DAY_MICROS;
        let w = TimeWindow::from_args(Some("2d"), None, None, 10 * day).unwrap();
        assert_eq!(w.from, Some(8 * day));
        assert!(
            w.overlaps_date("1970-01-09")
                && w.overlaps_date("1970-01-10")
                && !w.overlaps_date("1970-01-08")
        );
        let w = TimeWindow::from_args(None, Some("2024-07-30"), Some("2024-07-31 12:00:00"), 0)
            .unwrap();
        assert!(w.contains(parse_instant("2024-07-31T11:59:59Z").unwrap()));
        assert!(!w.contains(parse_instant("2024-07-31T12:00:00Z").unwrap()));
        assert!(TimeWindow::from_args(Some("1d"), Some("2024-01-01"), None, 0).is_err());
        assert!(TimeWindow::from_args(None, Some("2024-01-02"), Some("2024-01-01"), 0).is_err());
        assert!(
            parse_duration("7x").is_err()
                && parse_duration("d").is_err()
                && parse_instant("yesterday").is_err()
        );
    }
}
