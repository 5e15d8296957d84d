//! The sqllogictest adapter: an [`Engine`] answering the `.slt` files' statements, and the list
//! of those files. The query crate runs them locally, the cluster crate on a cluster.

use std::path::PathBuf;

use sqllogictest::{DBOutput, DefaultColumnType};
use trailhound_query::{Engine, QueryError};

pub struct Db(pub Engine);

/// The query crate's `tests/slt/<prefix>*.slt` files, in name order.
pub fn suite_files(prefix: &str) -> Vec<PathBuf> {
    let dir = crate::repo_root().join("crates/trailhound-query/tests/slt");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "slt")
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        })
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no {prefix}*.slt files in {}", dir.display());
    v
}

#[async_trait::async_trait]
impl sqllogictest::AsyncDB for Db {
    type Error = QueryError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, QueryError> {
        let mut results = self.0.run(sql).await?;
        let Some(r) = results.pop() else {
            return Ok(DBOutput::StatementComplete(0));
        };
        if r.schema.fields().is_empty() {
            return Ok(DBOutput::StatementComplete(0));
        }
        let rows = trailhound_query::output::text_rows(&r.batches)?;
        Ok(DBOutput::Rows {
            types: vec![DefaultColumnType::Any; r.schema.fields().len()],
            rows,
        })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "trailhound"
    }
}
