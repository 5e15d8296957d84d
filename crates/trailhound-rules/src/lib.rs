//! What trailhound detects and reports, as data and translations, with no lake, store or engine:
//!
//! - [`catalog`]: the saved queries of `queries/` (embedded at build time) and the user's folders,
//!   their header format and typed parameters;
//! - [`sigma`]: Sigma rules translated to SQL predicates, scans and correlation windows;
//! - [`pattern`] and [`compile`]: CloudWatch Logs filter patterns parsed and turned into SQL;
//! - [`frameworks`]: PCI DSS, SOC 2 and HIPAA controls mapped to saved queries, and their statuses;
//! - [`report`]: the report model (sections, coverage, gaps) and its Markdown.
//!
//! The engine (`trailhound-query`) runs what this crate writes; alerting and the CLI use both.

pub mod catalog;
pub mod compile;
pub mod error;
pub mod frameworks;
pub mod pattern;
pub mod report;
pub mod sigma;

pub use error::{Error, Result};
