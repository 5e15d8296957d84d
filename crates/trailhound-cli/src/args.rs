//! Command-line arguments. The doc comments are the user's help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Investigate AWS CloudTrail archives with SQL: convert gzipped logs to a Parquet lake, then query,
/// report and export.
#[derive(Debug, Parser)]
#[command(name = "trailhound", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Only results, warnings and errors: no progress bar, no status lines.
    #[arg(
        long,
        short,
        global = true,
        conflicts_with = "verbose",
        display_order = 1000
    )]
    pub quiet: bool,
    /// More detail on standard error (what was resolved, counts); `verify` lists every log file.
    #[arg(long, short, global = true, display_order = 1001)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert CloudTrail logs (a folder in CloudTrail's S3 layout, or single files) into a lake of
    /// Hive-partitioned zstd Parquet. Incremental: only new objects are converted.
    Convert(ConvertArgs),
    /// Merge the small files incremental conversions leave into large sorted ones per partition.
    Compact(CompactArgs),
    /// Rebuild CloudTrail JSON from the lake, as NDJSON or as gzipped CloudTrail log files.
    Export(ExportArgs),
    /// Query the lake with SQL: an interactive shell, or `-c`/`-f`/standard input.
    Sql(SqlArgs),
    /// Look up events like `aws cloudtrail lookup-events`, from the lake and without its 90 days.
    Lookup(LookupArgs),
    /// Check a trail archive's integrity offline from CloudTrail's digest files: signatures, the
    /// chain of digests, every log file's hash. Exit code 2 when anything is wrong.
    Verify(VerifyArgs),
    /// Estimate what the trail costs per month, logging everything and with each set of event
    /// selectors, from the archive's own events: events, bytes, S3 and CloudTrail dollars, and
    /// which exclusions save most.
    Cost(CostArgs),
    /// List the saved queries (threat patterns, cost anomalies, compliance, investigation), or
    /// show one's documentation and SQL.
    Queries(QueriesArgs),
    /// Run a saved query (or a whole --category) by name, bounded to the last 7 days by default.
    Run(RunArgs),
    /// Run a report for schedules: `report compliance --since 30d --format md --output FILE`.
    Report(ReportArgs),
    /// Every event of one principal, source IP or resource in time order, grouped into sessions
    /// with the AssumeRole chains that issued them: a table, or an HTML page with a density chart.
    Timeline(TimelineArgs),
    /// Back-test CloudWatch Logs metric filters and their alarms on the lake: the metric's
    /// datapoints per period and every state change the alarm would have made. Exit code 2 with
    /// --fail-on-findings when an alarm would have fired.
    MetricFilter(MetricFilterArgs),
    /// Alert on new logs: each cycle converts what is new in SRC into the lake, runs the chosen
    /// detections over the events it committed, and sends every finding once to each --notify
    /// destination. With --once, exit code 0 when nothing was sent, 2 when findings were sent,
    /// 1 on an error or a failed delivery (retried next run).
    Watch(WatchArgs),
    /// Run a cluster's scheduler (Apache DataFusion Ballista) for `--cluster df://HOST:PORT`:
    /// it splits each query's plan into stages and hands their tasks to the executors.
    Scheduler(SchedulerArgs),
    /// Print the `CREATE EXTERNAL TABLE` statement with which Athena (Glue) or Trino reads the
    /// lake in S3 as it is, with partition projection over its accounts, regions and days.
    Ddl(DdlArgs),
    /// Run a cluster executor: it registers with the scheduler and runs the tasks it is given,
    /// reading the lake itself (the same folder on every machine, or S3 with its own
    /// credentials).
    Executor(ExecutorArgs),
}

