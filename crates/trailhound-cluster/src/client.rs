//! The client side: `--cluster df://HOST:PORT`. Queries are planned on this machine exactly as
//! for a local run (dialect, coercions, pruning, listing); the physical plan goes to the
//! scheduler, which splits it into stages for the executors, and the result streams back.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ballista_core::execution_plans::execute_physical_plan;
use ballista_core::extension::SessionConfigExt;
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::SessionState;
use datafusion::physical_plan::{ExecutionPlan, SendableRecordBatchStream};
use datafusion::prelude::SessionConfig;
use datafusion_proto::protobuf::PhysicalPlanNode;
use trailhound_query::Remote;

use crate::codec::TrailhoundCodec;
use crate::error::ClusterError;
use crate::notice::{Notice, Notices};
use crate::session;

/// Ballista's scheduler port when the URL names none.
pub const DEFAULT_PORT: u16 = 50050;

/// A cluster's scheduler, as `df://HOST[:PORT]` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterUrl {
    pub host: String,
    pub port: u16,
}

impl ClusterUrl {
    /// Parses `df://HOST[:PORT]`.
    pub fn parse(s: &str) -> Result<Self, ClusterError> {
        let bad = |why: &str| ClusterError::Url {
            url: s.to_string(),
            reason: why.to_string(),
        };
        let rest = s
            .strip_prefix("df://")
            .ok_or_else(|| bad("a cluster is df://HOST:PORT (its scheduler)"))?;
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (
                h,
                p.parse::<u16>()
                    .map_err(|_| bad("the port is not a number from 0 to 65535"))?,
            ),
            _ => (rest, DEFAULT_PORT),
        };
        if host.is_empty() || host.contains('/') {
            return Err(bad("no host"));
        }
        Ok(Self {
            host: host.to_string(),
            port,
        })
    }
}

impl std::fmt::Display for ClusterUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "df://{}:{}", self.host, self.port)
    }
}

/// A Ballista cluster running trailhound's executors.
pub struct Cluster {
    url: ClusterUrl,
    codec: Arc<TrailhoundCodec>,
    session_id: String,
    notices: Notices,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("url", &self.url)
            .field("session_id", &self.session_id)
            .finish_non_exhaustive()
    }
}

impl Cluster {
    /// Checks that the scheduler answers (one line naming it when not) and prepares the codec;
    /// notices (a query run once more) go nowhere.
    pub fn connect(url: ClusterUrl) -> Result<Arc<Self>, ClusterError> {
        Self::connect_with(url, crate::notice::ignored())
    }

    /// [`Cluster::connect`], with `notices` hearing a query run once more after a lost executor.
    pub fn connect_with(url: ClusterUrl, notices: Notices) -> Result<Arc<Self>, ClusterError> {
        let unreachable = |reason: String| ClusterError::Unreachable {
            url: url.to_string(),
            reason,
        };
        let addrs: Vec<SocketAddr> = (url.host.as_str(), url.port)
            .to_socket_addrs()
            .map_err(|e| unreachable(e.to_string()))?
            .collect();
        let mut last = "no address".to_string();
        let reached =
            addrs.iter().any(
                |a| match TcpStream::connect_timeout(a, Duration::from_secs(5)) {
                    Ok(_) => true,
                    Err(e) => {
                        last = e.to_string();
                        false
                    }
                },
            );
        if !reached {
            return Err(unreachable(last));
        }
        let state = session::state(session::config(), Arc::new(Default::default()))
            .map_err(|e| ClusterError::Setup(e.to_string()))?;
        Ok(Arc::new(Self {
            url,
            codec: Arc::new(TrailhoundCodec::new(&state)),
            session_id: format!("trailhound-{}", std::process::id()),
            notices,
        }))
    }
}

