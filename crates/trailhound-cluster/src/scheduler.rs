//! `trailhound scheduler`: Ballista's scheduler with trailhound's session and plan codec. It
//! takes jobs from clients, splits their plans into stages and hands tasks to the executors.
//!
//! A lost executor fails the queries it worked for instead of letting Ballista re-run stages:
//! Ballista 55 re-runs a whole stage when part of its input is lost, but the next stage keeps
//! the outputs it already received from the first run, so rows are counted twice (a join's
//! counts came back 1.5x, with success). The client runs a query failed this way once more.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use ballista_core::error::Result as BallistaResult;
use ballista_core::serde::protobuf::{task_status, ExecutorHeartbeat};
use ballista_core::serde::scheduler::{ExecutorData, ExecutorMetadata};
use ballista_core::JobId;
use ballista_scheduler::cluster::{
    BallistaCluster, BoundTask, ClusterState, ClusterStateEventStream, ExecutorSlot,
};
use ballista_scheduler::config::{SchedulerConfig, TaskDistributionPolicy};
use ballista_scheduler::scheduler_process::{create_scheduler, start_grpc_service_with_listener};
use ballista_scheduler::scheduler_server::SchedulerServer;
use ballista_scheduler::state::execution_stage::{ExecutionStage, TaskInfo};
use ballista_scheduler::state::task_manager::JobInfoCache;
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};
use trailhound_store::S3Options;

use crate::codec::TrailhoundCodec;
use crate::error::ClusterError;
use crate::job_log::JobLog;
use crate::notice::{Notice, Notices};
use crate::session::{self, Stores};

/// How the scheduler runs.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// Where it listens (port 0: any free port, reported once bound).
    pub bind: SocketAddr,
    /// The host name executors and clients reach it by [default: the bind address's].
    pub external_host: Option<String>,
    /// Executors needed before `/readyz` answers 200.
    pub ready_executors: usize,
    /// Seconds without a heartbeat after which an executor is lost (Ballista's default is
    /// 180: a killed executor stalled its queries for three minutes).
    pub executor_timeout_seconds: u64,
    /// S3 settings for the scheduler's own stores (its credentials are its own).
    pub s3: S3Options,
}

/// Runs the scheduler until the process ends; `bound` hears the address once it listens, and
/// `notices` every finished job and every job failed for a lost executor.
pub async fn serve(
    opts: SchedulerOptions,
    notices: Notices,
    bound: impl FnOnce(SocketAddr),
) -> Result<(), ClusterError> {
    let failed = |reason: String| ClusterError::Ballista {
        role: "scheduler",
        reason,
    };
    let listener = tokio::net::TcpListener::bind(opts.bind)
        .await
        .map_err(|e| ClusterError::Bind {
            what: "scheduler",
            addr: opts.bind.to_string(),
            reason: e.to_string(),
        })?;
    let addr = listener.local_addr().map_err(|e| failed(e.to_string()))?;
    let stores = Stores::new(opts.s3.clone());
    let runtime = session::runtime(stores.clone(), None).map_err(|e| failed(e.to_string()))?;
    let state = session::state(session::config(), runtime.clone())
        .map_err(|e| ClusterError::Setup(e.to_string()))?;
    let codec = Arc::new(TrailhoundCodec::new(&state));
    let config = SchedulerConfig {
        bind_host: addr.ip().to_string(),
        bind_port: addr.port(),
        external_host: opts
            .external_host
            .clone()
            .unwrap_or_else(|| addr.ip().to_string()),
        min_ready_executors: opts.ready_executors,
        executor_timeout_seconds: opts.executor_timeout_seconds,
        // Look for lost executors a few times per timeout.
        expire_dead_executor_interval_seconds: (opts.executor_timeout_seconds / 3).clamp(1, 15),
        override_config_producer: Some(Arc::new(session::config)),
        override_session_builder: Some(Arc::new(move |config| {
            session::state(config, runtime.clone())
        })),
        override_physical_codec: Some(codec),
        // A stage whose input cannot be fetched (its executor is gone) fails at once rather
        // than being re-run whole: see the module's note.
        stage_max_failures: 1,
        ..Default::default()
    };
    config.validate().map_err(|e| failed(e.to_string()))?;
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let guard = Arc::new(LossGuard {
        inner: cluster.cluster_state(),
        scheduler: OnceLock::new(),
        notices: notices.clone(),
    });
    let jobs = Arc::new(JobLog {
        inner: cluster.job_state(),
        notices: notices.clone(),
    });
    let cluster = BallistaCluster::new(guard.clone(), jobs);
    let scheduler =
        create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(cluster, Arc::new(config))
            .await
            .map_err(|e| failed(e.to_string()))?;
    let _ = guard.scheduler.set(scheduler.clone());
    bound(addr);
    start_grpc_service_with_listener(listener, scheduler)
        .await
        .map_err(|e| failed(e.to_string()))
}

