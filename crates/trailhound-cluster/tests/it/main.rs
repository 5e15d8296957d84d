//! A cluster in this process on 127.0.0.1: trailhound's scheduler and executor answer as the
//! engine does locally (raw-log scans shipped to the executor included), and a stock Ballista
//! executor, which lacks trailhound's functions, is refused with a clear message instead of
//! answering differently.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic by design

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use trailhound_cluster::executor::ExecutorOptions;
use trailhound_cluster::scheduler::SchedulerOptions;
use trailhound_cluster::{Cluster, ClusterUrl};
use trailhound_query::arrow::util::pretty::pretty_format_batches;
use trailhound_query::{Engine, EngineOptions, Remote};
use trailhound_store::Locator;

mod slt;

use trailhound_testkit::sample_trail;

fn free_port_pair() -> u16 {
    loop {
        let a = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = a.local_addr().unwrap().port();
        if port < 65535 && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}

/// Starts a scheduler on a free port; its URL.
async fn scheduler(ready: usize) -> ClusterUrl {
    let (tx, rx) = tokio::sync::oneshot::channel::<SocketAddr>();
    let opts = SchedulerOptions {
        bind: "127.0.0.1:0".parse().unwrap(),
        external_host: None,
        ready_executors: ready,
        executor_timeout_seconds: 30,
        s3: Default::default(),
    };
    tokio::spawn(async move {
        let r = trailhound_cluster::scheduler::serve(
            opts,
            trailhound_cluster::notice::ignored(),
            |a| {
                let _ = tx.send(a);
            },
        )
        .await;
        panic!("scheduler ended: {r:?}");
    });
    let addr = rx.await.unwrap();
    ClusterUrl {
        host: "127.0.0.1".into(),
        port: addr.port(),
    }
}

/// Waits until `/readyz` says the scheduler has its executors.
async fn ready(url: &ClusterUrl) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = tokio::task::spawn_blocking({
            let port = url.port;
            move || {
                use std::io::{BufRead, BufReader, Write};
                let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
                write!(
                    s,
                    "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                )
                .ok()?;
                let mut line = String::new();
                BufReader::new(s).read_line(&mut line).ok()?;
                line.split_whitespace().nth(1)?.parse::<u16>().ok()
            }
        })
        .await
        .unwrap();
        if status == Some(200) {
            return;
        }
        assert!(Instant::now() < deadline, "no executor registered");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn engine(remote: Option<Arc<dyn Remote>>) -> Engine {
    Engine::new(&EngineOptions {
        raw: Some(Locator::Local(sample_trail())),
        remote,
        ..Default::default()
    })
    .unwrap()
}

async fn answer(e: &Engine, sql: &str) -> Result<String, String> {
    let out = e.run(sql).await.map_err(|e| e.to_string())?;
    let batches: Vec<_> = out.into_iter().flat_map(|o| o.batches).collect();
    Ok(pretty_format_batches(&batches).unwrap().to_string())
}

const QUERIES: &[&str] = &[
    "SELECT eventname, count(*) AS n, count(DISTINCT account) AS a FROM cloudtrail_raw GROUP BY 1 ORDER BY 2 DESC, 1",
    "SELECT eventid, replace(eventname, 'Describe') AS r, element_at(string_to_array(eventsource, '.'), 1) AS s, \
     json_extract_scalar(requestparameters, '$.bucketName') AS b FROM cloudtrail_raw ORDER BY eventid LIMIT 50",
    "SELECT date, count(*) AS n FROM cloudtrail_raw WHERE eventtime >= TIMESTAMP '2024-08-01 00:00:00' GROUP BY 1 ORDER BY 1",
];

/// A scheduler and `executors` trailhound executors in this process, registered; its URL.
pub async fn trailhound_cluster(executors: usize) -> ClusterUrl {
    let url = scheduler(executors).await;
    for _ in 0..executors {
        let exec = ExecutorOptions {
            scheduler: url.clone(),
            bind: format!("127.0.0.1:{}", free_port_pair()).parse().unwrap(),
            external_host: None,
            concurrency: Some(2),
            work_dir: Some(tempfile::tempdir().unwrap().keep().display().to_string()),
            memory_limit: None,
            heartbeat_seconds: 1,
            s3: Default::default(),
        };
        tokio::spawn(async move {
            let r = trailhound_cluster::executor::serve(exec).await;
            panic!("executor ended: {r:?}");
        });
    }
    ready(&url).await;
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn trailhound_executors_answer_like_the_engine_and_stock_ones_are_refused() {
    // trailhound's own cluster.
    let url = trailhound_cluster(1).await;
    let local = engine(None);
    let remote = engine(Some(Cluster::connect(url).unwrap()));
    assert!(remote.is_remote());
    for q in QUERIES {
        let here = answer(&local, q).await.unwrap();
        let there = answer(&remote, q).await.unwrap();
        assert_eq!(there, here, "{q}");
        assert!(here.lines().count() > 5, "{q}: {here}");
    }
    // `information_schema` describes this session: it is answered here.
    let tables = answer(&remote, "SHOW TABLES").await.unwrap();
    assert!(tables.contains("cloudtrail_raw"), "{tables}");

    // A stock Ballista executor: DataFusion's functions only, Ballista's codec.
    let url = scheduler(1).await;
    let port = free_port_pair();
    let stock = ExecutorProcessConfig {
        port,
        grpc_port: port + 1,
        scheduler_host: "127.0.0.1".into(),
        scheduler_port: url.port,
        vcores: 1,
        executor_heartbeat_interval_seconds: 1,
        work_dir: Some(tempfile::tempdir().unwrap().keep().display().to_string()),
        ..Default::default()
    };
    tokio::spawn(async move {
        let _ = start_executor_process(Arc::new(stock)).await;
    });
    ready(&url).await;
    let remote = engine(Some(Cluster::connect(url.clone()).unwrap()));
    let q = "SELECT replace(column1, 'b') AS r FROM (VALUES ('abc'), ('bcd')) ORDER BY 1";
    assert_eq!(
        answer(&local, q)
            .await
            .unwrap()
            .lines()
            .nth(3)
            .unwrap()
            .trim(),
        "| ac |"
    );
    let err = answer(&remote, q).await.unwrap_err();
    assert!(
        err.contains(&format!("the executors of {url} could not run the plan")),
        "{err}"
    );
}

#[test]
fn an_unreachable_scheduler_is_named() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = ClusterUrl::parse(&format!("df://127.0.0.1:{port}")).unwrap();
    let err = Cluster::connect(url.clone()).unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("cannot reach the scheduler at {url}: ")),
        "{err}"
    );
}
