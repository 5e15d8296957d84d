//! Converts CloudTrail log archives (local or S3) into a lake (local or S3): Hive-partitioned
//! (`cloudtrail/account=…/region=…/date=…/`) zstd Parquet, row groups in `eventtime` order and
//! rows grouped by `eventname` inside each, with a manifest that makes runs incremental,
//! idempotent and crash-safe. Also compaction and export.
//!
//! Storage (local folders and S3, listing, credentials) comes from `trailhound-store`, the
//! lake's layout and the time window from `trailhound-model`. No query engine here: the lake is
//! plain Parquet any engine reads.

pub mod compact;
pub mod convert;
mod dedup;
pub mod error;
pub mod export;
pub mod lake;
pub mod manifest;
pub mod writer;

pub use convert::{convert, ConvertOptions, ConvertSummary, NoProgress, Progress};
pub use error::{Error, Result};
pub use lake::{Lake, LakeFilter};
