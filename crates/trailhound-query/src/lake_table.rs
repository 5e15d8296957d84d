//! The `cloudtrail` and `insights` tables: the lake's Hive-partitioned Parquet
//! (`account=/region=/date=`), read by DataFusion's listing table with its footers read lazily,
//! and wrapped so that a bound on `eventtime` also bounds the `date` partitions listed — a query
//! for one day reads that day's folders only, without the user writing a `date` predicate.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{ScanArgs, ScanResult, Session, TableProvider};
use datafusion::common::Result;
use datafusion::config::TableParquetOptions;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_plan::ExecutionPlan;

use crate::prune::{date_filters, time_bounds};

pub use trailhound_model::lake::PARTITION_COLUMNS;

/// The schema of a lake table: the record columns, then the partition columns.
pub fn table_schema() -> SchemaRef {
    let mut fields: Vec<Field> = trailhound_model::schema::lake_schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields.extend(
        PARTITION_COLUMNS
            .iter()
            .map(|c| Field::new(*c, DataType::Utf8, false)),
    );
    Arc::new(Schema::new(fields))
}

/// A lake dataset (`cloudtrail/` or `insights/` below the lake root `url`, which ends in `/`).
#[derive(Debug)]
pub struct LakeTable {
    inner: ListingTable,
}

impl LakeTable {
    /// The dataset at `dataset_url`, read with `parquet`'s settings: pass the session's
    /// (`SessionState::default_table_options`), since a format keeps its own and ignores the
    /// session's (DataFusion's 512 KiB footer guess read half of every lake file from S3).
    pub fn new(dataset_url: &str, parquet: TableParquetOptions) -> Result<Self> {
        let url = ListingTableUrl::parse(dataset_url)?;
        let record = trailhound_model::schema::lake_schema();
        let options = ListingOptions::new(Arc::new(ParquetFormat::default().with_options(parquet)))
            .with_file_extension(".parquet")
            .with_table_partition_cols(
                PARTITION_COLUMNS
                    .iter()
                    .map(|c| (c.to_string(), DataType::Utf8))
                    .collect(),
            );
        let config = ListingTableConfig::new(url)
            .with_listing_options(options)
            .with_schema(record);
        Ok(Self {
            inner: ListingTable::try_new(config)?,
        })
    }
}

#[async_trait]
impl TableProvider for LakeTable {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }
    fn table_type(&self) -> TableType {
        TableType::Base
    }
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        self.inner.supports_filters_pushdown(filters)
    }
    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let args = ScanArgs::default()
            .with_projection(projection.map(|p| p.as_slice()))
            .with_filters(Some(filters))
            .with_limit(limit);
        Ok(self.scan_with_args(state, args).await?.into_inner())
    }
    async fn scan_with_args<'a>(
        &self,
        state: &dyn Session,
        args: ScanArgs<'a>,
    ) -> Result<ScanResult> {
        let mut filters = args.filters().unwrap_or(&[]).to_vec();
        filters.extend(date_filters(&time_bounds(&filters)));
        let args = ScanArgs::default()
            .with_projection(args.projection())
            .with_filters(Some(&filters))
            .with_limit(args.limit())
            .with_statistics_requests(args.statistics_requests());
        self.inner.scan_with_args(state, args).await
    }
}
