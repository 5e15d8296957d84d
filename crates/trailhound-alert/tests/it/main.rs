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

pub fn engine(lake: &Path) -> Engine {
    Engine::new(&EngineOptions {
        lake: Some(lake.to_path_buf().into()),
        ..Default::default()
    })
    .unwrap()
}
