//! `tests/slt/*.slt`: `sample_*` files run on the sample archive, `real_*` on the real corpus.
//! `TRAILHOUND_SLT_COMPLETE=1` rewrites the expected results from the engine's (review the diff).

use std::path::Path;

use trailhound_testkit::slt::{suite_files, Db};

async fn run_files(prefix: &str, lake: &'static Path) {
    for f in suite_files(prefix) {
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

/// Every CloudTrail Lake sample of `sample_lake.slt` (`# 1` to `# 26`) finds something on the
/// sample trail: a sample wrapped in `count(*)` counts more than 0, any other returns a row. The
/// expected results alone would not catch a sample completed back to finding nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_lake_sample_finds_rows_on_the_sample_trail() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/slt/sample_lake.slt");
    let text = std::fs::read_to_string(&path).unwrap();
    let engine = crate::engine(crate::sample_lake());
    let (mut seen, mut empty) = (Vec::new(), Vec::new());
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(title) = line.strip_prefix("# ") else {
            continue;
        };
        let Some(n) = title.split(' ').next().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        // Comments may follow the title, then the record: `query …`, the SQL, `----`.
        let mut record = lines.by_ref().skip_while(|l| l.starts_with('#'));
        assert!(
            record.next().is_some_and(|l| l.starts_with("query ")),
            "sample {title}: no query follows"
        );
        let sql = record
            .by_ref()
            .take_while(|l| *l != "----")
            .collect::<Vec<_>>()
            .join("\n");
        let out = engine
            .run(&sql)
            .await
            .unwrap_or_else(|e| panic!("sample {title}: {e}"));
        let last = out
            .last()
            .unwrap_or_else(|| panic!("sample {title}: no result"));
        let rows = trailhound_query::output::text_rows(&last.batches).unwrap();
        let counted = sql
            .to_ascii_lowercase()
            .starts_with("select count(*) from (");
        if rows.is_empty() || (counted && rows[0][0] == "0") {
            empty.push(title.to_string());
        }
        seen.push(n);
    }
    assert_eq!(
        seen,
        (1..=26).collect::<Vec<u32>>(),
        "the samples of {}",
        path.display()
    );
    assert!(
        empty.is_empty(),
        "CloudTrail Lake samples that find nothing on the sample trail: {empty:?}"
    );
}
