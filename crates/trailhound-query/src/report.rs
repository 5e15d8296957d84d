//! Reports for schedules, run: every saved query of a category over one period into the report
//! model of `trailhound_rules::report` (a section per query with its status, count, first
//! findings and findings per day), with the data coverage the lake shows for the period.

use std::collections::BTreeMap;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type, TimeUnit};
use trailhound_model::time::{date_of, DAY_MICROS};
use trailhound_rules::catalog::{timestamp, SavedQuery};
use trailhound_rules::report::{gaps, Coverage, RegionCoverage, Report, Section};

use crate::output::text_rows;
use crate::{Engine, Result};

fn iso(us: i64) -> String {
    trailhound_model::time::format_event_time(us)
}

/// What the lake holds in `[from, until)`: one grouped scan of the partition columns and time.
pub async fn coverage(engine: &Engine, from: i64, until: i64) -> Result<Coverage> {
    let sql = "SELECT account, region, to_char(eventtime, '%Y-%m-%d') AS day, count(*), \
        to_iso8601(min(eventtime)), to_iso8601(max(eventtime)) FROM cloudtrail \
        WHERE eventtime >= $from AND eventtime < $until GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";
    let r = engine
        .run_bound(
            sql,
            vec![
                ("from".to_string(), timestamp(from)),
                ("until".to_string(), timestamp(until)),
            ],
        )
        .await?;
    let mut c = Coverage {
        events: 0,
        first_event: None,
        last_event: None,
        accounts: Vec::new(),
        regions: Vec::new(),
        by_region: Vec::new(),
    };
    // The period's last day, or today when the period runs into the future.
    let period_last_day = (until - 1)
        .min(trailhound_model::window::now_micros())
        .div_euclid(DAY_MICROS);
    for row in text_rows(&r.batches)? {
        let [account, region, day, n, first, last] = <[String; 6]>::try_from(row)
            .map_err(|_| crate::QueryError::Output("coverage: unexpected columns".into()))?;
        let n: u64 = n.parse().unwrap_or(0);
        c.events += n;
        if c.first_event.as_ref().is_none_or(|f| first < *f) {
            c.first_event = Some(first);
        }
        if c.last_event.as_ref().is_none_or(|l| last > *l) {
            c.last_event = Some(last);
        }
        match c.by_region.last_mut() {
            Some(r) if r.account == account && r.region == region => {
                r.events += n;
                r.days.insert(day, n);
            }
            _ => c.by_region.push(RegionCoverage {
                account,
                region,
                events: n,
                days: BTreeMap::from([(day, n)]),
                gaps: Vec::new(),
            }),
        }
    }
    for r in &mut c.by_region {
        r.gaps = gaps(&r.days, period_last_day);
    }
    c.accounts = c.by_region.iter().map(|r| r.account.clone()).collect();
    c.accounts.dedup();
    c.regions = c.by_region.iter().map(|r| r.region.clone()).collect();
    c.regions.sort();
    c.regions.dedup();
    Ok(c)
}

/// The column findings are dated by, and their count per day.
fn findings_per_day(batches: &[RecordBatch]) -> Result<(Option<String>, BTreeMap<String, u64>)> {
    let mut per_day = BTreeMap::new();
    let Some(schema) = batches.first().map(|b| b.schema()) else {
        return Ok((None, per_day));
    };
    let is_time = |t: &DataType| matches!(t, DataType::Timestamp(_, _));
    let fields = schema.fields();
    let Some(idx) = fields
        .iter()
        .position(|f| f.name() == "eventtime" && is_time(f.data_type()))
        .or_else(|| fields.iter().position(|f| is_time(f.data_type())))
    else {
        return Ok((None, per_day));
    };
    let as_micros = DataType::Timestamp(TimeUnit::Microsecond, None);
    for b in batches {
        let t = cast(&cast(b.column(idx), &as_micros)?, &DataType::Int64)?;
        let t = t.as_primitive::<Int64Type>();
        for i in (0..t.len()).filter(|i| t.is_valid(*i)) {
            *per_day.entry(date_of(t.value(i))).or_default() += 1;
        }
    }
    Ok((Some(fields[idx].name().clone()), per_day))
}

/// Runs `queries` over `[from, until)` into a report; a query that fails becomes a section with
/// its error (the others still run).
pub async fn build(
    engine: &Engine,
    kind: &str,
    queries: &[&SavedQuery],
    params: &BTreeMap<String, String>,
    (from, until, lookback_days): (i64, i64, i64),
    max_rows: usize,
) -> Result<Report> {
    let mut sections = Vec::new();
    let shares = trailhound_rules::catalog::split_params(queries, params)
        .map_err(|e| crate::QueryError::Output(e.to_string()))?;
    for (q, given) in queries.iter().zip(shares) {
        let mut s = Section {
            name: q.name.clone(),
            title: q.title.clone(),
            severity: q.severity.clone(),
            description: q.description.clone(),
            references: q.references.clone(),
            attack: q.attack.clone(),
            status: "none".into(),
            count: 0,
            columns: Vec::new(),
            rows: Vec::new(),
            error: None,
            time_column: None,
            per_day: BTreeMap::new(),
        };
        let result = match q.bind(&given, from, until, lookback_days) {
            Ok(values) => engine.run_bound(&q.sql, values).await,
            Err(e) => Err(crate::QueryError::Output(e.to_string())),
        };
        match result {
            Ok(out) => {
                s.columns = out
                    .schema
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect();
                s.count = out.batches.iter().map(|b| b.num_rows()).sum();
                (s.time_column, s.per_day) = findings_per_day(&out.batches)?;
                // Only the rows shown are turned into text (a section may have 100,000 rows).
                let mut head = Vec::new();
                let mut left = max_rows;
                for b in &out.batches {
                    if left == 0 {
                        break;
                    }
                    let n = b.num_rows().min(left);
                    head.push(b.slice(0, n));
                    left -= n;
                }
                s.rows = text_rows(&head)?;
                if s.count > 0 {
                    s.status = "findings".into();
                }
            }
            Err(e) => {
                s.status = "error".into();
                s.error = Some(e.to_string());
            }
        }
        sections.push(s);
    }
    Ok(Report {
        kind: kind.to_string(),
        from: iso(from),
        until: iso(until),
        coverage: coverage(engine, from, until).await?,
        framework: None,
        sections,
    })
}

/// Data events (S3 object calls, Lambda invocations…) in `[from, until)`.
pub async fn data_events(engine: &Engine, from: i64, until: i64) -> Result<u64> {
    let out = engine
        .run_bound(
            "SELECT count(*) FROM cloudtrail WHERE eventtime >= $from AND eventtime < $until \
             AND (eventcategory = 'Data' OR managementevent = false)",
            vec![
                ("from".to_string(), timestamp(from)),
                ("until".to_string(), timestamp(until)),
            ],
        )
        .await?;
    let n = out
        .batches
        .first()
        .filter(|b| b.num_rows() > 0)
        .and_then(|b| cast(b.column(0), &DataType::Int64).ok())
        .map(|c| c.as_primitive::<Int64Type>().value(0))
        .unwrap_or(0);
    Ok(n.max(0) as u64)
}
