//! `trailhound executor`: Ballista's executor with trailhound's functions, plan codec and object
//! stores. It registers with the scheduler, runs the tasks it is given and serves their output
//! to the next stage over Arrow Flight.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use trailhound_store::S3Options;

use crate::client::ClusterUrl;
use crate::codec::TrailhoundCodec;
use crate::error::ClusterError;
use crate::session::{self, Stores};

/// How an executor runs.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// The scheduler to register with.
    pub scheduler: ClusterUrl,
    /// Where it serves task output (Arrow Flight); the next port is its gRPC port.
    pub bind: SocketAddr,
    /// The host name the scheduler and other executors reach it by [default: the bind
    /// address's].
    pub external_host: Option<String>,
    /// Tasks at once [default: all cores].
    pub concurrency: Option<usize>,
    /// Where shuffle output and spills go [default: a temporary folder].
    pub work_dir: Option<String>,
    /// Memory for its tasks' operators, in bytes (spilling beyond it).
    pub memory_limit: Option<u64>,
    /// Seconds between heartbeats to the scheduler.
    pub heartbeat_seconds: u64,
    /// S3 settings for its stores (its credentials are its own).
    pub s3: S3Options,
}

/// Runs the executor until the process ends.
pub async fn serve(opts: ExecutorOptions) -> Result<(), ClusterError> {
    let failed = |reason: String| ClusterError::Ballista {
        role: "executor",
        reason,
    };
    let grpc_port = opts
        .bind
        .port()
        .checked_add(1)
        .ok_or_else(|| ClusterError::Bind {
            what: "executor",
            addr: opts.bind.to_string(),
            reason: "its gRPC port is the next one, so the port must be below 65535".into(),
        })?;
    let stores = Stores::new(opts.s3.clone());
    let work_dir = opts.work_dir.clone();
    let runtime =
        session::runtime(stores.clone(), work_dir.as_deref()).map_err(|e| failed(e.to_string()))?;
    let state = session::state(session::config(), runtime)
        .map_err(|e| ClusterError::Setup(e.to_string()))?;
    let codec = Arc::new(TrailhoundCodec::new(&state));
    let config = ExecutorProcessConfig {
        bind_host: opts.bind.ip().to_string(),
        external_host: opts.external_host.clone(),
        port: opts.bind.port(),
        grpc_port,
        scheduler_host: opts.scheduler.host.clone(),
        scheduler_port: opts.scheduler.port,
        scheduler_connect_timeout_seconds: 30,
        vcores: opts.concurrency.unwrap_or(0),
        work_dir: opts.work_dir.clone(),
        executor_heartbeat_interval_seconds: opts.heartbeat_seconds,
        memory_pool_size: opts.memory_limit,
        override_function_registry: Some(Arc::new(BallistaFunctionRegistry::from(&state))),
        override_config_producer: Some(Arc::new(session::config)),
        override_runtime_producer: Some(Arc::new(move |_config| {
            session::runtime(stores.clone(), work_dir.as_deref())
        })),
        override_physical_codec: Some(codec),
        ..Default::default()
    };
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| failed(e.to_string()))
}