#[derive(Debug, Args)]
pub struct DdlArgs {
    /// The lake (or use --lake / TRAILHOUND_LAKE).
    pub lake_pos: Option<String>,
    #[command(flatten)]
    pub lake: LakeArg,
    /// The engine the statement is for.
    #[arg(long, value_enum, default_value = "athena")]
    pub engine: DdlEngineArg,
    /// Where the lake is (or will be) in S3, `s3://bucket/prefix` [default: the lake, when it
    /// is in S3].
    #[arg(long, value_name = "s3://BUCKET/PREFIX")]
    pub location: Option<String>,
    /// The table's name [default: cloudtrail, or insights with --insights].
    #[arg(long)]
    pub table: Option<String>,
    /// Describe the Insights events (`insights/`) instead of the trail's.
    #[arg(long)]
    pub insights: bool,
    #[command(flatten)]
    pub s3: S3Args,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DdlEngineArg {
    Athena,
    Trino,
}

#[derive(Debug, Args)]
pub struct SchedulerArgs {
    /// Address to listen on (port 0: any free port, printed once listening).
    #[arg(long, value_name = "HOST:PORT", default_value = "0.0.0.0:50050")]
    pub bind: std::net::SocketAddr,
    /// The host name executors and clients reach this scheduler by [default: the bind address].
    #[arg(long, value_name = "HOST")]
    pub external_host: Option<String>,
    /// Executors needed before `GET /readyz` answers 200.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub ready_executors: usize,
    /// Seconds without a heartbeat after which an executor counts as lost and its tasks run
    /// elsewhere (longer than the executors' `--heartbeat`).
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub executor_timeout: u64,
    #[command(flatten)]
    pub s3: S3Args,
}

#[derive(Debug, Args)]
pub struct ExecutorArgs {
    /// The scheduler: `df://HOST:PORT` or `HOST:PORT`.
    #[arg(long, value_name = "HOST:PORT")]
    pub scheduler: String,
    /// Address for task output (Arrow Flight); the next port is its gRPC port.
    #[arg(long, value_name = "HOST:PORT", default_value = "0.0.0.0:50051")]
    pub bind: std::net::SocketAddr,
    /// The host name the scheduler and other executors reach this one by [default: the bind
    /// address].
    #[arg(long, value_name = "HOST")]
    pub external_host: Option<String>,
    /// Tasks at once [default: all cores].
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Folder for shuffle output and spills [default: a temporary folder].
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// Memory for task operators (they spill beyond it): 8G, 512M [default: most of the
    /// machine's].
    #[arg(long, value_parser = parse_size)]
    pub memory_limit: Option<u64>,
    /// Seconds between heartbeats to the scheduler.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub heartbeat: u64,
    #[command(flatten)]
    pub s3: S3Args,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Where CloudTrail delivers: a folder or `s3://bucket/prefix` (`AWSLogs/…` below it).
    pub src: String,
    #[command(flatten)]
    pub lake: LakeArg,
    /// Where findings go (repeatable): `slack+https://hooks.slack.com/…`,
    /// `pagerduty://ROUTING_KEY`, `sns://arn:aws:sns:REGION:ACCOUNT:TOPIC`, `https://…` (the
    /// finding as JSON) or `-` (NDJSON on standard output).
    #[arg(long, value_name = "URL", required = true)]
    pub notify: Vec<String>,
    /// Every saved query of this category (repeatable) [default: threats, unless --query or
    /// --sigma is given].
    #[arg(long, value_name = "NAME")]
    pub category: Vec<String>,
    /// A saved query (repeatable).
    #[arg(long = "query", value_name = "NAME")]
    pub query: Vec<String>,
    /// Sigma rules (files or folders, repeatable) run as detections too.
    #[arg(long, value_name = "PATH")]
    pub sigma: Vec<PathBuf>,
    /// A parameter for the detections, NAME=VALUE (repeatable).
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Time between cycles (30s, 5m, 1h).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "5m",
        conflicts_with = "once"
    )]
    pub every: String,
    /// One cycle, then exit (for cron).
    #[arg(long)]
    pub once: bool,
    /// Take the new objects from the S3 event notifications on this SQS queue instead of
    /// listing SRC (an s3:// source); a cycle starts when messages arrive (waiting up to
    /// --every), and messages are deleted once their objects are in the lake.
    #[arg(long, value_name = "URL")]
    pub sqs_queue: Option<String>,
    /// Print the findings (NDJSON) instead of sending them; nothing is recorded as sent.
    #[arg(long)]
    pub dry_run: bool,
    /// On the first run, take what is already in SRC as seen: alert only on what arrives after.
    #[arg(long)]
    pub skip_backlog: bool,
    /// How far before the new events detections look, for bursts and windows (30m, 1h).
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    pub window_lookback: String,
    /// How far before the period "never seen before" detections look (30d, 12w).
    #[arg(long, value_name = "DURATION", default_value = "30d")]
    pub lookback: String,
    /// This watch's name: its cursor and delivery records in the lake (one per alerting setup).
    #[arg(long, default_value = "default")]
    pub name: String,
    /// Time allowed for one delivery request.
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub timeout: String,
    /// Attempts per delivery in one cycle (waits 1s, 2s, 4s… between them).
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub attempts: u32,
    #[command(flatten)]
    pub catalog: CatalogArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Args)]
