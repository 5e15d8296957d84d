//! Integration tests of the query engine: SQL behaviour as sqllogictest files over the sample
//! archive and the real corpus, pruning proven by plan metrics, the raw-log table, lookups.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod lookup;
mod pruning;
mod raw;
mod saved;
mod slt;
mod slt_db;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use trailhound_convert::{convert, ConvertOptions, NoProgress};
use trailhound_query::{Engine, EngineOptions};

/// The shipped sample archive (3,000 synthetic events and 13 crafted for the CloudTrail Lake samples, over 8 days, 2 accounts, 3 regions).
pub fn sample_trail() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample-trail")
}

fn converted(src: &Path) -> PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    let lake = dir.join("lake");
    let s = convert(src, &lake, &ConvertOptions::default(), &NoProgress).unwrap();
    assert!(s.events_out > 0);
    lake
}

/// The sample archive converted once per test run.
pub fn sample_lake() -> &'static Path {
    static LAKE: OnceLock<PathBuf> = OnceLock::new();
    LAKE.get_or_init(|| converted(&sample_trail()))
}

/// The real corpus (../shared/cloudtrail-real) converted once per test run.
pub fn real_lake() -> &'static Path {
    static LAKE: OnceLock<PathBuf> = OnceLock::new();
    LAKE.get_or_init(|| converted(&trailhound_synth::real_logs_dir()))
}

pub fn engine(lake: &Path) -> Engine {
    Engine::new(&EngineOptions {
        lake: Some(lake.to_path_buf().into()),
        ..Default::default()
    })
    .unwrap()
}

/// The single value of a one-row, one-column query, as text.
pub async fn scalar(e: &Engine, sql: &str) -> String {
    let r = e.run(sql).await.unwrap();
    let rows = trailhound_query::output::text_rows(&r[0].batches).unwrap();
    assert_eq!(rows.len(), 1, "{sql}");
    rows[0][0].clone()
}
