//! Integration tests of alerting: CloudWatch filter patterns compiled to SQL and run on the
//! sample lake, against the saved CIS queries and hand-made events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod patterns;
mod sigma;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use trailhound_convert::{convert, ConvertOptions, NoProgress};
use trailhound_query::{Engine, EngineOptions};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn converted(src: &Path) -> PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    let lake = dir.join("lake");
    let s = convert(src, &lake, &ConvertOptions::default(), &NoProgress).unwrap();
    assert!(s.events_out > 0);
    lake
}

/// The sample archive converted once per test run.
pub fn sample_lake() -> &'static Path {
    static LAKE: OnceLock<PathBuf> = OnceLock::new();
    LAKE.get_or_init(|| converted(&repo_root().join("testdata/sample-trail")))
}

/// The real corpus (../shared/cloudtrail-real) converted once per test run.
pub fn real_lake() -> &'static Path {
    static LAKE: OnceLock<PathBuf> = OnceLock::new();
    LAKE.get_or_init(|| converted(&trailhound_synth::real_logs_dir()))
}

/// The sample lake rewritten in row groups of 20 rows (rows stay grouped by event name, as the
/// writer lays them out), so that statistics have something to prune.
pub fn small_row_groups() -> &'static Path {
    static LAKE: OnceLock<PathBuf> = OnceLock::new();
    LAKE.get_or_init(|| {
        let lake = tempfile::tempdir().unwrap().keep().join("lake");
        let src = sample_lake().join("cloudtrail");
        let mut stack = vec![src.clone()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let p = entry.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                let out = lake.join("cloudtrail").join(p.strip_prefix(&src).unwrap());
                std::fs::create_dir_all(out.parent().unwrap()).unwrap();
                let batches = trailhound_convert::writer::read_parquet(&p, None).unwrap();
                let props = parquet::file::properties::WriterProperties::builder()
                    .set_max_row_group_row_count(Some(20))
                    .build();
                let f = std::fs::File::create(&out).unwrap();
                let mut w =
                    parquet::arrow::ArrowWriter::try_new(f, batches[0].schema(), Some(props))
                        .unwrap();
                for b in &batches {
                    w.write(b).unwrap();
                }
                w.close().unwrap();
            }
        }
        lake
    })
}

/// The single value of a one-row, one-column query, as text.
pub async fn scalar(e: &Engine, sql: &str) -> String {
    let r = e.run(sql).await.unwrap();
    let rows = trailhound_query::output::text_rows(&r[0].batches).unwrap();
    assert_eq!(rows.len(), 1, "{sql}");
    rows[0][0].clone()
}

pub fn engine(lake: &Path) -> Engine {
    Engine::new(&EngineOptions {
        lake: Some(lake.to_path_buf().into()),
        ..Default::default()
    })
    .unwrap()
}
