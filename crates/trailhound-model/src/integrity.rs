//! The result of checking one log file against CloudTrail's digests: what `verify` reports per
//! file and what `convert --verify` records per source object in the manifest.

use serde::{Deserialize, Serialize};

/// The state of one log file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogStatus {
    /// Its SHA-256 matches the digest's.
    Valid,
    /// Its SHA-256 differs: edited after delivery.
    Modified,
    /// A digest names it but it is not in the archive.
    Missing,
    /// In the archive, inside the time digests cover, but named by no digest.
    NotCovered,
}

impl LogStatus {
    /// The word the manifest (and the `sources` table's `integrity` column) records.
    pub const fn as_str(self) -> &'static str {
        match self {
            LogStatus::Valid => "valid",
            LogStatus::Modified => "modified",
            LogStatus::Missing => "missing",
            LogStatus::NotCovered => "not_covered",
        }
    }
}
