//! End-to-end tests of the `trailhound` binary.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic by design

mod alert;
mod cli;
#[cfg(feature = "cluster")]
mod cluster;
mod cost;
mod pages;
mod repl;
mod s3;
mod saved;
mod sql;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary, blind to the user's setup: no lake from `TRAILHOUND_LAKE`, and a config file
/// (and so a saved-query folder beside it) that does not exist. Tests that want either set it.
pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_trailhound"));
    cmd.env("TRAILHOUND_CONFIG", NO_CONFIG)
        .env_remove("TRAILHOUND_LAKE");
    cmd
}

/// A config file path whose folder does not exist.
pub const NO_CONFIG: &str = "/nonexistent/trailhound/config.toml";

pub use trailhound_testkit::{real_logs_dir, repo_root};

pub fn run(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    bin()
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("run trailhound")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

pub fn ndjson(lake: &Path) -> Vec<serde_json::Value> {
    let out = run(&[&"export", &lake, &"--format", &"ndjson"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect()
}

pub fn canonical(values: &[serde_json::Value]) -> Vec<String> {
    let mut v: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    v.sort();
    v
}

/// The sample archive converted once per test run (read-only for tests).
pub fn sample_lake() -> &'static Path {
    static LAKE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    LAKE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let lake = dir.join("lake");
        let out = run(&[
            &"convert",
            &"-q",
            &repo_root().join("testdata/sample-trail"),
            &lake,
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        lake
    })
}

/// The binary's allocator is mimalloc, which hands freed pages back to the OS after a second
/// (its `purge_delay`): an allocator keeping them for 10 s held 1.2 GB in a 20M-event
/// conversion. mimalloc prints its options at start when asked to in its environment.
#[test]
fn the_allocator_returns_freed_memory_within_a_second() {
    let out = bin()
        .arg("--version")
        .env("MIMALLOC_VERBOSE", "1")
        .output()
        .unwrap();
    assert!(out.status.success());
    let options = text(&out.stderr);
    assert!(
        options.contains("option 'purge_delay': 1000"),
        "{}",
        &options[..options.len().min(2000)]
    );
}
