//! CloudWatch alarm evaluation replayed over a metric's datapoints: which periods breach the
//! threshold, and every state change (`OK`, `ALARM`, `INSUFFICIENT_DATA`) the alarm would have
//! made, as CloudWatch evaluates a metric alarm: at the end of each period, over the last
//! `evaluation_periods` periods, `ALARM` when at least `datapoints_to_alarm` of them breach;
//! missing datapoints are treated as `treat_missing_data` says.

use std::fmt;

use serde::Serialize;

/// How a period's samples become its datapoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Statistic {
    Sum,
    SampleCount,
    Average,
    Minimum,
    Maximum,
}

impl Statistic {
    pub fn parse(s: &str) -> Option<Statistic> {
        Some(match s.to_ascii_lowercase().as_str() {
            "sum" => Statistic::Sum,
            "samplecount" => Statistic::SampleCount,
            "average" | "avg" => Statistic::Average,
            "minimum" | "min" => Statistic::Minimum,
            "maximum" | "max" => Statistic::Maximum,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Comparison {
    GreaterThanOrEqualToThreshold,
    GreaterThanThreshold,
    LessThanThreshold,
    LessThanOrEqualToThreshold,
}

impl Comparison {
    pub fn parse(s: &str) -> Option<Comparison> {
        Some(match s {
            "GreaterThanOrEqualToThreshold" | ">=" => Comparison::GreaterThanOrEqualToThreshold,
            "GreaterThanThreshold" | ">" => Comparison::GreaterThanThreshold,
            "LessThanThreshold" | "<" => Comparison::LessThanThreshold,
            "LessThanOrEqualToThreshold" | "<=" => Comparison::LessThanOrEqualToThreshold,
            _ => return None,
        })
    }

    fn breaches(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::GreaterThanOrEqualToThreshold => value >= threshold,
            Comparison::GreaterThanThreshold => value > threshold,
            Comparison::LessThanThreshold => value < threshold,
            Comparison::LessThanOrEqualToThreshold => value <= threshold,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum MissingData {
    /// Missing datapoints are not evaluated; all missing is INSUFFICIENT_DATA.
    Missing,
    /// Missing datapoints are good.
    NotBreaching,
    /// Missing datapoints are bad.
    Breaching,
    /// Missing datapoints are not evaluated; all missing keeps the current state.
    Ignore,
}

impl MissingData {
    pub fn parse(s: &str) -> Option<MissingData> {
        Some(match s {
            "missing" => MissingData::Missing,
            "notBreaching" => MissingData::NotBreaching,
            "breaching" => MissingData::Breaching,
            "ignore" => MissingData::Ignore,
            _ => return None,
        })
    }
}

/// An alarm on one metric.
#[derive(Debug, Clone, Serialize)]
pub struct Alarm {
    pub name: String,
    pub statistic: Statistic,
    /// Seconds.
    pub period: i64,
    pub evaluation_periods: usize,
    pub datapoints_to_alarm: usize,
    pub threshold: f64,
    pub comparison: Comparison,
    pub treat_missing_data: MissingData,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum State {
    Ok,
    Alarm,
    InsufficientData,
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Ok => "OK",
            State::Alarm => "ALARM",
            State::InsufficientData => "INSUFFICIENT_DATA",
        })
    }
}

/// A state change: at the end of the period that starts at `period_start` (microseconds).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transition {
    pub period_start: i64,
    pub from: State,
    pub to: State,
    /// The evaluated datapoints, oldest first (`None`: missing).
    pub datapoints: Vec<Option<f64>>,
}

/// Replays the alarm over `points` (`(period index, value)`, sorted, one per period), periods
/// numbered from the epoch in units of the alarm's period, evaluating every period from `first`
/// to `last` inclusive. Starts in `INSUFFICIENT_DATA`, as a new alarm does.
pub fn evaluate(alarm: &Alarm, points: &[(i64, f64)], first: i64, last: i64) -> Vec<Transition> {
    let n = alarm.evaluation_periods.max(1) as i64;
    let m = alarm.datapoints_to_alarm.clamp(1, n as usize);
    let period_us = alarm.period * 1_000_000;
    let value_at = |p: i64| {
        points
            .binary_search_by_key(&p, |(k, _)| *k)
            .ok()
            .map(|i| points[i].1)
    };
    let mut state = State::InsufficientData;
    let mut out = Vec::new();
    let mut p = first;
    while p <= last {
        let window: Vec<Option<f64>> = (p - n - 1..=p).map(value_at).collect();
        let next = decide(alarm, m, &window, state);
        if next != state {
            out.push(Transition {
                period_start: p * period_us,
                from: state,
                to: next,
                datapoints: window.clone(),
            });
            state = next;
        }
        // Over a stretch of all-missing windows the decision cannot change once made: jump to
        // the period where the next datapoint enters the window (keeps long sparse spans cheap).
        if window.iter().all(Option::is_none) {
            let after = points.partition_point(|(k, _)| *k <= p);
            match points.get(after) {
                Some(&(k, _)) if k > p + 1 => {
                    p = k;
                    continue;
                }
                Some(_) => {}
                None => break,
            }
        }
        p += 1;
    }
    out
}

/// The state after one evaluation. `window` is the evaluation range, oldest first: the last
/// `evaluation_periods + 2` periods (CloudWatch reads a few more periods than it evaluates, so
/// that a missing recent point does not decide alone).
fn decide(alarm: &Alarm, m: usize, window: &[Option<f64>], state: State) -> State {
    let n = alarm.evaluation_periods.max(1);
    let breach = |v: f64| alarm.comparison.breaches(v, alarm.threshold);
    let real: Vec<f64> = window.iter().flatten().copied().collect();
    // Enough real datapoints in the range: the N most recent decide, whatever the missing ones.
    if real.len() >= n {
        let bad = real[real.len() - n..]
            .iter()
            .filter(|v| breach(**v))
            .count();
        return if bad >= m { State::Alarm } else { State::Ok };
    }
    let bad_real = real.iter().filter(|v| breach(**v)).count();
    let fill = n - real.len();
    match alarm.treat_missing_data {
        MissingData::Breaching if bad_real + fill >= m => State::Alarm,
        MissingData::Breaching => State::Ok,
        MissingData::NotBreaching if bad_real >= m => State::Alarm,
        MissingData::NotBreaching => State::Ok,
        MissingData::Missing | MissingData::Ignore => {
            let undecided = if alarm.treat_missing_data == MissingData::Ignore {
                state
            } else {
                State::InsufficientData
            };
            if real.is_empty() {
                undecided
            } else if bad_real >= m {
                State::Alarm
            } else if bad_real + fill < m {
                // Even if every missing point breached, it would not be enough.
                State::Ok
            } else {
                undecided
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alarm(n: usize, m: usize, missing: MissingData) -> Alarm {
        Alarm {
            name: "t".into(),
            statistic: Statistic::Sum,
            period: 300,
            evaluation_periods: n,
            datapoints_to_alarm: m,
            threshold: 10.0,
            comparison: Comparison::GreaterThanOrEqualToThreshold,
            treat_missing_data: missing,
        }
    }

    fn states(t: &[Transition]) -> Vec<(i64, State)> {
        t.iter()
            .map(|t| (t.period_start / 300_000_000, t.to))
            .collect()
    }

    /// The evaluation-range examples of the CloudWatch user guide ("Configuring how alarms treat
    /// missing data"), oldest first: `0` good, `X` breaching, `-` missing; expected state under
    /// missing, ignore (from OK), breaching, notBreaching.
    #[test]
    fn the_user_guide_examples() {
        use MissingData::*;
        use State::*;
        let cases: &[(usize, &str, [State; 4])] = &[
            (3, "0-X-X", [Ok, Ok, Ok, Ok]),
            (3, "0----", [Ok, Ok, Ok, Ok]),
            (3, "-----", [InsufficientData, Ok, Alarm, Ok]),
            (3, "0XX-X", [Alarm, Alarm, Alarm, Alarm]),
            (3, "----X", [InsufficientData, Ok, Alarm, Ok]),
            (2, "0-X-X", [Alarm, Alarm, Alarm, Alarm]),
            (2, "00X0X", [Alarm, Alarm, Alarm, Alarm]),
            (2, "----X", [InsufficientData, Ok, Alarm, Ok]),
        ];
        for (m, points, want) in cases {
            let window: Vec<Option<f64>> = points
                .chars()
                .map(|c| match c {
                    '0' => Some(1.0),
                    'X' => Some(20.0),
                    _ => None,
                })
                .collect();
            for (treat, want) in [Missing, Ignore, Breaching, NotBreaching]
                .into_iter()
                .zip(want)
            {
                let a = alarm(3, *m, treat);
                assert_eq!(
                    decide(&a, *m, &window, Ok),
                    *want,
                    "{m} of 3, {points}, {treat:?}"
                );
            }
        }
    }

    #[test]
    fn one_of_one_alarms_on_each_breaching_period() {
        let pts = [(3, 12.0), (4, 2.0), (9, 10.0)];
        let t = evaluate(&alarm(1, 1, MissingData::NotBreaching), &pts, 0, 12);
        assert_eq!(
            states(&t),
            vec![
                (0, State::Ok),
                (3, State::Alarm),
                (4, State::Ok),
                (9, State::Alarm),
                (12, State::Ok)
            ]
        );
        // With missing data as missing, the range (3 periods for 1 of 1) keeps the last real
        // point in view two periods longer.
        let t = evaluate(&alarm(1, 1, MissingData::Missing), &pts, 0, 12);
        assert_eq!(
            states(&t),
            vec![
                (3, State::Alarm),
                (4, State::Ok),
                (7, State::InsufficientData),
                (9, State::Alarm),
                (12, State::InsufficientData)
            ]
        );
        let t = evaluate(&alarm(1, 1, MissingData::Ignore), &pts, 0, 12);
        assert_eq!(
            states(&t),
            vec![(3, State::Alarm), (4, State::Ok), (9, State::Alarm)]
        );
    }

    #[test]
    fn m_of_n_needs_m_breaching_periods_in_the_window() {
        let pts = [(1, 11.0), (2, 1.0), (3, 11.0), (7, 11.0)];
        let t = evaluate(&alarm(3, 2, MissingData::NotBreaching), &pts, 0, 10);
        // Two breaches among the 3 most recent real points of the range (5 periods) alarm: from
        // period 3 until period 6, when the range holds only 1 and 2, then 3 and 7 again.
        assert_eq!(
            states(&t),
            vec![
                (0, State::Ok),
                (3, State::Alarm),
                (6, State::Ok),
                (7, State::Alarm),
                (8, State::Ok)
            ]
        );
    }
}
