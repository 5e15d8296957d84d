//! Integration tests of the query engine: SQL behaviour as sqllogictest files over the sample
//! archive and the real corpus, pruning proven by plan metrics, the raw-log table, lookups.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod lookup;
mod principals;
mod pruning;
mod raw;
mod saved;
mod sigma;
mod slt;
mod stratus;

use trailhound_query::Engine;
pub use trailhound_testkit::{
    converted, engine, real_lake, sample_lake, sample_trail, small_row_groups,
};

/// The single value of a one-row, one-column query, as text.
pub async fn scalar(e: &Engine, sql: &str) -> String {
    let r = e.run(sql).await.unwrap();
    let rows = trailhound_query::output::text_rows(&r[0].batches).unwrap();
    assert_eq!(rows.len(), 1, "{sql}");
    rows[0][0].clone()
}
