//! The trailhound cost model: what a CloudTrail trail costs, logging everything or with event
//! selectors, measured on the events of an archive.
//!
//! - [`selectors`]: read, validate (as CloudTrail does) and evaluate basic and advanced selectors.
//! - [`pricing`]: the versioned price file (built in: us-east-1), replaceable.
//! - [`scan`]: one pass over the lake, judging every event by every selector set.
//! - [`estimate`]: volumes to a monthly bill (events, S3 over a lifecycle, CloudWatch Logs).
//! - [`report`]: table, Markdown and JSON output.

pub mod error;
pub mod estimate;
pub mod pricing;
pub mod report;
pub mod scan;
pub mod selectors;

pub use error::{Error, Result};
pub use estimate::{estimate, Estimate, Lifecycle, ManagementCopy, Options};
pub use pricing::Pricing;
pub use selectors::Selectors;

/// Measures the lake behind `engine` (its window applies; log-file sizes come from its
/// `sources` table, so a lake in S3 is measured like one on disk) and prices each named
/// selector set.
pub async fn run(
    engine: &trailhound_query::Engine,
    sets: &[(String, Selectors)],
    pricing: &Pricing,
    opts: &Options,
) -> Result<Estimate> {
    let sizes = scan::source_sizes(engine).await?;
    let selectors: Vec<Selectors> = sets.iter().map(|(_, s)| s.clone()).collect();
    let m = scan::measure(engine, &selectors, &sizes).await?;
    let names: Vec<String> = sets.iter().map(|(n, _)| n.clone()).collect();
    Ok(estimate(&m, &names, pricing, opts))
}
