//! A notice per finished job: its stages, the bytes its stages passed to each other through
//! shuffles, the bytes of its result and its time. What a
//! cluster moves over the network per query is the first thing to know when sizing one.

use std::collections::HashSet;
use std::sync::Arc;

use async_trait::async_trait;
use ballista_core::error::Result;
use ballista_core::serde::protobuf::{job_status, JobStatus};
use ballista_core::{JobId, JobStatusSubscriber};
use ballista_scheduler::cluster::{JobState, JobStateEventStream};
use ballista_scheduler::state::execution_graph::ExecutionGraphBox;
use ballista_scheduler::state::execution_stage::ExecutionStage;
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::notice::{Notice, Notices};

/// What one successful job moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSummary {
    pub stages: usize,
    /// Bytes the stages read from earlier stages' shuffle output.
    pub shuffled_bytes: u64,
    /// Bytes of the final stage's output, which the client fetches.
    pub result_bytes: u64,
    pub millis: u64,
}

impl JobSummary {
    /// The summary of a graph whose job succeeded (`None` otherwise).
    pub fn of(graph: &ExecutionGraphBox) -> Option<Self> {
        let Some(job_status::Status::Successful(done)) = &graph.status().status else {
            return None;
        };
        let stages = graph.stages();
        let shuffled_bytes = stages
            .values()
            .filter_map(|s| match s {
                ExecutionStage::Successful(s) => Some(&s.inputs),
                _ => None,
            })
            .flat_map(|inputs| inputs.values())
            .flat_map(|output| output.partition_locations.values().flatten())
            .map(|l| l.partition_stats.num_bytes().unwrap_or(0))
            .sum();
        let result_bytes = done
            .partition_location
            .iter()
            .filter_map(|l| l.partition_stats.as_ref())
            .map(|s| s.num_bytes.max(0) as u64)
            .sum();
        Some(Self {
            stages: stages.len(),
            shuffled_bytes,
            result_bytes,
            millis: done.ended_at.saturating_sub(done.started_at),
        })
    }
}

impl std::fmt::Display for JobSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} stages, {} bytes shuffled, {} bytes of results, {} ms",
            self.stages, self.shuffled_bytes, self.result_bytes, self.millis
        )
    }
}

/// Ballista's job state, with a [`Notice`] of what each successful job moved.
pub struct JobLog {
    pub inner: Arc<dyn JobState>,
    pub notices: Notices,
}

#[async_trait]
impl JobState for JobLog {
    fn accept_job(&self, job_id: &JobId, job_name: &str, queued_at: u64) -> Result<()> {
        self.inner.accept_job(job_id, job_name, queued_at)
    }

    fn pending_job_number(&self) -> usize {
        self.inner.pending_job_number()
    }

    async fn submit_job(
        &self,
        job_id: JobId,
        graph: &ExecutionGraphBox,
        subscriber: Option<JobStatusSubscriber>,
    ) -> Result<()> {
        self.inner.submit_job(job_id, graph, subscriber).await
    }

    async fn get_jobs(&self) -> Result<HashSet<JobId>> {
        self.inner.get_jobs().await
    }

    async fn get_all_jobs(&self) -> Result<HashSet<JobId>> {
        self.inner.get_all_jobs().await
    }

    async fn get_job_status(&self, job_id: &JobId) -> Result<Option<JobStatus>> {
        self.inner.get_job_status(job_id).await
    }

    async fn get_execution_graph(&self, job_id: &JobId) -> Result<Option<ExecutionGraphBox>> {
        self.inner.get_execution_graph(job_id).await
    }

    async fn save_job(&self, job_id: &JobId, graph: &ExecutionGraphBox) -> Result<()> {
        if let Some(summary) = JobSummary::of(graph) {
            (self.notices)(&Notice::JobDone {
                job_id: job_id.to_string(),
                summary,
            });
        }
        self.inner.save_job(job_id, graph).await
    }

    async fn fail_unscheduled_job(&self, job_id: &JobId, reason: String) -> Result<()> {
        self.inner.fail_unscheduled_job(job_id, reason).await
    }

    async fn remove_job(&self, job_id: &JobId) -> Result<()> {
        self.inner.remove_job(job_id).await
    }

    async fn try_acquire_job(&self, job_id: &JobId) -> Result<Option<ExecutionGraphBox>> {
        self.inner.try_acquire_job(job_id).await
    }

    async fn job_state_events(&self) -> Result<JobStateEventStream> {
        self.inner.job_state_events().await
    }

    async fn create_or_update_session(
        &self,
        session_id: &str,
        config: &SessionConfig,
    ) -> Result<Arc<SessionContext>> {
        self.inner
            .create_or_update_session(session_id, config)
            .await
    }

    async fn remove_session(&self, session_id: &str) -> Result<()> {
        self.inner.remove_session(session_id).await
    }

    fn produce_config(&self) -> SessionConfig {
        self.inner.produce_config()
    }
}