/// What the client sees when a query was failed because an executor working for it was lost
/// (Ballista reports a cancelled job as `Cancelled`).
pub const LOST_EXECUTOR_CANCEL: &str = "Cancelled";

type Scheduler = SchedulerServer<LogicalPlanNode, PhysicalPlanNode>;

/// Ballista's cluster state, with one change: removing an executor first fails the running
/// jobs that had tasks on it, before Ballista rolls their stages back.
struct LossGuard {
    inner: Arc<dyn ClusterState>,
    scheduler: OnceLock<Scheduler>,
    notices: Notices,
}

impl LossGuard {
    /// Cancels every running job one of whose tasks ran, or runs, on `executor_id`. The
    /// cancellation is queued before Ballista's own `ExecutorLost` event, so the job ends
    /// before any of its stages is re-run.
    async fn fail_jobs_of(&self, executor_id: &str) {
        let Some(scheduler) = self.scheduler.get() else {
            return;
        };
        let jobs = scheduler.state.task_manager.get_running_job_cache();
        for job_id in jobs_touching(&jobs, executor_id).await {
            // An operator should see why a query failed.
            (self.notices)(&Notice::JobFailedLostExecutor {
                job_id: job_id.to_string(),
                executor_id: executor_id.to_string(),
            });
            if let Err(e) = scheduler.cancel_job(job_id.clone()).await {
                (self.notices)(&Notice::CancelFailed {
                    job_id: job_id.to_string(),
                    error: e.to_string(),
                });
            }
        }
    }
}

/// The jobs with a task, running or done, on `executor_id`.
async fn jobs_touching(jobs: &HashMap<JobId, JobInfoCache>, executor_id: &str) -> Vec<JobId> {
    let mut touched = Vec::new();
    for (job_id, info) in jobs {
        let graph = info.execution_graph.read().await;
        let on_it = graph.stages().values().any(|stage| match stage {
            ExecutionStage::Running(s) => ran_on(&s.task_infos, executor_id),
            ExecutionStage::Successful(s) => ran_on(&s.task_infos, executor_id),
            _ => false,
        });
        if on_it {
            touched.push(job_id.clone());
        }
    }
    touched
}

fn ran_on(tasks: &[TaskInfo], executor_id: &str) -> bool {
    tasks.iter().any(|t| match &t.task_status {
        task_status::Status::Running(r) => r.executor_id == executor_id,
        task_status::Status::Successful(s) => s.executor_id == executor_id,
        _ => false,
    })
}

#[async_trait]
impl ClusterState for LossGuard {
    async fn init(&self) -> BallistaResult<()> {
        self.inner.init().await
    }

    async fn bind_schedulable_tasks(
        &self,
        distribution: TaskDistributionPolicy,
        active_jobs: Arc<HashMap<JobId, JobInfoCache>>,
        executors: Option<HashSet<String>>,
    ) -> BallistaResult<Vec<BoundTask>> {
        self.inner
            .bind_schedulable_tasks(distribution, active_jobs, executors)
            .await
    }

    async fn unbind_tasks(&self, executor_slots: Vec<ExecutorSlot>) -> BallistaResult<()> {
        self.inner.unbind_tasks(executor_slots).await
    }

    async fn register_executor(
        &self,
        metadata: ExecutorMetadata,
        spec: ExecutorData,
    ) -> BallistaResult<()> {
        self.inner.register_executor(metadata, spec).await
    }

    async fn save_executor_metadata(&self, metadata: ExecutorMetadata) -> BallistaResult<()> {
        self.inner.save_executor_metadata(metadata).await
    }

    async fn get_executor_metadata(&self, executor_id: &str) -> BallistaResult<ExecutorMetadata> {
        self.inner.get_executor_metadata(executor_id).await
    }

    async fn registered_executor_metadata(&self) -> Vec<ExecutorMetadata> {
        self.inner.registered_executor_metadata().await
    }

    async fn save_executor_heartbeat(&self, heartbeat: ExecutorHeartbeat) -> BallistaResult<()> {
        self.inner.save_executor_heartbeat(heartbeat).await
    }

    async fn remove_executor(&self, executor_id: &str) -> BallistaResult<()> {
        self.fail_jobs_of(executor_id).await;
        self.inner.remove_executor(executor_id).await
    }

    fn executor_heartbeats(&self) -> HashMap<String, ExecutorHeartbeat> {
        self.inner.executor_heartbeats()
    }

    fn get_executor_heartbeat(&self, executor_id: &str) -> Option<ExecutorHeartbeat> {
        self.inner.get_executor_heartbeat(executor_id)
    }

    async fn cluster_state_events(&self) -> BallistaResult<ClusterStateEventStream> {
        self.inner.cluster_state_events().await
    }
}
