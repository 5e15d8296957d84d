//! Errors of the cost model: invalid selectors (worded like CloudTrail's), pricing files,
//! lifecycle specs, and the queries reading the lake.

use std::path::{Path, PathBuf};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// What CloudTrail's `put-event-selectors` would refuse, with where in the JSON.
    #[error("InvalidEventSelectorsException: {}{}{message}", file.as_ref().map(|f| format!("{}: ", f.display())).unwrap_or_default(), if path.is_empty() { String::new() } else { format!("{path}: ") })]
    Selectors {
        file: Option<PathBuf>,
        path: String,
        message: String,
    },
    #[error("pricing file {}: {message}", file.display())]
    Pricing { file: PathBuf, message: String },
    #[error("lifecycle {spec:?}: {message}")]
    Lifecycle { spec: String, message: String },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Query(#[from] trailhound_query::QueryError),
    #[error("reading the lake: {0}")]
    Read(String),
}

impl Error {
    /// Names the file a selectors error came from.
    pub fn in_file(self, path: &Path) -> Self {
        match self {
            Self::Selectors {
                path: p, message, ..
            } => Self::Selectors {
                file: Some(path.to_path_buf()),
                path: p,
                message,
            },
            other => other,
        }
    }
}

impl From<datafusion::error::DataFusionError> for Error {
    fn from(e: datafusion::error::DataFusionError) -> Self {
        Self::Read(e.to_string())
    }
}

impl From<arrow::error::ArrowError> for Error {
    fn from(e: arrow::error::ArrowError) -> Self {
        Self::Read(e.to_string())
    }
}
