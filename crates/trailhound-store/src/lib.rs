//! Where trailhound reads and writes. A user names a folder once, as a [`Locator`] (a local
//! path or `s3://bucket/prefix`); it opens as a [`Location`], one object_store interface for
//! both, so that every crate above has one code path for local disk and S3.
//!
//! - [`locator`]: the user's string parsed once into a local path or an S3 bucket and prefix.
//! - [`location`]: an opened folder: get, put, conditional put, list, rename, delete; requests
//!   counted; a shared I/O runtime for synchronous callers.
//! - [`s3`]: S3 stores, errors in one line; `aws`: region, endpoint and credentials resolved as
//!   the AWS CLI resolves them, through the AWS SDK's `aws-config`.
//! - [`source`]: the listing of CloudTrail log objects below a folder, pruned by account,
//!   region and delivery day.
//! - [`inflate`]: gzip to JSON, with the quarantine reason when it fails.
//!
//! No Parquet and no query engine here.

mod aws;
pub mod error;
pub mod inflate;
pub mod location;
pub mod locator;
pub mod s3;
pub mod source;

pub use aws::{service_settings, ServiceSettings, SharedSdkCredentials};
pub use error::{Error, Result};
pub use inflate::inflate;
pub use location::Location;
pub use locator::Locator;
pub use s3::{S3Location, S3Options};
pub use source::{Source, SourceFilter, SourceObject};
