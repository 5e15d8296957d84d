//! A bound on `eventtime` alone reads only that day's files and row groups: counted from the
//! plan's metrics, not inferred from the answer; and lake scans carry the session's Parquet settings.

use crate::{engine, sample_lake};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_day_reads_one_days_files() {
    let e = engine(sample_lake());
    let all = e
        .scan_stats("SELECT count(*) FROM cloudtrail WHERE eventname <> ''")
        .await
        .unwrap();
    let day = e
        .scan_stats(
            "SELECT count(*) FROM cloudtrail \
             WHERE eventtime >= TIMESTAMP '2024-08-01T00:00:00Z' AND eventtime < TIMESTAMP '2024-08-02T00:00:00Z'",
        )
        .await
        .unwrap();
    let days: usize = std::fs::read_dir(sample_lake().join("cloudtrail"))
        .unwrap()
        .flat_map(|a| std::fs::read_dir(a.unwrap().path()).unwrap())
        .flat_map(|r| std::fs::read_dir(r.unwrap().path()).unwrap())
        .filter(|d| d.as_ref().unwrap().file_name().to_string_lossy() == "date=2024-08-01")
        .map(|d| std::fs::read_dir(d.unwrap().path()).unwrap().count())
        .sum();
    assert!(all.files_opened > days * 4, "{all:?}");
    assert_eq!(day.files_opened, days, "only 2024-08-01's files: {day:?}");
    // The same with Lake's string literal and Athena's ISO text.
    for sql in [
        "SELECT count(*) FROM cloudtrail WHERE eventTime > '2024-08-01 00:00:00' AND eventTime < '2024-08-02 00:00:00'",
        "SELECT count(*) FROM cloudtrail WHERE eventtime BETWEEN '2024-08-01T00:00:00Z' AND '2024-08-01T23:59:59Z'",
    ] {
        let s = e.scan_stats(sql).await.unwrap();
        assert_eq!(s.files_opened, days, "{sql}: {s:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hour_prunes_row_groups_by_statistics() {
    // The sample's files hold a few hundred rows each, one row group. Rewrite the lake with
    // row groups of 20 rows (still sorted by time) so that statistics have something to prune.
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let src = sample_lake().join("cloudtrail");
    let mut stack = vec![src.clone()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p.strip_prefix(&src).unwrap();
            let out = lake.join("cloudtrail").join(rel);
            std::fs::create_dir_all(out.parent().unwrap()).unwrap();
            let read = trailhound_convert::writer::read_parquet(&p, None).unwrap();
            // Inside a row group rows are grouped by name: put them back in time order.
            let batches = vec![trailhound_convert::writer::sort_by_time(&read).unwrap()];
            let props = parquet::file::properties::WriterProperties::builder()
                .set_max_row_group_row_count(Some(20))
                .build();
            let f = std::fs::File::create(&out).unwrap();
            let mut w =
                parquet::arrow::ArrowWriter::try_new(f, batches[0].schema(), Some(props)).unwrap();
            for b in &batches {
                w.write(b).unwrap();
            }
            w.close().unwrap();
        }
    }
    let e = engine(&lake);
    let s = e
        .scan_stats(
            "SELECT count(*) FROM cloudtrail WHERE eventtime >= TIMESTAMP '2024-08-01T15:00:00Z' \
             AND eventtime < TIMESTAMP '2024-08-01T16:00:00Z'",
        )
        .await
        .unwrap();
    assert!(s.row_groups_pruned > 0, "{s:?}");
    assert!(s.row_groups_matched < s.row_groups_pruned, "{s:?}");
    // And the answer is the same as without pruning.
    let n = crate::scalar(
        &e,
        "SELECT count(*) FROM cloudtrail WHERE to_iso8601(eventtime) LIKE '2024-08-01T15:%'",
    )
    .await;
    let m = crate::scalar(
        &e,
        "SELECT count(*) FROM cloudtrail WHERE eventtime >= TIMESTAMP '2024-08-01T15:00:00Z' \
         AND eventtime < TIMESTAMP '2024-08-01T16:00:00Z'",
    )
    .await;
    assert_eq!(n, m);
    assert_ne!(n, "0");
}

/// The lake's scans read with the session's Parquet settings: a format keeps its own, and with
/// DataFusion's default 512 KiB footer guess every lake file was half read from S3 up front.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lake_scans_use_the_sessions_parquet_settings() {
    use datafusion::datasource::physical_plan::{FileScanConfig, ParquetSource};
    use datafusion::datasource::source::DataSourceExec;
    use datafusion::physical_plan::ExecutionPlan;
    use std::sync::Arc;

    fn parquet_options(plan: &Arc<dyn ExecutionPlan>, found: &mut Vec<(Option<usize>, bool)>) {
        if let Some(scan) = plan
            .downcast_ref::<DataSourceExec>()
            .and_then(|d| d.data_source().downcast_ref::<FileScanConfig>())
        {
            if let Some(p) = scan.file_source().downcast_ref::<ParquetSource>() {
                let g = &p.table_parquet_options().global;
                found.push((g.metadata_size_hint, g.reorder_filters));
            }
        }
        for child in plan.children() {
            parquet_options(child, found);
        }
    }

    let e = engine(sample_lake());
    let state = e.context().state();
    let expected = state
        .config()
        .options()
        .execution
        .parquet
        .metadata_size_hint;
    assert_eq!(expected, Some(64 * 1024));
    let logical = state
        .create_logical_plan("SELECT count(*) FROM cloudtrail WHERE eventname = 'ConsoleLogin'")
        .await
        .unwrap();
    let plan = state.create_physical_plan(&logical).await.unwrap();
    let mut found = Vec::new();
    parquet_options(&plan, &mut found);
    assert_eq!(found, vec![(expected, true)]);
}
