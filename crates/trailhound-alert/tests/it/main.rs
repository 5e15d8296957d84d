//! Integration tests of alerting: CloudWatch filter patterns compiled to SQL and run on the
//! sample lake, against the saved CIS queries and hand-made events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod patterns;

use trailhound_query::Engine;
pub use trailhound_testkit::{
    converted, engine, real_lake, repo_root, sample_lake, small_row_groups,
};

/// The single value of a one-row, one-column query, as text.
pub async fn scalar(e: &Engine, sql: &str) -> String {
    let r = e.run(sql).await.unwrap();
    let rows = trailhound_query::output::text_rows(&r[0].batches).unwrap();
    assert_eq!(rows.len(), 1, "{sql}");
    rows[0][0].clone()
}
