//! `trailhound metric-filter`: CloudWatch Logs metric filters and alarms back-tested on the lake,
//! from a pattern and alarm flags or from a team's `describe-metric-filters`/`describe-alarms`.

use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use trailhound_alert::alarm::{Alarm, Comparison, MissingData, Statistic};
use trailhound_alert::metric::{back_test, BackTest, MetricFilter};
use trailhound_model::time::format_event_time;
use trailhound_model::window::{parse_duration, TimeWindow};

use crate::args::{MetricFilterArgs, MetricFormat};
use crate::context::{lake, open_engine, runtime, window};
use crate::printer::Printer;

pub fn run_metric_filter(a: MetricFilterArgs, printer: &Printer) -> Result<ExitCode> {
    let w = window(&a.window)?;
    let mut skipped = Vec::new();
    let filters: Vec<(MetricFilter, Vec<Alarm>)> = match &a.pattern {
        Some(p) => {
            let f = MetricFilter::new("", p, &a.metric_value, a.default_value, "")?;
            vec![(f, vec![flag_alarm(&a)?])]
        }
        None => {
            let cfg = trailhound_alert::from_aws::load(&a.from_aws)?;
            skipped = cfg.skipped;
            if cfg.filters.is_empty() {
                bail!("no metric filters in {}: give the output of `aws logs describe-metric-filters`", a.from_aws.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "));
            }
            cfg.filters
        }
    };
    let period = seconds(&a.period).context("--period")?;
    if a.explain {
        for (f, _) in &filters {
            if f.name.is_empty() {
                println!("{}", f.predicate());
            } else {
                println!("{}: {}", f.name, f.predicate());
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let lake = lake(None, a.lake.clone())?;
    let rt = runtime()?;
    let _guard = rt.enter();
    let engine = open_engine(Some(lake), None, TimeWindow::default(), &a.engine, printer)?;
    let mut results = Vec::new();
    for (f, alarms) in &filters {
        // A filter's datapoints are shown in its first alarm's period (the one it is judged by).
        let p = alarms.first().map_or(period, |a| a.period);
        results.push(rt.block_on(back_test(&engine, f, alarms, p, w.from, w.until))?);
    }
    for (name, reason) in &skipped {
        printer.warn(format_args!("alarm {name} not replayed: {reason}"));
    }
    let text = match a.format {
        MetricFormat::Json => serde_json::to_string_pretty(&results)? + "\n",
        MetricFormat::Table => results.iter().map(table).collect::<Vec<_>>().join("\n"),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    let fired = results
        .iter()
        .flat_map(|r| &r.alarms)
        .map(|r| r.alarms())
        .sum::<usize>();
    Ok(if a.fail_on_findings && fired > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// `5m`, `300s`, or plain seconds.
fn seconds(s: &str) -> Result<i64> {
    let micros = match s.trim().parse::<i64>() {
        Ok(n) => n * 1_000_000,
        Err(_) => parse_duration(s)?,
    };
    if micros < 1_000_000 || micros % 1_000_000 != 0 {
        bail!("{s:?}: a period is a whole number of seconds, at least 1");
    }
    Ok(micros / 1_000_000)
}

fn flag_alarm(a: &MetricFilterArgs) -> Result<Alarm> {
    let statistic = Statistic::parse(&a.statistic).with_context(|| {
        format!(
            "--statistic {:?}: use Sum, SampleCount, Average, Minimum or Maximum",
            a.statistic
        )
    })?;
    let comparison = Comparison::parse(&a.comparison_operator).with_context(|| {
        format!(
            "--comparison-operator {:?}: use GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold or LessThanOrEqualToThreshold",
            a.comparison_operator
        )
    })?;
    let treat = MissingData::parse(&a.treat_missing_data).with_context(|| {
        format!(
            "--treat-missing-data {:?}: use missing, notBreaching, breaching or ignore",
            a.treat_missing_data
        )
    })?;
    if a.evaluation_periods == 0 {
        bail!("--evaluation-periods must be at least 1");
    }
    let m = a.datapoints_to_alarm.unwrap_or(a.evaluation_periods);
    if m == 0 || m > a.evaluation_periods {
        bail!(
            "--datapoints-to-alarm must be between 1 and --evaluation-periods ({})",
            a.evaluation_periods
        );
    }
    Ok(Alarm {
        name: String::new(),
        statistic,
        period: seconds(&a.period).context("--period")?,
        evaluation_periods: a.evaluation_periods,
        datapoints_to_alarm: m,
        threshold: a.threshold,
        comparison,
        treat_missing_data: treat,
    })
}

fn duration(secs: i64) -> String {
    match secs {
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn op(c: Comparison) -> &'static str {
    match c {
        Comparison::GreaterThanOrEqualToThreshold => ">=",
        Comparison::GreaterThanThreshold => ">",
        Comparison::LessThanThreshold => "<",
        Comparison::LessThanOrEqualToThreshold => "<=",
    }
}

fn table(r: &BackTest) -> String {
    let mut s = String::new();
    if !r.filter.is_empty() {
        let _ = writeln!(s, "filter: {} (metric {})", r.filter, r.metric);
    }
    let _ = writeln!(s, "pattern: {}", r.pattern);
    let span = match (r.first_period, r.last_period) {
        (Some(a), Some(b)) => format!(
            " from {} to {}",
            format_event_time(a),
            format_event_time(b + r.period * 1_000_000)
        ),
        _ => String::new(),
    };
    let _ = writeln!(
        s,
        "{} matching events in {} periods of {}{span}",
        r.events,
        r.datapoints.len(),
        duration(r.period)
    );
    if !r.datapoints.is_empty() {
        let _ = writeln!(s, "period start          events  sum");
        for d in &r.datapoints {
            let _ = writeln!(
                s,
                "{}  {:>6}  {}",
                format_event_time(d.period_start),
                d.events,
                number(d.sum)
            );
        }
    }
    for a in &r.alarms {
        let al = &a.alarm;
        let _ = writeln!(
            s,
            "alarm{}: {:?} {} {} in {} of {} periods of {} (missing data: {})",
            if al.name.is_empty() {
                String::new()
            } else {
                format!(" {}", al.name)
            },
            al.statistic,
            op(al.comparison),
            number(al.threshold),
            al.datapoints_to_alarm,
            al.evaluation_periods,
            duration(al.period),
            serde_json::to_value(al.treat_missing_data)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        );
        for t in &a.transitions {
            let points: Vec<String> = t
                .datapoints
                .iter()
                .map(|d| d.map_or("-".to_string(), number))
                .collect();
            let _ = writeln!(
                s,
                "  {}  {} -> {}  [{}]",
                format_event_time(t.period_start + al.period * 1_000_000),
                t.from,
                t.to,
                points.join(" ")
            );
        }
        let _ = writeln!(s, "  went into ALARM {} time(s)", a.alarms());
    }
    s
}
