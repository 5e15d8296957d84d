//! `cloudtrail_raw` reads the same events as the converted lake, straight from the logs.

use trailhound_query::{Engine, EngineOptions};

use crate::{sample_lake, sample_trail, scalar};

fn both() -> Engine {
    Engine::new(&EngineOptions {
        lake: Some(sample_lake().to_path_buf().into()),
        raw: Some(sample_trail().into()),
        ..Default::default()
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_and_lake_agree() {
    let e = both();
    for q in [
        "SELECT count(*) FROM {t}",
        "SELECT count(DISTINCT eventid) FROM {t}",
        "SELECT sum(_event_bytes) FROM {t}",
        "SELECT count(*) FROM {t} WHERE eventtime >= '2024-08-01' AND eventtime < '2024-08-02'",
        "SELECT count(*) FROM {t} WHERE account = '111122223333' AND region = 'eu-west-1'",
        "SELECT string_agg(DISTINCT date, ',' ORDER BY date) FROM {t}",
        "SELECT count(*) FROM {t} WHERE useridentity.sessioncontext.sessionissuer.arn LIKE '%ci-deploy%'",
    ] {
        let raw = scalar(&e, &q.replace("{t}", "cloudtrail_raw")).await;
        let lake = scalar(&e, &q.replace("{t}", "cloudtrail")).await;
        assert_eq!(raw, lake, "{q}");
    }
    assert_eq!(
        scalar(&e, "SELECT count(*) FROM cloudtrail_raw").await,
        "3013"
    );
}

fn real_both() -> Engine {
    Engine::new(&EngineOptions {
        lake: Some(crate::real_lake().to_path_buf().into()),
        raw: Some(trailhound_testkit::real_logs_dir().into()),
        ..Default::default()
    })
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_real_corpus_decodes_like_convert() {
    let e = real_both();
    // convert quarantines nothing in this corpus (trailhound-convert's real_corpus.rs), so the
    // raw table must read all of it and agree with the lake; `scalar` panics on any error.
    for q in [
        "SELECT count(*) FROM {t}",
        "SELECT count(DISTINCT eventid) FROM {t}",
        "SELECT sum(_event_bytes) FROM {t}",
        "SELECT count(DISTINCT _source) FROM {t}",
        "SELECT count(*) FROM {t} WHERE eventtime IS NULL",
        "SELECT string_agg(DISTINCT account, ',' ORDER BY account) FROM {t}",
        "SELECT string_agg(DISTINCT region, ',' ORDER BY region) FROM {t}",
        "SELECT string_agg(DISTINCT date, ',' ORDER BY date) FROM {t}",
        "SELECT count(*) FROM {t} WHERE useridentity.type = 'IAMUser'",
        "SELECT count(*) FROM {t} WHERE errorcode IS NOT NULL",
        "SELECT sum(length(requestparameters)) FROM {t}",
    ] {
        let raw = scalar(&e, &q.replace("{t}", "cloudtrail_raw")).await;
        let lake = scalar(&e, &q.replace("{t}", "cloudtrail")).await;
        assert_eq!(raw, lake, "{q}");
    }
    // 1,409 records in 139 logs, 3 of them Insights events (the `insights` table).
    assert_eq!(
        scalar(&e, "SELECT count(*) FROM cloudtrail_raw").await,
        "1406"
    );
    assert_eq!(
        scalar(&e, "SELECT count(DISTINCT _source) FROM cloudtrail_raw").await,
        "137"
    );
}

/// `_extra` keeps what did not fit a column (a JSON `null`, a value of another type) whichever
/// columns a query reads: the raw table must not lose it when the column itself is not read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_extra_does_not_depend_on_the_columns_read() {
    let e = real_both();
    for q in [
        "SELECT count(*) FROM {t} WHERE _extra IS NOT NULL",
        "SELECT sum(length(_extra)) FROM {t}",
    ] {
        let raw = scalar(&e, &q.replace("{t}", "cloudtrail_raw")).await;
        let lake = scalar(&e, &q.replace("{t}", "cloudtrail")).await;
        assert_eq!(raw, lake, "{q}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_log_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir
        .path()
        .join("AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/01");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("broken.json.gz"), b"\x1f\x8b\x08\x00garbage").unwrap();
    let e = Engine::new(&EngineOptions {
        raw: Some(dir.path().to_path_buf().into()),
        ..Default::default()
    })
    .unwrap();
    let err = e
        .run("SELECT count(*) FROM cloudtrail_raw")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("broken.json.gz"), "{err}");
    assert!(err.contains("gzip"), "{err}");
}
