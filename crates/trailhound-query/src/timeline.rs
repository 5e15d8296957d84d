//! `timeline`: every event of one principal, source IP or resource in time order, grouped into
//! the sessions that made them, each session traced back through the calls that issued its
//! temporary credentials (AssumeRole chains). What an investigator reads after an alert.
//!
//! The subject is compared as a literal built with the expression API, never spliced into SQL.

use std::collections::{BTreeMap, HashMap};

use datafusion::arrow::array::{Array, AsArray, RecordBatch, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::ScalarValue;
use datafusion::execution::FunctionRegistry;
use datafusion::functions::core::expr_fn::get_field;
use datafusion::logical_expr::{col, lit, Expr};
use serde::Serialize;
use trailhound_model::time::format_event_time;
use trailhound_model::window::TimeWindow;

use crate::engine::Engine;
use crate::error::{QueryError, Result};

/// Whose events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// An ARN, IAM user or role name, role session name, principal id or access key id.
    Principal(String),
    /// A source IP address, or a network (`203.0.113.0/24`).
    Ip(String),
    /// An ARN or a name (bucket, instance id, user name): in `resources` or as a request
    /// parameter's whole value.
    Resource(String),
}

impl Subject {
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::Principal(_) => "principal",
            Subject::Ip(_) => "ip",
            Subject::Resource(_) => "resource",
        }
    }
    pub fn value(&self) -> &str {
        match self {
            Subject::Principal(v) | Subject::Ip(v) | Subject::Resource(v) => v,
        }
    }
}

/// One event, as the timeline shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEvent {
    pub time: String,
    #[serde(skip)]
    pub micros: i64,
    pub event_id: String,
    pub event_source: String,
    pub event_name: String,
    pub account: String,
    pub region: String,
    pub principal: String,
    pub access_key: Option<String>,
    pub source_ip: String,
    pub user_agent: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub read_only: Option<bool>,
    pub resources: Vec<String>,
    /// Index into [`Timeline::sessions`].
    pub session: usize,
}

/// A call that issued the credentials a session used (AssumeRole, GetSessionToken, …).
#[derive(Debug, Clone, Serialize)]
pub struct Issuance {
    pub time: String,
    pub event_name: String,
    /// Who made the call, and with which key.
    pub caller: String,
    pub caller_key: Option<String>,
    pub source_ip: String,
    /// The role assumed, when it is an AssumeRole call.
    pub role_arn: Option<String>,
    pub session_name: Option<String>,
}

/// The events made with one access key (or, without a key, by one principal).
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub key: Option<String>,
    pub principal: String,
    pub issuer: Option<String>,
    pub created: Option<String>,
    pub mfa: Option<String>,
    pub first: String,
    pub last: String,
    pub events: usize,
    pub errors: usize,
    pub source_ips: Vec<String>,
    /// The calls that issued this session's credentials, nearest first: the AssumeRole that made
    /// this key, then the one that made its caller's key, and so on (as far as the lake holds).
    pub chain: Vec<Issuance>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub subject_kind: String,
    pub subject: String,
    pub from: Option<String>,
    pub until: Option<String>,
    /// Every matching event's time (µs), for the density chart, also past `limit`.
    #[serde(skip)]
    pub times: Vec<(i64, bool)>,
    pub total: usize,
    pub errors: usize,
    /// The first `limit` events in time order.
    pub events: Vec<TimelineEvent>,
    pub sessions: Vec<Session>,
}

fn user(field: &str) -> Expr {
    get_field(col("useridentity"), field)
}

fn issuer(field: &str) -> Expr {
    get_field(
        get_field(
            get_field(col("useridentity"), "sessioncontext"),
            "sessionissuer",
        ),
        field,
    )
}

fn like_escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn time_lit(t: i64) -> Expr {
    lit(ScalarValue::TimestampMicrosecond(
        Some(t),
        Some("UTC".into()),
    ))
}

