//! Tests of the pages: their HTML structure (snapshots of small pages, with the stylesheet and
//! the charts' drawing left out), escaping of attacker-controlled text, and the charts' text
//! alternatives. How they render is checked in Chromium by the CLI's tests.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests panic by design

use std::collections::BTreeMap;

use trailhound_cost::estimate::{
    Counts, DailyVolume, Dollars, Exclusion, Options, Period, Scenario, StoragePoint,
};
use trailhound_cost::{Estimate, Lifecycle, ManagementCopy};
use trailhound_pages::charts::{self, Series, PALETTE};
use trailhound_query::timeline::{Issuance, Session, Timeline, TimelineEvent};
use trailhound_rules::report::{Coverage, RegionCoverage, Report, Section};

const SCRIPT: &str = "<script>alert(1)</script>";
const ATTR: &str = "\"><img src=x onerror=alert(1)>";

/// The page with its stylesheet and the inside of its charts left out: what the snapshot holds.
fn outline(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("</svg>").expect("closed svg") + start + 6;
        let svg = &rest[start..end];
        let shapes = [
            "<rect",
            "<path",
            "<polyline",
            "<polygon",
            "<circle",
            "<line",
            "<text",
        ]
        .iter()
        .map(|t| svg.matches(t).count())
        .sum::<usize>();
        let label = svg
            .split("aria-label=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or("");
        out.push_str(&format!(
            "<svg aria-label=\"{label}\">[{} elements]</svg>",
            if shapes > 0 { "some" } else { "no" }
        ));
        rest = &rest[end..];
    }
    out.push_str(rest);
    let (a, b) = (out.find("<style>").unwrap(), out.find("</style>").unwrap());
    out.replace_range(a + 7..b, "…");
    out
}

fn section(name: &str, count: usize, rows: Vec<Vec<String>>, per_day: &[(&str, u64)]) -> Section {
    Section {
        name: name.into(),
        title: format!("Check {name}"),
        severity: "high".into(),
        description: "What it looks for.".into(),
        references: vec!["CIS 4.3".into()],
        attack: vec!["T1078.004".into()],
        status: if count > 0 { "findings" } else { "none" }.into(),
        count,
        columns: vec!["eventid".into(), "eventtime".into(), "principal".into()],
        rows,
        error: None,
        time_column: Some("eventtime".into()),
        per_day: per_day.iter().map(|(d, n)| (d.to_string(), *n)).collect(),
    }
}

fn small_report() -> Report {
    let days = |d: &[&str]| {
        d.iter()
            .map(|d| (d.to_string(), 10))
            .collect::<BTreeMap<_, _>>()
    };
    Report {
        kind: "compliance".into(),
        from: "2024-08-01T00:00:00Z".into(),
        until: "2024-08-05T00:00:00Z".into(),
        coverage: Coverage {
            events: 70,
            first_event: Some("2024-08-01T01:00:00Z".into()),
            last_event: Some("2024-08-04T23:00:00Z".into()),
            accounts: vec!["111122223333".into()],
            regions: vec!["us-east-1".into(), "us-west-2".into()],
            by_region: vec![
                RegionCoverage {
                    account: "111122223333".into(),
                    region: "us-east-1".into(),
                    events: 40,
                    days: days(&["2024-08-01", "2024-08-02", "2024-08-03", "2024-08-04"]),
                    gaps: vec![],
                },
                RegionCoverage {
                    account: "111122223333".into(),
                    region: "us-west-2".into(),
                    events: 30,
                    days: days(&["2024-08-01", "2024-08-02", "2024-08-04"]),
                    gaps: vec!["2024-08-03".into()],
                },
            ],
        },
        framework: None,
        sections: vec![
            section(
                "root-usage",
                2,
                vec![
                    vec!["e1".into(), "2024-08-02T10:00:00Z".into(), SCRIPT.into()],
                    vec!["e2".into(), "2024-08-03T10:00:00Z".into(), ATTR.into()],
                ],
                &[("2024-08-02", 1), ("2024-08-03", 1)],
            ),
            section("nothing-found", 0, vec![], &[]),
            Section {
                status: "error".into(),
                error: Some(format!("no column {SCRIPT}")),
                ..section("broken", 0, vec![], &[])
            },
        ],
    }
}

