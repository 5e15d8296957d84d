//! Incremental, idempotent and crash-safe runs, and duplicate handling.

use trailhound_synth::{generate, SynthOptions};

use super::*;

fn synth(dir: &Path, seed: u64, events: u64, start_day: i64) -> trailhound_synth::SynthSummary {
    let opts = SynthOptions {
        events,
        events_per_file: 100,
        seed,
        start_day,
        days: 3,
        ..Default::default()
    };
    generate(dir, &opts).unwrap()
}

/// Copies each file below `root` to the same key under `AWSLogs/<org>/`, as an organization
/// trail delivering the same events would.
fn deliver_again_as_org_trail(root: &Path, paths: &[std::path::PathBuf], org: &str) {
    for p in paths {
        let rel = p
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace("AWSLogs/", &format!("AWSLogs/{org}/"));
        let target = root.join(rel);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(p, target).unwrap();
    }
}

#[test]
fn reruns_convert_only_new_objects_and_twice_is_the_same() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let first = synth(src.path(), 1, 1500, 19_900);
    let s1 = run(src.path(), dest.path());
    assert_eq!((s1.objects_converted, s1.events_out), (first.files, 1500));
    let files_after_first = parquet_files(dest.path());

    let s2 = run(src.path(), dest.path());
    assert_eq!((s2.objects_converted, s2.events_out), (0, 0));
    assert_eq!(s2.objects_unchanged, s2.objects_listed);
    // The rerun lists from the day before the last delivery day on, not the whole archive.
    assert!(
        s2.objects_listed > 0 && s2.objects_listed < first.files,
        "listed {} of {}",
        s2.objects_listed,
        first.files
    );
    assert_eq!(
        parquet_files(dest.path()),
        files_after_first,
        "a second run changes nothing"
    );

    let second = synth(src.path(), 2, 700, 19_910);
    let s3 = run(src.path(), dest.path());
    assert_eq!((s3.objects_converted, s3.events_out), (second.files, 700));
    assert_eq!(lake_events(dest.path(), "cloudtrail").len(), 2200);
    assert_eq!(
        canonical(&lake_events(dest.path(), "cloudtrail")),
        canonical(&source_events(src.path(), "CloudTrail"))
    );
}

#[test]
fn a_windowed_run_does_not_hide_earlier_days_from_the_next_run() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let all = synth(src.path(), 3, 900, 19_900); // three delivery days
    let late = trailhound_model::window::parse_instant("2024-06-28").unwrap(); // day 19_900 + 2
    let opts = |from: Option<i64>| ConvertOptions {
        threads: 2,
        filter: trailhound_store::SourceFilter {
            window: trailhound_model::TimeWindow { from, until: None },
            ..Default::default()
        },
        ..Default::default()
    };
    let s1 = run_with(src.path(), dest.path(), &opts(Some(late)));
    assert!(s1.objects_converted < all.files);
    // Unbounded now: the days the window left out are listed and converted.
    let s2 = run_with(src.path(), dest.path(), &opts(None));
    assert_eq!(s1.objects_converted + s2.objects_converted, all.files);
    assert_eq!(lake_events(dest.path(), "cloudtrail").len(), 900);
}

#[test]
fn a_window_past_the_last_listed_day_does_not_skip_the_days_between() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let opts = |from: Option<i64>| ConvertOptions {
        threads: 2,
        filter: trailhound_store::SourceFilter {
            window: trailhound_model::TimeWindow { from, until: None },
            ..Default::default()
        },
        ..Default::default()
    };
    synth(src.path(), 5, 300, 19_900); // days 19_900-19_902
    run(src.path(), dest.path());
    synth(src.path(), 6, 300, 19_905); // a gap the next run's window skips
    synth(src.path(), 7, 300, 19_910);
    let day_19_910 = trailhound_model::window::parse_instant("2024-07-06").unwrap();
    run_with(src.path(), dest.path(), &opts(Some(day_19_910)));
    // Unbounded again: the days the window skipped are still listed.
    run_with(src.path(), dest.path(), &opts(None));
    assert_eq!(lake_events(dest.path(), "cloudtrail").len(), 900);
}