fn condition(engine: &Engine, s: &Subject) -> Result<Expr> {
    Ok(match s {
        Subject::Principal(v) => {
            let eq = |e: Expr| e.eq(lit(v.as_str()));
            eq(user("arn"))
                .or(eq(user("username")))
                .or(eq(user("principalid")))
                .or(eq(user("accesskeyid")))
                .or(eq(issuer("arn")))
                .or(eq(issuer("username")))
                // A role session name, as in `…:assumed-role/Admin/alice`.
                .or(user("arn").like(lit(format!("%/{}", like_escape(v)))))
        }
        Subject::Ip(v) if v.contains('/') => {
            let udf = engine.context().udf("ip_in_cidr")?;
            udf.call(vec![col("sourceipaddress"), lit(v.as_str())])
        }
        Subject::Ip(v) => col("sourceipaddress").eq(lit(v.as_str())),
        Subject::Resource(v) => {
            // A request parameter whose whole value is the subject: its JSON string, quotes
            // included, inside the parameters' JSON text.
            let quoted = serde_json::to_string(v).map_err(|e| QueryError::Output(e.to_string()))?;
            crate::lookup::resource_name_match(v).or(datafusion::functions::expr_fn::strpos(
                col("requestparameters"),
                lit(quoted),
            )
            .gt(lit(0)))
        }
    })
}

const ISSUING_CALLS: [&str; 6] = [
    "AssumeRole",
    "AssumeRoleWithSAML",
    "AssumeRoleWithWebIdentity",
    "GetSessionToken",
    "GetFederationToken",
    "AssumeRoot",
];

/// Text columns of a batch, by position.
struct Columns(Vec<StringArray>);

impl Columns {
    fn of(batch: &RecordBatch) -> Result<Self> {
        Ok(Self(
            batch
                .columns()
                .iter()
                .map(|c| Ok(cast(c, &DataType::Utf8)?.as_string::<i32>().clone()))
                .collect::<Result<Vec<_>>>()?,
        ))
    }
    fn get(&self, c: usize, i: usize) -> Option<String> {
        let a = &self.0[c];
        (a.is_valid(i) && !a.value(i).is_empty()).then(|| a.value(i).to_string())
    }
    fn text(&self, c: usize, i: usize) -> String {
        self.get(c, i).unwrap_or_default()
    }
}

