//! Syntax of Trino (Athena, CloudTrail Lake) accepted by rewriting the parsed statement before
//! DataFusion plans it: `element_at(resources, 1).arn` — a field of a function's result — becomes
//! DataFusion's `element_at(resources, 1)['arn']`.

use std::ops::ControlFlow;

use datafusion::sql::parser::Statement as DFStatement;
use datafusion::sql::sqlparser::ast::{
    visit_expressions_mut, AccessExpr, Expr, Value, ValueWithSpan,
};

/// Rewrites Trino-only syntax in place.
pub fn rewrite(statement: &mut DFStatement) {
    if let DFStatement::Statement(s) = statement {
        let _ = visit_expressions_mut(s.as_mut(), |e| {
            if let Expr::CompoundFieldAccess { root, access_chain } = e {
                // A plain column path (`useridentity.arn`) is planned by DataFusion already.
                let is_column = matches!(
                    root.as_ref(),
                    Expr::Identifier(_) | Expr::CompoundIdentifier(_)
                );
                if !is_column {
                    for a in access_chain.iter_mut() {
                        if let AccessExpr::Dot(Expr::Identifier(ident)) = a {
                            let name = if ident.quote_style.is_some() {
                                ident.value.clone()
                            } else {
                                ident.value.to_ascii_lowercase()
                            };
                            *a = AccessExpr::Dot(Expr::Value(ValueWithSpan {
                                value: Value::SingleQuotedString(name),
                                span: ident.span,
                            }));
                        }
                    }
                }
            }
            ControlFlow::<()>::Continue(())
        });
    }
}
