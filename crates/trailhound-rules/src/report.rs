//! The report model: a period's sections (one per saved query or rule, with its status, count,
//! first findings and findings per day), the data coverage (first and last event, accounts,
//! regions, gaps in the data) so a reader knows what was checked, and its Markdown. The engine
//! fills it (`trailhound_query::report`); the HTML page with charts is `trailhound-pages`.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;
use trailhound_model::time::{date_of, DAY_MICROS};

#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub events: u64,
    pub first_event: Option<String>,
    pub last_event: Option<String>,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    /// Events per day for each account and region, with the days it did not log.
    pub by_region: Vec<RegionCoverage>,
}

/// One account's region: its events per day (`YYYY-MM-DD`) in the period, and its gaps.
#[derive(Debug, Clone, Serialize)]
pub struct RegionCoverage {
    pub account: String,
    pub region: String,
    pub events: u64,
    pub days: BTreeMap<String, u64>,
    /// Days with no events although the region otherwise logs daily (see [`gaps`]).
    pub gaps: Vec<String>,
}

impl Coverage {
    /// Every (account, region, day) without events where that region otherwise logs daily.
    pub fn gap_count(&self) -> usize {
        self.by_region.iter().map(|r| r.gaps.len()).sum()
    }
}

/// A region "logs daily" when it has events on at least 3 days and on at least half of the days
/// between its own first and last active day. Its gaps are the days without events from its first
/// active day to the period's last day: a region that stopped logging, or a trail stopped in every
/// region at once, shows every silent day up to the end of the period, however long; a region
/// enabled mid-period shows none before it started.
pub fn gaps(active: &BTreeMap<String, u64>, period_last_day: i64) -> Vec<String> {
    let days: Vec<i64> = active.keys().filter_map(|d| day_number(d)).collect();
    let (Some(&first), Some(&last)) = (days.first(), days.last()) else {
        return Vec::new();
    };
    let own_span = last - first + 1;
    if days.len() < 3 || (days.len() as i64) * 2 < own_span {
        return Vec::new();
    }
    (first..=period_last_day.max(last))
        .filter(|d| days.binary_search(d).is_err())
        .map(|d| date_of(d * DAY_MICROS))
        .collect()
}

/// Consecutive days as ranges: `2024-08-03`, `2024-08-05 to 2024-08-09 (5 days)`.
pub fn day_ranges(days: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut run: Option<(i64, i64)> = None;
    let flush = |(a, b): (i64, i64), out: &mut Vec<String>| {
        out.push(if a == b {
            date_of(a * DAY_MICROS)
        } else {
            format!(
                "{} to {} ({} days)",
                date_of(a * DAY_MICROS),
                date_of(b * DAY_MICROS),
                b - a + 1
            )
        })
    };
    for d in days.iter().filter_map(|d| day_number(d)) {
        run = match run {
            Some((a, b)) if d == b + 1 => Some((a, d)),
            Some(r) => {
                flush(r, &mut out);
                Some((d, d))
            }
            None => Some((d, d)),
        };
    }
    if let Some(r) = run {
        flush(r, &mut out);
    }
    out
}

/// Days since the epoch of `YYYY-MM-DD`.
fn day_number(d: &str) -> Option<i64> {
    let mut parts = d.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (parts.next()??, parts.next()??, parts.next()??);
    Some(trailhound_model::time::days_from_civil(y, m, day))
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub name: String,
    pub title: String,
    pub severity: String,
    pub description: String,
    pub references: Vec<String>,
    /// MITRE ATT&CK technique ids.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attack: Vec<String>,
    /// `findings`, `none` or `error`.
    pub status: String,
    pub count: usize,
    pub columns: Vec<String>,
    /// The first findings, as text.
    pub rows: Vec<Vec<String>>,
    pub error: Option<String>,
    /// The result column findings are dated by (the first timestamp column, `eventtime` when
    /// there is one); none when the query returns no time.
    pub time_column: Option<String>,
    /// Findings per day (`YYYY-MM-DD`) by that column, over all findings (not only those shown).
    pub per_day: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub kind: String,
    pub from: String,
    pub until: String,
    pub coverage: Coverage,
    /// For a framework report (`pci-dss`, `soc2`, `hipaa`): its controls and their status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub framework: Option<crate::frameworks::FrameworkResult>,
    pub sections: Vec<Section>,
}

