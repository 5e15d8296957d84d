//! Estimates on the sample archive, checked by hand: event counts from an independent Python pass
//! over the raw JSON, compressed sizes and dollars from the log files on disk and the price list.

use std::path::Path;

use trailhound_cost::{Estimate, Lifecycle, ManagementCopy, Options, Pricing, Selectors};
use trailhound_model::TimeWindow;
use trailhound_query::{Engine, EngineOptions};

const GB: f64 = 1073741824.0;
const MONTH_DAYS: f64 = 730.0 / 24.0;

use trailhound_testkit::{real_lake, repo_root as repo, sample_lake};

/// Sizes of the sample's log files on disk.
fn sample_file_sizes() -> Vec<u64> {
    fn walk(p: &Path, out: &mut Vec<u64>) {
        for e in std::fs::read_dir(p).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), out);
            } else if e.path().to_string_lossy().ends_with(".json.gz") {
                out.push(e.metadata().unwrap().len());
            }
        }
    }
    let mut v = Vec::new();
    walk(&repo().join("testdata/sample-trail"), &mut v);
    v
}

fn sets() -> Vec<(String, Selectors)> {
    ["basic.json", "production.json"]
        .iter()
        .map(|f| {
            let s = Selectors::from_file(&repo().join("testdata/selectors").join(f)).unwrap();
            (f.to_string(), s)
        })
        .collect()
}

fn options(pricing: &Pricing) -> Options {
    Options {
        management_copy: ManagementCopy::First,
        cloudwatch_retention_days: None,
        lifecycle: Lifecycle::parse(Lifecycle::DEFAULT, pricing).unwrap(),
        top: 5,
        window: TimeWindow::default(),
    }
}

fn run(lake: &Path, pricing: &Pricing, opts: &Options) -> Estimate {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let engine = Engine::new(&EngineOptions {
            lake: Some(lake.to_path_buf().into()),
            window: opts.window,
            ..Default::default()
        })
        .unwrap();
        trailhound_cost::run(&engine, &sets(), pricing, opts)
            .await
            .unwrap()
    })
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-9 * b.abs().max(1e-6),
        "{what}: got {a}, expected {b}"
    );
}

fn sql_sum(lake: &Path, filter: &str) -> f64 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let engine = Engine::new(&EngineOptions {
            lake: Some(lake.to_path_buf().into()),
            ..Default::default()
        })
        .unwrap();
        let sql =
            format!("SELECT CAST(sum(_event_bytes) AS VARCHAR) FROM cloudtrail WHERE {filter}");
        let r = engine.run(&sql).await.unwrap();
        let rows = trailhound_query::output::text_rows(&r[0].batches).unwrap();
        rows[0][0].parse().unwrap()
    })
}

