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
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/cloudtrail-real")
        });
    assert!(
        dir.join("AWSLogs").is_dir(),
        "the real CloudTrail corpus is missing at {}",
        dir.display()
    );
    dir
}
