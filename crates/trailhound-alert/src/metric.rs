//! Back-testing CloudWatch metric filters and their alarms on the lake: the filter pattern is
//! compiled to a SQL predicate, one aggregate query per alarm period gives the metric's
//! datapoints, and [`crate::alarm`] replays the alarm over them.

use std::collections::BTreeMap;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{Float64Type, Int64Type};
use serde::Serialize;
use trailhound_query::Engine;

use crate::alarm::{evaluate, Alarm, Statistic, Transition};
use crate::{Error, Result};
use trailhound_rules::compile::{number_sql, to_sql};
use trailhound_rules::pattern::{self, Pattern, Step};

/// What each matching event adds to the metric.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricValue {
    /// A constant (CIS alarms publish 1 per event).
    Constant(f64),
    /// The number at a field of the event; events without a number there publish nothing.
    Field(Vec<Step>),
}

impl MetricValue {
    /// `1`, `2.5` or `$.field`.
    pub fn parse(s: &str) -> Result<MetricValue> {
        let t = s.trim();
        if t.starts_with('$') {
            // A selector alone parses as the left side of a condition.
            let p = pattern::parse(&format!("{{ {t} = * }}"))
                .map_err(|e| Error::Invalid(format!("metric value {s:?}: {}", e.message)))?;
            if let Pattern::Cond(c) = p {
                return Ok(MetricValue::Field(c.selector));
            }
        }
        t.parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(MetricValue::Constant)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "metric value {s:?}: expected a number or a $.field"
                ))
            })
    }

    fn sql(&self) -> String {
        match self {
            MetricValue::Constant(n) => format!("CAST({n:?} AS DOUBLE)"),
            MetricValue::Field(steps) => number_sql(steps),
        }
    }
}

/// A metric filter: a pattern and what it publishes.
#[derive(Debug, Clone)]
pub struct MetricFilter {
    pub name: String,
    pub pattern_text: String,
    pub pattern: Pattern,
    pub value: MetricValue,
    /// Published for a period in which events arrived but none matched.
    pub default_value: Option<f64>,
    /// `namespace/metric`, to join alarms to it.
    pub metric: String,
}

impl MetricFilter {
    pub fn new(
        name: &str,
        pattern_text: &str,
        value: &str,
        default: Option<f64>,
        metric: &str,
    ) -> Result<Self> {
        let pattern = pattern::parse(pattern_text).map_err(|e| Error::Pattern {
            filter: name.to_string(),
            position: e.position,
            message: e.message,
        })?;
        Ok(MetricFilter {
            name: name.to_string(),
            pattern_text: pattern_text.to_string(),
            pattern,
            value: MetricValue::parse(value)?,
            default_value: default,
            metric: metric.to_string(),
        })
    }

    /// The SQL predicate the pattern compiles to.
    pub fn predicate(&self) -> String {
        to_sql(&self.pattern)
    }
}

/// One period's datapoint.
#[derive(Debug, Clone, Serialize)]
pub struct Datapoint {
    /// Start of the period, microseconds.
    pub period_start: i64,
    /// Samples published in the period (matching events with a value, or the default value).
    pub samples: u64,
    /// Matching events in the period (0 when the datapoint is the default value).
    pub events: u64,
    pub sum: f64,
    pub minimum: f64,
    pub maximum: f64,
}

impl Datapoint {
    pub fn statistic(&self, s: Statistic) -> f64 {
        match s {
            Statistic::Sum => self.sum,
            Statistic::SampleCount => self.samples as f64,
            Statistic::Average => self.sum / (self.samples.max(1) as f64),
            Statistic::Minimum => self.minimum,
            Statistic::Maximum => self.maximum,
        }
    }
}

/// What an alarm would have done.
#[derive(Debug, Clone, Serialize)]
pub struct AlarmReplay {
    pub alarm: Alarm,
    pub transitions: Vec<Transition>,
}

impl AlarmReplay {
    /// How many times it went into ALARM.
    pub fn alarms(&self) -> usize {
        self.transitions
            .iter()
            .filter(|t| t.to == crate::alarm::State::Alarm)
            .count()
    }
}

