//! The trailhound query engine: DataFusion over the lake `convert` writes (`cloudtrail`,
//! `insights`) and over raw log folders (`cloudtrail_raw`), with the functions and coercions
//! Athena and CloudTrail Lake queries need, and result formatting for the CLI. It runs what
//! `trailhound-rules` writes: saved queries into reports, Sigma rules in shared scans.
//!
//! Everything registered here is a plain DataFusion table provider or scalar UDF, so the same
//! lake and SQL run on any DataFusion-based engine.

mod coerce;
mod dialect;
pub mod engine;
pub mod error;
pub mod functions;
pub mod lake_table;
#[cfg(unix)]
mod local_store;
pub mod lookup;
pub mod output;
pub mod prune;
pub mod raw_table;
pub mod remote;
pub mod report;
pub mod sigma;
pub mod stats;
mod tail_cache;
pub mod timeline;

pub use engine::{Engine, EngineOptions, QueryOutput};
pub use error::{QueryError, Result};
pub use remote::Remote;

/// The object store the engine reads local lake files with (`file://`): positioned reads in
/// place. Executors of a cluster register it too.
#[cfg(unix)]
pub fn local_file_store() -> std::sync::Arc<dyn object_store::ObjectStore> {
    std::sync::Arc::new(local_store::InlineLocalFs::default())
}

/// Arrow, as the engine uses it (for callers building or reading results).
pub use datafusion::arrow;

/// SQL keywords, for completion.
pub fn sqlparser_keywords() -> &'static [&'static str] {
    datafusion::sql::sqlparser::keywords::ALL_KEYWORDS
}