pub struct MetricFilterArgs {
    /// A filter pattern in CloudWatch Logs' JSON syntax:
    /// '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }'.
    #[arg(
        long,
        required_unless_present = "from_aws",
        conflicts_with = "from_aws"
    )]
    pub pattern: Option<String>,
    /// Back-test a team's configuration: the JSON of `aws logs describe-metric-filters` and of
    /// `aws cloudwatch describe-alarms` (repeatable; alarms join filters by metric).
    #[arg(long = "from-aws", value_name = "FILE")]
    pub from_aws: Vec<PathBuf>,
    /// What each matching event publishes: a number or a `$.field` holding one.
    #[arg(
        long,
        value_name = "VALUE",
        default_value = "1",
        allow_hyphen_values = true
    )]
    pub metric_value: String,
    /// Published in periods where events arrived and none matched [default: nothing].
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub default_value: Option<f64>,
    /// The alarm's period (10s, 1m, 5m, 1h).
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub period: String,
    /// The alarm's threshold.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1.0,
        allow_hyphen_values = true
    )]
    pub threshold: f64,
    /// Periods evaluated (N).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub evaluation_periods: usize,
    /// Breaching periods among them that alarm (M) [default: N].
    #[arg(long, value_name = "M")]
    pub datapoints_to_alarm: Option<usize>,
    /// Sum, SampleCount, Average, Minimum or Maximum.
    #[arg(long, default_value = "Sum")]
    pub statistic: String,
    /// GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold or
    /// LessThanOrEqualToThreshold.
    #[arg(long, default_value = "GreaterThanOrEqualToThreshold")]
    pub comparison_operator: String,
    /// missing, notBreaching, breaching or ignore.
    #[arg(long, default_value = "missing")]
    pub treat_missing_data: String,
    #[command(flatten)]
    pub lake: LakeArg,
    /// The period replayed [default: the whole lake].
    #[command(flatten)]
    pub window: WindowArgs,
    #[arg(long, value_enum, default_value = "table")]
    pub format: MetricFormat,
    /// Print the SQL predicate each pattern compiles to (paste it into `trailhound sql`).
    #[arg(long)]
    pub explain: bool,
    /// Exit with code 2 when an alarm would have gone into ALARM.
    #[arg(long)]
    pub fail_on_findings: bool,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum MetricFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("subject").required(true).args(["principal", "ip", "resource"]))]