#[test]
fn an_object_added_to_an_old_day_is_found_with_relist() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let first = synth(src.path(), 4, 900, 19_900);
    run(src.path(), dest.path());
    // A file turns up in the first delivery day (a restored backup, a late copy).
    let old = first.paths.iter().min().unwrap();
    let late = old.with_file_name("111122223333_CloudTrail_us-east-1_late.json.gz");
    std::fs::copy(old, &late).unwrap();
    let quick = run(src.path(), dest.path());
    assert_eq!(
        quick.objects_converted, 0,
        "an incremental run starts at the last day"
    );
    let full = run_with(
        src.path(),
        dest.path(),
        &ConvertOptions {
            threads: 2,
            relist: true,
            ..Default::default()
        },
    );
    assert_eq!(full.objects_converted, 1);
    assert_eq!(full.objects_listed, first.files + 1);
    assert_eq!(
        full.duplicates, full.events_in,
        "its events were already stored"
    );
}

#[test]
fn the_same_event_delivered_twice_is_stored_once_also_across_runs() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let made = synth(src.path(), 3, 400, 19_900);
    run(src.path(), dest.path());
    // An organization trail delivers the same files again under o-…/.
    deliver_again_as_org_trail(src.path(), &made.paths, "o-abc123def4");
    let s = run(src.path(), dest.path());
    assert_eq!((s.events_in, s.duplicates, s.events_out), (400, 400, 0));
    assert_eq!(lake_events(dest.path(), "cloudtrail").len(), 400);

    // Same eventID with other content, and events without an eventID, are all kept.
    let key = "AWSLogs/111122223333/CloudTrail/us-east-1/2024/07/30/x.json.gz";
    let log = br#"{"Records":[{"eventID":"same","eventTime":"2024-07-30T01:00:00Z","eventName":"A"},{"eventID":"same","eventTime":"2024-07-30T01:00:00Z","eventName":"B"},{"eventTime":"2024-07-30T01:00:00Z"},{"eventTime":"2024-07-30T01:00:00Z"},{"eventID":"same","eventTime":"2024-07-30T01:00:00Z","eventName":"A"}]}"#;
    let p = src.path().join(key);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, log).unwrap();
    std::fs::rename(&p, p.with_extension("")).unwrap();
    let s = run(src.path(), dest.path());
    assert_eq!((s.events_in, s.duplicates, s.events_out), (5, 1, 4));
}

#[test]
fn filters_prune_the_listing() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    synth(src.path(), 4, 3000, 19_935);
    let opts = ConvertOptions {
        filter: trailhound_store::SourceFilter {
            accounts: vec!["111122223333".into()],
            regions: vec!["eu-west-1".into()],
            window: trailhound_model::TimeWindow {
                from: Some(19_936 * 86_400_000_000),
                until: Some(19_937 * 86_400_000_000),
            },
        },
        ..Default::default()
    };
    let s = run_with(src.path(), dest.path(), &opts);
    assert!(s.objects_listed > 0);
    for f in parquet_files(dest.path()) {
        assert!(
            f.starts_with("cloudtrail/account=111122223333/region=eu-west-1/"),
            "{f}"
        );
    }
    let lake = Lake::open(dest.path()).unwrap();
    for e in lake.state().sources.keys() {
        let date = &e["AWSLogs/111122223333/CloudTrail/eu-west-1/".len()..][..10];
        assert!(
            ["2024/08/01", "2024/08/02"].contains(&date),
            "{e} is outside the window's delivery days"
        );
    }
}

#[test]
fn an_interrupted_commit_is_rolled_forward() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    synth(src.path(), 5, 500, 19_900);
    run(src.path(), dest.path());
    let files = parquet_files(dest.path());
    // Simulate a crash after the commit was written but before its files were moved into place.
    let lake = Lake::open(dest.path()).unwrap();
    let log = trailhound_convert::manifest::read_log(lake.location()).unwrap();
    let staging = dest.path().join(log[0].staging.as_deref().unwrap());
    for f in &files {
        let to = staging.join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::rename(dest.path().join(f), to).unwrap();
    }
    // And an uncommitted staging folder of a run that died earlier.
    std::fs::create_dir_all(
        dest.path()
            .join("_trailhound/staging/0000000002/cloudtrail"),
    )
    .unwrap();
    std::fs::write(
        dest.path()
            .join("_trailhound/staging/0000000002/cloudtrail/x.parquet"),
        b"half",
    )
    .unwrap();
    drop(lake);
    let s = run(src.path(), dest.path());
    assert_eq!(s.objects_converted, 0);
    assert_eq!(parquet_files(dest.path()), files);
    assert!(!dest.path().join("_trailhound/staging/0000000002").exists());
    assert_eq!(lake_events(dest.path(), "cloudtrail").len(), 500);
}

