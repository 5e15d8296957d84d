//! The cluster's errors, each naming the address or setting it is about.

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("{url}: {reason}")]
    Url { url: String, reason: String },
    #[error("cannot reach the scheduler at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{what} {addr}: {reason}")]
    Bind {
        what: &'static str,
        addr: String,
        reason: String,
    },
    #[error("cluster set-up: {0}")]
    Setup(String),
    #[error("{role}: {reason}")]
    Ballista { role: &'static str, reason: String },
}
