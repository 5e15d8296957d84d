//! Errors that stop a verification (findings about the archive are not errors: see `report`).

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("public keys file {}: {reason}", path.display())]
    Keys { path: PathBuf, reason: String },
    #[error(transparent)]
    Listing(#[from] trailhound_store::Error),
}