#[test]
fn compaction_merges_small_files_and_keeps_every_event() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    synth(src.path(), 6, 2000, 19_900);
    // Tiny checkpoints make many small files.
    let opts = ConvertOptions {
        checkpoint_bytes: 20_000,
        threads: 2,
        ..Default::default()
    };
    let s = run_with(src.path(), dest.path(), &opts);
    assert!(s.commits > 3);
    let before = parquet_files(dest.path()).len();
    let events = canonical(&lake_events(dest.path(), "cloudtrail"));
    let mut lake = Lake::open_for_write(dest.path()).unwrap();
    let c =
        trailhound_convert::compact::compact(&mut lake, &LakeFilter::default(), 1_000_000).unwrap();
    drop(lake);
    let after = parquet_files(dest.path()).len();
    assert!(
        after < before && c.files_after as usize <= after,
        "{before} -> {after}"
    );
    assert_eq!(canonical(&lake_events(dest.path(), "cloudtrail")), events);
    // Every source still points at live files.
    let lake = Lake::open(dest.path()).unwrap();
    for s in lake.state().sources.values() {
        for o in &s.outputs {
            assert!(
                lake.state().files.contains_key(o),
                "{} points at removed {o}",
                s.key
            );
        }
    }
}

#[test]
fn a_changed_object_replaces_its_old_records() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let made = synth(src.path(), 7, 600, 19_900);
    run(src.path(), dest.path());
    // Rewrite one object with other events (another size).
    let victim = &made.paths[1];
    let other = tempfile::tempdir().unwrap();
    let replacement = generate(
        other.path(),
        &SynthOptions {
            events: 37,
            events_per_file: 37,
            seed: 99,
            start_day: 19_900,
            days: 1,
            ..Default::default()
        },
    )
    .unwrap();
    std::fs::copy(&replacement.paths[0], victim).unwrap();
    let s = run(src.path(), dest.path());
    assert_eq!(s.changed.len(), 1);
    assert_eq!(s.retracted, 100);
    assert_eq!((s.objects_converted, s.events_out), (1, 37));
    assert_eq!(
        canonical(&lake_events(dest.path(), "cloudtrail")),
        canonical(&source_events(src.path(), "CloudTrail"))
    );
    // The manifest is consistent: every live file is listed, every source points at live files.
    let lake = Lake::open(dest.path()).unwrap();
    for s in lake.state().sources.values() {
        for o in &s.outputs {
            assert!(
                lake.state().files.contains_key(o),
                "{} points at removed {o}",
                s.key
            );
        }
    }
    assert_eq!(
        parquet_files(dest.path()),
        lake.state().files.keys().cloned().collect::<Vec<_>>()
    );
    // And a third run has nothing to do.
    let s = run(src.path(), dest.path());
    assert_eq!((s.objects_converted, s.changed.len()), (0, 0));
}

#[test]
fn duplicates_are_found_across_checkpoints_of_one_run() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let made = synth(src.path(), 8, 300, 19_900);
    deliver_again_as_org_trail(src.path(), &made.paths, "o-zzz999");
    // A commit after every object: each copy meets the first one in the lake, not in memory.
    let s = run_with(
        src.path(),
        dest.path(),
        &ConvertOptions {
            checkpoint_bytes: 1,
            threads: 2,
            ..Default::default()
        },
    );
    assert!(s.commits >= 6, "{}", s.commits);
    assert_eq!((s.events_in, s.duplicates, s.events_out), (600, 300, 300));
    assert_eq!(
        canonical(&lake_events(dest.path(), "cloudtrail")),
        canonical(&source_events(src.path(), "CloudTrail"))
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
    );
}

