//! Typed errors of the converter, each naming the file it is about.

use std::path::PathBuf;

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Parquet {
        path: PathBuf,
        source: parquet::errors::ParquetError,
    },
    #[error("{}: {source}", path.display())]
    Arrow {
        path: PathBuf,
        source: arrow_schema::ArrowError,
    },
    #[error("manifest {}: {reason}", path.display())]
    Manifest { path: PathBuf, reason: String },
    /// A request to a store (local folder or S3) failed: where, and why in one line.
    #[error("{at}: {reason}")]
    Store { at: String, reason: String },
    #[error("{0}")]
    Invalid(String),
}

/// Attaches a path to I/O errors.
pub trait IoContext<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|source| Error::Io {
            path: path.into(),
            source,
        })
    }
}

impl<T> IoContext<T> for parquet::errors::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|source| Error::Parquet {
            path: path.into(),
            source,
        })
    }
}

impl<T> IoContext<T> for std::result::Result<T, arrow_schema::ArrowError> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|source| Error::Arrow {
            path: path.into(),
            source,
        })
    }
}

/// Storage errors keep their variant (and so their wording) in this crate's error.
impl From<trailhound_store::Error> for Error {
    fn from(e: trailhound_store::Error) -> Error {
        match e {
            trailhound_store::Error::Io { path, source } => Error::Io { path, source },
            trailhound_store::Error::Store { at, reason } => Error::Store { at, reason },
            trailhound_store::Error::Invalid(m) => Error::Invalid(m),
        }
    }
}
