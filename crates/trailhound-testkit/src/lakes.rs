//! Lakes for tests: the shipped sample archive and the real corpus, each converted once per test
//! process, and any archive converted into a lake of its own.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use trailhound_convert::{convert, ConvertOptions, NoProgress};
use trailhound_query::{Engine, EngineOptions};

/// The repository's root. `cargo test` sets `CARGO_MANIFEST_DIR` to the running test's crate
/// (every crate sits at `crates/<name>`); the value compiled in may be another checkout's when
/// checkouts share a target directory, so the run-time one is preferred.
pub fn repo_root() -> PathBuf {
    let root = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
        .join("../..");
    // Paths in failure messages read better without `crates/x/../..`.
    root.canonicalize().unwrap_or(root)
}

/// The shipped sample archive (3,000 synthetic events and 13 crafted for the CloudTrail Lake
/// samples, over 8 days, 2 accounts, 3 regions).
pub fn sample_trail() -> PathBuf {
    repo_root().join("testdata/sample-trail")
}

/// The shared corpus of real CloudTrail logs that tests read in place:
/// `$TRAILHOUND_REAL_LOGS`, else `../shared/cloudtrail-real` beside the repository. In CI it is
/// always there, so a test that needs it fails, never skips, when it is missing.
pub fn real_logs_dir() -> PathBuf {
    let dir = std::env::var_os("TRAILHOUND_REAL_LOGS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/cloudtrail-real"));
    assert!(
        dir.join("AWSLogs").is_dir(),
        "the real CloudTrail corpus is missing at {}",
        dir.display()
    );
    dir
}

/// Stratus Red Team's published detonation logs, read in place: `$TRAILHOUND_STRATUS_LOGS`,
/// else `../shared/stratus-red-team` beside the repository (`AWSLogs/…` and `EXPECTED.jsonl`, the
/// technique of each event). Like the real corpus, always there in CI: a test fails without it.
pub fn stratus_dir() -> PathBuf {
    let dir = std::env::var_os("TRAILHOUND_STRATUS_LOGS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/stratus-red-team"));
    assert!(
        dir.join("AWSLogs").is_dir() && dir.join("EXPECTED.jsonl").is_file(),
        "Stratus Red Team's detonation logs are missing at {}",
        dir.display()
    );
    dir
}

/// `src` converted into a new lake, kept for the test run; it must hold events.
pub fn converted(src: &Path) -> PathBuf {
    let lake = tempfile::tempdir().unwrap().keep().join("lake");
    let s = convert(src, &lake, &ConvertOptions::default(), &NoProgress)
        .unwrap_or_else(|e| panic!("{}: {e}", src.display()));
    assert!(s.events_out > 0, "{}: no events", src.display());
    lake
}

/// The sample archive converted once per test process.
pub fn sample_lake() -> &'static Path {
    static LAKE: OnceLock<PathBuf> = OnceLock::new();
    LAKE.get_or_init(|| converted(&sample_trail()))
}

/// The real corpus converted once per test process.
pub fn real_lake() -> &'static Path {
    static LAKE: OnceLock<PathBuf> = OnceLock::new();
    LAKE.get_or_init(|| converted(&real_logs_dir()))
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

/// A local engine over `lake`.
pub fn engine(lake: &Path) -> Engine {
    Engine::new(&EngineOptions {
        lake: Some(lake.to_path_buf().into()),
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{}: {e}", lake.display()))
}