/// A filter's metric over the period, with its alarms replayed.
#[derive(Debug, Clone, Serialize)]
pub struct BackTest {
    pub filter: String,
    pub pattern: String,
    pub metric: String,
    /// Matching events (with a value, when the value is a field).
    pub events: u64,
    /// The period of `datapoints`, seconds.
    pub period: i64,
    pub datapoints: Vec<Datapoint>,
    pub alarms: Vec<AlarmReplay>,
    /// First and last period evaluated (their starts, microseconds).
    pub first_period: Option<i64>,
    pub last_period: Option<i64>,
}

/// The datapoints of `filter` in periods of `period` seconds, over `[from, until)` (or the
/// whole lake), ascending.
pub async fn datapoints(
    engine: &Engine,
    filter: &MetricFilter,
    period: i64,
    from: Option<i64>,
    until: Option<i64>,
) -> Result<Vec<Datapoint>> {
    let period_us = period * 1_000_000;
    let mut bounds = String::from("eventtime IS NOT NULL");
    if let Some(f) = from {
        bounds.push_str(&format!(" AND eventtime >= to_timestamp_micros({f})"));
    }
    if let Some(u) = until {
        bounds.push_str(&format!(" AND eventtime < to_timestamp_micros({u})"));
    }
    let sql = format!(
        "SELECT bucket, count(v) AS n, sum(v) AS s, min(v) AS lo, max(v) AS hi FROM ( \
           SELECT CAST(eventtime AS BIGINT) / {period_us} AS bucket, {value} AS v \
           FROM cloudtrail WHERE {bounds} AND ({pred}) \
         ) WHERE v IS NOT NULL GROUP BY bucket ORDER BY bucket",
        value = filter.value.sql(),
        pred = filter.predicate(),
    );
    let out = run_one(engine, &sql, &filter.name).await?;
    let mut points: BTreeMap<i64, Datapoint> = BTreeMap::new();
    for b in &out {
        let bucket = b.column(0).as_primitive::<Int64Type>();
        let n = b.column(1).as_primitive::<Int64Type>();
        let (s, lo, hi) = (
            b.column(2).as_primitive::<Float64Type>(),
            b.column(3).as_primitive::<Float64Type>(),
            b.column(4).as_primitive::<Float64Type>(),
        );
        for i in 0..b.num_rows() {
            if bucket.is_null(i) {
                continue;
            }
            points.insert(
                bucket.value(i),
                Datapoint {
                    period_start: bucket.value(i) * period_us,
                    samples: n.value(i) as u64,
                    events: n.value(i) as u64,
                    sum: s.value(i),
                    minimum: lo.value(i),
                    maximum: hi.value(i),
                },
            );
        }
    }
    if let Some(d) = filter.default_value {
        // The default is published for periods in which events arrived and none matched.
        let sql = format!(
            "SELECT DISTINCT CAST(eventtime AS BIGINT) / {period_us} AS bucket FROM cloudtrail WHERE {bounds}"
        );
        for b in run_one(engine, &sql, &filter.name).await? {
            let bucket = b.column(0).as_primitive::<Int64Type>();
            for i in 0..b.num_rows() {
                let k = bucket.value(i);
                points.entry(k).or_insert(Datapoint {
                    period_start: k * period_us,
                    samples: 1,
                    events: 0,
                    sum: d,
                    minimum: d,
                    maximum: d,
                });
            }
        }
    }
    Ok(points.into_values().collect())
}

async fn run_one(
    engine: &Engine,
    sql: &str,
    filter: &str,
) -> Result<Vec<datafusion::arrow::array::RecordBatch>> {
    let mut out = engine.run(sql).await.map_err(|e| Error::Query {
        what: format!("metric filter {filter}"),
        source: e,
    })?;
    Ok(out.pop().map(|o| o.batches).unwrap_or_default())
}