/// The events of `subject` in `window`, at most `limit` of them in detail.
pub async fn timeline(
    engine: &Engine,
    subject: &Subject,
    window: &TimeWindow,
    limit: usize,
) -> Result<Timeline> {
    let mut cond = condition(engine, subject)?;
    if let Some(f) = window.from {
        cond = cond.and(col("eventtime").gt_eq(time_lit(f)));
    }
    if let Some(u) = window.until {
        cond = cond.and(col("eventtime").lt(time_lit(u)));
    }
    let df = engine
        .context()
        .table(trailhound_model::lake::Dataset::Events.dir())
        .await?
        .filter(cond)?
        .select(vec![
            datafusion::logical_expr::cast(col("eventtime"), DataType::Int64).alias("t"),
            col("eventtime"),
            col("eventid"),
            col("eventsource"),
            col("eventname"),
            col("recipientaccountid"),
            col("awsregion"),
            user("arn"),
            user("type"),
            user("accesskeyid"),
            col("sourceipaddress"),
            col("useragent"),
            col("errorcode"),
            col("errormessage"),
            col("readonly"),
            issuer("arn"),
            get_field(
                get_field(
                    get_field(col("useridentity"), "sessioncontext"),
                    "attributes",
                ),
                "creationdate",
            ),
            get_field(
                get_field(
                    get_field(col("useridentity"), "sessioncontext"),
                    "attributes",
                ),
                "mfaauthenticated",
            ),
            col("resources"),
            get_field(col("useridentity"), "invokedby"),
        ])?
        .sort(vec![
            col("eventtime").sort(true, true),
            col("eventid").sort(true, true),
        ])?;
    let batches = df.collect().await?;
    let mut t = Timeline {
        subject_kind: subject.kind().to_string(),
        subject: subject.value().to_string(),
        from: window.from.map(format_event_time),
        until: window.until.map(format_event_time),
        times: Vec::new(),
        total: 0,
        errors: 0,
        events: Vec::new(),
        sessions: Vec::new(),
    };
    let mut session_of: HashMap<String, usize> = HashMap::new();
    for b in &batches {
        let micros_col = cast(b.column(0), &DataType::Int64)?;
        let micros_col = micros_col.as_primitive::<Int64Type>();
        let c = Columns::of(b)?;
        let resources = b.column(18).as_list::<i32>();
        for i in 0..b.num_rows() {
            let micros = micros_col.value(i);
            let error = c.get(12, i);
            t.total += 1;
            t.errors += usize::from(error.is_some());
            t.times.push((micros, error.is_some()));
            let key = c.get(9, i);
            let principal = c
                .get(7, i)
                .or_else(|| c.get(19, i))
                .or_else(|| c.get(8, i))
                .unwrap_or_else(|| "(unknown)".into());
            let session_id = key.clone().unwrap_or_else(|| principal.clone());
            let idx = *session_of.entry(session_id).or_insert_with(|| {
                t.sessions.push(Session {
                    key: key.clone(),
                    principal: principal.clone(),
                    issuer: c.get(15, i),
                    created: c.get(16, i),
                    mfa: c.get(17, i),
                    first: String::new(),
                    last: String::new(),
                    events: 0,
                    errors: 0,
                    source_ips: Vec::new(),
                    chain: Vec::new(),
                });
                t.sessions.len() - 1
            });
            let time = format_event_time(micros);
            let s = &mut t.sessions[idx];
            if s.events == 0 {
                s.first = time.clone();
            }
            s.last = time.clone();
            s.events += 1;
            s.errors += usize::from(error.is_some());
            let ip = c.text(10, i);
            if !ip.is_empty() && !s.source_ips.contains(&ip) {
                s.source_ips.push(ip.clone());
            }
            if t.events.len() < limit {
                let mut res = Vec::new();
                if resources.is_valid(i) {
                    if let Some(items) = resources.value(i).as_struct_opt() {
                        if let Some(arns) = items
                            .column_by_name("arn")
                            .and_then(|a| a.as_string_opt::<i32>())
                        {
                            res.extend(
                                (0..arns.len())
                                    .filter(|j| arns.is_valid(*j))
                                    .map(|j| arns.value(j).to_string()),
                            );
                        }
                    }
                }
                t.events.push(TimelineEvent {
                    time,
                    micros,
                    event_id: c.text(2, i),
                    event_source: c.text(3, i),
                    event_name: c.text(4, i),
                    account: c.text(5, i),
                    region: c.text(6, i),
                    principal,
                    access_key: key,
                    source_ip: ip,
                    user_agent: c.text(11, i),
                    error_message: c.get(13, i),
                    error_code: error,
                    read_only: c.get(14, i).map(|v| v == "true"),
                    resources: res,
                    session: idx,
                });
            }
        }
    }
    trace_chains(engine, window, &mut t.sessions).await?;
    Ok(t)
}

/// How far back a chain is followed: role chaining is limited to one hour sessions, and real
/// chains are two or three calls long.
const MAX_CHAIN: usize = 5;

