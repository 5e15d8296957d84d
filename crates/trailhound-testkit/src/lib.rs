//! What trailhound's tests share, so that no test crate rewrites it: lakes converted from the
//! shipped sample, the real corpus and crafted archives ([`lakes`]); the saved queries' detection
//! cases, read from `testdata/cases` as data ([`cases`]); moto's S3 server on loopback ([`moto`]);
//! and the sqllogictest adapter over an engine ([`slt`]). Tests only: helpers panic with the
//! path or object at fault rather than return errors.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic by design

pub mod cases;
pub mod lakes;
pub mod moto;
pub mod slt;

pub use lakes::{
    converted, engine, real_lake, real_logs_dir, repo_root, sample_lake, sample_trail,
    small_row_groups, stratus_dir,
};