#[async_trait]
impl Remote for Cluster {
    fn configure(&self, config: SessionConfig) -> SessionConfig {
        // Ballista's settings (no Utf8View over Flight, scalar subqueries as joins), applied
        // here because the plan is made here. Hash joins, not Ballista's default sort-merge
        // joins: those fail on plans made here whose two sides end with different partition
        // counts (`left_partitions == right_partitions`), and CloudTrail joins have a small
        // side (a principal's sessions, a day's keys).
        // Dynamic filters (TopK bounds, join and aggregate filters) are shared in memory
        // between the operators of one process; split into stages they are not (Ballista
        // #1375), and TopK's asserts its emitters (`topk_emitter_count > 0`).
        config
            .upgrade_for_ballista()
            .set_bool("datafusion.optimizer.prefer_hash_join", true)
            .set_bool("datafusion.optimizer.enable_dynamic_filter_pushdown", false)
    }

    async fn execute(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        state: &SessionState,
    ) -> Result<SendableRecordBatchStream> {
        let config = state.config().clone();
        let ballista = config.ballista_config();
        let run = || {
            execute_physical_plan::<PhysicalPlanNode>(
                format!("http://{}:{}", self.url.host, self.url.port),
                &ballista,
                plan.clone(),
                self.codec.as_ref(),
                self.session_id.clone(),
                config.clone(),
            )
        };
        // Ballista answers only once the whole job has succeeded, so a job failed because an
        // executor was lost has sent no row yet: run it once more on the executors left.
        match run().await {
            Err(e) if lost_executor(&e) => {
                (self.notices)(&Notice::Retrying {
                    error: e.to_string(),
                });
                run().await.map_err(|e| match lost_executor(&e) {
                    true => DataFusionError::Execution(format!(
                        "executors of {} were lost during the query and again during its retry; the partial results were discarded (a lost executor fails a query on a trailhound cluster rather than risk counting rows twice)",
                        self.url
                    )),
                    false => explain(&self.url, e),
                })
            }
            other => other.map_err(|e| explain(&self.url, e)),
        }
    }
}

/// Whether the cluster failed the job because an executor it used was lost: trailhound's
/// scheduler cancels such a job, or fails the stage that could not fetch its input (see
/// `scheduler`'s module note).
fn lost_executor(e: &DataFusionError) -> bool {
    let text = e.to_string();
    let cancelled = text.trim_end().ends_with(&format!(
        "failed: {}",
        crate::scheduler::LOST_EXECUTOR_CANCEL
    ));
    let unfetched = text.contains("Stage ") && text.contains("most recent failure reason");
    cancelled || unfetched
}

/// Names what went wrong on the cluster in words a user can act on.
fn explain(url: &ClusterUrl, e: DataFusionError) -> DataFusionError {
    let text = e.to_string();
    // A stock Ballista executor cannot decode trailhound's functions (tagged with our version)
    // or plan nodes; Ballista reports the task as rejected.
    if text.contains("is not provided for scalar function")
        || text.contains("task could not be prepared or was rejected by executor")
    {
        return DataFusionError::Execution(format!(
            "the executors of {url} could not run the plan: are they `trailhound executor` of this version? (a stock Ballista executor lacks trailhound's functions and plan nodes, and would answer differently) [{}]",
            text.lines().next().unwrap_or_default()
        ));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_executors_are_recognised() {
        let e = |s: &str| DataFusionError::Execution(s.to_string());
        assert!(lost_executor(&e("Job 7Xb failed: Cancelled")));
        assert!(lost_executor(&e(
            "Job 7Xb failed: Stage 2 has failed 1 times, most recent failure reason: \"fetch\""
        )));
        assert!(!lost_executor(&e(
            "Job 7Xb failed: Task failed due to runtime execution error: Cancelled by the user? no"
        )));
        assert!(!lost_executor(&e("Arrow error: divide by zero")));
    }

    #[test]
    fn cluster_urls() {
        let u = ClusterUrl::parse("df://10.0.0.5:6000").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("10.0.0.5", 6000));
        assert_eq!(ClusterUrl::parse("df://sched").unwrap().port, DEFAULT_PORT);
        assert_eq!(
            ClusterUrl::parse("df://sched:50050/").unwrap().to_string(),
            "df://sched:50050"
        );
        for bad in ["http://x:1", "df://", "df://h:port", "df://:5"] {
            assert!(ClusterUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
