//! The cluster: `trailhound scheduler`, `trailhound executor`, and `--cluster df://HOST:PORT`
//! (also `TRAILHOUND_CLUSTER` and `cluster` in the config file) on everything that queries.
//! Built with the `cluster` feature; without it the flags say how to get it.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Result;
use trailhound_query::Remote;

use crate::args::{EngineArgs, ExecutorArgs, SchedulerArgs};
use crate::printer::Printer;

/// The cluster a command's queries run on, if one is named (checked reachable here).
pub fn remote(e: &EngineArgs, printer: &Printer) -> Result<Option<Arc<dyn Remote>>> {
    let Some(url) = e.cluster.clone().or(crate::config::load()?.cluster) else {
        return Ok(None);
    };
    connect(&url, printer)
}

#[cfg(feature = "cluster")]
fn connect(url: &str, printer: &Printer) -> Result<Option<Arc<dyn Remote>>> {
    let url = trailhound_cluster::ClusterUrl::parse(url)?;
    printer.detail(format_args!("cluster: {url}"));
    Ok(Some(trailhound_cluster::Cluster::connect_with(
        url,
        notices(*printer),
    )?))
}

#[cfg(not(feature = "cluster"))]
fn connect(url: &str, _printer: &Printer) -> Result<Option<Arc<dyn Remote>>> {
    anyhow::bail!("--cluster {url}: {WITHOUT}")
}

#[cfg(not(feature = "cluster"))]
const WITHOUT: &str =
    "this trailhound was built without cluster support (build it with `--features cluster`)";

#[cfg(feature = "cluster")]
pub fn run_scheduler(a: SchedulerArgs, printer: &Printer) -> Result<ExitCode> {
    let opts = trailhound_cluster::scheduler::SchedulerOptions {
        bind: a.bind,
        external_host: a.external_host,
        ready_executors: a.ready_executors,
        executor_timeout_seconds: a.executor_timeout.max(1),
        s3: a.s3.options(),
    };
    let rt = crate::context::runtime()?;
    rt.block_on(trailhound_cluster::scheduler::serve(
        opts,
        notices(*printer),
        |addr| {
            printer.status(format_args!("trailhound scheduler listening on {addr}"));
        },
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// The cluster's notices on standard error: job lines as status, failures as warnings.
#[cfg(feature = "cluster")]
fn notices(printer: Printer) -> trailhound_cluster::Notices {
    Arc::new(move |n: &trailhound_cluster::Notice| {
        if n.is_warning() {
            printer.warn(n);
        } else {
            printer.status(n);
        }
    })
}

#[cfg(feature = "cluster")]
pub fn run_executor(a: ExecutorArgs, printer: &Printer) -> Result<ExitCode> {
    let scheduler = if a.scheduler.starts_with("df://") {
        a.scheduler.clone()
    } else {
        format!("df://{}", a.scheduler)
    };
    if a.concurrency == Some(0) {
        anyhow::bail!("--concurrency must be at least 1");
    }
    let opts = trailhound_cluster::executor::ExecutorOptions {
        scheduler: trailhound_cluster::ClusterUrl::parse(&scheduler)?,
        bind: a.bind,
        external_host: a.external_host,
        concurrency: a.concurrency,
        work_dir: a.work_dir.map(|d| d.display().to_string()),
        memory_limit: a.memory_limit,
        heartbeat_seconds: a.heartbeat.max(1),
        s3: a.s3.options(),
    };
    printer.status(format_args!(
        "trailhound executor on {} for {}",
        opts.bind, opts.scheduler
    ));
    let rt = crate::context::runtime()?;
    rt.block_on(trailhound_cluster::executor::serve(opts))?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "cluster"))]
pub fn run_scheduler(_a: SchedulerArgs, _printer: &Printer) -> Result<ExitCode> {
    anyhow::bail!("scheduler: {WITHOUT}")
}

#[cfg(not(feature = "cluster"))]
pub fn run_executor(_a: ExecutorArgs, _printer: &Printer) -> Result<ExitCode> {
    anyhow::bail!("executor: {WITHOUT}")
}
