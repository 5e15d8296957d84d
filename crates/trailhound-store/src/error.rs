//! Typed errors of the storage layer, each naming the folder, object or URL it is about.

use std::path::PathBuf;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Local disk.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A request to a store (local folder or S3) failed: where, and why in one line.
    #[error("{at}: {reason}")]
    Store { at: String, reason: String },
    /// A location that cannot be used as given (not a path nor `s3://…`, no such folder,
    /// unusable credentials): the message says what to do.
    #[error("{0}")]
    Invalid(String),
}
