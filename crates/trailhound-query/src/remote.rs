//! Running plans elsewhere: the seam a cluster plugs into. The engine plans every query on this
//! machine (dialect rewrites, coercions, `date` pruning, listing) and hands the physical plan to
//! a [`Remote`], which runs it and streams the batches back; results then look exactly like
//! local ones.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::common::Result;
use datafusion::execution::SessionState;
use datafusion::physical_plan::streaming::StreamingTableExec;
use datafusion::physical_plan::{ExecutionPlan, SendableRecordBatchStream};
use datafusion::prelude::SessionConfig;

/// An engine that runs physical plans planned here.
#[async_trait]
pub trait Remote: Send + Sync + std::fmt::Debug {
    /// The settings the remote engine needs in the session that plans for it.
    fn configure(&self, config: SessionConfig) -> SessionConfig;
    /// Runs `plan` (planned in `state`) and streams its output.
    async fn execute(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        state: &SessionState,
    ) -> Result<SendableRecordBatchStream>;
}

/// Whether a plan can only run here: it reads `information_schema` (streaming tables, which no
/// plan codec carries, and which describe this session anyway).
pub fn runs_here(plan: &Arc<dyn ExecutionPlan>) -> bool {
    plan.is::<StreamingTableExec>() || plan.children().into_iter().any(runs_here)
}
