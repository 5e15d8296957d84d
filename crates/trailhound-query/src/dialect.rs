//! Syntax of Trino (Athena, CloudTrail Lake) accepted by rewriting the parsed statement before
//! DataFusion plans it:
//! - `element_at(resources, 1).arn`, a field of a function's result, becomes DataFusion's
//!   `element_at(resources, 1)['arn']`;
//! - `FROM t CROSS JOIN UNNEST(t.resources) AS u (r)` (Athena's way to search resources), which
//!   DataFusion cannot plan with an outer reference, becomes a derived table
//!   `(SELECT t.*, unnest(t.resources) AS r FROM t) AS t`, and `u.r` becomes `r`: the same rows
//!   (one per element; none for an empty or NULL array);
//! - string functions applied to `eventtime` (a string in Athena's table) read CloudTrail's text
//!   of the time: `substr(eventtime, 1, 10)` becomes `substr(to_iso8601(eventtime), 1, 10)`.

use std::collections::HashSet;
use std::ops::ControlFlow;

use datafusion::sql::parser::Statement as DFStatement;
use datafusion::sql::sqlparser::ast::{
    visit_expressions_mut, AccessExpr, Expr, Function, FunctionArg, FunctionArgExpr,
    FunctionArguments, Ident, JoinOperator, ObjectName, Query, SetExpr, TableFactor, Value,
    ValueWithSpan, VisitMut, VisitorMut,
};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;

/// String functions that Athena users apply to `eventtime`.
const TEXT_FUNCTIONS: &[&str] = &[
    "substr",
    "substring",
    "left",
    "right",
    "strpos",
    "split_part",
    "starts_with",
    "lower",
    "upper",
    "length",
    "regexp_like",
    "regexp_extract",
    "regexp_replace",
    "concat",
];

/// Rewrites Trino-only syntax in place.
pub fn rewrite(statement: &mut DFStatement) {
    let DFStatement::Statement(s) = statement else {
        return;
    };
    let mut unnest = UnnestRewriter::default();
    let _ = s.visit(&mut unnest);
    let aliases = unnest.aliases;
    let _ = visit_expressions_mut(s.as_mut(), |e| {
        match e {
            Expr::CompoundFieldAccess { root, access_chain } => field_of_result(root, access_chain),
            Expr::CompoundIdentifier(parts)
                if parts.len() >= 2 && aliases.contains(&parts[0].value.to_ascii_lowercase()) =>
            {
                parts.remove(0);
                if parts.len() == 1 {
                    *e = Expr::Identifier(parts[0].clone());
                }
            }
            Expr::Function(f) => eventtime_as_text(f),
            Expr::Substring { expr, .. } if is_eventtime(expr) => {
                let inner = std::mem::replace(expr.as_mut(), Expr::value(Value::Null));
                **expr = to_iso8601(inner);
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
}

fn field_of_result(root: &Expr, access_chain: &mut [AccessExpr]) {
    // A plain column path (`useridentity.arn`) is planned by DataFusion already; a field of a
    // subscript (`resources[1].arn`) or of a function's result is not.
    if matches!(root, Expr::Identifier(_) | Expr::CompoundIdentifier(_))
        && access_chain.iter().all(|a| matches!(a, AccessExpr::Dot(_)))
    {
        return;
    }
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

fn is_eventtime(e: &Expr) -> bool {
    match e {
        Expr::Identifier(i) => i.value.eq_ignore_ascii_case("eventtime"),
        Expr::CompoundIdentifier(p) => p
            .last()
            .is_some_and(|i| i.value.eq_ignore_ascii_case("eventtime")),
        _ => false,
    }
}

fn eventtime_as_text(f: &mut Function) {
    let name = f.name.to_string().to_ascii_lowercase();
    if !TEXT_FUNCTIONS.contains(&name.as_str()) {
        return;
    }
    let FunctionArguments::List(list) = &mut f.args else {
        return;
    };
    for arg in list.args.iter_mut() {
        if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) = arg {
            if is_eventtime(e) {
                *e = to_iso8601(e.clone());
            }
        }
    }
}

fn to_iso8601(inner: Expr) -> Expr {
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new("to_iso8601")]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(datafusion::sql::sqlparser::ast::FunctionArgumentList {
            duplicate_treatment: None,
            args: vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(inner))],
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

/// Turns `CROSS JOIN UNNEST(…) AS alias (column)` into a derived table; remembers the aliases.
#[derive(Default)]
struct UnnestRewriter {
    aliases: HashSet<String>,
}

impl VisitorMut for UnnestRewriter {
    type Break = ();
    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        self.set_expr(query.body.as_mut());
        ControlFlow::Continue(())
    }
}

impl UnnestRewriter {
    fn set_expr(&mut self, body: &mut SetExpr) {
        match body {
            SetExpr::Select(select) => {
                for twj in select.from.iter_mut() {
                    let mut i = 0;
                    while i < twj.joins.len() {
                        let j = &twj.joins[i];
                        let cross = matches!(j.join_operator, JoinOperator::CrossJoin(_));
                        let TableFactor::UNNEST {
                            alias: Some(alias),
                            array_exprs,
                            with_offset: false,
                            with_ordinality: false,
                            ..
                        } = &j.relation
                        else {
                            i += 1;
                            continue;
                        };
                        let ([array], [column], true) =
                            (array_exprs.as_slice(), alias.columns.as_slice(), cross)
                        else {
                            i += 1;
                            continue;
                        };
                        let base_name = match &twj.relation {
                            TableFactor::Table { name, alias: a, .. } => a
                                .as_ref()
                                .map(|a| a.name.value.clone())
                                .or_else(|| name.0.last().map(|p| p.to_string())),
                            TableFactor::Derived { alias: Some(a), .. } => {
                                Some(a.name.value.clone())
                            }
                            _ => None,
                        };
                        let Some(base_name) = base_name else {
                            i += 1;
                            continue;
                        };
                        let sql = format!(
                            "SELECT {base_name}.*, unnest({array}) AS {} FROM {}",
                            column.name, twj.relation
                        );
                        let Ok(subquery) = Parser::new(&GenericDialect {})
                            .try_with_sql(&sql)
                            .and_then(|mut p| p.parse_query())
                        else {
                            i += 1;
                            continue;
                        };
                        self.aliases.insert(alias.name.value.to_ascii_lowercase());
                        twj.relation = TableFactor::Derived {
                            lateral: false,
                            subquery,
                            alias: Some(datafusion::sql::sqlparser::ast::TableAlias {
                                explicit: true,
                                name: Ident::new(base_name),
                                columns: vec![],
                                at: None,
                            }),
                            sample: None,
                        };
                        twj.joins.remove(i);
                    }
                }
            }
            SetExpr::SetOperation { left, right, .. } => {
                self.set_expr(left);
                self.set_expr(right);
            }
            _ => {}
        }
    }
}
