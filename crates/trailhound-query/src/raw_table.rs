//! `cloudtrail_raw`: the lake's schema read straight from a folder of raw `.json.gz` logs with
//! the converter's decoder, for a quick look without converting. The account, region and date
//! in the keys prune the listing; the objects are split across the engine's partitions and
//! decoded on blocking threads by [`RawScanExec`], a plan node that names its objects (not a
//! stream already opened), so that a cluster can ship it to executors that open the source
//! themselves.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{SchemaRef, TimestampMicrosecondType};
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    ChildrenPropertiesMode, DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning,
    PlanProperties, ReplaceChildrenOptions, SendableRecordBatchStream,
};
use trailhound_model::decode::Projection;
use trailhound_model::lake::partition_of;
use trailhound_model::layout::{parse_key, LogKind};
use trailhound_model::schema::{AWS_REGION, EVENT_TIME, RECIPIENT_ACCOUNT_ID, RECORD};
use trailhound_store::{inflate, Locator, S3Options, Source, SourceFilter, SourceObject};

use crate::lake_table::table_schema;
use crate::prune::{allowed_values, time_bounds};

/// Raw CloudTrail logs below a folder or S3 prefix.
#[derive(Debug)]
pub struct RawTable {
    /// Scans have one output partition that reads every object list at once (on a cluster, one
    /// task reads them all, in parallel inside it): Ballista gives each task its share of the
    /// partitions of the leaf nodes it knows, and would run every task over the first
    /// partitions of ours.
    single_output: bool,
    root: Locator,
    s3: S3Options,
    src: Arc<Source>,
    schema: SchemaRef,
}

impl RawTable {
    /// A local folder or file, or an S3 prefix.
    pub fn new(root: &Locator, s3: &S3Options) -> Result<Self> {
        let src = Source::open(root, s3)
            .map_err(|e| DataFusionError::Plan(format!("--raw {root}: {e}")))?;
        Ok(Self {
            single_output: false,
            root: root.clone(),
            s3: s3.clone(),
            src: Arc::new(src),
            schema: table_schema(),
        })
    }

    /// Scans that end in one output partition, for plans that run on a cluster.
    pub fn with_single_output(mut self, single: bool) -> Self {
        self.single_output = single;
        self
    }
}

#[async_trait]
impl TableProvider for RawTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }
    fn table_type(&self) -> TableType {
        TableType::Base
    }
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        // Used for pruning the listing only; the engine still evaluates every filter.
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }
    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let filter = SourceFilter {
            accounts: allowed_values(filters, "account").unwrap_or_default(),
            regions: allowed_values(filters, "region").unwrap_or_default(),
            window: time_bounds(filters),
        };
        let src = self.src.clone();
        let listing = tokio::task::spawn_blocking(move || src.list(&filter, &BTreeMap::new()))
            .await
            .map_err(|e| DataFusionError::External(Box::new(e)))?
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        let objects: Vec<SourceObject> = listing
            .objects
            .into_iter()
            .filter(|o| LogKind::of_key(&o.key) == LogKind::Events)
            .collect();
        // Spread objects over the partitions by size, largest first.
        let n = state.config().target_partitions().max(1);
        let mut parts: Vec<(u64, Vec<SourceObject>)> = vec![(0, Vec::new()); n];
        let mut sorted = objects;
        sorted.sort_by_key(|o| std::cmp::Reverse(o.size));
        for o in sorted {
            if let Some(p) = parts.iter_mut().min_by_key(|p| p.0) {
                p.0 += o.size;
                p.1.push(o);
            }
        }
        let parts: Vec<Vec<SourceObject>> = parts
            .into_iter()
            .filter(|p| !p.1.is_empty())
            .map(|p| p.1)
            .collect();
        if parts.is_empty() {
            return Ok(Arc::new(datafusion::physical_plan::empty::EmptyExec::new(
                datafusion::common::project_schema(&self.schema, projection)?,
            )));
        }
        let scan = RawScanExec::new(
            RawScan {
                root: self.root.clone(),
                s3: self.s3.clone(),
                parts,
                projection: projection.cloned(),
                limit,
                merged: self.single_output,
            },
            Some(self.src.clone()),
        )?;
        Ok(Arc::new(scan))
    }
}