impl Section {
    /// The ATT&CK ids the references do not already name (shown beside them).
    pub fn attack_not_in_references(&self) -> Vec<String> {
        let refs = self.references.join(" ");
        self.attack
            .iter()
            .filter(|a| {
                !refs
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
                    .any(|w| w == a.as_str())
            })
            .cloned()
            .collect()
    }
}

impl Report {
    pub fn with_findings(&self) -> usize {
        self.sections.iter().filter(|s| s.count > 0).count()
    }
    pub fn errors(&self) -> usize {
        self.sections.iter().filter(|s| s.error.is_some()).count()
    }
}

fn framework_markdown(o: &mut String, f: &crate::frameworks::FrameworkResult) {
    let _ = writeln!(
        o,
        "## {}
",
        md_cell(&f.title)
    );
    let _ = writeln!(
        o,
        "{}
",
        f.intro
    );
    let _ = writeln!(
        o,
        "{} controls: {} evidenced, {} to review, {} with gaps in the data, {} not evidenced by CloudTrail alone, {} could not be checked.\n",
        f.controls.len(),
        f.count("evidenced"),
        f.count("review"),
        f.count("gap"),
        f.count("not-evidenced"),
        f.count("error")
    );
    let _ = writeln!(
        o,
        "| control | requirement | status | note |\n|---|---|---|---|"
    );
    for c in &f.controls {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            c.id,
            md_cell(&c.title),
            c.status,
            md_cell(&c.note)
        );
    }
    for c in &f.controls {
        let _ = writeln!(o, "\n### {} {}: {}\n", c.id, c.title, c.status);
        let _ = writeln!(o, "{}\n", c.text);
        let _ = writeln!(o, "{}\n", c.note);
        for e in &c.evidence {
            let what = match e.role {
                crate::frameworks::Role::Shows => "recorded",
                crate::frameworks::Role::Flags => "to review",
            };
            match &e.error {
                Some(err) => {
                    let _ = writeln!(o, "- `{}`: could not run: {}", e.query, md_cell(err));
                }
                None => {
                    let _ = writeln!(o, "- `{}` ({}): {} {what}", e.query, e.title, e.count);
                }
            }
        }
    }
    let _ = writeln!(o);
}

fn md_cell(s: &str) -> String {
    let s = s.replace('|', "\\|").replace('\n', " ");
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(79).collect::<String>())
    } else {
        s
    }
}

pub fn markdown(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# trailhound {} report\n", r.kind);
    let _ = writeln!(o, "- Period: {} to {}", r.from, r.until);
    let c = &r.coverage;
    let _ = writeln!(
        o,
        "- Data checked: {} events, first {}, last {}",
        c.events,
        c.first_event.as_deref().unwrap_or("-"),
        c.last_event.as_deref().unwrap_or("-")
    );
    let _ = writeln!(o, "- Accounts: {}", join_or_none(&c.accounts));
    let _ = writeln!(o, "- Regions: {}", join_or_none(&c.regions));
    let _ = writeln!(o, "- Gaps: {}\n", gap_summary(c));
    if c.events == 0 {
        let _ = writeln!(
            o,
            "**No events in the period: every check below saw nothing, which proves nothing.**\n"
        );
    }
    if let Some(f) = &r.framework {
        framework_markdown(&mut o, f);
    }
    let _ = writeln!(o, "## Summary\n");
    let _ = writeln!(
        o,
        "{} checks, {} with findings, {} failed to run.\n",
        r.sections.len(),
        r.with_findings(),
        r.errors()
    );
    let _ = writeln!(
        o,
        "| check | severity | status | findings |\n|---|---|---|---:|"
    );
    for s in &r.sections {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            md_cell(&s.title),
            s.severity,
            s.status,
            s.count
        );
    }
    for s in &r.sections {
        let _ = writeln!(o, "\n## {}\n", md_cell(&s.title));
        let _ = writeln!(
            o,
            "`{}` · severity {} · {}{}\n",
            s.name,
            s.severity,
            s.references.join("; "),
            match s.attack_not_in_references() {
                more if more.is_empty() => String::new(),
                more => format!(" · ATT&CK {}", more.join(", ")),
            }
        );
        let _ = writeln!(o, "{}\n", s.description);
        match (&s.error, s.count) {
            (Some(e), _) => {
                let _ = writeln!(o, "**Error:** {e}");
            }
            (None, 0) => {
                let _ = writeln!(o, "**No findings.**");
            }
            (None, n) => {
                let _ = writeln!(
                    o,
                    "**{n} finding{}**{}:\n",
                    if n == 1 { "" } else { "s" },
                    if n > s.rows.len() {
                        format!(", the first {}", s.rows.len())
                    } else {
                        String::new()
                    }
                );
                let _ = writeln!(o, "| {} |", s.columns.join(" | "));
                let _ = writeln!(o, "|{}|", vec!["---"; s.columns.len()].join("|"));
                for row in &s.rows {
                    let cells: Vec<String> = row.iter().map(|c| md_cell(c)).collect();
                    let _ = writeln!(o, "| {} |", cells.join(" | "));
                }
            }
        }
    }
    o
}

