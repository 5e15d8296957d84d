//! The engine: a DataFusion session with trailhound's tables, functions and dialect coercions,
//! configured for CloudTrail lakes (lazy footers, filter pushdown into Parquet, optional memory
//! limit with spilling).

use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::view::ViewTable;
use datafusion::catalog::{MemTable, TableProvider};
use datafusion::common::ScalarValue;
use datafusion::datasource::provider_as_source;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::SessionStateBuilder;
use datafusion::logical_expr::LogicalPlanBuilder;
use datafusion::physical_plan::{execute_stream, SendableRecordBatchStream};
use datafusion::prelude::{col, lit, DataFrame, SessionConfig, SessionContext};
use datafusion::sql::parser::DFParser;
use datafusion::sql::sqlparser::dialect::GenericDialect;

use trailhound_model::lake::{marks_lake, Dataset};
use trailhound_model::window::TimeWindow;
use trailhound_store::location::block_on;
use trailhound_store::{Location, Locator, S3Options};

use crate::error::{QueryError, Result};
use crate::lake_table::{table_schema, LakeTable};
use crate::raw_table::RawTable;
use crate::remote::{runs_here, Remote};

/// Partitions of a query over S3 (at least; two per thread otherwise).
const S3_PARTITIONS: usize = 32;

/// What the engine reads and how.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// The lake: a folder or S3 prefix written by `trailhound convert`.
    pub lake: Option<Locator>,
    /// A folder or S3 prefix of raw CloudTrail logs, queried as `cloudtrail_raw`.
    pub raw: Option<Locator>,
    /// Memory for query operators; sorts, joins and aggregations spill to disk beyond it.
    pub memory_limit: Option<usize>,
    /// Threads [default: all cores].
    pub threads: Option<usize>,
    /// Only events in this window are visible in `cloudtrail` and `cloudtrail_raw`.
    pub window: TimeWindow,
    /// How to reach a lake or raw logs in S3.
    pub s3: S3Options,
    /// Where plans run instead of here (a cluster), if anywhere.
    pub remote: Option<Arc<dyn Remote>>,
}

/// One result set.
#[derive(Debug, Clone)]
pub struct QueryOutput {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

impl QueryOutput {
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }
}

/// A query session over one lake (and optionally a raw folder).
pub struct Engine {
    ctx: SessionContext,
    tables: Vec<String>,
    remote: Option<Arc<dyn Remote>>,
}

