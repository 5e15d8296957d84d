//! What the cluster's roles tell their operator: a line per finished job, a job failed because an
//! executor was lost, a query run once more after one. The library never prints; the binary
//! decides where these go (the CLI's printer, a test's log).

use std::fmt;
use std::sync::Arc;

use crate::job_log::JobSummary;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A job succeeded; what it moved.
    JobDone { job_id: String, summary: JobSummary },
    /// The scheduler failed a job because an executor working for it was lost.
    JobFailedLostExecutor { job_id: String, executor_id: String },
    /// Failing that job did not work.
    CancelFailed { job_id: String, error: String },
    /// The client runs a query once more after an executor was lost.
    Retrying { error: String },
}

impl Notice {
    /// Whether an operator should act on it (shown even when status lines are not).
    pub fn is_warning(&self) -> bool {
        !matches!(self, Notice::JobDone { .. })
    }
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::JobDone { job_id, summary } => write!(f, "job {job_id}: {summary}"),
            Notice::JobFailedLostExecutor {
                job_id,
                executor_id,
            } => write!(
                f,
                "job {job_id}: failed, executor {executor_id} was lost while it ran (the client runs it again)"
            ),
            Notice::CancelFailed { job_id, error } => {
                write!(f, "job {job_id}: could not be failed: {error}")
            }
            Notice::Retrying { error } => write!(
                f,
                "an executor was lost during the query; running it again ({error})"
            ),
        }
    }
}

/// Where notices go.
pub type Notices = Arc<dyn Fn(&Notice) + Send + Sync>;

/// Notices nobody reads.
pub fn ignored() -> Notices {
    Arc::new(|_| {})
}
