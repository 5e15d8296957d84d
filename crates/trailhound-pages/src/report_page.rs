//! The report page: summary (checks passed, with findings, failed; findings by severity), the
//! period's coverage with its gaps, per check a timeline of findings and the first findings
//! linked to their full rows at the end.

use std::collections::BTreeMap;

use minijinja::context;
use serde::Serialize;
use trailhound_model::time::{date_of, parse_event_time, DAY_MICROS};
use trailhound_rules::report::{day_ranges, Report, Section};

use crate::charts::{self, Series, ALERT};
use crate::{compact, count, generated_at, render, Result};

/// Severity order of the summary.
const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];
/// Most buckets on a time axis.
const MAX_BUCKETS: i64 = 124;
/// First findings listed per check in its section (all shown rows are in the appendix).
const FIRST: usize = 3;

/// Consecutive days grouped into at most ~120 buckets (a day each up to four months).
pub(crate) struct Axis {
    /// First day (days since the epoch) of each bucket, and the days per bucket.
    pub start: i64,
    pub step: i64,
    pub labels: Vec<String>,
}

impl Axis {
    /// Days from the day of `from` to the day of `until - 1µs`.
    pub fn days(from: i64, until: i64) -> Axis {
        let first = from.div_euclid(DAY_MICROS);
        let last = (until - 1).max(from).div_euclid(DAY_MICROS);
        let n = last - first + 1;
        // A day, a week or 30 days per bucket, then as many 30 days as keep it within bounds.
        let step = if n <= MAX_BUCKETS {
            1
        } else if n <= 7 * MAX_BUCKETS {
            7
        } else {
            30 * ((n + 30 * MAX_BUCKETS - 1) / (30 * MAX_BUCKETS))
        };
        let labels = (0..(n + step - 1) / step)
            .map(|i| date_of((first + i * step) * DAY_MICROS))
            .collect();
        Axis {
            start: first,
            step,
            labels,
        }
    }

    /// The bucket of a `YYYY-MM-DD` day.
    pub fn bucket(&self, day: &str) -> Option<usize> {
        let t = parse_event_time(&format!("{day}T00:00:00Z"))?;
        let i = (t.div_euclid(DAY_MICROS) - self.start).div_euclid(self.step);
        (0..self.labels.len() as i64)
            .contains(&i)
            .then_some(i as usize)
    }

    pub fn unit(&self) -> String {
        match self.step {
            1 => "day".into(),
            7 => "week".into(),
            n => format!("{n} days"),
        }
    }
}

#[derive(Serialize)]
struct Link {
    href: String,
    text: String,
}

#[derive(Serialize)]
struct Row {
    id: String,
    cells: Vec<String>,
}

#[derive(Serialize)]
struct SectionView<'a> {
    anchor: String,
    s: &'a Section,
    status_label: &'static str,
    chart: Option<String>,
    per_bucket: Vec<(String, u64)>,
    /// Findings dated outside the period, not on the chart.
    outside: u64,
    first: Vec<Link>,
    rows: Vec<Row>,
    /// ATT&CK ids the references do not already name.
    attack: Vec<String>,
}

/// An HTML id for the `i`th section, readable from its query name (user folders may name
/// queries anything; the index keeps two names that read alike apart).
fn anchor(i: usize, name: &str) -> String {
    let a: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("q{}-{a}", i + 1)
}

fn status_label(s: &Section) -> &'static str {
    match s.status.as_str() {
        "error" => "could not run",
        "findings" => "findings",
        "none" => "passed",
        _ => "unknown",
    }
}

/// Columns that identify a row but tell a reader nothing.
const OPAQUE: [&str; 3] = ["eventid", "requestid", "sharedeventid"];