#[test]
fn report_page_structure() {
    std::env::set_var("SOURCE_DATE_EPOCH", "1722816000");
    let html = trailhound_pages::report(&small_report()).unwrap();
    insta::assert_snapshot!("report", outline(&html));
}

#[test]
fn report_page_shows_attacker_text_as_text() {
    let html = trailhound_pages::report(&small_report()).unwrap();
    assert!(!html.contains("<script"), "a script element");
    assert!(!html.contains("<img"), "an img element");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    // A failing check is not a pass.
    assert!(html.contains("could not run"));
}

fn small_estimate() -> Estimate {
    let counts = Counts {
        events: 3000.0,
        management_events: 2000.0,
        data_events: 1000.0,
        network_activity_events: 0.0,
        uncompressed_bytes: 4e6,
        compressed_bytes: 5e5,
        objects: 30.0,
    };
    let dollars = Dollars {
        management_events: 0.0,
        data_events: 0.1,
        network_activity_events: 0.0,
        s3_storage: 0.02,
        s3_requests: 0.01,
        cloudwatch_logs: 0.0,
        total: 0.13,
    };
    let scenario = |name: &str, f: f64| Scenario {
        name: name.into(),
        period: counts.clone(),
        month: counts.clone(),
        dollars_month: dollars.clone(),
        saving_month: 0.13 * (1.0 - f),
        saving_share: 1.0 - f,
        daily: (1..=3)
            .map(|d| DailyVolume {
                day: format!("2024-08-0{d}"),
                events: (1000.0 * f) as u64 + d,
                uncompressed_bytes: (1e6 * f) as u64,
            })
            .collect(),
        storage_curve: [0u32, 7, 14, 365]
            .iter()
            .map(|d| StoragePoint {
                day: *d,
                bytes: vec![
                    1e5 * (*d).min(30) as f64 * f,
                    1e5 * d.saturating_sub(30) as f64 * f,
                ],
                dollars_month: 0.01 * *d as f64,
            })
            .collect(),
    };
    let exclusion = |source: &str, name: Option<&str>| Exclusion {
        event_source: source.into(),
        event_name: name.map(str::to_string),
        events_month: 100.0,
        uncompressed_bytes_month: 1e5,
        byte_share: 0.25,
        saving_month: 0.05,
        how: "data: advanced selector eventName NotEquals".into(),
    };
    Estimate {
        period: Period {
            from: Some("2024-08-01T00:00:00Z".into()),
            until: Some("2024-08-04T00:00:00Z".into()),
            days: 3.0,
            first_event: None,
            last_event: None,
        },
        pricing_version: "test".into(),
        pricing_region: "us-east-1".into(),
        options: Options {
            management_copy: ManagementCopy::First,
            cloudwatch_retention_days: None,
            lifecycle: Lifecycle {
                stages: vec![("STANDARD".into(), 30), ("STANDARD_IA".into(), 335)],
            },
            top: 2,
            window: Default::default(),
        },
        sizes_measured: true,
        scenarios: vec![scenario("everything", 1.0), scenario("basic.json", 0.5)],
        top_sources: vec![exclusion("s3.amazonaws.com", None), exclusion(SCRIPT, None)],
        top_names: vec![
            exclusion("s3.amazonaws.com", Some("GetObject")),
            exclusion("kms.amazonaws.com", Some(ATTR)),
        ],
        storage_classes: vec!["STANDARD".into(), "STANDARD_IA".into()],
    }
}

#[test]
fn cost_page_structure() {
    std::env::set_var("SOURCE_DATE_EPOCH", "1722816000");
    let html = trailhound_pages::cost(&small_estimate()).unwrap();
    assert!(!html.contains("<script") && !html.contains("<img"));
    insta::assert_snapshot!("cost", outline(&html));
}

