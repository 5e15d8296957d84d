//! Integration tests of the record model: lossless round trips on real and crafted records.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic by design

mod fast_path;
mod roundtrip;

use std::path::PathBuf;

/// The shared corpus of real CloudTrail logs. In CI it is always there: a test that needs it
/// fails, never skips, when it is missing.
pub fn real_logs_dir() -> PathBuf {
    let dir = std::env::var_os("TRAILHOUND_REAL_LOGS")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir().join("../../../shared/cloudtrail-real"));
    assert!(
        dir.join("AWSLogs").is_dir(),
        "the real CloudTrail corpus is missing at {}",
        dir.display()
    );
    dir
}

/// This crate's folder: cargo sets CARGO_MANIFEST_DIR when it runs the test, and the value compiled
/// in may be another checkout's when checkouts share a target directory.
fn crate_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}
