//! Tests of the cost model: selector semantics and validation, and estimates on the sample
//! archive checked against hand computations (counts from an independent pass over the raw JSON,
//! dollars from the log files' sizes on disk and the price list).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod estimate;
mod selectors;