/// What a [`RawScanExec`] reads: everything an executor needs to open the source itself.
#[derive(Debug, Clone)]
pub struct RawScan {
    /// The folder or S3 prefix the keys are below.
    pub root: Locator,
    /// How to reach it (a cluster ships these without credentials: each executor has its own).
    pub s3: S3Options,
    /// The objects of each output partition.
    pub parts: Vec<Vec<SourceObject>>,
    /// The table's columns to produce (all when `None`).
    pub projection: Option<Vec<usize>>,
    /// Rows a partition may stop after (a hint: the plan keeps its own limit).
    pub limit: Option<usize>,
    /// One output partition that reads every object list at once (for clusters, see
    /// [`RawTable::with_single_output`]).
    pub merged: bool,
}

/// The scan of raw logs: one partition per object list, each read, inflated and decoded on a
/// blocking thread.
pub struct RawScanExec {
    scan: RawScan,
    /// The source, opened on first use where the plan runs.
    src: OnceLock<std::result::Result<Arc<Source>, String>>,
    projection: Arc<Projection>,
    schema: SchemaRef,
    properties: Arc<PlanProperties>,
}

impl fmt::Debug for RawScanExec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawScanExec")
            .field("root", &self.scan.root.to_string())
            .field("partitions", &self.scan.parts.len())
            .finish()
    }
}

impl RawScanExec {
    /// A scan of `scan`; `src` when the source is open already (planning on this machine).
    pub fn new(scan: RawScan, src: Option<Arc<Source>>) -> Result<Self> {
        let full = table_schema();
        let schema = datafusion::common::project_schema(&full, scan.projection.as_ref())?;
        let properties = PlanProperties::new(
            EquivalenceProperties::new(schema.clone()),
            Partitioning::UnknownPartitioning(if scan.merged {
                1
            } else {
                scan.parts.len().max(1)
            }),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        let opened = OnceLock::new();
        if let Some(src) = src {
            let _ = opened.set(Ok(src));
        }
        Ok(Self {
            projection: Arc::new(decode_projection(scan.projection.as_ref())),
            scan,
            src: opened,
            schema,
            properties: Arc::new(properties),
        })
    }

    /// What it reads.
    pub fn scan(&self) -> &RawScan {
        &self.scan
    }

    fn source(&self) -> Result<Arc<Source>> {
        self.src
            .get_or_init(|| {
                Source::open(&self.scan.root, &self.scan.s3)
                    .map(Arc::new)
                    .map_err(|e| format!("raw logs {}: {e}", self.scan.root))
            })
            .clone()
            .map_err(DataFusionError::Execution)
    }
}

impl DisplayAs for RawScanExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let objects: usize = self.scan.parts.iter().map(Vec::len).sum();
        write!(
            f,
            "RawScanExec: root={}, objects={objects}, partitions={}",
            self.scan.root,
            self.scan.parts.len()
        )
    }
}

impl ExecutionPlan for RawScanExec {
    fn name(&self) -> &'static str {
        "RawScanExec"
    }
    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }
    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }
    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }
    fn replace_children(
        self: Arc<Self>,
        _: Vec<Arc<dyn ExecutionPlan>>,
        _: ReplaceChildrenOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }
    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.replace_children(
            children,
            ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute),
        )
    }
    fn execute(
        &self,
        partition: usize,
        _context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let lists: Vec<&Vec<SourceObject>> = if self.scan.merged && partition == 0 {
            self.scan.parts.iter().collect()
        } else {
            match self.scan.parts.get(partition) {
                Some(objects) if !self.scan.merged => vec![objects],
                _ => {
                    return Err(DataFusionError::Internal(format!(
                        "RawScanExec: no partition {partition} of {}",
                        self.properties.output_partitioning().partition_count()
                    )))
                }
            }
        };
        let src = self.source()?;
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<RecordBatch>>(2 * lists.len());
        for objects in lists {
            let part = RawPartition {
                src: src.clone(),
                schema: table_schema(),
                objects: Arc::new(objects.clone()),
                projection: self.projection.clone(),
                columns: self.scan.projection.clone(),
                limit: self.scan.limit,
            };
            part.produce(tx.clone());
        }
        let stream =
            futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) });
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            stream,
        )))
    }
}