/// Finds, for every session with temporary credentials, the call that issued its key, then the
/// call that issued that caller's key, and so on.
async fn trace_chains(
    engine: &Engine,
    window: &TimeWindow,
    sessions: &mut [Session],
) -> Result<()> {
    // Temporary keys start with ASIA; long-term keys (AKIA) were not issued by a call.
    let mut wanted: Vec<String> = sessions
        .iter()
        .filter_map(|s| s.key.clone())
        .filter(|k| k.starts_with("ASIA"))
        .collect();
    let mut issued: HashMap<String, Issuance> = HashMap::new();
    for _ in 0..MAX_CHAIN {
        wanted.retain(|k| !issued.contains_key(k));
        wanted.sort();
        wanted.dedup();
        if wanted.is_empty() {
            break;
        }
        let found = issuing_calls(engine, window, &wanted).await?;
        let mut next = Vec::new();
        for (key, call) in found {
            if let Some(k) = call.caller_key.clone().filter(|k| k.starts_with("ASIA")) {
                next.push(k);
            }
            issued.insert(key, call);
        }
        // Keys not found stay unresolved; do not ask again.
        for k in &wanted {
            issued.entry(k.clone()).or_insert_with(|| Issuance {
                time: String::new(),
                event_name: String::new(),
                caller: String::new(),
                caller_key: None,
                source_ip: String::new(),
                role_arn: None,
                session_name: None,
            });
        }
        wanted = next;
    }
    for s in sessions {
        let mut key = s.key.clone();
        while let Some(call) = key.as_ref().and_then(|k| issued.get(k)) {
            if call.event_name.is_empty() || s.chain.len() >= MAX_CHAIN {
                break;
            }
            s.chain.push(call.clone());
            key = call.caller_key.clone();
        }
    }
    Ok(())
}

/// The calls that issued `keys`, by key. Credentials live at most 36 hours (12 for a role), so
/// the search starts a day and a half before the window.
async fn issuing_calls(
    engine: &Engine,
    window: &TimeWindow,
    keys: &[String],
) -> Result<BTreeMap<String, Issuance>> {
    let json = |path: &[&str]| {
        let mut args = vec![col("responseelements")];
        args.extend(path.iter().map(|p| lit(*p)));
        args
    };
    let get_str = engine.context().udf("json_get_str")?;
    let issued_key = get_str.call(json(&["credentials", "accessKeyId"]));
    let mut cond = col("eventname")
        .in_list(ISSUING_CALLS.iter().map(|n| lit(*n)).collect(), false)
        .and(
            issued_key
                .clone()
                .in_list(keys.iter().map(|k| lit(k.as_str())).collect(), false),
        );
    if let Some(f) = window.from {
        cond = cond.and(col("eventtime").gt_eq(time_lit(f - 36 * 3_600_000_000)));
    }
    if let Some(u) = window.until {
        cond = cond.and(col("eventtime").lt(time_lit(u)));
    }
    let req = |p: &str| {
        engine
            .context()
            .udf("json_get_str")
            .map(|f| f.call(vec![col("requestparameters"), lit(p.to_string())]))
    };
    let df = engine
        .context()
        .table(trailhound_model::lake::Dataset::Events.dir())
        .await?
        .filter(cond)?
        .select(vec![
            issued_key,
            col("eventtime"),
            col("eventname"),
            user("arn"),
            user("accesskeyid"),
            col("sourceipaddress"),
            req("roleArn")?,
            req("roleSessionName")?,
            user("invokedby"),
            user("type"),
        ])?;
    let mut out = BTreeMap::new();
    for b in df.collect().await? {
        let times = cast(
            &cast(
                b.column(1),
                &DataType::Timestamp(datafusion::arrow::datatypes::TimeUnit::Microsecond, None),
            )?,
            &DataType::Int64,
        )?;
        let times = times.as_primitive::<Int64Type>();
        let c = Columns::of(&b)?;
        for i in 0..b.num_rows() {
            let Some(key) = c.get(0, i) else { continue };
            out.entry(key).or_insert_with(|| Issuance {
                time: format_event_time(times.value(i)),
                event_name: c.text(2, i),
                caller: c
                    .get(3, i)
                    .or_else(|| c.get(8, i))
                    .or_else(|| c.get(9, i))
                    .unwrap_or_else(|| "(unknown)".into()),
                caller_key: c.get(4, i),
                source_ip: c.text(5, i),
                role_arn: c.get(6, i),
                session_name: c.get(7, i),
            });
        }
    }
    Ok(out)
}
