//! `timeline`: every event of one principal, source IP or resource in time order, grouped into
//! the sessions that made them, each session traced back through the calls that issued its
//! temporary credentials (AssumeRole chains). What an investigator reads after an alert.
//!
//! The subject is compared as a literal built with the expression API, never spliced into SQL.

use std::collections::{BTreeMap, HashMap};

use datafusion::arrow::array::{Array, AsArray, RecordBatch, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::execution::FunctionRegistry;
use datafusion::functions::core::expr_fn::get_field;
use datafusion::logical_expr::{col, lit, Expr};
use serde::Serialize;
use trailhound_model::time::format_event_time;
use trailhound_model::window::TimeWindow;

use crate::engine::Engine;
use crate::error::{QueryError, Result};
use crate::lookup::{like_escape, time_lit, user};

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

fn session_field(group: &str, field: &str) -> Expr {
    get_field(get_field(user("sessioncontext"), group), field)
}

/// `text` as a regular expression matching itself.
fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_ascii_punctuation() || c == ' ' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn condition(engine: &Engine, s: &Subject) -> Result<Expr> {
    Ok(match s {
        Subject::Principal(v) => {
            let eq = |e: Expr| e.eq(lit(v.as_str()));
            eq(user("arn"))
                .or(eq(user("username")))
                .or(eq(user("principalid")))
                .or(eq(user("accesskeyid")))
                .or(eq(session_field("sessionissuer", "arn")))
                .or(eq(session_field("sessionissuer", "username")))
                // A role session name, as in `…:assumed-role/Admin/alice`.
                .or(user("arn").like(lit(format!("%/{}", like_escape(v)))))
                // The name findings print (`root`, `Admin/alice`, a service's name).
                .or(engine
                    .context()
                    .udf("user_display_name")?
                    .call(vec![col("useridentity")])
                    .eq(lit(v.as_str())))
        }
        Subject::Ip(v) if v.contains('/') => {
            let udf = engine.context().udf("ip_in_cidr")?;
            udf.call(vec![col("sourceipaddress"), lit(v.as_str())])
        }
        Subject::Ip(v) => col("sourceipaddress").eq(lit(v.as_str())),
        Subject::Resource(v) => {
            // A request parameter whose whole value is the subject: its JSON string followed by
            // what ends a value (`,` `}` `]`), so that a key of that name does not match.
            let quoted = serde_json::to_string(v).map_err(|e| QueryError::Output(e.to_string()))?;
            let pattern = format!("{}\\s*[,}}\\]]", regex_escape(&quoted));
            crate::lookup::resource_name_match(v).or(datafusion::functions::expr_fn::regexp_like(
                col("requestparameters"),
                lit(pattern),
                None,
            ))
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

/// Text columns of a batch, by name.
struct Columns<'b> {
    batch: &'b RecordBatch,
    text: HashMap<&'static str, StringArray>,
}

impl<'b> Columns<'b> {
    /// The named columns of `batch` as text (only those: a list column stays as it is).
    fn of(batch: &'b RecordBatch, names: &[&'static str]) -> Result<Self> {
        let mut text = HashMap::new();
        for n in names {
            let c = batch
                .column_by_name(n)
                .ok_or_else(|| QueryError::Output(format!("timeline: no column {n}")))?;
            text.insert(*n, cast(c, &DataType::Utf8)?.as_string::<i32>().clone());
        }
        Ok(Self { batch, text })
    }
    fn get(&self, c: &str, i: usize) -> Option<String> {
        let a = self.text.get(c)?;
        (a.is_valid(i) && !a.value(i).is_empty()).then(|| a.value(i).to_string())
    }
    fn text(&self, c: &str, i: usize) -> String {
        self.get(c, i).unwrap_or_default()
    }
    /// Microseconds of a timestamp column cast to BIGINT.
    fn micros(&self, c: &str) -> Result<Vec<Option<i64>>> {
        let col = self
            .batch
            .column_by_name(c)
            .ok_or_else(|| QueryError::Output(format!("timeline: no column {c}")))?;
        let t = cast(col, &DataType::Int64)?;
        let t = t.as_primitive::<Int64Type>();
        Ok((0..t.len())
            .map(|i| t.is_valid(i).then(|| t.value(i)))
            .collect())
    }
}

/// Who made an event: its ARN, else the service that invoked it, else its identity type.
fn principal_expr() -> Expr {
    datafusion::functions::expr_fn::coalesce(vec![user("arn"), user("invokedby"), user("type")])
}

/// The events of `subject` in `window`, at most `limit` of them in detail. Every matching event
/// is counted, charted and put in its session from a narrow scan; only the first `limit` are read
/// in full.
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
    let events = || async {
        Ok::<_, QueryError>(
            engine
                .context()
                .table(trailhound_model::lake::Dataset::Events.dir())
                .await?
                .filter(cond.clone())?,
        )
    };
    let micros = datafusion::logical_expr::cast(col("eventtime"), DataType::Int64).alias("t");
    let order = || {
        vec![
            col("eventtime").sort(true, true),
            col("eventid").sort(true, true),
        ]
    };
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

    // Every event, narrow: time, error, session key and what describes the session.
    let all = events()
        .await?
        .sort(order())?
        .select(vec![
            micros.clone(),
            col("errorcode"),
            user("accesskeyid").alias("access_key"),
            principal_expr().alias("principal"),
            col("sourceipaddress"),
            session_field("sessionissuer", "arn").alias("issuer"),
            session_field("attributes", "creationdate").alias("created"),
            session_field("attributes", "mfaauthenticated").alias("mfa"),
        ])?
        .collect()
        .await?;
    let mut session_of: HashMap<String, usize> = HashMap::new();
    for b in &all {
        let c = Columns::of(
            b,
            &[
                "errorcode",
                "access_key",
                "principal",
                "sourceipaddress",
                "issuer",
                "created",
                "mfa",
            ],
        )?;
        for (i, micros) in c.micros("t")?.into_iter().enumerate() {
            let micros = micros.unwrap_or_default();
            let error = c.get("errorcode", i).is_some();
            t.total += 1;
            t.errors += usize::from(error);
            t.times.push((micros, error));
            let key = c.get("access_key", i);
            let principal = c.get("principal", i).unwrap_or_else(|| "(unknown)".into());
            let id = key.clone().unwrap_or_else(|| principal.clone());
            let idx = *session_of.entry(id).or_insert_with(|| {
                t.sessions.push(Session {
                    key,
                    principal,
                    issuer: c.get("issuer", i),
                    created: c.get("created", i),
                    mfa: c.get("mfa", i),
                    first: format_event_time(micros),
                    last: String::new(),
                    events: 0,
                    errors: 0,
                    source_ips: Vec::new(),
                    chain: Vec::new(),
                });
                t.sessions.len() - 1
            });
            let s = &mut t.sessions[idx];
            s.last = format_event_time(micros);
            s.events += 1;
            s.errors += usize::from(error);
            let ip = c.text("sourceipaddress", i);
            if !ip.is_empty() && !s.source_ips.contains(&ip) {
                s.source_ips.push(ip);
            }
        }
    }

    // The first `limit` events in full, in the same order.
    if limit > 0 && t.total > 0 {
        let detail = events()
            .await?
            .sort(order())?
            .limit(0, Some(limit))?
            .select(vec![
                micros,
                col("eventid"),
                col("eventsource"),
                col("eventname"),
                col("recipientaccountid"),
                col("awsregion"),
                principal_expr().alias("principal"),
                user("accesskeyid").alias("access_key"),
                col("sourceipaddress"),
                col("useragent"),
                col("errorcode"),
                col("errormessage"),
                col("readonly"),
                col("resources"),
            ])?
            .collect()
            .await?;
        for b in &detail {
            let c = Columns::of(
                b,
                &[
                    "eventid",
                    "eventsource",
                    "eventname",
                    "recipientaccountid",
                    "awsregion",
                    "principal",
                    "access_key",
                    "sourceipaddress",
                    "useragent",
                    "errorcode",
                    "errormessage",
                    "readonly",
                ],
            )?;
            let resources = b
                .column_by_name("resources")
                .and_then(|r| r.as_list_opt::<i32>());
            for (i, micros) in c.micros("t")?.into_iter().enumerate() {
                let micros = micros.unwrap_or_default();
                let principal = c.get("principal", i).unwrap_or_else(|| "(unknown)".into());
                let id = c.get("access_key", i).unwrap_or_else(|| principal.clone());
                let session = session_of.get(&id).copied().unwrap_or(0);
                t.events.push(TimelineEvent {
                    time: format_event_time(micros),
                    micros,
                    event_id: c.text("eventid", i),
                    event_source: c.text("eventsource", i),
                    event_name: c.text("eventname", i),
                    account: c.text("recipientaccountid", i),
                    region: c.text("awsregion", i),
                    principal,
                    access_key: c.get("access_key", i),
                    source_ip: c.text("sourceipaddress", i),
                    user_agent: c.text("useragent", i),
                    error_code: c.get("errorcode", i),
                    error_message: c.get("errormessage", i),
                    read_only: c.get("readonly", i).map(|v| v == "true"),
                    resources: resources.map(|r| resource_arns(r, i)).unwrap_or_default(),
                    session,
                });
            }
        }
    }
    trace_chains(engine, window, &mut t.sessions).await?;
    Ok(t)
}

/// The ARNs in row `i` of a `resources` list.
fn resource_arns(list: &datafusion::arrow::array::ListArray, i: usize) -> Vec<String> {
    if !list.is_valid(i) {
        return Vec::new();
    }
    let items = list.value(i);
    let Some(arns) = items
        .as_struct_opt()
        .and_then(|s| s.column_by_name("arn"))
        .and_then(|a| a.as_string_opt::<i32>())
    else {
        return Vec::new();
    };
    (0..arns.len())
        .filter(|j| arns.is_valid(*j))
        .map(|j| arns.value(j).to_string())
        .collect()
}

/// How far back a chain is followed: role chaining is limited to one hour sessions, and real
/// chains are two or three calls long.
const MAX_CHAIN: usize = 5;

/// Credentials live at most 36 hours (12 for a role): how far before a call the call that issued
/// its key is looked for.
const CREDENTIAL_LIFE: i64 = 36 * 3_600_000_000;

/// Finds, for every session with temporary credentials, the call that issued its key, then the
/// call that issued that caller's key, and so on; each level is searched from a credential's
/// lifetime before the earliest call of the level below.
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
    let mut issued: HashMap<String, Option<Issuance>> = HashMap::new();
    let (mut since, mut until) = (window.from, window.until);
    for _ in 0..MAX_CHAIN {
        wanted.retain(|k| !issued.contains_key(k));
        wanted.sort();
        wanted.dedup();
        if wanted.is_empty() {
            break;
        }
        let found = issuing_calls(
            engine,
            since.map(|f| f.saturating_sub(CREDENTIAL_LIFE)),
            until,
            &wanted,
        )
        .await?;
        let mut next = Vec::new();
        let (mut earliest, mut latest) = (i64::MAX, i64::MIN);
        for (key, (call, at)) in found {
            if let Some(k) = call.caller_key.clone().filter(|k| k.starts_with("ASIA")) {
                next.push(k);
                earliest = earliest.min(at);
                latest = latest.max(at);
            }
            issued.insert(key, Some(call));
        }
        // Keys not found stay unresolved; do not ask again.
        for k in &wanted {
            issued.entry(k.clone()).or_insert(None);
        }
        (since, until) = (
            since.map(|s| s.saturating_sub(CREDENTIAL_LIFE).min(earliest)),
            (latest > i64::MIN).then(|| latest.saturating_add(1)),
        );
        wanted = next;
    }
    for s in sessions {
        let mut key = s.key.clone();
        while let Some(Some(call)) = key.as_ref().and_then(|k| issued.get(k)) {
            if s.chain.len() >= MAX_CHAIN {
                break;
            }
            s.chain.push(call.clone());
            key = call.caller_key.clone();
        }
    }
    Ok(())
}

/// The calls in `[since, until)` that issued `keys`, by key, with their time (µs).
async fn issuing_calls(
    engine: &Engine,
    since: Option<i64>,
    until: Option<i64>,
    keys: &[String],
) -> Result<BTreeMap<String, (Issuance, i64)>> {
    let get_str = engine.context().udf("json_get_str")?;
    let issued_key = get_str.call(vec![
        col("responseelements"),
        lit("credentials"),
        lit("accessKeyId"),
    ]);
    let mut cond = col("eventname")
        .in_list(ISSUING_CALLS.iter().map(|n| lit(*n)).collect(), false)
        .and(
            issued_key
                .clone()
                .in_list(keys.iter().map(|k| lit(k.as_str())).collect(), false),
        );
    if let Some(f) = since {
        cond = cond.and(col("eventtime").gt_eq(time_lit(f)));
    }
    if let Some(u) = until {
        cond = cond.and(col("eventtime").lt(time_lit(u)));
    }
    let req = |p: &str| get_str.call(vec![col("requestparameters"), lit(p.to_string())]);
    let df = engine
        .context()
        .table(trailhound_model::lake::Dataset::Events.dir())
        .await?
        .filter(cond)?
        .sort(vec![col("eventtime").sort(true, true)])?
        .select(vec![
            issued_key.alias("issued_key"),
            datafusion::logical_expr::cast(col("eventtime"), DataType::Int64).alias("t"),
            col("eventname"),
            principal_expr().alias("caller"),
            user("accesskeyid").alias("caller_key"),
            col("sourceipaddress"),
            req("roleArn").alias("role_arn"),
            req("roleSessionName").alias("session_name"),
        ])?;
    let mut out = BTreeMap::new();
    for b in engine.collect(df).await? {
        let c = Columns::of(
            &b,
            &[
                "issued_key",
                "eventname",
                "caller",
                "caller_key",
                "sourceipaddress",
                "role_arn",
                "session_name",
            ],
        )?;
        for (i, at) in c.micros("t")?.into_iter().enumerate() {
            let (Some(key), Some(at)) = (c.get("issued_key", i), at) else {
                continue;
            };
            out.entry(key).or_insert_with(|| {
                (
                    Issuance {
                        time: format_event_time(at),
                        event_name: c.text("eventname", i),
                        caller: c.get("caller", i).unwrap_or_else(|| "(unknown)".into()),
                        caller_key: c.get("caller_key", i),
                        source_ip: c.text("sourceipaddress", i),
                        role_arn: c.get("role_arn", i),
                        session_name: c.get("session_name", i),
                    },
                    at,
                )
            });
        }
    }
    Ok(out)
}
