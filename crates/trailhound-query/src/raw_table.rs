//! `cloudtrail_raw`: the lake's schema read straight from a folder of raw `.json.gz` logs with
//! the converter's decoder, for a quick look without converting. The account, region and date
//! in the keys prune the listing; the objects are split across the engine's partitions and
//! decoded on blocking threads.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{SchemaRef, TimestampMicrosecondType};
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};
use datafusion::physical_plan::{ExecutionPlan, SendableRecordBatchStream};
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
    src: Arc<Source>,
    schema: SchemaRef,
}

impl RawTable {
    /// A local folder or file, or an S3 prefix.
    pub fn new(root: &Locator, s3: &S3Options) -> Result<Self> {
        let src = Source::open(root, s3)
            .map_err(|e| DataFusionError::Plan(format!("--raw {root}: {e}")))?;
        Ok(Self {
            src: Arc::new(src),
            schema: table_schema(),
        })
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
        let wanted = Arc::new(decode_projection(projection));
        let partitions: Vec<Arc<dyn PartitionStream>> = parts
            .into_iter()
            .filter(|p| !p.1.is_empty())
            .map(|p| {
                Arc::new(RawPartition {
                    src: self.src.clone(),
                    schema: self.schema.clone(),
                    objects: Arc::new(p.1),
                    projection: wanted.clone(),
                }) as Arc<dyn PartitionStream>
            })
            .collect();
        if partitions.is_empty() {
            return Ok(Arc::new(datafusion::physical_plan::empty::EmptyExec::new(
                datafusion::common::project_schema(&self.schema, projection)?,
            )));
        }
        Ok(Arc::new(StreamingTableExec::try_new(
            self.schema.clone(),
            partitions,
            projection,
            Vec::new(),
            false,
            limit,
        )?))
    }
}

#[derive(Debug)]
struct RawPartition {
    src: Arc<Source>,
    schema: SchemaRef,
    objects: Arc<Vec<SourceObject>>,
    projection: Arc<Projection>,
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

impl PartitionStream for RawPartition {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }
    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<RecordBatch>>(2);
        let objects = self.objects.clone();
        let schema = self.schema.clone();
        let projection = self.projection.clone();
        let src = self.src.clone();
        tokio::task::spawn_blocking(move || {
            let mut buf = Vec::new();
            for o in objects.iter() {
                let r = read_object(&src, o, &schema, &projection, &mut buf);
                let failed = r.is_err();
                // The receiver is gone when the query was cancelled or finished early.
                if tx.blocking_send(r).is_err() || failed {
                    return;
                }
            }
        });
        let stream =
            futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) });
        Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), stream))
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