impl Engine {
    pub fn new(opts: &EngineOptions) -> Result<Engine> {
        let mut config = SessionConfig::new()
            .with_information_schema(true)
            .with_collect_statistics(false);
        // Two partitions per thread: while one waits on a file's footer or pages, the other
        // decodes (measured on the 2M-event lake: top event names 0.10 → 0.08 s, 2 cores).
        let threads = opts
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        // A lake in S3 waits on round trips instead (tens of milliseconds each, several per
        // file: footer, the filter's columns, the rest): more partitions keep more files in
        // flight while the same threads decode (benches/README.md, "S3 at real latency").
        let in_s3 = [&opts.lake, &opts.raw]
            .into_iter()
            .flatten()
            .any(Locator::is_s3);
        let partitions = if in_s3 {
            (2 * threads).max(S3_PARTITIONS)
        } else {
            2 * threads
        };
        config = config.with_target_partitions(partitions.max(1));
        let options = config.options_mut();
        // Lake files are about a megabyte and outnumber the partitions: in S3, splitting one
        // across partitions only makes every piece fetch its footer again.
        if in_s3 {
            options.optimizer.repartition_file_scans = false;
        }
        // Our footers are ~10 KB; the default 512 KB guess reads half of a typical file up front.
        options.execution.parquet.metadata_size_hint = Some(64 * 1024);
        // Late materialisation: decode the wide JSON columns only for rows that pass the filters.
        options.execution.parquet.pushdown_filters = true;
        options.execution.parquet.reorder_filters = true;
        options.sql_parser.enable_ident_normalization = true;
        if let Some(remote) = &opts.remote {
            config = remote.configure(config);
        }
        let mut runtime = RuntimeEnvBuilder::new();
        if let Some(limit) = opts.memory_limit {
            runtime = runtime.with_memory_pool(Arc::new(FairSpillPool::new(limit)));
        }
        let runtime = runtime.build_arc()?;
        // Lake files on local disk are read in place (see `local_store`; positioned reads are
        // Unix's, elsewhere DataFusion's own `LocalFileSystem` stays).
        #[cfg(unix)]
        {
            let file_url = url::Url::parse("file://").map_err(|e| QueryError::Location {
                location: "file://".into(),
                reason: e.to_string(),
            })?;
            runtime.register_object_store(
                &file_url,
                Arc::new(crate::local_store::InlineLocalFs::default()),
            );
        }
        let state = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(runtime)
            .with_default_features()
            .with_analyzer_rules(crate::coerce::analyzer_rules())
            .build();
        // `SELECT … FROM 'results.parquet'` reads other files too. This rebuilds the state, so
        // our functions are registered after it: they must replace built-ins of the same name
        // (`element_at`, `replace`) and a rebuild would re-register those in any order.
        let ctx = SessionContext::new_with_state(state).enable_url_table();
        {
            let state = ctx.state_ref();
            let mut state = state.write();
            crate::functions::register_all(&mut *state)?;
        }
        let mut engine = Engine {
            ctx,
            tables: Vec::new(),
            remote: opts.remote.clone(),
        };
        if let Some(lake) = &opts.lake {
            engine.register_lake(lake, &opts.s3, &opts.window)?;
        }
        if let Some(raw) = &opts.raw {
            engine.register(
                "cloudtrail_raw",
                Arc::new(RawTable::new(raw, &opts.s3)?.with_single_output(opts.remote.is_some())),
                &opts.window,
            )?;
        }
        Ok(engine)
    }

    /// Registers a table; with a time window, as a view over the table filtered to the window
    /// (the filter then prunes like any other).
    fn register(
        &mut self,
        name: &str,
        table: Arc<dyn TableProvider>,
        window: &TimeWindow,
    ) -> Result<()> {
        if window.is_unbounded() {
            self.ctx.register_table(name, table)?;
        } else {
            let mut cond = lit(true);
            if let Some(f) = window.from {
                cond = cond.and(col("eventtime").gt_eq(lit(time_literal(f))));
            }
            if let Some(u) = window.until {
                cond = cond.and(col("eventtime").lt(lit(time_literal(u))));
            }
            let view = LogicalPlanBuilder::scan(name, provider_as_source(table), None)?
                .filter(cond)?
                .build()?;
            self.ctx
                .register_table(name, Arc::new(ViewTable::new(view, None)))?;
        }
        self.tables.push(name.to_string());
        Ok(())
    }

