//! What a query actually read, from the plan's metrics after running it: Parquet files opened
//! and row groups read or pruned. How pruning is proven in tests and shown in benchmarks.

use std::sync::Arc;

use datafusion::physical_plan::metrics::MetricValue;
use datafusion::physical_plan::{collect, ExecutionPlan};

use crate::engine::Engine;
use crate::error::{QueryError, Result};

/// Totals over every Parquet scan of a query.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanStats {
    pub rows: usize,
    pub files_opened: usize,
    pub row_groups_matched: usize,
    pub row_groups_pruned: usize,
}

impl Engine {
    /// Runs one statement and reports what its scans read.
    pub async fn scan_stats(&self, sql: &str) -> Result<ScanStats> {
        self.scan_stats_bound(sql, Vec::new()).await
    }

    /// [`Engine::scan_stats`] with `$name` placeholders bound (a saved query).
    pub async fn scan_stats_bound(
        &self,
        sql: &str,
        params: Vec<(String, datafusion::common::ScalarValue)>,
    ) -> Result<ScanStats> {
        let mut frames = self.plan(sql).await?;
        if frames.len() != 1 {
            return Err(QueryError::Output("scan_stats takes one statement".into()));
        }
        let mut df = frames.remove(0);
        if !params.is_empty() {
            df = df.with_param_values(params)?;
        }
        let task = Arc::new(df.task_ctx());
        let plan = df.create_physical_plan().await?;
        let batches = collect(plan.clone(), task).await?;
        let mut s = ScanStats {
            rows: batches.iter().map(|b| b.num_rows()).sum(),
            ..Default::default()
        };
        add(&plan, &mut s);
        Ok(s)
    }
}

fn add(plan: &Arc<dyn ExecutionPlan>, s: &mut ScanStats) {
    if plan.name() == "DataSourceExec" {
        if let Some(m) = plan.metrics() {
            for metric in m.iter() {
                match (metric.value().name(), metric.value()) {
                    ("files_opened", v) => s.files_opened += v.as_usize(),
                    (
                        "row_groups_pruned_statistics",
                        MetricValue::PruningMetrics {
                            pruning_metrics, ..
                        },
                    ) => {
                        s.row_groups_matched += pruning_metrics.matched();
                        s.row_groups_pruned += pruning_metrics.pruned();
                    }
                    _ => {}
                }
            }
        }
    }
    for child in plan.children() {
        add(child, s);
    }
}