#[test]
fn only_one_writer_at_a_time() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    synth(src.path(), 10, 100, 19_900);
    let holder = Lake::open_for_write(dest.path()).unwrap();
    let err = trailhound_convert::convert(
        src.path(),
        dest.path(),
        &ConvertOptions::default(),
        &NoProgress,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("another trailhound process is writing this lake"),
        "{err}"
    );
    drop(holder);
    assert_eq!(
        run(src.path(), dest.path()).events_out,
        100,
        "the lock goes with its holder"
    );
}

#[test]
fn events_without_any_date_land_in_date_unknown_and_come_back() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    // A single file outside CloudTrail's layout: no key date, and events without eventTime.
    let file = src.path().join("export.json");
    std::fs::write(&file, br#"{"Records":[{"eventID":"a","recipientAccountId":"<acct>","awsRegion":"us-east-1","@timestamp":"x"},{"eventID":"b"}]}"#).unwrap();
    let s = run(&file, dest.path());
    assert_eq!(s.events_out, 2);
    let files = parquet_files(dest.path());
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("cloudtrail/account=_acct_/region=us-east-1/date=unknown/")),
        "{files:?}"
    );
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("cloudtrail/account=unknown/region=unknown/date=unknown/")),
        "{files:?}"
    );
    let back = lake_events(dest.path(), "cloudtrail");
    assert!(back
        .iter()
        .any(|e| e["@timestamp"] == "x" && e["recipientAccountId"] == "<acct>"));
}

/// One rule for "the same event": equal JSON whatever the key order or spacing (a re-serialised
/// copy with sorted keys, as seen on real rule-test logs), within a run as across runs, so the
/// lake is the same whether two deliveries come in one run or in two.
#[test]
fn duplicates_are_the_same_whether_deliveries_come_in_one_run_or_two() {
    let a = r#"{"Records":[{"eventVersion":"1.08","eventID":"e1","eventTime":"2024-07-30T01:00:00Z","eventName":"PutObject","requestParameters":{"key":"k","bucketName":"b"}},{"eventID":"e2","eventTime":"2024-07-30T02:00:00Z","eventName":"GetObject","userIdentity":{"type":"IAMUser","userName":"ann"}}]}"#;
    // e1 and e2 again with sorted keys and other spacing; another event under e2's ID (kept);
    // and a new one.
    let b = r#"{"Records": [{"eventID": "e1", "eventName": "PutObject", "eventTime": "2024-07-30T01:00:00Z", "eventVersion": "1.08", "requestParameters": {"bucketName": "b", "key": "k"}}, {"eventID": "e2", "eventName": "GetObject", "eventTime": "2024-07-30T02:00:00Z", "userIdentity": {"type": "IAMUser", "userName": "ann"}}, {"eventID": "e2", "eventName": "GetObject", "eventTime": "2024-07-30T02:00:00Z", "userIdentity": {"type": "IAMUser", "userName": "bob"}}, {"eventID": "e4", "eventTime": "2024-07-30T03:00:00Z", "eventName": "ListBuckets"}]}"#;
    let put = |root: &Path, name: &str, text: &str| {
        let p = root.join(format!(
            "AWSLogs/111122223333/CloudTrail/us-east-1/2024/07/30/{name}.json"
        ));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    let (together, apart) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (one_run, two_runs) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    put(together.path(), "a", a);
    put(together.path(), "b", b);
    let s = run(together.path(), one_run.path());
    assert_eq!((s.events_in, s.duplicates, s.events_out), (6, 2, 4));
    put(apart.path(), "a", a);
    run(apart.path(), two_runs.path());
    put(apart.path(), "b", b);
    let s = run(apart.path(), two_runs.path());
    assert_eq!((s.events_in, s.duplicates, s.events_out), (4, 2, 2));
    let once = canonical(&lake_events(one_run.path(), "cloudtrail"));
    assert_eq!(once.len(), 4, "{once:?}");
    assert_eq!(once, canonical(&lake_events(two_runs.path(), "cloudtrail")));
}
