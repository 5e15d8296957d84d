//! A cluster of real processes on 127.0.0.1: one `trailhound scheduler`, two `trailhound
//! executor`s, started and stopped here. Queries, saved detections, lookups, cost and raw-log
//! scans give the same
//! rows through `--cluster` as locally; an unreachable scheduler and a lost executor give one
//! clear line at most.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{bin, repo_root, run, sample_lake, text};

/// One cluster at a time: on two cores, concurrent clusters miss their registration deadlines.
static ONE_CLUSTER: Mutex<()> = Mutex::new(());

/// A child process killed when dropped, its standard error kept for failure messages.
struct Proc {
    child: Child,
    log: PathBuf,
}

impl Proc {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Loopback {
    scheduler: Proc,
    executors: Vec<Proc>,
    url: String,
    /// The scheduler's port (gRPC and HTTP).
    port: u16,
    _dir: tempfile::TempDir,
}

impl Loopback {
    fn logs(&self) -> String {
        let mut s = format!("scheduler:\n{}", tail(&self.scheduler.log()));
        for (i, e) in self.executors.iter().enumerate() {
            s += &format!("\nexecutor {i}:\n{}", tail(&e.log()));
        }
        s
    }
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// Starts trailhound in the environment `env` sets up (an executor's own S3 credentials).
fn spawn_in(
    args: &[&dyn AsRef<std::ffi::OsStr>],
    log: PathBuf,
    env: impl Fn(&mut std::process::Command),
) -> Proc {
    let err = std::fs::File::create(&log).unwrap();
    let mut cmd = bin();
    env(&mut cmd);
    let child = cmd
        .args(args.iter().map(|a| a.as_ref()))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(err)
        .spawn()
        .expect("start trailhound");
    Proc { child, log }
}

/// A port whose successor is free too (an executor takes both).
fn free_port_pair() -> u16 {
    loop {
        let a = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = a.local_addr().unwrap().port();
        if port < 65535 && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}

/// `GET path` on the scheduler's HTTP port: the status code.
fn http_status(port: u16, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut line = String::new();
    BufReader::new(s).read_line(&mut line).ok()?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn start(executors: usize) -> Loopback {
    start_in(executors, |_| {})
}

/// A cluster whose scheduler and executors run in the environment `env` sets up.
fn start_in(executors: usize, env: impl Fn(&mut std::process::Command)) -> Loopback {
    let dir = tempfile::tempdir().unwrap();
    let scheduler = spawn_in(
        &[
            &"scheduler",
            &"--bind",
            &"127.0.0.1:0",
            &"--ready-executors",
            &executors.to_string(),
            // Executors beat every second: one silent for 5 is lost.
            &"--executor-timeout",
            &"5",
        ],
        dir.path().join("scheduler.log"),
        &env,
    );
    // The scheduler binds any free port and says which.
    let deadline = Instant::now() + Duration::from_secs(60);
    let port = loop {
        let log = scheduler.log();
        if let Some(addr) = log
            .lines()
            .find_map(|l| l.strip_prefix("trailhound scheduler listening on "))
        {
            break addr
                .rsplit(':')
                .next()
                .unwrap()
                .trim()
                .parse::<u16>()
                .unwrap();
        }
        assert!(Instant::now() < deadline, "no scheduler:\n{log}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut procs = Vec::new();
    for i in 0..executors {
        let work = dir.path().join(format!("work-{i}"));
        std::fs::create_dir_all(&work).unwrap();
        procs.push(spawn_in(
            &[
                &"executor",
                &"--scheduler",
                &format!("127.0.0.1:{port}"),
                &"--bind",
                &format!("127.0.0.1:{}", free_port_pair()),
                &"--concurrency",
                &"2",
                &"--heartbeat",
                &"1",
                &"--work-dir",
                &work,
            ],
            dir.path().join(format!("executor-{i}.log")),
            &env,
        ));
    }
    let cluster = Loopback {
        scheduler,
        executors: procs,
        url: format!("df://127.0.0.1:{port}"),
        port,
        _dir: dir,
    };
    // Ready when every executor has registered.
    let deadline = Instant::now() + Duration::from_secs(120);
    while http_status(port, "/readyz") != Some(200) {
        assert!(
            Instant::now() < deadline,
            "executors did not register:\n{}",
            cluster.logs()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    cluster
}

/// A trailhound process running, its output gathered as it comes.
struct Running {
    child: Child,
    shown: Vec<String>,
    out: std::thread::JoinHandle<String>,
    err: std::thread::JoinHandle<String>,
}

fn launch(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Running {
    let mut child = bin()
        .args(args.iter().map(|a| a.as_ref()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let gather = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let out = gather(Box::new(child.stdout.take().unwrap()));
    let err = gather(Box::new(child.stderr.take().unwrap()));
    let shown = args
        .iter()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect();
    Running {
        child,
        shown,
        out,
        err,
    }
}

impl Running {
    fn finished(&mut self) -> bool {
        self.child.try_wait().unwrap().is_some()
    }

    /// Waits up to `secs`: a hung query fails the test instead of the whole run.
    fn wait(mut self, secs: u64) -> (Option<i32>, String, String) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("trailhound {:?} took over {secs} s", self.shown);
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        (
            status.code(),
            self.out.join().unwrap(),
            self.err.join().unwrap(),
        )
    }
}

/// Runs trailhound with a deadline.
fn run_within(args: &[&dyn AsRef<std::ffi::OsStr>], secs: u64) -> (Option<i32>, String, String) {
    launch(args).wait(secs)
}

/// The same command locally and on the cluster: the same output.
fn same_both_ways(cluster: &Loopback, args: &[&dyn AsRef<std::ffi::OsStr>]) -> String {
    both_ways(cluster, args, false)
}

/// The same command locally and on the cluster: the same lines, byte for byte, in any order
/// (for outputs where rows tie on every ORDER BY key: the real corpus holds copies of AWS's
/// documentation samples that share event IDs and times, and ties have no defined order).
fn same_rows_both_ways(cluster: &Loopback, args: &[&dyn AsRef<std::ffi::OsStr>]) -> String {
    both_ways(cluster, args, true)
}

fn both_ways(cluster: &Loopback, args: &[&dyn AsRef<std::ffi::OsStr>], any_order: bool) -> String {
    let local = run(args);
    assert!(local.status.success(), "{}", text(&local.stderr));
    let mut remote: Vec<&dyn AsRef<std::ffi::OsStr>> = args.to_vec();
    remote.push(&"--cluster");
    remote.push(&cluster.url);
    let (code, out, err) = run_within(&remote, 180);
    assert_eq!(code, Some(0), "{err}\n{}", cluster.logs());
    let shown: Vec<_> = args.iter().map(|a| a.as_ref().to_string_lossy()).collect();
    let here = text(&local.stdout);
    if any_order {
        let lines = |s: &str| {
            let mut v: Vec<String> = s.lines().map(str::to_string).collect();
            v.sort();
            v
        };
        assert_eq!(lines(&out), lines(&here), "{shown:?}");
    } else {
        assert_eq!(out, here, "{shown:?}");
    }
    out
}

const QUERIES: &[&str] = &[
    // A shuffle: grouped on the executors, merged, sorted.
    "SELECT eventsource, eventname, count(*) AS n FROM cloudtrail GROUP BY 1, 2 ORDER BY n DESC, 1, 2",
    // trailhound's functions, two of them replacing DataFusion's built-ins of the same name.
    "SELECT eventid, replace(eventname, 'Describe', 'D') AS r, element_at(string_to_array(eventsource, '.'), 1) AS s, \
     json_extract_scalar(requestparameters, '$.bucketName') AS b, ip_in_cidr(sourceipaddress, '10.0.0.0/8') AS internal \
     FROM cloudtrail ORDER BY eventid LIMIT 200",
    // A join of the table with itself, and a window.
    "SELECT a.eventsource, count(*) AS n FROM cloudtrail a JOIN (SELECT DISTINCT eventsource FROM cloudtrail WHERE errorcode IS NOT NULL) b ON a.eventsource = b.eventsource GROUP BY 1 ORDER BY 2 DESC, 1",
    "SELECT eventid, row_number() OVER (PARTITION BY eventsource ORDER BY eventtime, eventid) AS k FROM cloudtrail ORDER BY eventid LIMIT 100",
    // One day, pruned by `eventtime` bounds.
    "SELECT count(*) AS n, min(eventtime) AS first FROM cloudtrail WHERE eventtime >= TIMESTAMP '2024-08-01 00:00:00' AND eventtime < TIMESTAMP '2024-08-02 00:00:00'",
    // Lists of structs unnested, and the manifest's table.
    "SELECT r.type AS t, count(*) AS n FROM cloudtrail CROSS JOIN UNNEST(resources) AS u(r) GROUP BY 1 ORDER BY 2 DESC, 1",
    "SELECT status, count(*) AS n, sum(records_out) AS events FROM sources GROUP BY 1 ORDER BY 1",
];

#[test]
fn a_loopback_cluster_answers_like_this_machine() {
    let _one = ONE_CLUSTER.lock().unwrap_or_else(|p| p.into_inner());
    let cluster = start(2);
    let lake = sample_lake();
    for q in QUERIES {
        let out = same_both_ways(&cluster, &[&"sql", &lake, &"-c", q, &"--format", &"csv"]);
        assert!(out.lines().count() > 1, "{q}: nothing came back: {out}");
    }
    // Raw logs, read by the executors themselves.
    let raw = repo_root().join("testdata/sample-trail");
    same_both_ways(
        &cluster,
        &[
            &"sql",
            &"--raw",
            &raw,
            &"-c",
            &"SELECT eventname, count(*) AS n, count(DISTINCT account) AS accounts FROM cloudtrail_raw GROUP BY 1 ORDER BY 2 DESC, 1",
            &"--format",
            &"csv",
        ],
    );
    // The whole catalog of saved queries, category by category, on the sample and on the real
    // corpus: the same findings, byte for byte.
    let real = tempfile::tempdir().unwrap();
    let real_lake = real.path().join("lake");
    let out = run(&[&"convert", &"-q", &crate::real_logs_dir(), &real_lake]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Each lake with an address and a principal it has.
    for (lake, ip, principal, any_order) in [
        (
            lake,
            "ip=4.96.204.0/24",
            "principal=arn:aws:sts::444455556666:assumed-role/OrganizationAccountAccessRole/organizationaccountaccessrole-15bb62",
            false,
        ),
        (real_lake.as_path(), "ip=1.2.3.4", "principal=Alice", true),
    ] {
        let compare = if any_order {
            same_rows_both_ways
        } else {
            same_both_ways
        };
        for category in ["compliance", "cost", "threats"] {
            let out = compare(
                &cluster,
                &[
                    &"run",
                    &"--category",
                    &category,
                    &"--lake",
                    &lake,
                    &"--from",
                    &"1970-01-01",
                    &"--until",
                    &"2100-01-01",
                    &"--format",
                    &"csv",
                ],
            );
            assert!(out.lines().count() > 10, "{category}: {out}");
        }
        // The investigation queries, with the parameters they need.
        for (query, param) in [
            ("destructive-actions", None),
            ("ip-activity", Some(ip)),
            ("principal-activity", Some(principal)),
            ("resource-changes", Some("resource=sg-")),
        ] {
            let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
                &"run",
                &query,
                &"--lake",
                &lake,
                &"--since",
                &"100000d",
                &"--format",
                &"json",
            ];
            if let Some(p) = &param {
                args.push(&"-p");
                args.push(p);
            }
            let out = compare(&cluster, &args);
            assert!(out.lines().count() > 1, "{query}: {out}");
        }
    }
    same_both_ways(
        &cluster,
        &[
            &"lookup",
            &lake,
            &"--lookup-attributes",
            &"AttributeKey=EventName,AttributeValue=ConsoleLogin",
        ],
    );
    same_both_ways(
        &cluster,
        &[
            &"cost",
            &lake,
            &"--selectors",
            &repo_root().join("testdata/selectors/basic.json"),
        ],
    );
}

/// An executor lost before a query, once the scheduler has noticed (its `/readyz` no longer
/// counts it): the query runs on the executor left, with the local answer.
#[test]
fn an_executor_lost_between_queries_leaves_the_answer_unchanged() {
    let _one = ONE_CLUSTER.lock().unwrap_or_else(|p| p.into_inner());
    let mut cluster = start(2);
    let lake = sample_lake();
    let q = "SELECT eventname, count(*) AS n FROM cloudtrail GROUP BY 1 ORDER BY 2 DESC, 1";
    let local = run(&[&"sql", &lake, &"-c", &q, &"--format", &"csv"]);
    drop(cluster.executors.remove(0));
    let deadline = Instant::now() + Duration::from_secs(60);
    while http_status(cluster.port, "/readyz") == Some(200) {
        assert!(
            Instant::now() < deadline,
            "the loss went unnoticed:\n{}",
            cluster.logs()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let (code, out, err) = csv_on(&cluster, lake, q).wait(180);
    assert_eq!(code, Some(0), "{err}\n{}", cluster.logs());
    assert_eq!(out, text(&local.stdout), "{err}");
}

/// `trailhound sql LAKE -c Q --format csv` on `cluster`, started.
fn csv_on(cluster: &Loopback, lake: &Path, q: &str) -> Running {
    launch(&[
        &"sql",
        &lake,
        &"-c",
        &q,
        &"--format",
        &"csv",
        &"--cluster",
        &cluster.url,
    ])
}

/// A nested-loop join of the table with itself: several seconds of work in every stage.
const LONG_QUERY: &str = "SELECT a.eventsource, count(*) AS n FROM cloudtrail a JOIN cloudtrail b \
    ON a.eventsource <> b.eventsource \
    WHERE regexp_like(a.eventid || b.eventid, '[0-9][a-f][0-9][a-f]') GROUP BY 1 ORDER BY 1";

/// [`LONG_QUERY`] on `cluster`, and its first executor killed 2.5 s into it (checked still
/// running).
fn long_query_losing_an_executor(cluster: &mut Loopback, lake: &Path) -> Running {
    let mut query = csv_on(cluster, lake, LONG_QUERY);
    std::thread::sleep(Duration::from_millis(2500));
    assert!(
        !query.finished(),
        "the query ended before an executor was lost: make it longer"
    );
    drop(cluster.executors.remove(0));
    query
}

/// Waits until the scheduler says it failed a job for a lost executor.
fn wait_for_failed_job(cluster: &Loopback) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cluster.scheduler.log().contains("was lost while it ran") {
        assert!(
            Instant::now() < deadline,
            "no job failed:\n{}",
            cluster.logs()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Ballista 55 re-runs a whole stage when an executor holding part of its input is lost, and
/// the next stage keeps the outputs it already had from the first run: a join's counts came
/// back half as large again, with exit 0. trailhound's scheduler fails such a query instead,
/// says so, and the client runs it once more on the executors left: the local answer, exit 0.
#[test]
fn an_executor_lost_during_a_query_never_changes_its_answer() {
    let _one = ONE_CLUSTER.lock().unwrap_or_else(|p| p.into_inner());
    let mut cluster = start(2);
    let lake = sample_lake();
    let local = run(&[&"sql", &lake, &"-c", &LONG_QUERY, &"--format", &"csv"]);
    assert!(local.status.success(), "{}", text(&local.stderr));
    let query = long_query_losing_an_executor(&mut cluster, lake);
    let (code, out, err) = query.wait(240);
    assert_eq!(code, Some(0), "{err}\n{}", cluster.logs());
    assert_eq!(out, text(&local.stdout), "{err}");
    assert!(
        cluster.scheduler.log().contains("was lost while it ran"),
        "{}",
        cluster.logs()
    );
    assert!(
        err.contains("warning: an executor was lost during the query; running it again"),
        "{err}"
    );
}

/// The retry runs once: executors lost during the query and again during its retry fail it
/// with one error line saying so (after the warning that it ran again), never a partial answer.
/// Two executors: the first is lost during the query, the one left during the retry, whose job
/// the scheduler then fails as it failed the first (it does not wait for executors that will
/// not come).
#[test]
fn executors_lost_again_during_the_retry_fail_the_query() {
    let _one = ONE_CLUSTER.lock().unwrap_or_else(|p| p.into_inner());
    let mut cluster = start(2);
    let lake = sample_lake();
    let mut query = long_query_losing_an_executor(&mut cluster, lake);
    wait_for_failed_job(&cluster);
    // The client has sent the query again, to the executor left; lose it while it runs.
    std::thread::sleep(Duration::from_millis(1000));
    assert!(!query.finished(), "the retry ended before the second loss");
    drop(cluster.executors.remove(0));
    let (code, out, err) = query.wait(240);
    assert_eq!(code, Some(1), "{out}\n{err}\n{}", cluster.logs());
    assert!(out.is_empty(), "{out}");
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(
        errors[0].contains("were lost during the query and again during its retry"),
        "{err}\n{}",
        cluster.logs()
    );
}

/// A lake in S3 (moto's server on loopback): the scheduler and each executor open it with their
/// own credentials (their environment; the plan carries none), and the answers are the local
/// disk's.
#[test]
fn a_lake_in_s3_answers_on_a_cluster_as_on_disk() {
    let _one = ONE_CLUSTER.lock().unwrap_or_else(|p| p.into_inner());
    let server = trailhound_testkit::moto::S3Server::start();
    assert_eq!(server.request("PUT", "/lakes", b""), 200, "create bucket");
    assert!(server.upload(sample_lake(), "lakes", "sample") > 0);
    let endpoint = server.endpoint();
    let in_s3 = |cmd: &mut std::process::Command| crate::s3::env(cmd, &endpoint);
    let cluster = start_in(2, in_s3);
    let lake = "s3://lakes/sample";
    for q in QUERIES {
        let on_disk = run(&[&"sql", &sample_lake(), &"-c", q, &"--format", &"csv"]);
        assert!(on_disk.status.success(), "{}", text(&on_disk.stderr));
        let mut cmd = bin();
        in_s3(&mut cmd);
        let out = cmd
            .args(["sql", lake, "-c", q, "--format", "csv", "--cluster"])
            .arg(&cluster.url)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{q}: {}\n{}",
            text(&out.stderr),
            cluster.logs()
        );
        assert_eq!(text(&out.stdout), text(&on_disk.stdout), "{q}");
    }
    let jobs_before_catalog = cluster.scheduler.log().matches("\njob ").count();
    // The whole catalog, category by category: the local disk's findings, byte for byte.
    for category in ["compliance", "cost", "threats"] {
        let window = [
            "--from",
            "1970-01-01",
            "--until",
            "2100-01-01",
            "--format",
            "csv",
        ];
        let on_disk = bin()
            .args(["run", "--category", category, "--lake"])
            .arg(sample_lake())
            .args(window)
            .output()
            .unwrap();
        assert!(on_disk.status.success(), "{}", text(&on_disk.stderr));
        let mut cmd = bin();
        in_s3(&mut cmd);
        let out = cmd
            .args(["run", "--category", category, "--lake", lake])
            .args(window)
            .args(["--cluster", &cluster.url])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{category}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout), text(&on_disk.stdout), "{category}");
        assert!(text(&out.stdout).lines().count() > 10, "{category}");
    }
    assert!(cluster.scheduler.log().matches("\njob ").count() > jobs_before_catalog);
    // The scheduler says what each job moved: a grouping shuffles, every job has a result.
    let log = cluster.scheduler.log();
    let moved: Vec<(u64, u64)> = log
        .lines()
        .filter_map(|l| {
            let (_, summary) = l.strip_prefix("job ")?.split_once(": ")?;
            let n = |unit: &str| -> Option<u64> {
                let before = summary.split(unit).next()?;
                before.rsplit(", ").next()?.trim().parse().ok()
            };
            Some((n(" bytes shuffled")?, n(" bytes of results")?))
        })
        .collect();
    assert!(moved.len() > QUERIES.len(), "{log}");
    assert!(moved.iter().all(|&(_, result)| result > 0), "{log}");
    assert!(moved[0].0 > 0, "the grouping shuffled nothing? {log}");
}

#[test]
fn an_unreachable_scheduler_is_one_line_naming_it() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("df://127.0.0.1:{port}");
    let out = run(&[
        &"sql",
        &sample_lake(),
        &"-c",
        &"SELECT 1",
        &"--cluster",
        &url,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("cannot reach the scheduler at {url}")),
        "{err}"
    );
    // And from the environment, and a URL that is none.
    let out = bin()
        .args(["sql", "-c", "SELECT 1"])
        .arg(sample_lake())
        .env("TRAILHOUND_CLUSTER", "http://127.0.0.1:1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("df://HOST:PORT"),
        "{}",
        text(&out.stderr)
    );
}
