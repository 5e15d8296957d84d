//! Reports for schedules: every saved query of a category run over one period, each a section
//! with its status, count and first findings, a summary on top, and the data coverage (first and
//! last event, accounts, regions) so a reader knows what was checked. Markdown, HTML or JSON.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use crate::catalog::{timestamp, SavedQuery};
use crate::output::text_rows;
use crate::{Engine, Result};

#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub events: u64,
    pub first_event: Option<String>,
    pub last_event: Option<String>,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub name: String,
    pub title: String,
    pub severity: String,
    pub description: String,
    pub references: Vec<String>,
    /// `findings`, `none` or `error`.
    pub status: String,
    pub count: usize,
    pub columns: Vec<String>,
    /// The first findings, as text.
    pub rows: Vec<Vec<String>>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub kind: String,
    pub from: String,
    pub until: String,
    pub coverage: Coverage,
    pub sections: Vec<Section>,
}

impl Report {
    pub fn with_findings(&self) -> usize {
        self.sections.iter().filter(|s| s.count > 0).count()
    }
    pub fn errors(&self) -> usize {
        self.sections.iter().filter(|s| s.error.is_some()).count()
    }
}

fn iso(us: i64) -> String {
    trailhound_model::time::format_event_time(us)
}

/// What the lake holds in `[from, until)`.
pub async fn coverage(engine: &Engine, from: i64, until: i64) -> Result<Coverage> {
    let params = || {
        vec![
            ("from".to_string(), timestamp(from)),
            ("until".to_string(), timestamp(until)),
        ]
    };
    let w = "FROM cloudtrail WHERE eventtime >= $from AND eventtime < $until";
    let r = engine
        .run_bound(
            &format!("SELECT count(*), to_iso8601(min(eventtime)), to_iso8601(max(eventtime)) {w}"),
            params(),
        )
        .await?;
    let row = text_rows(&r.batches)?
        .into_iter()
        .next()
        .unwrap_or_default();
    let cell = |i: usize| row.get(i).filter(|v| !v.is_empty()).cloned();
    let list = |col: &'static str| {
        let sql = format!("SELECT DISTINCT {col} {w} ORDER BY 1");
        let p = params();
        async move {
            let r = engine.run_bound(&sql, p).await?;
            Ok::<_, crate::QueryError>(
                text_rows(&r.batches)?
                    .into_iter()
                    .filter_map(|r| r.into_iter().next())
                    .collect::<Vec<_>>(),
            )
        }
    };
    Ok(Coverage {
        events: cell(0).and_then(|c| c.parse().ok()).unwrap_or(0),
        first_event: cell(1),
        last_event: cell(2),
        accounts: list("account").await?,
        regions: list("region").await?,
    })
}