pub struct TimelineArgs {
    /// An ARN, IAM user or role name, role session name, principal id or access key id.
    #[arg(long, value_name = "WHO")]
    pub principal: Option<String>,
    /// A source IP address, or a network such as 203.0.113.0/24.
    #[arg(long, value_name = "ADDRESS")]
    pub ip: Option<String>,
    /// An ARN or a name (bucket, instance id, user name): in an event's resources, or as the
    /// whole value of one of its request parameters.
    #[arg(long, value_name = "ARN|NAME")]
    pub resource: Option<String>,
    #[command(flatten)]
    pub lake: LakeArg,
    /// The period [default: the whole lake].
    #[command(flatten)]
    pub window: WindowArgs,
    #[arg(long, value_enum, default_value = "table")]
    pub format: TimelineFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Events listed in detail (all are counted and charted).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub limit: usize,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TimelineFormat {
    Table,
    Html,
    Json,
}

/// Where saved queries come from.
#[derive(Debug, Args, Clone, Default)]
pub struct CatalogArgs {
    /// A folder of saved queries (`<category>/<name>.sql`) adding to or replacing the built-in
    /// ones by name (repeatable; `~/.config/trailhound/queries` is always read).
    #[arg(long = "queries", value_name = "DIR")]
    pub queries: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct QueriesArgs {
    #[command(subcommand)]
    pub action: Option<QueriesAction>,
    /// Only this category.
    #[arg(long)]
    pub category: Option<String>,
    /// Only the detections mapped to this MITRE ATT&CK technique (T1098 includes T1098.001).
    #[arg(long, value_name = "TECHNIQUE")]
    pub attack: Option<String>,
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

#[derive(Debug, Subcommand)]
pub enum QueriesAction {
    /// Print a saved query's documentation, parameters and SQL.
    Show { name: String },
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The saved query (see `trailhound queries`).
    #[arg(required_unless_present_any = ["category", "sigma"], conflicts_with_all = ["category", "sigma"])]
    pub name: Option<String>,
    /// Run every query of this category instead.
    #[arg(long, conflicts_with = "sigma")]
    pub category: Option<String>,
    /// Run Sigma rules instead: rule files or folders of them (repeatable). Rules for other
    /// logsources, and constructs not supported, are named on stderr; the rest run in one scan.
    #[arg(long, value_name = "PATH")]
    pub sigma: Vec<PathBuf>,
    /// With --sigma: print the SQL the rules compile to instead of running it.
    #[arg(long, requires = "sigma")]
    pub explain: bool,
    #[command(flatten)]
    pub lake: LakeArg,
    /// A parameter, NAME=VALUE (repeatable), bound as a typed value.
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// The period searched [default: the last 7 days].
    #[command(flatten)]
    pub window: WindowArgs,
    /// How far before the period "never seen before" queries look (30d, 12w).
    #[arg(long, value_name = "DURATION", default_value = "30d")]
    pub lookback: String,
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Widest column in table output, in characters.
    #[arg(long, value_name = "N", default_value_t = 48)]
    pub max_width: usize,
    /// Exit with code 2 when a query finds something.
    #[arg(long)]
    pub fail_on_findings: bool,
    #[command(flatten)]
    pub catalog: CatalogArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The report: a framework (`cis`, `pci-dss`, `soc2`, `hipaa`: each control with its status
    /// and evidence), or a query category (`compliance` is the CIS checks, `threats`, `cost`…).
    pub kind: String,
    #[command(flatten)]
    pub lake: LakeArg,
    /// The period covered [default: the last 7 days].
    #[command(flatten)]
    pub window: WindowArgs,
    #[arg(long, value_enum, default_value = "md")]
    pub format: ReportFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Findings shown per section (all are counted).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub max_findings: usize,
    /// Exit with code 2 when any section has findings (1 when a check could not run, always).
    #[arg(long)]
    pub fail_on_findings: bool,
    /// A parameter for the report's queries, NAME=VALUE (repeatable).
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Add a section per Sigma rule of these files or folders (`report sigma --sigma PATH` for
    /// the rules alone).
    #[arg(long, value_name = "PATH")]
    pub sigma: Vec<PathBuf>,
    #[command(flatten)]
    pub catalog: CatalogArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ReportFormat {
    Md,
    /// One self-contained page with charts, printable.
    Html,
    Json,
}

#[derive(Debug, Args)]
pub struct CostArgs {
    /// The lake (or use --lake / TRAILHOUND_LAKE).
    pub lake_pos: Option<String>,
    #[command(flatten)]
    pub lake: LakeArg,
    /// Event selectors to price (repeatable): what `aws cloudtrail get-event-selectors` prints, or
    /// the JSON array `put-event-selectors` takes (basic or advanced).
    #[arg(long = "selectors", value_name = "FILE")]
    pub selectors: Vec<PathBuf>,
    /// The period analysed (cut to the days the data covers).
    #[command(flatten)]
    pub window: WindowArgs,
    /// A price file replacing the built-in us-east-1 prices (same TOML layout).
    #[arg(long, value_name = "FILE")]
    pub pricing: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: CostFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The trail records an additional copy of management events (charged); by default it is the
    /// account's first copy (free).
    #[arg(long)]
    pub additional_copy: bool,
    /// The trail also sends its events to CloudWatch Logs, kept this many days.
    #[arg(long, value_name = "DAYS")]
    pub cloudwatch_retention: Option<u32>,
    /// The log bucket's lifecycle: storage classes and days in each, deleted after the last.
    #[arg(long, value_name = "CLASS:DAYS,…", default_value = trailhound_cost::Lifecycle::DEFAULT)]
    pub lifecycle: String,
    /// How many event sources and event names to rank by volume.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum CostFormat {
    Table,
    Json,
    Md,
    /// One self-contained page with charts.
    Html,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A folder or `s3://bucket/prefix` holding the trail's logs and digests as CloudTrail
    /// wrote them (`AWSLogs/…`).
    pub src: String,
    #[command(flatten)]
    pub s3: S3Args,
    /// The public keys, saved from `aws cloudtrail list-public-keys --output json`.
    #[arg(long, value_name = "FILE")]
    pub public_keys: PathBuf,
    /// Digests ending in this window are checked.
    #[command(flatten)]
    pub window: WindowArgs,
    /// A table (with `-v`, every log file checked, not only the findings) or JSON.
    #[arg(long, value_enum, default_value = "table")]
    pub format: VerifyFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum VerifyFormat {
    Table,
    Json,
}

/// `--since`, `--from`, `--until`.
#[derive(Debug, Args, Clone, Default)]
pub struct WindowArgs {
    /// Only the last DURATION (30m, 12h, 7d, 2w).
    #[arg(long, value_name = "DURATION", conflicts_with = "from")]
    pub since: Option<String>,
    /// From this time on (2024-07-30, 2024-07-30T12:00:00Z), inclusive.
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Up to this time, exclusive.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
}

/// Which accounts and regions.
#[derive(Debug, Args, Clone, Default)]
pub struct ScopeArgs {
    /// Only this account (repeatable).
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<String>,
    /// Only this region (repeatable).
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
}

/// Where the lake is: `--lake`, else `TRAILHOUND_LAKE`, else `lake` in the config file.
#[derive(Debug, Args, Clone, Default)]
pub struct LakeArg {
    /// The lake: a folder or `s3://bucket/prefix` written by `trailhound convert`.
    #[arg(long = "lake", value_name = "PATH", env = "TRAILHOUND_LAKE")]
    pub lake: Option<String>,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Source: a folder or `s3://bucket/prefix` holding `AWSLogs/…` anywhere below it, or one
    /// log file. It is only read.
    pub src: String,
    /// Destination lake: a folder (created if needed) or `s3://bucket/prefix`.
    pub dest: String,
    #[command(flatten)]
    pub s3: S3Args,
    /// S3 objects fetched at once.
    #[arg(long, default_value_t = 16, value_name = "N")]
    pub fetch_concurrency: usize,
    /// List every delivery day again, not only from where the last run's listing ended: finds
    /// objects added to old days and objects changed since.
    #[arg(long)]
    pub relist: bool,
    #[command(flatten)]
    pub scope: ScopeArgs,
    /// Which event times are wanted: delivery-date folders that cannot hold them are not read.
    #[command(flatten)]
    pub window: WindowArgs,
    /// Worker threads [default: all cores].
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// Memory for rows waiting to be written, across threads (384M, 2G).
    #[arg(long, default_value = "384M", value_parser = parse_size)]
    pub memory_limit: u64,
    /// Commit after this much (compressed) source data, so an interrupted run keeps what it
    /// did; it also bounds the memory of duplicate detection.
    #[arg(long, default_value = "512M", value_parser = parse_size)]
    pub checkpoint: u64,
    /// Try again the objects an earlier run quarantined.
    #[arg(long)]
    pub retry_quarantined: bool,
    /// Validate the logs against their digests first (public keys from
    /// `aws cloudtrail list-public-keys`) and record each file's result in the manifest
    /// (the `sources` table of `trailhound sql`).
    #[arg(long, value_name = "KEYS_FILE")]
    pub verify: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompactArgs {
    /// The lake (or use --lake / TRAILHOUND_LAKE).
    pub lake_pos: Option<String>,
    #[command(flatten)]
    pub lake: LakeArg,
    #[command(flatten)]
    pub s3: S3Args,
    #[command(flatten)]
    pub scope: ScopeArgs,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Largest number of rows merged into one file.
    #[arg(long, default_value_t = 262_144)]
    pub max_rows: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    /// One JSON event per line.
    Ndjson,
    /// Gzipped {"Records":[...]} files in CloudTrail's S3 layout below --output.
    Cloudtrail,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The lake (or use --lake / TRAILHOUND_LAKE).
    pub lake_pos: Option<String>,
    #[command(flatten)]
    pub lake: LakeArg,
    #[arg(long, value_enum, default_value = "ndjson")]
    pub format: ExportFormat,
    /// A file for ndjson (default: standard output), a folder or `s3://bucket/prefix` for
    /// cloudtrail.
    #[arg(long, short)]
    pub output: Option<String>,
    #[command(flatten)]
    pub s3: S3Args,
    #[command(flatten)]
    pub scope: ScopeArgs,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Export the Insights dataset instead of events.
    #[arg(long)]
    pub insights: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutputFormat {
    /// Aligned columns, wide values cut with …
    Table,
    Csv,
    Tsv,
    /// One JSON array of row objects.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// A Parquet file (needs --output).
    Parquet,
}

/// The engine's options shared by `sql` and `lookup`.
#[derive(Debug, Args, Clone)]
pub struct EngineArgs {
    /// Memory for query operators (sorts, joins, aggregations spill to disk beyond it): 2G, 512M.
    #[arg(long, value_parser = parse_size)]
    pub memory_limit: Option<u64>,
    /// Worker threads [default: all cores].
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// Run the queries on a cluster: `df://HOST:PORT`, the address of a `trailhound scheduler`
    /// [default: TRAILHOUND_CLUSTER, else `cluster` in the config file].
    #[arg(long, value_name = "df://HOST:PORT", env = "TRAILHOUND_CLUSTER")]
    pub cluster: Option<String>,
    #[command(flatten)]
    pub s3: S3Args,
}

/// Reaching a lake in S3 (`s3://bucket/prefix`).
#[derive(Debug, Args, Clone, Default)]
pub struct S3Args {
    /// The AWS profile (~/.aws/credentials and ~/.aws/config) [default: AWS_PROFILE or default].
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// The bucket's AWS region [default: AWS_REGION, the profile's, or us-east-1].
    #[arg(long, value_name = "REGION")]
    pub aws_region: Option<String>,
    /// An S3-compatible endpoint (MinIO, Ceph, LocalStack): http://127.0.0.1:9000
    /// [default: AWS_ENDPOINT_URL].
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

impl S3Args {
    pub fn options(&self) -> trailhound_store::S3Options {
        trailhound_store::S3Options {
            profile: self.profile.clone(),
            region: self.aws_region.clone(),
            endpoint_url: self.endpoint_url.clone(),
            ..Default::default()
        }
    }
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The lake (or use --lake / TRAILHOUND_LAKE).
    pub lake_pos: Option<String>,
    #[command(flatten)]
    pub lake: LakeArg,
    /// Also query raw CloudTrail logs below this folder (or `s3://bucket/prefix`) as the table
    /// `cloudtrail_raw`.
    #[arg(long, value_name = "DIR")]
    pub raw: Option<String>,
    /// Run this SQL and exit (repeatable; each may hold several statements).
    #[arg(long = "command", short = 'c', value_name = "SQL")]
    pub commands: Vec<String>,
    /// Run the SQL in this file and exit (repeatable).
    #[arg(long = "file", short = 'f', value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Result format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormat,
    /// Write results to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Most rows a table shows (the total is still given); 0 for all.
    #[arg(long, default_value_t = 100)]
    pub max_rows: usize,
    /// Widest a table cell gets before it is cut with …
    #[arg(long, default_value_t = 60)]
    pub max_width: usize,
    /// Print how long each statement took (on standard error).
    #[arg(long)]
    pub timing: bool,
    /// Limit the tables to events in this window (as if every query said so).
    #[command(flatten)]
    pub window: WindowArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Args)]
pub struct LookupArgs {
    /// The lake (or use --lake / TRAILHOUND_LAKE).
    pub lake_pos: Option<String>,
    #[command(flatten)]
    pub lake: LakeArg,
    /// AttributeKey=KEY,AttributeValue=VALUE, as the AWS CLI takes it (repeatable: all must
    /// match). Keys: EventId, EventName, ReadOnly, Username, ResourceType, ResourceName,
    /// EventSource, AccessKeyId.
    #[arg(long = "lookup-attributes", value_name = "ATTR", num_args = 1..)]
    pub attributes: Vec<String>,
    /// Events at or after this time (2024-07-30, 2024-07-30T12:00:00Z).
    #[arg(long, value_name = "TIME")]
    pub start_time: Option<String>,
    /// Events at or before this time.
    #[arg(long, value_name = "TIME")]
    pub end_time: Option<String>,
    /// At most N events, newest first; when more match, the output ends with a NextToken for
    /// --starting-token (as the AWS CLI pages).
    #[arg(long, value_name = "N", alias = "max-results", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_items: Option<u64>,
    /// Continue where the NextToken of the same lookup left off.
    #[arg(long, value_name = "TOKEN", alias = "next-token")]
    pub starting_token: Option<String>,
    /// Accepted for the AWS CLI's sake; the lake has no pages to size.
    #[arg(long, value_name = "N", hide = true)]
    pub page_size: Option<u64>,
    /// `insight`: CloudTrail Insights events instead of management events.
    #[arg(long, value_enum, value_name = "CATEGORY")]
    pub event_category: Option<EventCategory>,
    /// Data and network-activity events too (CloudTrail's event history has management
    /// events only).
    #[arg(long, conflicts_with = "event_category")]
    pub include_data_events: bool,
    #[command(flatten)]
    pub window: WindowArgs,
    /// json (like the AWS CLI) or table.
    #[arg(long, value_enum, default_value = "json")]
    pub output: LookupOutput,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum EventCategory {
    Insight,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum LookupOutput {
    Json,
    Table,
}

/// `512M`, `2G`, `1048576`.
fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.chars().last() {
        Some('K' | 'k') => (&s[..s.len() - 1], 1u64 << 10),
        Some('M' | 'm') => (&s[..s.len() - 1], 1 << 20),
        Some('G' | 'g') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{s:?} is not a size: use a number with K, M or G, like 512M"))
}
