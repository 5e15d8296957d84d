//! Reading a scan's filters for what they say about time, account and region, so that the lake
//! and raw tables read only the partitions and objects a query can need. Only conjuncts of the
//! form `column op literal` are used; anything else is left for the engine to evaluate.

use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Between, BinaryExpr, Expr, Operator};
use datafusion::prelude::{col, lit};
use trailhound_model::time::date_of;
use trailhound_model::window::{parse_instant, TimeWindow};

/// Filters on the `date` partition column equivalent to a window on `eventtime`. `unknown`
/// sorts after every date, so a lower bound keeps it (cheap) and an upper bound drops it (its
/// rows have no `eventtime`, so no time predicate can hold for them).
pub fn date_filters(window: &TimeWindow) -> Vec<Expr> {
    let mut v = Vec::new();
    if let Some(f) = window.from {
        v.push(col("date").gt_eq(lit(date_of(f))));
    }
    if let Some(u) = window.until {
        v.push(col("date").lt_eq(lit(date_of(u.saturating_sub(1)))));
    }
    v
}

/// Splits `a AND b AND …` into its terms.
fn conjuncts<'a>(e: &'a Expr, out: &mut Vec<&'a Expr>) {
    match e {
        Expr::BinaryExpr(BinaryExpr {
            left,
            op: Operator::And,
            right,
        }) => {
            conjuncts(left, out);
            conjuncts(right, out);
        }
        other => out.push(other),
    }
}

fn column_name(e: &Expr) -> Option<&str> {
    match e {
        Expr::Column(c) => Some(c.name.as_str()),
        Expr::Cast(c) => column_name(&c.expr),
        _ => None,
    }
}

/// A timestamp literal as microseconds since the epoch.
fn micros(e: &Expr) -> Option<i64> {
    let Expr::Literal(v, _) = e else {
        return None;
    };
    match v {
        ScalarValue::TimestampSecond(Some(t), _) => t.checked_mul(1_000_000),
        ScalarValue::TimestampMillisecond(Some(t), _) => t.checked_mul(1_000),
        ScalarValue::TimestampMicrosecond(Some(t), _) => Some(*t),
        ScalarValue::TimestampNanosecond(Some(t), _) => Some(t.div_euclid(1_000)),
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => parse_instant(s).ok(),
        _ => None,
    }
}

fn string_lit(e: &Expr) -> Option<String> {
    match e {
        Expr::Literal(
            ScalarValue::Utf8(Some(s))
            | ScalarValue::LargeUtf8(Some(s))
            | ScalarValue::Utf8View(Some(s)),
            _,
        ) => Some(s.clone()),
        Expr::Cast(c) => string_lit(&c.expr),
        _ => None,
    }
}

/// The window on `eventtime` all of `filters` imply together.
pub fn time_bounds(filters: &[Expr]) -> TimeWindow {
    let mut b = TimeWindow::default();
    let mut terms = Vec::new();
    for f in filters {
        conjuncts(f, &mut terms);
    }
    for t in terms {
        match t {
            Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
                let (op, t) = match (column_name(left), column_name(right)) {
                    (Some("eventtime"), _) => (*op, micros(right)),
                    (_, Some("eventtime")) => match op.swap() {
                        Some(op) => (op, micros(left)),
                        None => continue,
                    },
                    _ => continue,
                };
                let Some(t) = t else { continue };
                match op {
                    Operator::Gt | Operator::GtEq => b.raise_from(t),
                    Operator::Lt => b.lower_until(t),
                    Operator::LtEq => b.lower_until(t.saturating_add(1)),
                    Operator::Eq => {
                        b.raise_from(t);
                        b.lower_until(t.saturating_add(1));
                    }
                    _ => {}
                }
            }
            Expr::Between(Between {
                expr,
                negated: false,
                low,
                high,
            }) if column_name(expr) == Some("eventtime") => {
                if let Some(l) = micros(low) {
                    b.raise_from(l);
                }
                if let Some(h) = micros(high) {
                    b.lower_until(h.saturating_add(1));
                }
            }
            _ => {}
        }
    }
    b
}

/// The values `column` must take by `column = 'x'` or `column IN ('x', 'y')` terms, if any.
pub fn allowed_values(filters: &[Expr], column: &str) -> Option<Vec<String>> {
    let mut terms = Vec::new();
    for f in filters {
        conjuncts(f, &mut terms);
    }
    let mut allowed: Option<Vec<String>> = None;
    for t in terms {
        let values = match t {
            Expr::BinaryExpr(BinaryExpr {
                left,
                op: Operator::Eq,
                right,
            }) => match (column_name(left), column_name(right)) {
                (Some(c), _) if c == column => string_lit(right).map(|v| vec![v]),
                (_, Some(c)) if c == column => string_lit(left).map(|v| vec![v]),
                _ => None,
            },
            Expr::InList(l) if !l.negated && column_name(&l.expr) == Some(column) => {
                l.list.iter().map(string_lit).collect::<Option<Vec<_>>>()
            }
            _ => None,
        };
        if let Some(v) = values {
            allowed = Some(match allowed {
                None => v,
                Some(prev) => prev.into_iter().filter(|p| v.contains(p)).collect(),
            });
        }
    }
    allowed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Expr {
        lit(ScalarValue::TimestampMicrosecond(
            Some(parse_instant(s).unwrap()),
            Some("UTC".into()),
        ))
    }

    #[test]
    fn bounds_from_comparisons() {
        let f = vec![
            col("eventtime").gt_eq(ts("2024-08-01")),
            ts("2024-08-03").gt(col("eventtime")),
            col("eventname").eq(lit("x")),
        ];
        let b = time_bounds(&f);
        let d = date_filters(&b);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].to_string(), r#"date >= Utf8("2024-08-01")"#);
        assert_eq!(d[1].to_string(), r#"date <= Utf8("2024-08-02")"#);
        let b = time_bounds(&[col("eventtime").lt_eq(ts("2024-08-03"))]);
        assert_eq!(
            date_filters(&b)[0].to_string(),
            r#"date <= Utf8("2024-08-03")"#
        );
        assert!(date_filters(&time_bounds(&[col("eventname").gt(lit("a"))])).is_empty());
    }

    #[test]
    fn equalities_and_in_lists() {
        let f = vec![
            col("region").in_list(vec![lit("a"), lit("b")], false),
            col("region").eq(lit("b")).and(col("account").eq(lit("1"))),
        ];
        assert_eq!(allowed_values(&f, "region"), Some(vec!["b".to_string()]));
        assert_eq!(allowed_values(&f, "account"), Some(vec!["1".to_string()]));
        assert_eq!(allowed_values(&f, "date"), None);
    }
}
