//! The investigation page: every event of one principal, IP or resource in time order, a density
//! chart with errors apart, and the sessions that made them with their AssumeRole chains.

use minijinja::context;
use trailhound_model::time::format_event_time;
use trailhound_query::timeline::Timeline;

use crate::charts::{self, Series, ALERT, PALETTE};
use crate::{compact, count, generated_at, render, Result};

const MINUTE: i64 = 60_000_000;
/// Bucket widths tried, smallest first, with their names.
const STEPS: [(i64, &str); 9] = [
    (MINUTE, "minute"),
    (5 * MINUTE, "5 minutes"),
    (15 * MINUTE, "15 minutes"),
    (60 * MINUTE, "hour"),
    (180 * MINUTE, "3 hours"),
    (360 * MINUTE, "6 hours"),
    (1440 * MINUTE, "day"),
    (7 * 1440 * MINUTE, "week"),
    (30 * 1440 * MINUTE, "30 days"),
];
const MAX_BUCKETS: i64 = 120;
/// Sessions listed on the page (the JSON output has them all): a busy role makes thousands.
const MAX_SESSIONS: usize = 300;

/// Events and errors per bucket between the first and the last event, the bucket labels and unit.
pub(crate) fn density(times: &[(i64, bool)]) -> (Vec<String>, Vec<f64>, Vec<f64>, String) {
    let (Some(first), Some(last)) = (
        times.iter().map(|t| t.0).min(),
        times.iter().map(|t| t.0).max(),
    ) else {
        return (Vec::new(), Vec::new(), Vec::new(), "hour".into());
    };
    let fits = |s: i64| last.div_euclid(s) - first.div_euclid(s) < MAX_BUCKETS;
    let (step, unit) = match STEPS.iter().copied().find(|(s, _)| fits(*s)) {
        Some((s, u)) => (s, u.to_string()),
        // Years (or forged times centuries apart): as many 30 days per bucket as it takes.
        None => {
            let month = 30 * 1440 * MINUTE;
            let n = (last - first) / month / MAX_BUCKETS + 1;
            let s = (n..)
                .map(|k| k * month)
                .find(|s| fits(*s))
                .unwrap_or(month * n);
            (s, format!("{} days", s / (1440 * MINUTE)))
        }
    };
    let start = first.div_euclid(step);
    let n = (last.div_euclid(step) - start + 1) as usize;
    let (mut ok, mut bad) = (vec![0.0; n], vec![0.0; n]);
    for (t, error) in times {
        let i = (t.div_euclid(step) - start) as usize;
        if *error {
            bad[i] += 1.0;
        } else {
            ok[i] += 1.0;
        }
    }
    let labels = (0..n as i64)
        .map(|i| {
            let t = format_event_time((start + i) * step);
            // Whole days need no clock; shorter buckets show date and time.
            if step >= 1440 * MINUTE {
                t[..10].to_string()
            } else {
                t[..16].replace('T', " ")
            }
        })
        .collect();
    (labels, ok, bad, unit)
}

/// The timeline as one HTML page.
pub fn timeline(t: &Timeline) -> Result<String> {
    let (labels, ok, bad, unit) = density(&t.times);
    let chart = if labels.is_empty() {
        None
    } else {
        Some(charts::bars(
            &format!(
                "Events of {} {} per {unit}: successful and errors",
                t.subject_kind, t.subject
            ),
            &labels,
            &[
                Series {
                    name: "successful",
                    values: ok.clone(),
                },
                Series {
                    name: "errors",
                    values: bad.clone(),
                },
            ],
            &[PALETTE[0], ALERT],
            (1000, 220),
            &compact,
        )?)
    };
    let buckets: Vec<(String, u64, u64)> = labels
        .into_iter()
        .zip(ok.into_iter().zip(bad))
        .filter(|(_, (o, b))| o + b > 0.0)
        .map(|(l, (o, b))| (l, o as u64, b as u64))
        .collect();
    render(
        "timeline.html",
        context! {
            title => format!("trailhound timeline: {} {}", t.subject_kind, t.subject),
            t => t,
            generated => generated_at(),
            total => count(t.total as u64),
            chart => chart,
            unit => unit,
            buckets => buckets,
            sessions => &t.sessions[..t.sessions.len().min(MAX_SESSIONS)],
            first => t.times.iter().map(|x| x.0).min().map(format_event_time),
            last => t.times.iter().map(|x| x.0).max().map(format_event_time),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn density_picks_a_bucket_that_fits_and_splits_errors() {
        let h = 60 * MINUTE;
        let times = [(0, false), (h / 2, true), (3 * h, false), (30 * h, true)];
        let (labels, ok, bad, unit) = density(&times);
        assert_eq!(unit, "hour");
        assert_eq!(labels.len(), 31);
        assert_eq!(labels[0], "1970-01-01 00:00");
        assert_eq!((ok[0], bad[0]), (1.0, 1.0));
        assert_eq!((ok[3], bad[30]), (1.0, 1.0));
        assert_eq!(ok.iter().sum::<f64>() + bad.iter().sum::<f64>(), 4.0);
    }

    #[test]
    fn forged_times_centuries_apart_stay_within_the_bound() {
        let year = 365 * 1440 * MINUTE;
        let (labels, ok, _, unit) = density(&[(-1969 * year, false), (8000 * year, false)]);
        assert!(labels.len() as i64 <= MAX_BUCKETS, "{}", labels.len());
        assert!(unit.ends_with(" days"), "{unit}");
        assert_eq!(ok.iter().sum::<f64>(), 2.0);
    }

    #[test]
    fn a_long_span_is_bucketed_by_day_or_more() {
        let d = 1440 * MINUTE;
        let (labels, .., unit) = density(&[(0, false), (100 * d, false)]);
        assert_eq!(unit, "day");
        assert_eq!(labels.len(), 101);
        assert_eq!(labels[1], "1970-01-02");
    }
}
