//! The sqllogictest adapter: an [`Engine`] answering the `.slt` files' statements. Shared by the
//! query crate's tests and the cluster crate's (which runs the same files on a cluster), included
//! there by path.

use sqllogictest::{DBOutput, DefaultColumnType};
use trailhound_query::{Engine, QueryError};

pub struct Db(pub Engine);

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