/// Runs `queries` over `[from, until)` into a report; a query that fails becomes a section with
/// its error (the others still run).
pub async fn build(
    engine: &Engine,
    kind: &str,
    queries: &[&SavedQuery],
    params: &BTreeMap<String, String>,
    (from, until, lookback_days): (i64, i64, i64),
    max_rows: usize,
) -> Result<Report> {
    let mut sections = Vec::new();
    let shares = crate::catalog::split_params(queries, params)
        .map_err(|e| crate::QueryError::Output(e.to_string()))?;
    for (q, given) in queries.iter().zip(shares) {
        let mut s = Section {
            name: q.name.clone(),
            title: q.title.clone(),
            severity: q.severity.clone(),
            description: q.description.clone(),
            references: q.references.clone(),
            status: "none".into(),
            count: 0,
            columns: Vec::new(),
            rows: Vec::new(),
            error: None,
        };
        let result = match q.bind(&given, from, until, lookback_days) {
            Ok(values) => engine.run_bound(&q.sql, values).await,
            Err(e) => Err(crate::QueryError::Output(e.to_string())),
        };
        match result {
            Ok(out) => {
                s.columns = out
                    .schema
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect();
                s.count = out.batches.iter().map(|b| b.num_rows()).sum();
                // Only the rows shown are turned into text (a section may have 100,000 rows).
                let mut head = Vec::new();
                let mut left = max_rows;
                for b in &out.batches {
                    if left == 0 {
                        break;
                    }
                    let n = b.num_rows().min(left);
                    head.push(b.slice(0, n));
                    left -= n;
                }
                s.rows = text_rows(&head)?;
                if s.count > 0 {
                    s.status = "findings".into();
                }
            }
            Err(e) => {
                s.status = "error".into();
                s.error = Some(e.to_string());
            }
        }
        sections.push(s);
    }
    Ok(Report {
        kind: kind.to_string(),
        from: iso(from),
        until: iso(until),
        coverage: coverage(engine, from, until).await?,
        sections,
    })
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
    let _ = writeln!(o, "- Regions: {}\n", join_or_none(&c.regions));
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
            "`{}` · severity {} · {}\n",
            s.name,
            s.severity,
            s.references.join("; ")
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

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub fn html(r: &Report) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>trailhound {kind} report</title>\n<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 6px;font-size:90%}}.findings{{color:#b00}}.none{{color:#070}}.error{{color:#a60}}</style></head><body>\n<h1>trailhound {kind} report</h1>\n",
        kind = esc(&r.kind)
    );
    let c = &r.coverage;
    let _ = writeln!(
        o,
        "<ul><li>Period: {} to {}</li><li>Data checked: {} events, first {}, last {}</li><li>Accounts: {}</li><li>Regions: {}</li></ul>",
        esc(&r.from),
        esc(&r.until),
        c.events,
        esc(c.first_event.as_deref().unwrap_or("-")),
        esc(c.last_event.as_deref().unwrap_or("-")),
        esc(&join_or_none(&c.accounts)),
        esc(&join_or_none(&c.regions))
    );
    let _ = writeln!(
        o,
        "<h2>Summary</h2><p>{} checks, {} with findings, {} failed to run.</p><table><tr><th>check</th><th>severity</th><th>status</th><th>findings</th></tr>",
        r.sections.len(),
        r.with_findings(),
        r.errors()
    );
    for s in &r.sections {
        let _ = writeln!(
            o,
            "<tr><td><a href=\"#{n}\">{t}</a></td><td>{sev}</td><td class=\"{st}\">{st}</td><td>{c}</td></tr>",
            n = esc(&s.name),
            t = esc(&s.title),
            sev = esc(&s.severity),
            st = esc(&s.status),
            c = s.count
        );
    }
    let _ = writeln!(o, "</table>");
    for s in &r.sections {
        let _ = writeln!(
            o,
            "<h2 id=\"{}\">{}</h2><p><code>{}</code> · severity {} · {}</p><p>{}</p>",
            esc(&s.name),
            esc(&s.title),
            esc(&s.name),
            esc(&s.severity),
            esc(&s.references.join("; ")),
            esc(&s.description)
        );
        match (&s.error, s.count) {
            (Some(e), _) => {
                let _ = writeln!(o, "<p class=\"error\">Error: {}</p>", esc(e));
            }
            (None, 0) => {
                let _ = writeln!(o, "<p class=\"none\">No findings.</p>");
            }
            (None, n) => {
                let _ = writeln!(
                    o,
                    "<p class=\"findings\">{n} findings (first {} shown)</p><table><tr>",
                    s.rows.len()
                );
                for col in &s.columns {
                    let _ = write!(o, "<th>{}</th>", esc(col));
                }
                let _ = writeln!(o, "</tr>");
                for row in &s.rows {
                    let _ = write!(o, "<tr>");
                    for cell in row {
                        let _ = write!(o, "<td>{}</td>", esc(cell));
                    }
                    let _ = writeln!(o, "</tr>");
                }
                let _ = writeln!(o, "</table>");
            }
        }
    }
    let _ = writeln!(o, "</body></html>");
    o
}
