//! `trailhound scheduler`: Ballista's scheduler with trailhound's session and plan codec. It
//! takes jobs from clients, splits their plans into stages and hands tasks to the executors.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::{create_scheduler, start_grpc_service_with_listener};
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};
use trailhound_store::S3Options;

use crate::codec::TrailhoundCodec;
use crate::error::ClusterError;
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

/// Runs the scheduler until the process ends; `bound` hears the address once it listens.
pub async fn serve(
    opts: SchedulerOptions,
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
        ..Default::default()
    };
    config.validate().map_err(|e| failed(e.to_string()))?;
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| failed(e.to_string()))?;
    let scheduler =
        create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(cluster, Arc::new(config))
            .await
            .map_err(|e| failed(e.to_string()))?;
    bound(addr);
    start_grpc_service_with_listener(listener, scheduler)
        .await
        .map_err(|e| failed(e.to_string()))
}
