//! The query crate's sqllogictest suites (`crates/trailhound-query/tests/slt`) on a cluster:
//! the same files, the same expected rows, every statement planned here and run by the
//! executors. `sample_*` files run on the sample archive's lake, `real_*` on the real corpus's.

use std::path::PathBuf;
use std::sync::Arc;

use trailhound_cluster::{Cluster, ClusterUrl};
use trailhound_query::{Engine, EngineOptions};

use trailhound_testkit::slt::{suite_files, Db};
use trailhound_testkit::{real_lake, sample_lake};

async fn run_suites(prefix: &str, lake: PathBuf, url: &ClusterUrl) {
    for f in suite_files(prefix) {
        let (lake, url) = (lake.clone(), url.clone());
        let mut runner = sqllogictest::Runner::new(move || {
            let (lake, url) = (lake.clone(), url.clone());
            async move {
                let remote: Arc<dyn trailhound_query::Remote> = Cluster::connect(url).unwrap();
                let engine = Engine::new(&EngineOptions {
                    lake: Some(lake.into()),
                    remote: Some(remote),
                    ..Default::default()
                })
                .unwrap();
                assert!(engine.is_remote());
                Ok(Db(engine))
            }
        });
        if let Err(e) = runner.run_file_async(&f).await {
            panic!("{} on the cluster: {e}", f.display());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_sql_suites_give_the_same_rows_on_a_cluster() {
    let url = crate::trailhound_cluster(2).await;
    run_suites("sample_", sample_lake().to_path_buf(), &url).await;
    run_suites("real_", real_lake().to_path_buf(), &url).await;
}