#[test]
fn counts_match_an_independent_pass_over_the_raw_json() {
    let pricing = Pricing::builtin().unwrap();
    let est = run(sample_lake(), &pricing, &options(&pricing));
    // Python over the 36 raw files: 3,013 events (2,568 management, 444 data, 1 network
    // activity); basic (management, KMS and RDS Data excluded): 2,054; production: 858
    // management writes outside KMS, 77 S3 writes to the four critical buckets.
    let got: Vec<(&str, f64, f64, f64, f64)> = est
        .scenarios
        .iter()
        .map(|s| {
            let p = &s.period;
            (
                s.name.as_str(),
                p.events,
                p.management_events,
                p.data_events,
                p.objects,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("everything", 3013.0, 2568.0, 444.0, 36.0),
            ("basic.json", 2054.0, 2054.0, 0.0, 34.0),
            ("production.json", 935.0, 858.0, 77.0, 34.0),
        ]
    );
    // The data spans 2024-07-31 05:31 to 2024-08-06 23:59: seven whole days.
    assert_eq!(est.period.days, 7.0);
    assert_eq!(est.period.from.as_deref(), Some("2024-07-31T00:00:00Z"));
    for s in &est.scenarios {
        close(s.month.events, s.period.events * 30.0 / 7.0, &s.name);
    }
    // Uncompressed bytes: the same predicates in SQL.
    let lake = sample_lake();
    close(
        est.scenarios[0].period.uncompressed_bytes,
        sql_sum(lake, "true"),
        "everything bytes",
    );
    close(
        est.scenarios[1].period.uncompressed_bytes,
        sql_sum(lake, "eventcategory = 'Management' AND eventsource NOT IN ('kms.amazonaws.com', 'rdsdata.amazonaws.com')"),
        "basic bytes",
    );
    close(
        est.scenarios[2].period.uncompressed_bytes,
        sql_sum(lake, "(eventcategory = 'Management' AND NOT coalesce(readonly, false) AND eventsource <> 'kms.amazonaws.com') \
            OR (eventcategory = 'Data' AND NOT readonly AND (resources[1].arn LIKE 'arn:aws:s3:::%-orders-data/%' OR resources[1].arn LIKE 'arn:aws:s3:::%-backups/%'))"),
        "production bytes (an event without readOnly counts as a write, as CloudTrail's WriteOnly)",
    );
    // Everything delivers exactly the files on disk.
    let disk: u64 = sample_file_sizes().iter().sum();
    close(
        est.scenarios[0].period.compressed_bytes,
        disk as f64,
        "gzipped bytes",
    );
    let share =
        est.scenarios[1].period.uncompressed_bytes / est.scenarios[0].period.uncompressed_bytes;
    assert!(est.scenarios[1].period.compressed_bytes < disk as f64 * (share + 0.05));
}

#[test]
fn dollars_by_hand() {
    let pricing = Pricing::builtin().unwrap();
    let mut opts = options(&pricing);
    opts.cloudwatch_retention_days = Some(30);
    let est = run(sample_lake(), &pricing, &opts);
    let sizes = sample_file_sizes();
    // Every sample file is below the 128 KB transition minimum: all stay in STANDARD 365 days.
    assert!(sizes.iter().all(|s| *s < 131072));
    let scale = 30.0 / 7.0;
    let disk: f64 = sizes.iter().map(|s| *s as f64).sum();
    let e = &est.scenarios[0].dollars_month;
    close(e.management_events, 0.0, "first copy is free");
    close(e.data_events, 444.0 * scale * 0.10 / 1e5, "data events");
    close(
        e.network_activity_events,
        scale * 0.10 / 1e5,
        "the one network activity event",
    );
    close(
        e.s3_storage,
        disk / GB * 0.023 * 365.0 / MONTH_DAYS * scale,
        "S3 storage",
    );
    close(e.s3_requests, 36.0 * 0.005 / 1000.0 * scale, "PUTs");
    let json = sql_sum(sample_lake(), "true");
    close(
        e.cloudwatch_logs,
        json * scale / GB * 0.50 + disk * scale / GB * 0.03 * 30.0 / MONTH_DAYS,
        "CloudWatch Logs",
    );
    close(
        e.total,
        e.data_events
            + e.network_activity_events
            + e.s3_storage
            + e.s3_requests
            + e.cloudwatch_logs,
        "total",
    );
    // Savings are against everything.
    for s in &est.scenarios[1..] {
        close(s.saving_month, e.total - s.dollars_month.total, &s.name);
    }
    // An additional copy pays for management events.
    opts.management_copy = ManagementCopy::Additional;
    let est2 = run(sample_lake(), &pricing, &opts);
    close(
        est2.scenarios[1].dollars_month.management_events,
        2054.0 * scale * 2.0 / 1e5,
        "additional copy",
    );
}

#[test]
fn a_pricing_override_changes_the_dollars_and_nothing_else() {
    let builtin = Pricing::builtin().unwrap();
    let text = trailhound_cost::pricing::DEFAULT_PRICING
        .replace("data_events_per_100k = 0.10", "data_events_per_100k = 0.25")
        .replace("min_transition_bytes = 131072", "min_transition_bytes = 0");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prices.toml");
    std::fs::write(&path, text).unwrap();
    let custom = Pricing::from_file(&path).unwrap();
    let a = run(sample_lake(), &builtin, &options(&builtin));
    let b = run(sample_lake(), &custom, &options(&custom));
    for (x, y) in a.scenarios.iter().zip(&b.scenarios) {
        assert_eq!(x.period, y.period);
        assert_eq!(x.month, y.month);
    }
    assert_eq!(a.top_sources.len(), b.top_sources.len());
    let scale = 30.0 / 7.0;
    let d = &b.scenarios[0].dollars_month;
    close(
        d.data_events,
        444.0 * scale * 0.25 / 1e5,
        "data events at the new price",
    );
    // Now every file moves to STANDARD_IA after 30 days, billed at 128 KB for 335 days.
    let sizes = sample_file_sizes();
    let storage: f64 = sizes
        .iter()
        .map(|s| {
            let s = *s as f64;
            s / GB * 0.023 * 30.0 / MONTH_DAYS + 131072f64.max(s) / GB * 0.0125 * 335.0 / MONTH_DAYS
        })
        .sum::<f64>()
        * scale;
    close(d.s3_storage, storage, "lifecycle storage");
    close(
        d.s3_requests,
        36.0 * (0.005 + 0.01) / 1000.0 * scale,
        "PUTs and transitions",
    );

    // A broken price file names itself and the problem.
    std::fs::write(&path, "version = 1\n").unwrap();
    let e = Pricing::from_file(&path).unwrap_err().to_string();
    assert!(
        e.contains("prices.toml") && e.contains("invalid type"),
        "{e}"
    );
    std::fs::write(
        &path,
        trailhound_cost::pricing::DEFAULT_PRICING.replace("put_per_1000", "puts_per_1000"),
    )
    .unwrap();
    let e = Pricing::from_file(&path).unwrap_err().to_string();
    assert!(e.contains("puts_per_1000"), "{e}");
}

#[test]
fn lifecycle_specs() {
    let p = Pricing::builtin().unwrap();
    let l = Lifecycle::parse("standard:30, GLACIER:60 ,DEEP_ARCHIVE:275", &p).unwrap();
    assert_eq!(l.total_days(), 365);
    for (spec, want) in [
        ("STANDARD", "is not CLASS:DAYS"),
        ("STANDARD:0", "not a number of days from 1 to 36500"),
        (
            "STANDARD:4294967295,GLACIER:1",
            "not a number of days from 1 to 36500",
        ),
        ("TAPE:30", "unknown storage class TAPE"),
        ("", "no stages"),
    ] {
        let e = Lifecycle::parse(spec, &p).unwrap_err().to_string();
        assert!(e.contains(want), "{spec}: {e}");
    }
}

#[test]
fn window_sets_the_period() {
    let pricing = Pricing::builtin().unwrap();
    let mut opts = options(&pricing);
    opts.window.from = trailhound_model::window::parse_instant("2024-08-01").ok();
    opts.window.until = trailhound_model::window::parse_instant("2024-08-03").ok();
    let est = run(sample_lake(), &pricing, &opts);
    assert_eq!(est.period.days, 2.0);
    let s = &est.scenarios[0];
    assert!(s.period.events > 0.0 && s.period.events < 3000.0);
    close(s.month.events, s.period.events * 15.0, "scaled to 30 days");
    assert!(est.period.first_event.as_deref().unwrap() >= "2024-08-01");
    assert!(est.period.last_event.as_deref().unwrap() < "2024-08-03");
}

#[test]
fn exclusions_rank_by_volume_and_price_the_saving() {
    let pricing = Pricing::builtin().unwrap();
    let est = run(sample_lake(), &pricing, &options(&pricing));
    let bytes: Vec<f64> = est
        .top_sources
        .iter()
        .map(|e| e.uncompressed_bytes_month)
        .collect();
    assert!(bytes.windows(2).all(|w| w[0] >= w[1]), "{bytes:?}");
    let s3 = est
        .top_sources
        .iter()
        .find(|e| e.event_source == "s3.amazonaws.com")
        .unwrap();
    // Leaving out S3's data events saves at least their event charge (442 a week).
    assert!(s3.saving_month > 442.0 * 30.0 / 7.0 * 0.10 / 1e5);
    assert!(s3.how.contains("data"), "{}", s3.how);
    let kms = est
        .top_sources
        .iter()
        .find(|e| e.event_source == "kms.amazonaws.com")
        .unwrap();
    close(kms.events_month, 515.0 * 30.0 / 7.0, "kms events");
    // The crafted VPC endpoint denial is a KMS network-activity event: its selector goes too.
    assert_eq!(
        kms.how,
        "ExcludeManagementEventSources kms.amazonaws.com; network activity: drop its eventSource selector"
    );
    // Management events of the first copy are free: excluding them only saves storage.
    assert!(kms.saving_month > 0.0 && kms.saving_month < s3.saving_month);
    assert!(est.top_names.iter().all(|e| e.event_name.is_some()));
}

#[test]
fn real_logs_without_categories_are_priced() {
    let lake = real_lake();
    let pricing = Pricing::builtin().unwrap();
    let est = run(lake, &pricing, &options(&pricing));
    let p = &est.scenarios[0].period;
    // 1,406 events: 1,207 Management, 187 older records without eventCategory (management), and
    // 12 data events (10 with eventCategory Data, 2 flagged only by managementEvent = false… or
    // by their category alone).
    assert_eq!(
        (p.events, p.management_events, p.data_events),
        (1406.0, 1394.0, 12.0)
    );
    assert!(est.sizes_measured);
}

#[test]
fn days_add_up_and_the_bucket_fills_along_the_lifecycle() {
    let pricing = Pricing::builtin().unwrap();
    let est = run(sample_lake(), &pricing, &options(&pricing));
    for s in &est.scenarios {
        // Every event is on one day of the period, and the days are the period's.
        let events: u64 = s.daily.iter().map(|d| d.events).sum();
        let bytes: u64 = s.daily.iter().map(|d| d.uncompressed_bytes).sum();
        assert_eq!(events as f64, s.period.events, "{}", s.name);
        assert_eq!(bytes as f64, s.period.uncompressed_bytes, "{}", s.name);
        assert_eq!(s.daily.first().map(|d| d.day.as_str()), Some("2024-07-31"));
        assert_eq!(s.daily.last().map(|d| d.day.as_str()), Some("2024-08-06"));
    }
    assert_eq!(est.storage_classes, ["STANDARD", "STANDARD_IA"]);
    let s = &est.scenarios[0];
    let per_day = s.period.compressed_bytes / est.period.days;
    let at = |day: u32| {
        s.storage_curve
            .iter()
            .find(|p| p.day == day)
            .unwrap_or_else(|| panic!("no point at day {day}"))
    };
    // Day 7: eight days of deliveries, all in STANDARD.
    close(at(7).bytes[0], 8.0 * per_day, "day 7 standard");
    assert_eq!(at(7).bytes[1], 0.0);
    // Day 365: the sample's files are all below S3's 128 KiB transition minimum, so a year of
    // deliveries (the first day's expired) stays in STANDARD.
    close(at(365).bytes[0], 365.0 * per_day, "day 365, small files");
    assert_eq!(at(365).bytes[1], 0.0);
    // Files that may transition: 30 days in STANDARD, the 335 before them in STANDARD_IA.
    let mut any_size = pricing.clone();
    any_size.s3.min_transition_bytes = 0;
    let est2 = run(sample_lake(), &any_size, &options(&any_size));
    let last = est2.scenarios[0].storage_curve.last().unwrap();
    assert_eq!(last.day, 365);
    close(last.bytes[0], 30.0 * per_day, "day 365 standard");
    close(last.bytes[1], 335.0 * per_day, "day 365 standard-ia");
    let price = |c: &str| pricing.class(c).unwrap().gb_month;
    close(
        last.dollars_month,
        (30.0 * price("STANDARD") + 335.0 * price("STANDARD_IA")) * per_day / GB,
        "day 365 dollars",
    );
    // Never shrinking in the first year.
    for w in s.storage_curve.windows(2) {
        assert!(w[1].bytes.iter().sum::<f64>() >= w[0].bytes.iter().sum::<f64>());
    }
}
