//! Errors of the rule languages: each names the rule file or the pattern and position at fault.

use thiserror::Error;

pub use crate::catalog::CatalogError;

#[derive(Debug, Error)]
pub enum Error {
    #[error("{file}: {message}")]
    File { file: String, message: String },
}

pub type Result<T> = std::result::Result<T, Error>;