fn small_timeline() -> Timeline {
    let t0 = 1_722_592_800_000_000i64; // 2024-08-02T10:00:00Z
    let ev = |i: i64, error: Option<&str>| TimelineEvent {
        time: trailhound_model::time::format_event_time(t0 + i * 60_000_000),
        micros: t0 + i * 60_000_000,
        event_id: format!("e{i}"),
        event_source: "s3.amazonaws.com".into(),
        event_name: "GetObject".into(),
        account: "111122223333".into(),
        region: "us-east-1".into(),
        principal: "arn:aws:sts::111122223333:assumed-role/Deep/work".into(),
        access_key: Some("ASIADEEP".into()),
        source_ip: "203.0.113.7".into(),
        user_agent: ATTR.into(),
        error_code: error.map(str::to_string),
        error_message: error.map(|_| SCRIPT.to_string()),
        read_only: Some(true),
        resources: vec!["arn:aws:s3:::finance/q3.xlsx".into()],
        session: 0,
    };
    let events = vec![ev(0, None), ev(1, Some("AccessDenied")), ev(90, None)];
    Timeline {
        subject_kind: "principal".into(),
        subject: "Deep".into(),
        from: None,
        until: None,
        times: events
            .iter()
            .map(|e| (e.micros, e.error_code.is_some()))
            .collect(),
        total: 3,
        errors: 1,
        sessions: vec![Session {
            key: Some("ASIADEEP".into()),
            principal: "arn:aws:sts::111122223333:assumed-role/Deep/work".into(),
            issuer: Some("arn:aws:iam::111122223333:role/Deep".into()),
            created: None,
            mfa: Some("false".into()),
            first: events[0].time.clone(),
            last: events[2].time.clone(),
            events: 3,
            errors: 1,
            source_ips: vec!["203.0.113.7".into()],
            chain: vec![Issuance {
                time: "2024-08-02T09:59:00Z".into(),
                event_name: "AssumeRole".into(),
                caller: "arn:aws:iam::111122223333:user/alice".into(),
                caller_key: Some("AKIAALICE".into()),
                source_ip: "203.0.113.7".into(),
                role_arn: Some("arn:aws:iam::111122223333:role/Deep".into()),
                session_name: Some("work".into()),
            }],
        }],
        events,
    }
}

#[test]
fn timeline_page_structure() {
    std::env::set_var("SOURCE_DATE_EPOCH", "1722816000");
    let html = trailhound_pages::timeline(&small_timeline()).unwrap();
    assert!(!html.contains("<script") && !html.contains("<img"));
    insta::assert_snapshot!("timeline", outline(&html));
}

#[test]
fn charts_carry_a_text_alternative_and_escape_their_labels() {
    let svg = charts::hbars(
        &format!("bars {SCRIPT}"),
        &[(SCRIPT.to_string(), 2.0, ATTR.to_string())],
        400,
    )
    .unwrap();
    assert!(
        svg.starts_with("<svg role=\"img\" aria-label=\"bars &lt;script&gt;"),
        "{svg}"
    );
    assert!(svg.contains("<title>bars &lt;script&gt;"));
    assert!(!svg.contains("<script") && !svg.contains("<img"), "{svg}");
    let bars = charts::bars(
        "two series",
        &["a".into(), "b".into()],
        &[
            Series {
                name: "ok",
                values: vec![1.0, 2.0],
            },
            Series {
                name: "errors",
                values: vec![0.0, 1.0],
            },
        ],
        &PALETTE,
        (300, 120),
        &|v| format!("{v}"),
    )
    .unwrap();
    let empty = charts::bars(
        "two series",
        &["a".into(), "b".into()],
        &[
            Series {
                name: "ok",
                values: vec![0.0, 0.0],
            },
            Series {
                name: "errors",
                values: vec![0.0, 0.0],
            },
        ],
        &PALETTE,
        (300, 120),
        &|v| format!("{v}"),
    )
    .unwrap();
    // Three bars more than the same chart without data, and both series named in the legend
    // (colour is not the only cue).
    assert_eq!(
        bars.matches("<rect").count(),
        empty.matches("<rect").count() + 3
    );
    assert!(bars.contains("\nok\n</text>"), "{bars}");
    assert!(bars.contains("\nerrors\n</text>"), "{bars}");
}

#[test]
fn coverage_grid_marks_gaps_with_a_sign_not_only_a_colour() {
    let svg = charts::grid(
        "grid",
        &["111122223333 / us-east-1".into()],
        &["2024-08-01".into(), "2024-08-02".into()],
        &[vec![5, 0]],
        &[vec![false, true]],
        400,
    )
    .unwrap();
    assert_eq!(svg.matches('×').count(), 1, "{svg}");
}
