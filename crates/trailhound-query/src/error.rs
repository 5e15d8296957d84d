//! Errors of the query engine, each one line a user can act on.

use datafusion::error::DataFusionError;

pub type Result<T, E = QueryError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The SQL could not be parsed, planned or run.
    #[error("{}", describe(.0))]
    Sql(DataFusionError),
    /// The lake (or raw folder) is not usable.
    #[error("{location}: {reason}")]
    Location { location: String, reason: String },
    /// The lake (or raw folder) cannot be opened; the message names it.
    #[error(transparent)]
    Store(#[from] trailhound_store::Error),
    /// A step of a larger run (a Sigma scan, a correlation) failed; names which. The cause is
    /// in the message, not a `source`, so the CLI's one line says it once.
    #[error("{what}: {cause}")]
    In {
        what: String,
        cause: Box<QueryError>,
    },
    /// Writing results failed.
    #[error("{0}")]
    Output(String),
}

// Not `#[from]`: DataFusion's error is not exposed as a source, so that the CLI's one line is
// the tidy message alone and not followed by the nested chain it was made from.
impl From<DataFusionError> for QueryError {
    fn from(e: DataFusionError) -> Self {
        QueryError::Sql(e)
    }
}

impl From<datafusion::arrow::error::ArrowError> for QueryError {
    fn from(e: datafusion::arrow::error::ArrowError) -> Self {
        QueryError::Sql(DataFusionError::ArrowError(Box::new(e), None))
    }
}

/// DataFusion's message without the nesting of wrapper variants, with the SQL position when the
/// error has one.
pub fn describe(e: &DataFusionError) -> String {
    let position = e
        .diagnostic()
        .and_then(|d| d.span)
        .map(|s| format!(" (at line {}, column {})", s.start.line, s.start.column));
    let root = e.find_root();
    let msg = match root {
        DataFusionError::SQL(p, _) => format!("syntax error: {}", strip_parser(&p.to_string())),
        DataFusionError::Plan(m)
        | DataFusionError::Execution(m)
        | DataFusionError::NotImplemented(m)
        | DataFusionError::Configuration(m) => m.clone(),
        DataFusionError::SchemaError(s, _) => s.to_string(),
        DataFusionError::ResourcesExhausted(m) => {
            format!("out of memory for this query ({m}); raise --memory-limit or narrow the query")
        }
        DataFusionError::External(e) => e.to_string(),
        DataFusionError::ArrowError(e, _) => e.to_string(),
        DataFusionError::ParquetError(e) => e.to_string(),
        DataFusionError::ObjectStore(e) => trailhound_store::s3::describe(e),
        other => other.to_string(),
    };
    let msg = tidy(&msg);
    match position {
        Some(p) if !msg.contains("Line:") => format!("{msg}{p}"),
        _ => msg,
    }
}

fn strip_parser(s: &str) -> String {
    s.trim_start_matches("sql parser error: ").to_string()
}

/// Keeps the part of a message a user needs: for an unmatched function, the call and the
/// signatures it has; else the first line.
fn tidy(msg: &str) -> String {
    if let Some(i) = msg.find("No function matches the given name and argument types") {
        let rest = &msg[i..];
        let end = rest.find(": Error during planning").unwrap_or(rest.len());
        return rest[..end].split_whitespace().collect::<Vec<_>>().join(" ");
    }
    let first = msg.trim().lines().next().unwrap_or("").trim();
    first
        .split(". This issue was likely caused by a bug")
        .next()
        .unwrap_or(first)
        .to_string()
}
