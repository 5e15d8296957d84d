//! Sigma rules run over the lake: the rules `trailhound_rules::sigma` translated, evaluated in as
//! few scans as its planner allows (a column per rule) and each correlation in a query of its own;
//! one row per rule and matching event, and a report section per rule.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use trailhound_rules::report::Section;
use trailhound_rules::sigma::{correlation_sql, scans, techniques, SigmaRule};

use crate::output::text_rows;
use crate::{Engine, QueryError, QueryOutput, Result};

/// Runs `rules` over `[from, until)` in as few scans as [`RULES_PER_SCAN`](trailhound_rules::sigma::RULES_PER_SCAN) allows, and each
/// correlation in a query of its own; one row per rule and matching event (per correlation and
/// group), in time order: rule, level, eventtime, eventid, eventname, eventsource, principal,
/// sourceipaddress, account, region, tags, rule id, file, and `eventids` (the event, or every
/// event of the correlation's window).
pub async fn run(
    engine: &Engine,
    rules: &[SigmaRule],
    from: i64,
    until: i64,
) -> Result<QueryOutput> {
    const EVENT_COLUMNS: [&str; 8] = [
        "eventtime",
        "eventid",
        "eventname",
        "eventsource",
        "principal",
        "sourceipaddress",
        "account",
        "region",
    ];
    // (time, rule, event columns, the ids of a correlation's window)
    type Found = (String, usize, Vec<Option<String>>, Option<Vec<String>>);
    let mut rows: Vec<Found> = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let Some(sql) = correlation_sql(rule, from, until) else {
            continue;
        };
        let out = engine.run(&sql).await.map_err(|cause| QueryError::In {
            what: format!("the correlation {:?} ({})", rule.title, rule.file),
            cause: Box::new(cause),
        })?;
        for o in out {
            for b in &o.batches {
                let text = text_columns(b, EVENT_COLUMNS.len() + 1)?;
                for row in 0..b.num_rows() {
                    let mut event = row_text(&text, row);
                    let ids = event
                        .pop()
                        .flatten()
                        .map(|t| t.split(' ').map(str::to_string).collect());
                    let time = event[0].clone().unwrap_or_default();
                    rows.push((time, i, event, ids));
                }
            }
        }
    }
    for (chunk, sql) in scans(rules, from, until) {
        let out = engine.run(&sql).await.map_err(|cause| QueryError::In {
            what: format!(
                "the scan of {} Sigma rules (from {})",
                chunk.len(),
                rules[chunk[0]].file
            ),
            cause: Box::new(cause),
        })?;
        for o in out {
            for b in &o.batches {
                let text = text_columns(b, EVENT_COLUMNS.len())?;
                let flags: Vec<&BooleanArray> = (0..chunk.len())
                    .map(|k| b.column(EVENT_COLUMNS.len() + k).as_boolean())
                    .collect();
                for row in 0..b.num_rows() {
                    if !flags.iter().any(|f| f.is_valid(row) && f.value(row)) {
                        continue;
                    }
                    let event = row_text(&text, row);
                    for (k, &rule) in chunk.iter().enumerate() {
                        let flag = flags[k];
                        if flag.is_valid(row) && flag.value(row) {
                            let time = event[0].clone().unwrap_or_default();
                            rows.push((time, rule, event.clone(), None));
                        }
                    }
                }
            }
        }
    }
    rows.sort_by(|a, b| (&a.0, a.1, &a.2[1]).cmp(&(&b.0, b.1, &b.2[1])));
    let names = [
        "rule",
        "level",
        "eventtime",
        "eventid",
        "eventname",
        "eventsource",
        "principal",
        "sourceipaddress",
        "account",
        "region",
        "tags",
        "rule_id",
        "file",
    ];
    let mut columns: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(rows.len()); names.len()];
    let mut eventids =
        datafusion::arrow::array::ListBuilder::new(datafusion::arrow::array::StringBuilder::new());
    for (_, r, event, ids) in &rows {
        // Every row names its events: the one event, or a correlation's window.
        let ids = ids
            .clone()
            .unwrap_or_else(|| event[1].clone().into_iter().collect());
        for id in ids {
            eventids.values().append_value(id);
        }
        eventids.append(true);
        let rule = &rules[*r];
        columns[0].push(Some(rule.title.clone()));
        columns[1].push(Some(rule.level.clone()));
        for (c, v) in event.iter().enumerate() {
            columns[2 + c].push(v.clone());
        }
        columns[10].push(Some(rule.tags.join(" ")));
        columns[11].push(rule.id.clone());
        columns[12].push(Some(rule.file.clone()));
    }
    let eventids = eventids.finish();
    let mut fields: Vec<Field> = names
        .iter()
        .map(|n| Field::new(*n, DataType::Utf8, true))
        .collect();
    fields.push(Field::new("eventids", eventids.data_type().clone(), true));
    let schema = Arc::new(Schema::new(fields));
    let mut arrays: Vec<ArrayRef> = columns
        .into_iter()
        .map(|c| Arc::new(StringArray::from(c)) as ArrayRef)
        .collect();
    arrays.push(Arc::new(eventids));
    let batch = RecordBatch::try_new(schema.clone(), arrays)?;
    Ok(QueryOutput {
        schema,
        batches: vec![batch],
    })
}

