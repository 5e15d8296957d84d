//! Coercions that queries from Athena and CloudTrail Lake rely on, applied before DataFusion's
//! own type coercion:
//! - Athena declares every column a string: `readonly = 'false'` compares a boolean with text,
//!   and `eventtime LIKE '2024-08-01%'` treats the time as its CloudTrail text
//!   (`2024-08-01T12:00:00Z`; string functions on it are rewritten in [`crate::dialect`]);
//! - Lake declares `sessionCredentialFromConsole` a boolean, which CloudTrail writes as text:
//!   `sessioncredentialfromconsole = true` compares text with a boolean.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, Result};
use datafusion::logical_expr::expr::{Cast, ScalarFunction};
use datafusion::logical_expr::utils::merge_schema;
use datafusion::logical_expr::{BinaryExpr, Expr, ExprSchemable, Like, LogicalPlan};
use datafusion::optimizer::analyzer::{Analyzer, AnalyzerRule};

/// DataFusion's analyzer rules with ours first.
pub fn analyzer_rules() -> Vec<Arc<dyn AnalyzerRule + Send + Sync>> {
    let mut rules: Vec<Arc<dyn AnalyzerRule + Send + Sync>> = vec![Arc::new(DialectCoercion)];
    rules.extend(Analyzer::new().rules);
    rules
}

#[derive(Debug)]
struct DialectCoercion;

fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

fn as_text(e: Expr) -> Expr {
    let udf = crate::functions::trino::to_iso8601_udf();
    Expr::ScalarFunction(ScalarFunction::new_udf(udf, vec![e]))
}

fn rewrite(e: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    let ty = |e: &Expr| e.get_type(schema).ok();
    match e {
        Expr::BinaryExpr(BinaryExpr { left, op, right })
            if op.supports_propagation() || is_comparison(&op) =>
        {
            match (ty(&left), ty(&right)) {
                (Some(DataType::Boolean), Some(t)) if is_text(&t) => Ok(Transformed::yes(
                    Expr::BinaryExpr(BinaryExpr::new(left, op, Box::new(cast_bool(*right)))),
                )),
                (Some(t), Some(DataType::Boolean)) if is_text(&t) => Ok(Transformed::yes(
                    Expr::BinaryExpr(BinaryExpr::new(Box::new(cast_bool(*left)), op, right)),
                )),
                _ => Ok(Transformed::no(Expr::BinaryExpr(BinaryExpr {
                    left,
                    op,
                    right,
                }))),
            }
        }
        Expr::Like(like) if matches!(ty(&like.expr), Some(DataType::Timestamp(..))) => {
            Ok(Transformed::yes(Expr::Like(Like {
                expr: Box::new(as_text(*like.expr)),
                ..like
            })))
        }
        other => Ok(Transformed::no(other)),
    }
}

fn is_comparison(op: &datafusion::logical_expr::Operator) -> bool {
    use datafusion::logical_expr::Operator::*;
    matches!(
        op,
        Eq | NotEq | Lt | LtEq | Gt | GtEq | IsDistinctFrom | IsNotDistinctFrom
    )
}

fn cast_bool(e: Expr) -> Expr {
    Expr::Cast(Cast::new(Box::new(e), DataType::Boolean))
}

impl AnalyzerRule for DialectCoercion {
    fn name(&self) -> &str {
        "trailhound_dialect_coercion"
    }
    fn analyze(&self, plan: LogicalPlan, _: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|plan| {
            let schema = merge_schema(&plan.inputs());
            let t = plan.map_expressions(|e| e.transform_up(|e| rewrite(e, &schema)))?;
            if t.transformed {
                Ok(Transformed::yes(t.data.recompute_schema()?))
            } else {
                Ok(t)
            }
        })
        .map(|t| t.data)
    }
}