fn join_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// `none`, or each region's missing days (`111122223333/us-east-1: 2024-08-02, 2024-08-03`).
pub fn gap_summary(c: &Coverage) -> String {
    if c.events == 0 {
        return "unknown: no events at all in the period".into();
    }
    let with: Vec<String> = c
        .by_region
        .iter()
        .filter(|r| !r.gaps.is_empty())
        .map(|r| {
            format!(
                "{}/{}: {}",
                r.account,
                r.region,
                day_ranges(&r.gaps).join(", ")
            )
        })
        .collect();
    if with.is_empty() {
        "none (no day without events in a region that otherwise logs daily)".into()
    } else {
        with.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn active(days: &[&str]) -> BTreeMap<String, u64> {
        days.iter().map(|d| (d.to_string(), 1)).collect()
    }

    fn day(d: &str) -> i64 {
        day_number(d).expect("a date")
    }

    #[test]
    fn a_daily_region_missing_days_has_gaps() {
        let a = active(&["2024-08-01", "2024-08-02", "2024-08-04", "2024-08-05"]);
        assert_eq!(gaps(&a, day("2024-08-05")), ["2024-08-03"]);
    }

    #[test]
    fn a_region_that_stopped_while_others_went_on_has_gaps_to_the_end() {
        let a = active(&["2024-08-01", "2024-08-02", "2024-08-03"]);
        assert_eq!(gaps(&a, day("2024-08-05")), ["2024-08-04", "2024-08-05"]);
    }

    #[test]
    fn an_outage_longer_than_the_active_days_is_all_gaps() {
        // Three days of logging, then a week of silence to the end of the period (a trail
        // stopped everywhere looks the same in every region).
        let a = active(&["2024-08-01", "2024-08-02", "2024-08-03"]);
        let g = gaps(&a, day("2024-08-10"));
        assert_eq!(g.len(), 7);
        assert_eq!(day_ranges(&g), ["2024-08-04 to 2024-08-10 (7 days)"]);
    }

    #[test]
    fn ranges_join_consecutive_days() {
        let d: Vec<String> = [
            "2024-08-01",
            "2024-08-03",
            "2024-08-04",
            "2024-08-05",
            "2024-08-09",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            day_ranges(&d),
            [
                "2024-08-01",
                "2024-08-03 to 2024-08-05 (3 days)",
                "2024-08-09"
            ]
        );
    }

    #[test]
    fn an_occasional_region_has_no_gaps() {
        // Two active days, or active on less than half of its span: not a daily logger.
        assert!(gaps(&active(&["2024-08-01", "2024-08-09"]), day("2024-08-09")).is_empty());
        let sparse = active(&["2024-08-01", "2024-08-05", "2024-08-09"]);
        assert!(gaps(&sparse, day("2024-08-09")).is_empty());
    }

    #[test]
    fn a_region_enabled_late_has_no_gap_before_it_started() {
        let a = active(&["2024-08-04", "2024-08-05", "2024-08-06"]);
        assert!(gaps(&a, day("2024-08-06")).is_empty());
    }
}
