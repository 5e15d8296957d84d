//! A team's CloudWatch configuration as the AWS CLI prints it: `aws logs describe-metric-filters`
//! and `aws cloudwatch describe-alarms` output, read into metric filters and the alarms on their
//! metrics, so they are back-tested as configured.

use std::path::Path;

use serde::Deserialize;

use crate::alarm::{Alarm, Comparison, MissingData, Statistic};
use crate::metric::MetricFilter;
use crate::{Error, Result};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FiltersDoc {
    metric_filters: Vec<FilterJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FilterJson {
    filter_name: String,
    #[serde(default)]
    filter_pattern: String,
    #[serde(default)]
    metric_transformations: Vec<TransformJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TransformJson {
    metric_name: String,
    metric_namespace: String,
    metric_value: String,
    default_value: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AlarmsDoc {
    #[serde(default)]
    metric_alarms: Vec<AlarmJson>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AlarmJson {
    alarm_name: String,
    metric_name: Option<String>,
    namespace: Option<String>,
    statistic: Option<String>,
    extended_statistic: Option<String>,
    period: Option<i64>,
    evaluation_periods: usize,
    datapoints_to_alarm: Option<usize>,
    threshold: Option<f64>,
    comparison_operator: String,
    treat_missing_data: Option<String>,
    #[serde(default)]
    metrics: Vec<serde_json::Value>,
    #[serde(default)]
    dimensions: Vec<serde_json::Value>,
}

/// Filters and alarms read from files, with the alarms that cannot be replayed and why.
#[derive(Debug, Default)]
pub struct AwsConfig {
    /// Each filter with the alarms on its metric.
    pub filters: Vec<(MetricFilter, Vec<Alarm>)>,
    /// `(alarm name, reason)` of alarms left out.
    pub skipped: Vec<(String, String)>,
}

/// Reads `describe-metric-filters` and `describe-alarms` outputs (any number, any order).
pub fn load(files: &[impl AsRef<Path>]) -> Result<AwsConfig> {
    let mut filters: Vec<MetricFilter> = Vec::new();
    let mut alarms: Vec<(String, Alarm, String)> = Vec::new();
    let mut skipped = Vec::new();
    for file in files {
        let file = file.as_ref();
        let shown = file.display().to_string();
        let bad = |message: String| Error::File {
            file: shown.clone(),
            message,
        };
        let text = std::fs::read_to_string(file).map_err(|e| bad(e.to_string()))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
        if value.get("metricFilters").is_some() {
            let doc: FiltersDoc = serde_json::from_value(value).map_err(|e| {
                bad(format!(
                    "not `aws logs describe-metric-filters` output: {e}"
                ))
            })?;
            for (i, f) in doc.metric_filters.into_iter().enumerate() {
                if f.metric_transformations.is_empty() {
                    return Err(bad(format!(
                        "metricFilters[{i}] ({}): no metricTransformations",
                        f.filter_name
                    )));
                }
                for t in f.metric_transformations {
                    let metric = format!("{}/{}", t.metric_namespace, t.metric_name);
                    let mf = MetricFilter::new(
                        &f.filter_name,
                        &f.filter_pattern,
                        &t.metric_value,
                        t.default_value,
                        &metric,
                    )
                    .map_err(|e| bad(format!("metricFilters[{i}]: {e}")))?;
                    filters.push(mf);
                }
            }
        } else if value.get("MetricAlarms").is_some() || value.get("CompositeAlarms").is_some() {
            let doc: AlarmsDoc = serde_json::from_value(value)
                .map_err(|e| bad(format!("not `aws cloudwatch describe-alarms` output: {e}")))?;
            for (i, a) in doc.metric_alarms.into_iter().enumerate() {
                match alarm(&a) {
                    Ok((metric, alarm)) => alarms.push((metric, alarm, shown.clone())),
                    Err(reason) => skipped.push((a.alarm_name.clone(), reason)),
                }
                let _ = i;
            }
        } else {
            return Err(bad(
                "expected the output of `aws logs describe-metric-filters` (metricFilters) or `aws cloudwatch describe-alarms` (MetricAlarms)".into(),
            ));
        }
    }
    let mut out = AwsConfig {
        skipped,
        ..Default::default()
    };
    let mut used = vec![false; alarms.len()];
    for f in filters {
        let mine: Vec<Alarm> = alarms
            .iter()
            .enumerate()
            .filter(|(_, (m, _, _))| *m == f.metric)
            .map(|(i, (_, a, _))| {
                used[i] = true;
                a.clone()
            })
            .collect();
        out.filters.push((f, mine));
    }
    for ((metric, a, _), used) in alarms.into_iter().zip(used) {
        if !used {
            out.skipped.push((
                a.name,
                format!("no metric filter in the files publishes {metric}"),
            ));
        }
    }
    Ok(out)
}

fn alarm(a: &AlarmJson) -> std::result::Result<(String, Alarm), String> {
    if !a.metrics.is_empty() {
        return Err("a metric math alarm (Metrics): only alarms on one metric are replayed".into());
    }
    if !a.dimensions.is_empty() {
        return Err(
            "an alarm on a metric with dimensions: metric filters here publish none".into(),
        );
    }
    let (Some(ns), Some(name)) = (&a.namespace, &a.metric_name) else {
        return Err("no Namespace and MetricName".into());
    };
    let statistic = match (&a.statistic, &a.extended_statistic) {
        (Some(s), _) => Statistic::parse(s).ok_or(format!("unknown Statistic {s:?}"))?,
        (None, Some(e)) => return Err(format!("extended statistic {e:?} is not replayed")),
        (None, None) => return Err("no Statistic".into()),
    };
    let comparison = Comparison::parse(&a.comparison_operator).ok_or(format!(
        "ComparisonOperator {:?} is not replayed (anomaly detection bands need the model)",
        a.comparison_operator
    ))?;
    let treat = match &a.treat_missing_data {
        Some(t) => MissingData::parse(t).ok_or(format!("unknown TreatMissingData {t:?}"))?,
        None => MissingData::Missing,
    };
    let period = a.period.ok_or("no Period")?;
    Ok((
        format!("{ns}/{name}"),
        Alarm {
            name: a.alarm_name.clone(),
            statistic,
            period,
            evaluation_periods: a.evaluation_periods,
            datapoints_to_alarm: a.datapoints_to_alarm.unwrap_or(a.evaluation_periods),
            threshold: a.threshold.ok_or("no Threshold")?,
            comparison,
            treat_missing_data: treat,
        },
    ))
}