/// The first and last event times of the lake (microseconds).
pub async fn lake_span(engine: &Engine) -> Result<Option<(i64, i64)>> {
    let out = run_one(
        engine,
        "SELECT CAST(min(eventtime) AS BIGINT), CAST(max(eventtime) AS BIGINT) FROM cloudtrail",
        "span",
    )
    .await?;
    let Some(b) = out.first() else {
        return Ok(None);
    };
    let (lo, hi) = (
        b.column(0).as_primitive::<Int64Type>(),
        b.column(1).as_primitive::<Int64Type>(),
    );
    if b.num_rows() == 0 || lo.is_null(0) || hi.is_null(0) {
        return Ok(None);
    }
    Ok(Some((lo.value(0), hi.value(0))))
}

/// Back-tests a filter and its alarms over `[from, until)` (either side open: the lake's first or
/// last event). `period` sets the datapoints' period when no alarm does.
pub async fn back_test(
    engine: &Engine,
    filter: &MetricFilter,
    alarms: &[Alarm],
    period: i64,
    from: Option<i64>,
    until: Option<i64>,
) -> Result<BackTest> {
    if period <= 0 {
        return Err(Error::Invalid(
            "the period must be at least 1 second".into(),
        ));
    }
    let span = lake_span(engine).await?;
    let lo = from.or(span.map(|s| s.0));
    let hi = until.map(|u| u - 1).or(span.map(|s| s.1));
    let mut by_period: BTreeMap<i64, Vec<Datapoint>> = BTreeMap::new();
    by_period.insert(
        period,
        datapoints(engine, filter, period, from, until).await?,
    );
    let mut replays = Vec::new();
    for a in alarms {
        if a.period <= 0 {
            return Err(Error::Invalid(format!(
                "alarm {}: the period must be at least 1 second",
                a.name
            )));
        }
        if let std::collections::btree_map::Entry::Vacant(slot) = by_period.entry(a.period) {
            slot.insert(datapoints(engine, filter, a.period, from, until).await?);
        }
        let points: Vec<(i64, f64)> = by_period[&a.period]
            .iter()
            .map(|d| {
                (
                    d.period_start / (a.period * 1_000_000),
                    d.statistic(a.statistic),
                )
            })
            .collect();
        let transitions = match (lo, hi) {
            (Some(lo), Some(hi)) if lo <= hi => {
                let p = a.period * 1_000_000;
                evaluate(a, &points, lo.div_euclid(p), hi.div_euclid(p))
            }
            _ => Vec::new(),
        };
        replays.push(AlarmReplay {
            alarm: a.clone(),
            transitions,
        });
    }
    let datapoints = by_period.remove(&period).unwrap_or_default();
    let p = period * 1_000_000;
    Ok(BackTest {
        filter: filter.name.clone(),
        pattern: filter.pattern_text.clone(),
        metric: filter.metric.clone(),
        events: datapoints.iter().map(|d| d.events).sum(),
        period,
        datapoints,
        alarms: replays,
        first_period: lo.map(|l| l.div_euclid(p) * p),
        last_period: hi.map(|h| h.div_euclid(p) * p),
    })
}

/// The eventids a pattern matches in `[from, until)`, sorted (to check a pattern against a query).
pub async fn matching_events(
    engine: &Engine,
    pattern: &Pattern,
    from: i64,
    until: i64,
) -> Result<Vec<String>> {
    let sql = format!(
        "SELECT eventid FROM cloudtrail WHERE eventtime >= to_timestamp_micros({from}) \
         AND eventtime < to_timestamp_micros({until}) AND ({}) ORDER BY eventid",
        to_sql(pattern)
    );
    let mut ids = Vec::new();
    for b in run_one(engine, &sql, "pattern").await? {
        let c = datafusion::arrow::compute::cast(
            b.column(0),
            &datafusion::arrow::datatypes::DataType::Utf8,
        )
        .map_err(|e| Error::Invalid(e.to_string()))?;
        let c = c.as_string::<i32>();
        ids.extend(
            (0..b.num_rows())
                .filter(|&i| c.is_valid(i))
                .map(|i| c.value(i).to_string()),
        );
    }
    Ok(ids)
}