    /// Registers a lake's tables, local or in S3 alike: the lake is opened and checked once
    /// (reachable, and a lake: a dataset or `_trailhound/` folder below it, one listing), its
    /// object store registered with DataFusion, each dataset a [`LakeTable`] (a dataset not
    /// there yet is an empty table, not an unknown one), and `sources` over its manifest.
    fn register_lake(&mut self, at: &Locator, s3: &S3Options, window: &TimeWindow) -> Result<()> {
        let failed = |reason: String| QueryError::Location {
            location: at.to_string(),
            reason,
        };
        let loc = at.open(s3, false)?;
        let (_, dirs) = block_on(loc.list_dir("")).map_err(|e| match e {
            trailhound_store::Error::Store { reason, .. } => failed(reason),
            other => failed(other.to_string()),
        })?;
        let dirs: Vec<&str> = dirs.iter().map(|d| d.trim_end_matches('/')).collect();
        if !dirs.iter().any(|d| marks_lake(d)) {
            let hint = if loc.is_s3() {
                " and copy it there"
            } else {
                ""
            };
            return Err(failed(format!(
                "not a trailhound lake (no cloudtrail/ or _trailhound/ inside); make one with `trailhound convert SRC DEST`{hint}"
            )));
        }
        // DataFusion reaches the files by URL: `file:///abs/lake/…` (served in place by
        // `InlineLocalFs`) or `s3://bucket/prefix/…` (served by this lake's own store).
        let root_url = match at {
            Locator::Local(root) => {
                let root = std::fs::canonicalize(root).map_err(|e| failed(e.to_string()))?;
                format!("file://{}", root.display())
            }
            Locator::S3(s3loc) => {
                let bucket_url = url::Url::parse(&format!("s3://{}", s3loc.bucket))
                    .map_err(|e| failed(e.to_string()))?;
                // Each file's footer read also holds its page index: kept, it saves a round
                // trip per file (see `tail_cache`).
                self.ctx.runtime_env().register_object_store(
                    &bucket_url,
                    Arc::new(crate::tail_cache::TailCache::new(loc.store())),
                );
                s3loc.url()
            }
        };
        let parquet = self.ctx.state().default_table_options().parquet;
        for dataset in Dataset::ALL {
            let provider: Arc<dyn TableProvider> = if dirs.contains(&dataset.dir()) {
                Arc::new(LakeTable::new(
                    &format!("{root_url}/{}/", dataset.dir()),
                    parquet.clone(),
                )?)
            } else {
                Arc::new(MemTable::try_new(table_schema(), vec![vec![]])?)
            };
            self.register(dataset.dir(), provider, window)?;
        }
        // Read when a query uses it: a large manifest is megabytes of JSON that other queries
        // should not pay for at start-up.
        self.ctx.register_table(
            "sources",
            Arc::new(LazySources {
                lake: loc,
                table: std::sync::OnceLock::new(),
            }),
        )?;
        self.tables.push("sources".into());
        Ok(())
    }

    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// The tables trailhound registered.
    pub fn tables(&self) -> &[String] {
        &self.tables
    }

    /// Plans every statement of `sql` (separated by `;`) into data frames, in order.
    pub async fn plan(&self, sql: &str) -> Result<Vec<DataFrame>> {
        let statements = DFParser::parse_sql_with_dialect(sql, &GenericDialect {})?;
        let state = self.ctx.state();
        let mut out = Vec::with_capacity(statements.len());
        for mut statement in statements {
            crate::dialect::rewrite(&mut statement);
            let plan = state.statement_to_plan(statement).await?;
            out.push(self.ctx.execute_logical_plan(plan).await?);
        }
        Ok(out)
    }

    /// Runs one statement with its `$name` placeholders bound to typed values (saved queries).
    pub async fn run_bound(
        &self,
        sql: &str,
        params: Vec<(String, ScalarValue)>,
    ) -> Result<QueryOutput> {
        let mut frames = self.plan(sql).await?;
        if frames.len() != 1 {
            return Err(QueryError::Output(format!(
                "a saved query must be exactly one statement, not {}",
                frames.len()
            )));
        }
        let df = frames.remove(0).with_param_values(params)?;
        let schema = Arc::new(df.schema().as_arrow().clone());
        let batches = self.collect(df).await?;
        Ok(QueryOutput { schema, batches })
    }

    /// Executes a data frame here or, with a remote engine, there (planned here either way).
    pub async fn stream(&self, df: DataFrame) -> Result<SendableRecordBatchStream> {
        let Some(remote) = &self.remote else {
            return Ok(df.execute_stream().await?);
        };
        let state = df.task_ctx();
        let plan = df.create_physical_plan().await?;
        if runs_here(&plan) {
            return Ok(execute_stream(plan, Arc::new(state))?);
        }
        Ok(remote.execute(plan, &self.ctx.state()).await?)
    }

    /// Executes a data frame (see [`Engine::stream`]) and collects its batches.
    pub async fn collect(&self, df: DataFrame) -> Result<Vec<RecordBatch>> {
        use futures::TryStreamExt;
        Ok(self.stream(df).await?.try_collect().await?)
    }

    /// Whether plans run on a remote engine.
    pub fn is_remote(&self) -> bool {
        self.remote.is_some()
    }

    /// Runs every statement of `sql` and collects the results.
    pub async fn run(&self, sql: &str) -> Result<Vec<QueryOutput>> {
        let mut out = Vec::new();
        for df in self.plan(sql).await? {
            let schema = Arc::new(df.schema().as_arrow().clone());
            let batches = self.collect(df).await?;
            out.push(QueryOutput { schema, batches });
        }
        Ok(out)
    }
}

