//! Errors of alerting: each names the pattern, file, sink or detection it is about.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("filter pattern{}: at character {position}: {message}", if filter.is_empty() { String::new() } else { format!(" of {filter}") })]
    Pattern {
        filter: String,
        position: usize,
        message: String,
    },
    #[error("{0}")]
    Invalid(String),
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error("{what}: {source}")]
    Query {
        what: String,
        #[source]
        source: trailhound_query::QueryError,
    },
    #[error("{what}: {source}")]
    Store {
        what: String,
        #[source]
        source: trailhound_store::Error,
    },
    #[error("{what}: {source}")]
    Convert {
        what: String,
        #[source]
        source: trailhound_convert::Error,
    },
    #[error("{sink}: {message}")]
    Delivery { sink: String, message: String },
}

pub type Result<T> = std::result::Result<T, Error>;
