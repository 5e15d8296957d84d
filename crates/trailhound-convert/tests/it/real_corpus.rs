//! The real corpus converts without loss: every event comes back from the lake equal to its
//! source, Insights go to their own dataset, digests are recognised, partitions are sane.

use std::collections::BTreeSet;

use super::*;

#[test]
fn every_real_event_survives_conversion() {
    let src = real_logs_dir();
    let dest = tempfile::tempdir().unwrap();
    let s = run(&src, dest.path());
    assert_eq!(s.digests, 3);
    assert!(s.quarantined.is_empty(), "{:?}", s.quarantined);
    assert!(s.failed.is_empty(), "{:?}", s.failed);
    assert_eq!(s.objects_converted, 139);
    assert_eq!(s.events_in, 1409);
    assert_eq!(s.events_out + s.duplicates, 1409);

    let mut want = source_events(&src, "CloudTrail");
    let mut got = lake_events(dest.path(), "cloudtrail");
    // Exact duplicates (same eventID, same text) are stored once: compare as sets of distinct events.
    let (want_set, got_set): (BTreeSet<_>, BTreeSet<_>) = (
        canonical(&want).into_iter().collect(),
        canonical(&got).into_iter().collect(),
    );
    assert_eq!(
        got.len() + s.duplicates as usize,
        want.len(),
        "stored events plus duplicates"
    );
    assert_eq!(want_set, got_set);

    want = source_events(&src, "CloudTrail-Insight");
    got = lake_events(dest.path(), "insights");
    assert_eq!(want.len(), 3);
    assert_eq!(canonical(&want), canonical(&got));
}

#[test]
fn partitions_come_from_keys_and_are_safe_paths() {
    let dest = tempfile::tempdir().unwrap();
    run(&real_logs_dir(), dest.path());
    let files = parquet_files(dest.path());
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("cloudtrail/account=_accountId_/region=es-east-1/")),
        "{files:?}"
    );
    assert!(files
        .iter()
        .any(|f| f.starts_with("cloudtrail/account=700___/")));
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("cloudtrail/account=001122334455/")),
        "leading zeros kept"
    );
    for f in &files {
        let parts: Vec<&str> = f.split('/').collect();
        assert_eq!(parts.len(), 5, "{f}");
        assert!(
            parts[1].starts_with("account=")
                && parts[2].starts_with("region=")
                && parts[3].starts_with("date="),
            "{f}"
        );
        let date = &parts[3][5..];
        assert!(
            date == "unknown" || (date.len() == 10 && &date[4..5] == "-"),
            "{f}"
        );
    }
    // Logstash-exported events have no eventTime: they land on the key's delivery date.
    assert!(files.iter().any(
        |f| f.starts_with("cloudtrail/account=123456789123/region=us-east-1/date=2020-09-14/")
    ));
}
