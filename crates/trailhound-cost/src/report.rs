//! Writing an estimate: an aligned text table, Markdown, or JSON (every figure, period and month).

use std::io::Write;

use crate::estimate::{Estimate, Exclusion, ManagementCopy};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Markdown,
    Json,
}

pub fn write(est: &Estimate, format: Format, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, est)?;
            writeln!(out)
        }
        Format::Table => write_text(est, false, out),
        Format::Markdown => write_text(est, true, out),
    }
}

/// `1,234,567`.
pub fn count(x: f64) -> String {
    let n = x.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut s = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            s.push(',');
        }
        s.push(c);
    }
    if n < 0 {
        format!("-{s}")
    } else {
        s
    }
}

/// `12.3 MiB`.
pub fn bytes(x: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = x;
    let mut u = 0;
    while v.abs() >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{v:.0} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Dollars with cents, or four decimals below $10 so small archives still show a difference.
pub fn dollars(x: f64) -> String {
    if x.abs() < 10.0 {
        format!("${x:.4}")
    } else {
        format!("${}", count_with_cents(x))
    }
}

fn count_with_cents(x: f64) -> String {
    let cents = (x * 100.0).round() as i64;
    format!("{}.{:02}", count((cents / 100) as f64), (cents % 100).abs())
}

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn table(
    md: bool,
    header: &[&str],
    rows: &[Vec<String>],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if md {
        writeln!(out, "| {} |", header.join(" | "))?;
        let sep: Vec<&str> = header
            .iter()
            .enumerate()
            .map(|(i, h)| if i == 0 || *h == "how" { "---" } else { "---:" })
            .collect();
        writeln!(out, "|{}|", sep.join("|"))?;
        for r in rows {
            writeln!(out, "| {} |", r.join(" | "))?;
        }
        return writeln!(out);
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>, out: &mut dyn Write| -> std::io::Result<()> {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            let pad = w - c.chars().count();
            if i == 0 {
                s.push_str(c);
                s.push_str(&" ".repeat(pad));
            } else if i == cells.len() - 1 && header.last() == Some(&"how") {
                s.push_str(c);
            } else {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            }
            if i + 1 < cells.len() {
                s.push_str("  ");
            }
        }
        writeln!(out, "{}", s.trim_end())
    };
    line(header.to_vec(), out)?;
    line(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
        out,
    )?;
    for r in rows {
        line(r.iter().map(String::as_str).collect(), out)?;
    }
    writeln!(out)
}

fn write_text(est: &Estimate, md: bool, out: &mut dyn Write) -> std::io::Result<()> {
    let h = |t: &str, out: &mut dyn Write| -> std::io::Result<()> {
        if md {
            writeln!(out, "## {t}\n")
        } else {
            writeln!(out, "{t}\n")
        }
    };
    let p = &est.period;
    if md {
        writeln!(out, "# CloudTrail cost estimate\n")?;
    }
    writeln!(
        out,
        "Period analysed: {} to {} ({:.2} days; events {} … {}), projected to a 30-day month.",
        p.from.as_deref().unwrap_or("-"),
        p.until.as_deref().unwrap_or("-"),
        p.days,
        p.first_event.as_deref().unwrap_or("-"),
        p.last_event.as_deref().unwrap_or("-"),
    )?;
    let lifecycle: Vec<String> = est
        .options
        .lifecycle
        .stages
        .iter()
        .map(|(c, d)| format!("{c} {d} d"))
        .collect();
    writeln!(
        out,
        "Prices {} (version {}); S3 lifecycle {} then deleted; management events {}; CloudWatch Logs {}.{}\n",
        est.pricing_region,
        est.pricing_version,
        lifecycle.join(" → "),
        match est.options.management_copy {
            ManagementCopy::First => "are this account's first copy (free)",
            ManagementCopy::Additional => "are an additional copy (charged)",
        },
        est.options
            .cloudwatch_retention_days
            .map_or("not used".to_string(), |d| format!("with {d} days' retention")),
        if est.sizes_measured {
            ""
        } else {
            " Some log files are missing from the lake's manifest: their compressed size is assumed (10% of JSON)."
        },
    )?;

    h("Per month", out)?;
    let header = [
        "selectors",
        "events",
        "management",
        "data",
        "network",
        "JSON",
        "gzipped",
        "files",
        "events $",
        "S3 storage $",
        "S3 requests $",
        "CloudWatch $",
        "total $",
        "saving",
    ];
    let rows: Vec<Vec<String>> = est
        .scenarios
        .iter()
        .map(|s| {
            let (m, d) = (&s.month, &s.dollars_month);
            vec![
                s.name.clone(),
                count(m.events),
                count(m.management_events),
                count(m.data_events),
                count(m.network_activity_events),
                bytes(m.uncompressed_bytes),
                bytes(m.compressed_bytes),
                count(m.objects),
                dollars(d.management_events + d.data_events + d.network_activity_events),
                dollars(d.s3_storage),
                dollars(d.s3_requests),
                dollars(d.cloudwatch_logs),
                dollars(d.total),
                if s.name == "everything" {
                    "-".into()
                } else {
                    format!("{} ({})", dollars(s.saving_month), percent(s.saving_share))
                },
            ]
        })
        .collect();
    table(md, &header, &rows, out)?;

    h("In the period analysed", out)?;
    let rows: Vec<Vec<String>> = est
        .scenarios
        .iter()
        .map(|s| {
            let p = &s.period;
            vec![
                s.name.clone(),
                count(p.events),
                count(p.management_events),
                count(p.data_events),
                count(p.network_activity_events),
                bytes(p.uncompressed_bytes),
                bytes(p.compressed_bytes),
                count(p.objects),
            ]
        })
        .collect();
    table(md, &header[..8], &rows, out)?;

    let exclusions =
        |title: &str, list: &[Exclusion], out: &mut dyn Write| -> std::io::Result<()> {
            h(title, out)?;
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|e| {
                    let name = match &e.event_name {
                        Some(n) => format!("{} {n}", e.event_source),
                        None => e.event_source.clone(),
                    };
                    vec![
                        name,
                        count(e.events_month),
                        bytes(e.uncompressed_bytes_month),
                        percent(e.byte_share),
                        format!("-{}", dollars(e.saving_month)),
                        e.how.clone(),
                    ]
                })
                .collect();
            table(
                md,
                &[
                    "excluded",
                    "events/month",
                    "JSON/month",
                    "share",
                    "$/month",
                    "how",
                ],
                &rows,
                out,
            )
        };
    exclusions(
        "Top event sources by volume: what excluding each would save",
        &est.top_sources,
        out,
    )?;
    exclusions("Top event names by volume", &est.top_names, out)?;
    Ok(())
}
