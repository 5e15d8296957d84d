//! `tests/slt/*.slt`: `sample_*` files run on the sample archive, `real_*` on the real corpus.
//! `TRAILHOUND_SLT_COMPLETE=1` rewrites the expected results from the engine's (review the diff).

use std::path::{Path, PathBuf};

use sqllogictest::{DBOutput, DefaultColumnType};
use trailhound_query::{Engine, QueryError};

struct Db(Engine);

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

fn files(prefix: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slt");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "slt")
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
        })
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no {prefix}*.slt files");
    v
}

async fn run_files(prefix: &str, lake: &'static Path) {
    for f in files(prefix) {
        let mut runner =
            sqllogictest::Runner::new(move || async move { Ok(Db(crate::engine(lake))) });
        if std::env::var_os("TRAILHOUND_SLT_COMPLETE").is_some() {
            runner
                .update_test_file(
                    &f,
                    " ",
                    sqllogictest::default_validator,
                    sqllogictest::default_normalizer,
                    sqllogictest::default_column_validator,
                )
                .await
                .unwrap();
        } else if let Err(e) = runner.run_file_async(&f).await {
            panic!("{}: {e}", f.display());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_archive_slt() {
    run_files("sample_", crate::sample_lake()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_corpus_slt() {
    run_files("real_", crate::real_lake()).await;
}