/// The first `n` columns of a batch as text.
fn text_columns(b: &RecordBatch, n: usize) -> Result<Vec<ArrayRef>> {
    Ok((0..n)
        .map(|c| datafusion::arrow::compute::cast(b.column(c), &DataType::Utf8))
        .collect::<std::result::Result<_, _>>()?)
}

/// One row of [`text_columns`].
fn row_text(text: &[ArrayRef], row: usize) -> Vec<Option<String>> {
    text.iter()
        .map(|a| {
            let a = a.as_string::<i32>();
            a.is_valid(row).then(|| a.value(row).to_string())
        })
        .collect()
}

/// One report section per rule that reports (its findings from `out`, the output of [`run`]),
/// in the rules' order: for `report … --sigma`.
pub fn sections(rules: &[SigmaRule], out: &QueryOutput, max_rows: usize) -> Result<Vec<Section>> {
    let rows = text_rows(&out.batches)?;
    let columns: Vec<String> = out
        .schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let col = |name: &str| columns.iter().position(|c| c == name).unwrap_or(0);
    let (title_c, file_c, id_c, time_c) =
        (col("rule"), col("file"), col("rule_id"), col("eventtime"));
    let mut out_sections = Vec::new();
    for r in rules.iter().filter(|r| r.standalone) {
        let mine: Vec<&Vec<String>> = rows
            .iter()
            .filter(|row| {
                row[title_c] == r.title
                    && row[file_c] == r.file
                    && row[id_c] == r.id.clone().unwrap_or_default()
            })
            .collect();
        let mut per_day = std::collections::BTreeMap::new();
        for row in &mine {
            if let Some(day) = row[time_c].get(..10) {
                *per_day.entry(day.to_string()).or_insert(0u64) += 1;
            }
        }
        out_sections.push(Section {
            name: format!("sigma:{}", r.id.clone().unwrap_or_else(|| r.file.clone())),
            title: r.title.clone(),
            severity: match r.level.as_str() {
                "informational" => "info".to_string(),
                l => l.to_string(),
            },
            description: if r.description.is_empty() {
                format!("Sigma rule from {}.", r.file)
            } else {
                format!("{} (Sigma rule from {}.)", r.description.trim(), r.file)
            },
            references: r.tags.clone(),
            attack: techniques(&r.tags),
            status: if mine.is_empty() { "none" } else { "findings" }.into(),
            count: mine.len(),
            columns: columns.clone(),
            rows: mine.iter().take(max_rows).map(|r| (*r).clone()).collect(),
            error: None,
            time_column: Some("eventtime".into()),
            per_day,
        });
    }
    Ok(out_sections)
}