fn time_literal(micros: i64) -> ScalarValue {
    ScalarValue::TimestampMicrosecond(Some(micros), Some("UTC".into()))
}

/// `sources`: the manifest's record of every source object (what was converted from where, how
/// many events, duplicates, quarantine reasons, digest validation results) — join it to
/// `cloudtrail._source` on `key`.
#[derive(Debug)]
struct LazySources {
    lake: Location,
    table: std::sync::OnceLock<std::result::Result<Arc<MemTable>, String>>,
}

#[async_trait::async_trait]
impl TableProvider for LazySources {
    fn schema(&self) -> SchemaRef {
        sources_schema()
    }
    fn table_type(&self) -> datafusion::logical_expr::TableType {
        datafusion::logical_expr::TableType::Base
    }
    async fn scan(
        &self,
        state: &dyn datafusion::catalog::Session,
        projection: Option<&Vec<usize>>,
        filters: &[datafusion::logical_expr::Expr],
        limit: Option<usize>,
    ) -> datafusion::common::Result<Arc<dyn datafusion::physical_plan::ExecutionPlan>> {
        let table = self
            .table
            .get_or_init(|| {
                sources_table(&self.lake)
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
            .map_err(datafusion::error::DataFusionError::Execution)?;
        table.scan(state, projection, filters, limit).await
    }
}

fn sources_schema() -> SchemaRef {
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    Arc::new(Schema::new(vec![
        Field::new("key", DataType::Utf8, false),
        Field::new("status", DataType::Utf8, false),
        Field::new("reason", DataType::Utf8, true),
        Field::new("size", DataType::UInt64, false),
        Field::new("sha256", DataType::Utf8, false),
        Field::new("json_bytes", DataType::UInt64, false),
        Field::new("records_in", DataType::UInt64, false),
        Field::new("records_out", DataType::UInt64, false),
        Field::new("duplicates", DataType::UInt64, false),
        Field::new("integrity", DataType::Utf8, true),
    ]))
}

fn sources_table(loc: &Location) -> Result<MemTable> {
    use datafusion::arrow::array::{ArrayRef, StringArray, UInt64Array};
    use trailhound_convert::manifest::SourceStatus;
    let failed = |e: trailhound_convert::Error| QueryError::Location {
        location: loc.display().to_string(),
        reason: e.to_string(),
    };
    // A Hive dataset written by another tool has no manifest: no sources, still queryable.
    let lake = trailhound_convert::Lake::try_open_at(loc.clone()).map_err(failed)?;
    let s: Vec<_> = lake
        .iter()
        .flat_map(|l| l.state().sources.values())
        .collect();
    let text =
        |f: &dyn Fn(&trailhound_convert::manifest::SourceEntry) -> Option<String>| -> ArrayRef {
            Arc::new(s.iter().map(|e| f(e)).collect::<StringArray>())
        };
    let num = |f: &dyn Fn(&trailhound_convert::manifest::SourceEntry) -> u64| -> ArrayRef {
        Arc::new(s.iter().map(|e| f(e)).collect::<UInt64Array>())
    };
    let schema = sources_schema();
    let columns = vec![
        text(&|e| Some(e.key.clone())),
        text(&|e| {
            Some(
                match e.status {
                    SourceStatus::Converted => "converted",
                    SourceStatus::Quarantined { .. } => "quarantined",
                    SourceStatus::Digest => "digest",
                }
                .to_string(),
            )
        }),
        text(&|e| match &e.status {
            SourceStatus::Quarantined { reason, .. } => Some(reason.clone()),
            _ => None,
        }),
        num(&|e| e.size),
        text(&|e| Some(e.sha256.clone())),
        num(&|e| e.json_bytes),
        num(&|e| e.records_in),
        num(&|e| e.records_out),
        num(&|e| e.duplicates),
        text(&|e| e.integrity.clone()),
    ];
    let batch =
        RecordBatch::try_new(schema.clone(), columns).map_err(|e| QueryError::Sql(e.into()))?;
    Ok(MemTable::try_new(schema, vec![vec![batch]])?)
}
