//! Errors of the query engine, each one line a user can act on.

use datafusion::error::DataFusionError;

pub type Result<T, E = QueryError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The SQL could not be parsed, planned or run.
    #[error("{}", describe(.0))]
    Sql(#[from] DataFusionError),
    /// The lake (or raw folder) is not usable.
    #[error("{location}: {reason}")]
    Location { location: String, reason: String },
    /// Writing results failed.
    #[error("{0}")]
    Output(String),
}

/// DataFusion's message without the nesting of wrapper variants, with the SQL position when the
/// error has one.
pub fn describe(e: &DataFusionError) -> String {
    let position = e.diagnostic().and_then(|d| d.span).map(|s| {
        format!(" (at line {}, column {})", s.start.line, s.start.column)
    });
    let root = e.find_root();
    let msg = match root {
        DataFusionError::SQL(p, _) => format!("syntax error: {}", strip_parser(&p.to_string())),
        DataFusionError::Plan(m)
        | DataFusionError::Execution(m)
        | DataFusionError::NotImplemented(m)
        | DataFusionError::Configuration(m) => m.clone(),
        DataFusionError::SchemaError(s, _) => s.to_string(),
        DataFusionError::ResourcesExhausted(m) => format!(
            "out of memory for this query ({m}); raise --memory-limit or narrow the query"
        ),
        DataFusionError::External(e) => e.to_string(),
        DataFusionError::ArrowError(e, _) => e.to_string(),
        DataFusionError::ParquetError(e) => e.to_string(),
        other => other.to_string(),
    };
    let msg = msg.trim().replace('\n', " ");
    match position {
        Some(p) if !msg.contains("Line:") => format!("{msg}{p}"),
        _ => msg,
    }
}

fn strip_parser(s: &str) -> String {
    s.trim_start_matches("sql parser error: ").to_string()
}
