//! `verify`: CloudTrail log-file integrity validation done offline, on a local copy of a trail's
//! bucket: each digest's RSA signature (SHA256withRSA over CloudTrail's data-to-sign string), the
//! chain of digests (`previousDigestHashValue`, `previousDigestSignature`), and each referenced
//! log file's SHA-256 of its uncompressed content. Reports valid, modified, missing and uncovered
//! log files, missing or broken digests, gaps in time and signature failures.

pub mod digest;
pub mod error;
pub mod keys;
pub mod report;
pub mod verify;

pub use error::{Error, Result};
pub use keys::PublicKeys;
pub use report::{Finding, Report};
pub use verify::{status_by_source, verify, verify_at, VerifyOptions};
