//! The cost page: what the trail costs a month with everything and with each selector set, its
//! events and bytes per day, the sources and names that drive the bill as bars with their
//! monthly dollars, and the bucket filling up over a year under the lifecycle.

use std::collections::BTreeSet;

use minijinja::context;
use serde::Serialize;
use trailhound_cost::estimate::Exclusion;
use trailhound_cost::report::{bytes, dollars};
use trailhound_cost::Estimate;

use crate::charts::{self, Series};
use crate::{compact, generated_at, render, Result};

#[derive(Serialize)]
struct ScenarioRow {
    name: String,
    events_month: String,
    compressed_month: String,
    management: String,
    data: String,
    storage: String,
    requests: String,
    cloudwatch: String,
    total: String,
    saving: String,
    stored_at_365: String,
    storage_at_365: String,
}

#[derive(Serialize)]
struct Ranked {
    name: String,
    events_month: String,
    bytes_month: String,
    share: String,
    saving: String,
    how: String,
}

fn ranked(list: &[Exclusion]) -> Vec<Ranked> {
    list.iter()
        .map(|e| Ranked {
            name: label(e),
            events_month: compact(e.events_month),
            bytes_month: bytes(e.uncompressed_bytes_month),
            share: format!("{:.1}%", e.byte_share * 100.0),
            saving: dollars(e.saving_month),
            how: e.how.clone(),
        })
        .collect()
}

fn label(e: &Exclusion) -> String {
    match &e.event_name {
        Some(n) => format!("{} {}", e.event_source, n),
        None => e.event_source.clone(),
    }
}

/// Bars of what leaving each out would save a month; by bytes when nothing would.
fn ranking_chart(title: &str, list: &[Exclusion]) -> Result<Option<String>> {
    if list.is_empty() {
        return Ok(None);
    }
    let by_dollars = list.iter().any(|e| e.saving_month > 0.0);
    let rows: Vec<(String, f64, String)> = list
        .iter()
        .map(|e| {
            let v = if by_dollars {
                e.saving_month
            } else {
                e.uncompressed_bytes_month
            };
            (
                label(e),
                v,
                format!(
                    "{}/month · {:.1}% of bytes",
                    dollars(e.saving_month),
                    e.byte_share * 100.0
                ),
            )
        })
        .collect();
    let what = if by_dollars {
        "monthly dollars saved if left out"
    } else {
        "JSON bytes a month (nothing would be saved)"
    };
    charts::hbars(&format!("{title}: {what}"), &rows, 1000).map(Some)
}

/// The estimate as one HTML page.
pub fn cost(est: &Estimate) -> Result<String> {
    let days: Vec<String> = est
        .scenarios
        .iter()
        .flat_map(|s| s.daily.iter().map(|d| d.day.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let per_day = |f: &dyn Fn(&trailhound_cost::estimate::DailyVolume) -> f64| -> Vec<Series> {
        est.scenarios
            .iter()
            .map(|s| Series {
                name: s.name.as_str(),
                values: days
                    .iter()
                    .map(|d| s.daily.iter().find(|x| &x.day == d).map_or(0.0, f))
                    .collect(),
            })
            .collect()
    };
    let (events_chart, bytes_chart) = if days.is_empty() {
        (None, None)
    } else {
        (
            Some(charts::lines(
                "Events per day, everything and each selector set",
                &days,
                &per_day(&|d| d.events as f64),
                (1000, 260),
                &compact,
            )?),
            Some(charts::lines(
                "JSON bytes per day, everything and each selector set",
                &days,
                &per_day(&|d| d.uncompressed_bytes as f64),
                (1000, 260),
                &|v| bytes(v),
            )?),
        )
    };
    let storage_chart = match est.scenarios.first() {
        Some(s) if !s.storage_curve.is_empty() => {
            let xs: Vec<f64> = s.storage_curve.iter().map(|p| p.day as f64).collect();
            let series: Vec<Series> = est
                .storage_classes
                .iter()
                .enumerate()
                .map(|(i, class)| Series {
                    name: class.as_str(),
                    values: s
                        .storage_curve
                        .iter()
                        .map(|p| p.bytes.get(i).copied().unwrap_or(0.0))
                        .collect(),
                })
                .collect();
            Some(charts::stacked_areas(
                &format!(
                    "Bytes stored per storage class over the first 365 days of the lifecycle {}, logging everything",
                    est.options.lifecycle.stages.iter().map(|(c, d)| format!("{c}:{d}")).collect::<Vec<_>>().join(",")
                ),
                &xs,
                &series,
                (1000, 260),
                &|x| format!("day {x:.0}"),
                &|v| bytes(v),
            )?)
        }
        _ => None,
    };
    let scenarios: Vec<ScenarioRow> = est
        .scenarios
        .iter()
        .map(|s| {
            let d = &s.dollars_month;
            let last = s.storage_curve.last();
            ScenarioRow {
                name: s.name.clone(),
                events_month: compact(s.month.events),
                compressed_month: bytes(s.month.compressed_bytes),
                management: dollars(d.management_events),
                data: dollars(d.data_events + d.network_activity_events),
                storage: dollars(d.s3_storage),
                requests: dollars(d.s3_requests),
                cloudwatch: dollars(d.cloudwatch_logs),
                total: dollars(d.total),
                saving: if s.name == "everything" {
                    "-".into()
                } else {
                    format!(
                        "{} ({:.1}%)",
                        dollars(s.saving_month),
                        s.saving_share * 100.0
                    )
                },
                stored_at_365: last.map_or("-".into(), |p| bytes(p.bytes.iter().sum())),
                storage_at_365: last.map_or("-".into(), |p| dollars(p.dollars_month)),
            }
        })
        .collect();
    let curve_rows: Vec<(u32, Vec<String>, String)> = est
        .scenarios
        .first()
        .map(|s| {
            s.storage_curve
                .iter()
                .filter(|p| [0, 28, 91, 182, 273, 365].contains(&p.day))
                .map(|p| {
                    (
                        p.day,
                        p.bytes.iter().map(|b| bytes(*b)).collect(),
                        dollars(p.dollars_month),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    render(
        "cost.html",
        context! {
            title => "trailhound cost estimate",
            est => est,
            generated => generated_at(),
            scenarios => scenarios,
            events_chart => events_chart,
            bytes_chart => bytes_chart,
            storage_chart => storage_chart,
            curve_rows => curve_rows,
            sources_chart => ranking_chart("Top event sources", &est.top_sources)?,
            names_chart => ranking_chart("Top event names", &est.top_names)?,
            top_sources => ranked(&est.top_sources),
            top_names => ranked(&est.top_names),
            daily => est.scenarios.first().map(|s| s.daily.clone()).unwrap_or_default(),
            lifecycle => est.options.lifecycle.stages.iter().map(|(c, d)| format!("{c} {d} days")).collect::<Vec<_>>().join(", then "),
        },
    )
}