#[derive(Debug)]
struct RawPartition {
    src: Arc<Source>,
    /// The whole table's schema, which the decoded batches have.
    schema: SchemaRef,
    objects: Arc<Vec<SourceObject>>,
    projection: Arc<Projection>,
    /// The columns the scan produces.
    columns: Option<Vec<usize>>,
    limit: Option<usize>,
}

/// The decoder columns a scan's projection needs (all when there is none). The partition
/// columns are computed from `eventTime`, `recipientAccountId` and `awsRegion`, always decoded.
fn decode_projection(projection: Option<&Vec<usize>>) -> Projection {
    let Some(cols) = projection else {
        return Projection::all();
    };
    let mut p = Projection::none();
    for i in [EVENT_TIME, AWS_REGION, RECIPIENT_ACCOUNT_ID] {
        p.columns[i] = true;
    }
    for &c in cols {
        if c < RECORD.len() {
            p.columns[c] = true;
        } else if c == RECORD.len() {
            // `_extra` also keeps the values that do not fit their column (a JSON null, a
            // mistyped value): only decoding every column tells which those are.
            return Projection {
                record_hash: p.record_hash,
                ..Projection::all()
            };
        }
    }
    p
}

impl RawPartition {
    /// Reads the objects on a blocking thread into `tx`, in order, stopping at the first error
    /// or when nobody listens any more (the query was cancelled or finished early).
    fn produce(self, tx: tokio::sync::mpsc::Sender<Result<RecordBatch>>) {
        tokio::task::spawn_blocking(move || {
            let mut buf = Vec::new();
            let mut rows = 0;
            for o in self.objects.iter() {
                let r = read_object(&self.src, o, &self.schema, &self.projection, &mut buf)
                    .and_then(|b| match &self.columns {
                        Some(cols) => Ok(b.project(cols)?),
                        None => Ok(b),
                    });
                let failed = r.is_err();
                rows += r.as_ref().map_or(0, |b| b.num_rows());
                if tx.blocking_send(r).is_err() || failed {
                    return;
                }
                if self.limit.is_some_and(|l| rows >= l) {
                    return;
                }
            }
        });
    }
}

/// Reads, inflates and decodes one log object into the table's schema.
fn read_object(
    src: &Source,
    o: &SourceObject,
    schema: &SchemaRef,
    projection: &Projection,
    buf: &mut Vec<u8>,
) -> Result<RecordBatch> {
    let fail = |why: String| DataFusionError::Execution(format!("{}: {why}", src.show(&o.key)));
    let bytes = src
        .location()
        .get(&o.key)
        .map_err(|e| DataFusionError::Execution(e.to_string()))?;
    let json = inflate(&o.key, &bytes, buf).map_err(fail)?;
    let batch = trailhound_model::decode_log_projected(json, &o.key, projection).map_err(|e| {
        fail(format!(
            "{e} (convert the folder to quarantine such files and read the rest)"
        ))
    })?;
    let info = parse_key(&o.key);
    let times = batch
        .column(EVENT_TIME)
        .as_primitive::<TimestampMicrosecondType>();
    let accounts = batch.column(RECIPIENT_ACCOUNT_ID).as_string::<i32>();
    let regions = batch.column(AWS_REGION).as_string::<i32>();
    let n = batch.num_rows();
    let (mut acc, mut reg, mut date) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for row in 0..n {
        let (a, r, d) = partition_of(
            info.as_ref(),
            accounts.is_valid(row).then(|| accounts.value(row)),
            regions.is_valid(row).then(|| regions.value(row)),
            times.is_valid(row).then(|| times.value(row)),
        );
        acc.push(a);
        reg.push(r);
        date.push(d);
    }
    // The decoder's schema ends with the duplicate-detection hash, which the lake does not keep.
    let keep = batch.num_columns() - 1;
    let mut columns: Vec<ArrayRef> = batch.columns()[..keep].to_vec();
    columns.push(Arc::new(StringArray::from(acc)));
    columns.push(Arc::new(StringArray::from(reg)));
    columns.push(Arc::new(StringArray::from(date)));
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}