/// One line naming a finding: its first few telling cells.
fn finding_text(columns: &[String], cells: &[String]) -> String {
    let text = cells
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            !c.is_empty()
                && c.as_str() != "NULL"
                && !columns
                    .get(*i)
                    .is_some_and(|n| OPAQUE.contains(&n.as_str()))
        })
        .map(|(_, c)| c)
        .take(4)
        .map(|c| {
            if c.chars().count() > 60 {
                format!("{}…", c.chars().take(59).collect::<String>())
            } else {
                c.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" · ");
    if text.is_empty() {
        "(empty row)".into()
    } else {
        text
    }
}

/// The report as one HTML page.
pub fn report(r: &Report) -> Result<String> {
    let period = |t: &str| {
        parse_event_time(t).ok_or_else(|| {
            crate::Error::Data(format!("the report's period bound {t:?} is not a time"))
        })
    };
    let (from, until) = (period(&r.from)?, period(&r.until)?);
    let axis = Axis::days(from, until);

    let mut sections = Vec::new();
    for (i, s) in r.sections.iter().enumerate() {
        let a = anchor(i, &s.name);
        let mut buckets = vec![0u64; axis.labels.len()];
        // Queries that look back (a baseline, a burst's window) may date findings before the period.
        let mut outside = 0;
        for (day, n) in &s.per_day {
            match axis.bucket(day) {
                Some(b) => buckets[b] += n,
                None => outside += n,
            }
        }
        let chart = if s.count > 0 && s.time_column.is_some() {
            Some(charts::bars(
                &format!(
                    "{}: findings per {} by {}, {} to {}",
                    s.title,
                    axis.unit(),
                    s.time_column.as_deref().unwrap_or("time"),
                    r.from,
                    r.until
                ),
                &axis.labels,
                &[Series {
                    name: "findings",
                    values: buckets.iter().map(|n| *n as f64).collect(),
                }],
                &[ALERT],
                (560, 130),
                &compact,
            )?)
        } else {
            None
        };
        let rows: Vec<Row> = s
            .rows
            .iter()
            .enumerate()
            .map(|(i, cells)| Row {
                id: format!("{a}-row-{}", i + 1),
                cells: cells.clone(),
            })
            .collect();
        let first = rows
            .iter()
            .take(FIRST)
            .map(|row| Link {
                href: format!("#{}", row.id),
                text: finding_text(&s.columns, &row.cells),
            })
            .collect();
        sections.push(SectionView {
            anchor: a,
            s,
            status_label: status_label(s),
            chart,
            per_bucket: axis
                .labels
                .iter()
                .cloned()
                .zip(buckets)
                .filter(|(_, n)| *n > 0)
                .collect(),
            outside,
            first,
            rows,
            attack: s.attack_not_in_references(),
        });
    }

    // Findings by severity: checks with findings and their findings.
    // Known severities in their order, others after them by name.
    let mut by_severity: BTreeMap<(usize, String), (usize, usize)> = BTreeMap::new();
    for s in r.sections.iter().filter(|s| s.count > 0) {
        let sev = s.severity.to_ascii_lowercase();
        let order = SEVERITIES
            .iter()
            .position(|x| *x == sev)
            .unwrap_or(SEVERITIES.len());
        let e = by_severity.entry((order, sev)).or_default();
        e.0 += 1;
        e.1 += s.count;
    }
    let by_severity: Vec<(String, usize, usize)> = by_severity
        .into_iter()
        .map(|((_, sev), (checks, n))| (sev, checks, n))
        .collect();
    let severity_chart = if by_severity.is_empty() {
        None
    } else {
        Some(charts::hbars(
            "Findings by severity",
            &by_severity
                .iter()
                .map(|(sev, checks, n)| {
                    (
                        sev.clone(),
                        *n as f64,
                        format!("{} finding(s) in {checks} check(s)", count(*n as u64)),
                    )
                })
                .collect::<Vec<_>>(),
            700,
        )?)
    };

    let c = &r.coverage;
    let grid = if c.by_region.is_empty() {
        None
    } else {
        let rows: Vec<String> = c
            .by_region
            .iter()
            .map(|g| format!("{} / {}", g.account, g.region))
            .collect();
        let mut counts = vec![vec![0u64; axis.labels.len()]; rows.len()];
        let mut gaps = vec![vec![false; axis.labels.len()]; rows.len()];
        for (i, g) in c.by_region.iter().enumerate() {
            for (day, n) in &g.days {
                if let Some(b) = axis.bucket(day) {
                    counts[i][b] += n;
                }
            }
            for day in &g.gaps {
                if let Some(b) = axis.bucket(day) {
                    gaps[i][b] = true;
                }
            }
        }
        Some(charts::grid(
            &format!(
                "Events per {} for each account and region, {} to {}; days without events in a region that otherwise logs daily are marked ×",
                axis.unit(),
                r.from,
                r.until
            ),
            &rows,
            &axis.labels,
            &counts,
            &gaps,
            1000,
        )?)
    };
    let passed = r.sections.iter().filter(|s| s.status == "none").count();
    render(
        "report.html",
        context! {
            title => format!("trailhound {} report", r.kind),
            r => r,
            generated => generated_at(),
            events => count(c.events),
            gap_total => c.gap_count(),
            regions_with_gaps => c
                .by_region
                .iter()
                .filter(|g| !g.gaps.is_empty())
                .map(|g| (g.account.as_str(), g.region.as_str(), day_ranges(&g.gaps).join(", ")))
                .collect::<Vec<_>>(),
            no_data => c.events == 0,
            passed => passed,
            with_findings => r.with_findings(),
            errors => r.errors(),
            by_severity => by_severity,
            severity_chart => severity_chart,
            grid => grid,
            unit => axis.unit(),
            sections => sections,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_period_is_one_bar_per_day() {
        let from = parse_event_time("2024-07-30T00:00:00Z").expect("time");
        let a = Axis::days(from, from + 3 * DAY_MICROS);
        assert_eq!(a.labels, ["2024-07-30", "2024-07-31", "2024-08-01"]);
        assert_eq!(a.bucket("2024-07-31"), Some(1));
        assert_eq!(a.bucket("2024-08-02"), None);
    }

    #[test]
    fn a_long_period_is_bucketed_by_week() {
        let from = parse_event_time("2024-01-01T00:00:00Z").expect("time");
        let a = Axis::days(from, from + 366 * DAY_MICROS);
        assert_eq!(a.step, 7);
        assert_eq!(a.labels.len(), 53);
        assert_eq!(a.bucket("2024-01-08"), Some(1));
    }

    #[test]
    fn decades_stay_within_the_bucket_bound() {
        let from = parse_event_time("2010-01-01T00:00:00Z").expect("time");
        let a = Axis::days(from, from + 7305 * DAY_MICROS);
        assert!(a.labels.len() as i64 <= MAX_BUCKETS, "{}", a.labels.len());
        assert_eq!(a.step % 30, 0);
        assert_eq!(a.bucket("2029-12-31"), Some(a.labels.len() - 1));
    }

    #[test]
    fn anchors_keep_only_safe_characters() {
        assert_eq!(anchor(0, "root-login"), "q1-root-login");
        assert_eq!(anchor(1, "a\"><b"), "q2-a---b");
    }
}
