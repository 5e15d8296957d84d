//! A lake in S3, against a real S3-compatible server on 127.0.0.1 (moto's, started and stopped
//! here; `.ci/run` installs it): queries read it through object_store with the same answers as
//! the local lake, a one-day query opens only that day's objects, and an unreachable endpoint or
//! a missing bucket is one clear line.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use trailhound_query::{Engine, EngineOptions};
use trailhound_testkit::moto::S3Server;

use crate::{run, sample_lake, text};

/// `tests/it/s3_proxy.py` in front of a server: injects faults, denies writes, counts requests.
struct Proxy {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Proxy {
    fn start(upstream: &S3Server, args: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port_file = dir.path().join("port");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/s3_proxy.py");
        let child = Command::new("python3")
            .arg(script)
            .arg(upstream.port.to_string())
            .arg(&port_file)
            .args(args)
            .stdout(Stdio::null())
            .spawn()
            .expect("python3");
        let start = Instant::now();
        let port = loop {
            if let Ok(p) = std::fs::read_to_string(&port_file) {
                break p.trim().parse().unwrap();
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "proxy did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        Proxy {
            child,
            port,
            _dir: dir,
        }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// The proxy's `--counts` file: `KEY value` lines (empty when nothing was recorded yet).
fn proxy_counts(file: &Path) -> BTreeMap<String, u64> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.rsplit_once(' '))
        .map(|(k, v)| (k.to_string(), v.parse().unwrap()))
        .collect()
}

/// N in the `requests: N to the source, …` line of a convert run's summary.
fn source_requests(out: &str) -> u64 {
    out.lines()
        .find_map(|l| l.strip_prefix("requests: "))
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no requests line: {out}"))
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `trailhound convert -q SRC DEST` against `endpoint`: exit code, stdout, stderr.
fn convert(endpoint: &str, src: &str, dest: &str) -> (Option<i32>, String, String) {
    let mut cmd = crate::bin();
    cmd.args(["convert", "-q", src, dest]);
    env(&mut cmd, endpoint);
    let out = cmd.output().unwrap();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

/// Queries whose answers must not depend on where the lake is or how it was written.
const SAME_ANSWERS: [&str; 3] = [
    "SELECT count(*), count(DISTINCT eventid) FROM cloudtrail",
    "SELECT account, region, date, count(*) FROM cloudtrail GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    "SELECT eventname, count(*) FROM cloudtrail WHERE eventtime >= '2024-08-02' AND eventtime < '2024-08-03' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5",
];

/// Checks that `lake` (reached through `endpoint`) answers as the sample lake does.
fn answers_like_the_sample(endpoint: &str, lake: &str) {
    for q in SAME_ANSWERS {
        let (code, got, err) = sql(endpoint, lake, q);
        assert_eq!(code, Some(0), "{lake}: {q}: {err}");
        let want = run(&[&"sql", &sample_lake(), &"--format", &"csv", &"-c", &q]);
        assert_eq!(got, text(&want.stdout), "{lake}: {q}");
    }
}

#[test]
fn convert_from_and_to_s3() {
    let server = S3Server::start();
    let ep = server.endpoint();
    for b in ["archive", "lakes"] {
        assert_eq!(
            server.request("PUT", &format!("/{b}"), b""),
            200,
            "bucket {b}"
        );
    }
    let trail = crate::repo_root().join("testdata/sample-trail");
    // An organization trail's layout under a prefix; the last delivery day arrives later.
    let org = |rel: &str| rel.replace("AWSLogs/", "AWSLogs/o-abc123def4/");
    let early = server.upload_with(&trail, "archive", "org-trail", |rel| {
        (!rel.contains("/2024/08/06/")).then(|| org(rel))
    });
    let dir = tempfile::tempdir().unwrap();

    // S3 → local.
    let local = dir.path().join("from-s3");
    let (code, out, err) = convert(&ep, "s3://archive/org-trail", local.to_str().unwrap());
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.starts_with(&format!("converted {early} of {early} objects")),
        "{out}"
    );
    assert!(out.contains("requests: "), "{out}");

    // Local → S3.
    let (code, out, err) = convert(&ep, trail.to_str().unwrap(), "s3://lakes/from-local");
    assert_eq!(code, Some(0), "{out}{err}");
    answers_like_the_sample(&ep, "s3://lakes/from-local");
    // The lake in S3 is a plain Hive dataset: data files under cloudtrail/, the manifest
    // under _trailhound/log/, no staging left behind.
    let lake_keys = server.keys("lakes");
    assert!(lake_keys.iter().any(|k| k
        .starts_with("from-local/cloudtrail/account=111122223333/region=")
        && k.ends_with(".parquet")));
    assert!(lake_keys
        .iter()
        .any(|k| k == "from-local/_trailhound/log/0000000001.json"));
    assert!(
        !lake_keys.iter().any(|k| k.contains("staging")),
        "{lake_keys:?}"
    );

    // S3 → S3, then incrementally once the last day has arrived.
    let (code, out, err) = convert(&ep, "s3://archive/org-trail", "s3://lakes/org");
    assert_eq!(code, Some(0), "{out}{err}");
    let late = server.upload_with(&trail, "archive", "org-trail", |rel| {
        rel.contains("/2024/08/06/").then(|| org(rel))
    });
    assert!(late > 0);
    let (code, out, err) = convert(&ep, "s3://archive/org-trail", "s3://lakes/org");
    assert_eq!(code, Some(0), "{out}{err}");
    let listed: usize = out
        .split(" of ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(out.starts_with(&format!("converted {late} of ")), "{out}");
    assert!(
        listed < early + late,
        "the rerun lists only the last delivery days: {out}"
    );
    let (code, out, _) = convert(&ep, "s3://archive/org-trail", "s3://lakes/org");
    assert_eq!(code, Some(0));
    assert!(out.starts_with("converted 0 of "), "{out}");
    answers_like_the_sample(&ep, "s3://lakes/org");
    let (code, out, err) = sql(
        &ep,
        "s3://lakes/org",
        "SELECT status, count(*) FROM sources GROUP BY 1",
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        out,
        format!("status,count(*)\nconverted,{}\n", early + late)
    );

    // The raw logs in S3 answer as the same logs on disk (`--raw`), pruned by the key's day.
    for q in [
        "SELECT count(*), count(DISTINCT eventid) FROM cloudtrail_raw",
        "SELECT account, region, date, count(*) FROM cloudtrail_raw GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        "SELECT eventname, count(*) FROM cloudtrail_raw WHERE eventtime >= '2024-08-02' AND eventtime < '2024-08-03' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5",
    ] {
        let mut cmd = crate::bin();
        cmd.args(["sql", "--raw", "s3://archive/org-trail", "--format", "csv", "-c", q]);
        env(&mut cmd, &ep);
        let remote = cmd.output().unwrap();
        assert_eq!(remote.status.code(), Some(0), "{q}: {}", text(&remote.stderr));
        let local = run(&[&"sql", &"--raw", &trail, &"--format", &"csv", &"-c", &q]);
        assert_eq!(text(&remote.stdout), text(&local.stdout), "{q}");
        assert!(text(&local.stdout).lines().count() > 1, "{q}");
    }

    // Nothing was ever written under the source.
    assert_eq!(server.keys("archive").len(), early + late);
    let (code, _, err) = convert(&ep, "s3://archive/org-trail", "s3://archive/org-trail/lake");
    assert_eq!(code, Some(1));
    assert!(err.contains("lies inside the source"), "{err}");
}

#[test]
fn convert_through_faults_and_denied_writes() {
    let server = S3Server::start();
    for b in ["archive", "lakes"] {
        assert_eq!(
            server.request("PUT", &format!("/{b}"), b""),
            200,
            "bucket {b}"
        );
    }
    let trail = crate::repo_root().join("testdata/sample-trail");
    let n = server.upload(&trail, "archive", "t");
    let dir = tempfile::tempdir().unwrap();

    // Throttling, dropped connections and bodies cut short: retried within the run (the
    // proxy counts what it injected); a run that still fails on some objects keeps what it
    // did, and the next run converts the rest, once.
    let counts = dir.path().join("faulty-counts");
    let faulty = Proxy::start(
        &server,
        &[
            "--fail-every",
            "4",
            "--reset-every",
            "9",
            "--truncate-every",
            "5",
            "--counts",
            counts.to_str().unwrap(),
        ],
    );
    let lake = dir.path().join("lake");
    let (mut runs, mut failed_objects, mut asked) = (0, 0u64, 0);
    loop {
        runs += 1;
        let (code, out, err) =
            convert(&faulty.endpoint(), "s3://archive/t", lake.to_str().unwrap());
        asked += source_requests(&out);
        if code == Some(0) {
            break;
        }
        assert_eq!(code, Some(1), "{out}{err}");
        assert!(
            err.contains("running the same command again converts the rest"),
            "{err}"
        );
        failed_objects += err.lines().filter(|l| l.starts_with("failed: ")).count() as u64;
        assert!(runs < 4, "still failing after {runs} runs: {err}");
    }
    let c = proxy_counts(&counts);
    let got = |k: &str| c.get(k).copied().unwrap_or(0);
    for k in ["FAULT:503", "FAULT:reset", "FAULT:truncate"] {
        assert!(got(k) > 0, "{k} was never injected: {c:?}");
    }
    // Every object was read whole once, and each body cut short was fetched again.
    assert!(got("GET") >= n as u64 + got("FAULT:truncate"), "{c:?}");
    // Retries, not reruns, absorbed the faults: without them about one object fails per fault.
    let faults = got("FAULT:503") + got("FAULT:reset") + got("FAULT:truncate");
    assert!(
        failed_objects * 5 < faults,
        "{failed_objects} objects failed for {faults} faults in {runs} runs: {c:?}"
    );
    // trailhound counts the reads it asks for; the proxy saw more requests (a truncated GET is
    // also a GET): the store retried below trailhound.
    let seen = got("GET") + got("LIST") + got("HEAD") + got("FAULT:503") + got("FAULT:reset");
    assert!(
        seen > asked,
        "the proxy saw {seen}, trailhound asked {asked}: {c:?}"
    );
    let lake = lake.to_str().unwrap().to_string();
    answers_like_the_sample(&server.endpoint(), &lake);
    let (_, out, _) = sql(&server.endpoint(), &lake, "SELECT count(*) FROM sources");
    assert_eq!(out, format!("count(*)\n{n}\n"));

    // Objects that keep failing: the run reports them and commits the rest; the next run
    // converts exactly those, although their day is older than the last one listed.
    let lake2 = dir.path().join("lake2");
    let broken_counts = dir.path().join("broken-counts");
    let broken = Proxy::start(
        &server,
        &[
            "--fail-path",
            "/2024/08/02/",
            "--counts",
            broken_counts.to_str().unwrap(),
        ],
    );
    let (code, out, err) = convert(
        &broken.endpoint(),
        "s3://archive/t",
        lake2.to_str().unwrap(),
    );
    assert_eq!(code, Some(1), "{out}{err}");
    let failed = err.lines().filter(|l| l.starts_with("failed: ")).count();
    assert!(failed > 0 && err.contains("/2024/08/02/"), "{err}");
    assert!(
        out.starts_with(&format!("converted {} of {n} objects", n - failed)),
        "{out}"
    );
    // Each of them was tried at least six times (five retries) before it was given up.
    let c = proxy_counts(&broken_counts);
    assert!(
        c.get("FAULT:500").copied().unwrap_or(0) >= 6 * failed as u64,
        "{failed} failed: {c:?}"
    );
    let (code, out, err) = convert(
        &server.endpoint(),
        "s3://archive/t",
        lake2.to_str().unwrap(),
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with(&format!("converted {failed} of ")), "{out}");
    answers_like_the_sample(&server.endpoint(), lake2.to_str().unwrap());

    // A read-only source is enough: writes to it are denied, and none is tried.
    let read_only_counts = dir.path().join("read-only-counts");
    let read_only = Proxy::start(
        &server,
        &[
            "--deny-write",
            "archive",
            "--counts",
            read_only_counts.to_str().unwrap(),
        ],
    );
    let (code, out, err) = convert(&read_only.endpoint(), "s3://archive/t", "s3://lakes/l");
    assert_eq!(code, Some(0), "{out}{err}");
    let c = proxy_counts(&read_only_counts);
    assert!(
        c.get("GET").copied().unwrap_or(0) >= n as u64 && !c.contains_key("FAULT:denied"),
        "{c:?}"
    );
    answers_like_the_sample(&server.endpoint(), "s3://lakes/l");

    // A lake the credentials may not write: one line naming the bucket and key, nothing lost.
    let denied_counts = dir.path().join("denied-counts");
    let denied = Proxy::start(
        &server,
        &[
            "--deny-write",
            "lakes",
            "--counts",
            denied_counts.to_str().unwrap(),
        ],
    );
    let (code, _, err) = convert(&denied.endpoint(), "s3://archive/t", "s3://lakes/other");
    assert_eq!(code, Some(1));
    assert!(
        proxy_counts(&denied_counts).contains_key("FAULT:denied"),
        "the write was refused by the proxy"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: s3://lakes/other/"), "{err}");
    assert!(err.contains("access denied"), "{err}");
    assert!(!server.keys("lakes").iter().any(|k| k.starts_with("other/")));
}

pub(crate) fn env(cmd: &mut Command, endpoint: &str) {
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env_remove("AWS_PROFILE");
}

fn sql(endpoint: &str, lake: &str, query: &str) -> (Option<i32>, String, String) {
    let mut cmd = crate::bin();
    cmd.args(["sql", lake, "--format", "csv", "-c", query]);
    env(&mut cmd, endpoint);
    let out = cmd.output().unwrap();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn query_a_lake_in_s3() {
    let server = S3Server::start();
    assert_eq!(server.request("PUT", "/trails", b""), 200, "create bucket");
    let uploaded = server.upload(sample_lake(), "trails", "team/lake");
    assert!(uploaded > 30);
    let lake = "s3://trails/team/lake";
    let queries = [
        "SELECT count(*) FROM cloudtrail",
        "SELECT account, region, count(*) FROM cloudtrail GROUP BY 1, 2 ORDER BY 1, 2",
        "SELECT eventname, count(*) FROM cloudtrail WHERE eventtime >= '2024-08-02' AND eventtime < '2024-08-03' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5",
    ];
    for q in queries {
        let (code, remote, err) = sql(&server.endpoint(), lake, q);
        assert_eq!(code, Some(0), "{q}: {err}");
        let local = run(&[&"sql", &sample_lake(), &"--format", &"csv", &"-c", &q]);
        assert_eq!(remote, text(&local.stdout), "{q}");
    }
    // Saved queries and lookups work on it too.
    let mut cmd = crate::bin();
    cmd.args([
        "run",
        "cis-4.10-security-group-changes",
        "--lake",
        lake,
        "--from",
        "2024-07-01",
        "--until",
        "2024-09-01",
        "--format",
        "csv",
    ]);
    env(&mut cmd, &server.endpoint());
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 46);

    // cost measures a lake in S3 as it measures the same lake on disk: log-file sizes come from
    // the manifest through the engine's `sources` table, so the dollars are the same and no
    // compression ratio is assumed.
    let selectors = crate::repo_root().join("testdata/selectors/production.json");
    let cost_args = |lake: &str| {
        vec![
            "cost".to_string(),
            lake.to_string(),
            "--selectors".into(),
            selectors.to_string_lossy().into_owned(),
            "--format".into(),
            "json".into(),
        ]
    };
    let mut cmd = crate::bin();
    cmd.args(cost_args(lake));
    env(&mut cmd, &server.endpoint());
    let remote = cmd.output().unwrap();
    assert!(remote.status.success(), "{}", text(&remote.stderr));
    let local = crate::bin()
        .args(cost_args(sample_lake().to_str().unwrap()))
        .output()
        .unwrap();
    assert!(local.status.success(), "{}", text(&local.stderr));
    let remote: serde_json::Value = serde_json::from_slice(&remote.stdout).unwrap();
    let local: serde_json::Value = serde_json::from_slice(&local.stdout).unwrap();
    assert_eq!(
        remote["sizes_measured"],
        serde_json::json!(true),
        "{remote}"
    );
    assert_eq!(remote, local);

    // Pruning: a one-day query opens that day's objects only.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let engine = {
        let _g = rt.enter();
        Engine::new(&EngineOptions {
            lake: Some(trailhound_store::Locator::parse(lake).unwrap()),
            s3: server.options(),
            ..Default::default()
        })
        .unwrap()
    };
    let day = rt
        .block_on(engine.scan_stats("SELECT count(*) FROM cloudtrail WHERE eventtime >= '2024-08-02' AND eventtime < '2024-08-03'"))
        .unwrap();
    let all = rt
        .block_on(engine.scan_stats("SELECT count(*) FROM cloudtrail WHERE eventname <> ''"))
        .unwrap();
    assert!(all.files_opened >= 30, "{all:?}");
    assert!(
        day.files_opened > 0 && day.files_opened * 4 < all.files_opened,
        "{day:?} vs {all:?}"
    );

    // A missing bucket, a prefix holding no lake, an unreachable endpoint: one line, exit 1.
    let (code, _, err) = sql(
        &server.endpoint(),
        "s3://no-such-bucket/lake",
        "SELECT count(*) FROM cloudtrail",
    );
    assert_eq!(code, Some(1));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: s3://no-such-bucket/lake: bucket not found"),
        "{err}"
    );
    let (code, _, err) = sql(
        &server.endpoint(),
        "s3://trails/team/elsewhere",
        "SELECT count(*) FROM cloudtrail",
    );
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with("error: s3://trails/team/elsewhere: not a trailhound lake"),
        "{err}"
    );
    let dead = format!(
        "http://127.0.0.1:{}",
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    );
    let started = Instant::now();
    let (code, _, err) = sql(&dead, lake, "SELECT count(*) FROM cloudtrail");
    assert_eq!(code, Some(1));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("endpoint unreachable"), "{err}");
    assert!(!err.contains("testing"), "no secret in errors: {err}");
    assert!(started.elapsed() < Duration::from_secs(60));
}

/// sha1("corp"), the SDK's token cache file name for the SSO session `corp`.
const CORP_SSO_CACHE: &str = "ee0bfd2552fbd840c02cc48b6e823320543c450f";

/// Credentials as the AWS CLI finds them, through the AWS SDK's own chain: a profile's static
/// keys; a role assumed with a source profile and an external id; `credential_process`, whose
/// short-lived keys are renewed during the run; an IAM Identity Center profile from the SDK's
/// token cache and a portal on loopback; a role that needs an MFA code, asked for on the
/// terminal and refused without one. Which keys signed what is read off the proxy in front
/// of moto; no message ever shows a secret.
#[test]
fn aws_sign_in_as_the_aws_cli_does_it() {
    let server = S3Server::start();
    assert_eq!(server.request("PUT", "/trails", b""), 200, "create bucket");
    assert!(server.upload(sample_lake(), "trails", "team/lake") > 30);
    let lake = "s3://trails/team/lake";
    let home = tempfile::tempdir().unwrap();
    let dir = home.path();
    let counts = dir.join("counts");
    let proxy = Proxy::start(
        &server,
        &[
            "--counts",
            counts.to_str().unwrap(),
            "--sso-token",
            "cached-portal-token",
        ],
    );
    let issued = dir.join("issued");
    let process = dir.join("creds.py");
    // Keys valid for two minutes (less than trailhound keeps in reserve), a new one per run:
    // `python3 creds.py ISSUED [fail]`.
    std::fs::write(
        &process,
        "import datetime, json, sys\n\
         with open(sys.argv[1], 'a+') as f:\n    f.write('x\\n'); f.seek(0); n = len(f.readlines())\n\
         if len(sys.argv) > 2: sys.exit('the vault is sealed')\n\
         t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=2)\n\
         print(json.dumps({'Version': 1, 'AccessKeyId': f'PROCKEY{n}', 'SecretAccessKey': 'proc-s3cr3t',\n\
         'SessionToken': 'tok', 'Expiration': t.isoformat()}))\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("credentials"),
        "[default]\naws_access_key_id = wrong\naws_secret_access_key = wrong\n\n[team]\naws_access_key_id = testing\naws_secret_access_key = s3cr3t-value\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("config"),
        format!(
            "[profile team]\nregion = eu-west-3\n\n\
             [profile svc]\naws_access_key_id = SVCKEY\naws_secret_access_key = s3cr3t-svc\nregion = us-east-1\nservices = local-s3\n\n\
             [services local-s3]\ns3 =\n  endpoint_url = {endpoint}\n\n\
             [profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = team\nexternal_id = ext-42\nrole_session_name = audit\nregion = us-east-1\n\n\
             [profile proc]\ncredential_process = python3 {p} {issued}\nregion = us-east-1\n\n\
             [profile broken]\ncredential_process = python3 {p} {issued} fail\n\n\
             [profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Auditor\nregion = us-east-1\n\n\
             [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n\
             [profile web]\nrole_arn = arn:aws:iam::123456789012:role/Ci\nweb_identity_token_file = {token}\nrole_session_name = ci-run\nregion = us-east-1\n\n\
             [profile envrole]\nrole_arn = arn:aws:iam::123456789012:role/FromEnv\ncredential_source = Environment\nregion = us-east-1\n\n\
             [profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = team\nmfa_serial = arn:aws:iam::123456789012:mfa/me\nregion = us-east-1\n",
            p = process.display(),
            issued = issued.display(),
            endpoint = proxy.endpoint(),
            token = dir.join("web-token").display()
        ),
    )
    .unwrap();
    std::fs::write(dir.join("web-token"), "eyJ.a-ci-oidc-token.sig").unwrap();
    let cache = dir.join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    std::fs::write(
        cache.join(format!("{CORP_SSO_CACHE}.json")),
        r#"{"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1", "accessToken": "cached-portal-token", "expiresAt": "2099-01-01T00:00:00Z"}"#,
    )
    .unwrap();
    let command = |profile: &str| {
        let mut cmd = crate::bin();
        cmd.args([
            "sql",
            lake,
            "--profile",
            profile,
            "--endpoint-url",
            &proxy.endpoint(),
        ])
        .args(["--format", "csv", "-c", "SELECT count(*) FROM cloudtrail"])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_ENDPOINT_URL")
        .env("HOME", dir)
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"))
        .env("AWS_CONFIG_FILE", dir.join("config"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // STS and the SSO portal on loopback, as the SDK's endpoint settings allow.
        .env("AWS_ENDPOINT_URL_STS", proxy.endpoint())
        .env("AWS_ENDPOINT_URL_SSO", proxy.endpoint());
        cmd
    };
    let seen = || -> Vec<(String, u64)> {
        let text = std::fs::read_to_string(&counts).unwrap_or_default();
        text.lines()
            .filter_map(|l| l.rsplit_once(' '))
            .map(|(k, v)| (k.to_string(), v.parse().unwrap()))
            .collect()
    };
    let with = |prefix: &str| -> Vec<String> {
        seen()
            .into_iter()
            .filter_map(|(k, _)| k.strip_prefix(prefix).map(str::to_string))
            .collect()
    };
    let check = |profile: &str| {
        let _ = std::fs::remove_file(&counts);
        let mut cmd = command(profile);
        if profile == "envrole" {
            cmd.env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "s3cr3t-value");
        }
        let out = cmd.output().unwrap();
        let err = text(&out.stderr);
        assert!(out.status.success(), "{profile}: {err}");
        assert!(!err.contains("s3cr3t"), "no secret in messages: {err}");
        assert_eq!(text(&out.stdout), "count(*)\n3013\n", "{profile}");
    };

    // Static keys of the profile, in the profile's region.
    check("team");
    assert_eq!(with("KEY:"), ["testing"]);
    assert_eq!(with("REGION:"), ["eu-west-3"]);

    // The S3 endpoint from the profile's `services` section when no flag names one.
    let _ = std::fs::remove_file(&counts);
    let flagged = command("svc");
    let mut from_profile = crate::bin();
    let args: Vec<_> = flagged.get_args().collect();
    for (i, a) in args.iter().enumerate() {
        let flag_or_value = *a == "--endpoint-url" || (i > 0 && args[i - 1] == "--endpoint-url");
        if !flag_or_value {
            from_profile.arg(a);
        }
    }
    for (k, v) in flagged.get_envs() {
        match v {
            Some(v) => from_profile.env(k, v),
            None => from_profile.env_remove(k),
        };
    }
    let out = from_profile.output().unwrap();
    assert_eq!(
        text(&out.stdout),
        "count(*)\n3013\n",
        "{}",
        text(&out.stderr)
    );
    assert_eq!(with("KEY:"), ["SVCKEY"]);

    // A role: STS AssumeRole signed with the source profile's keys, with its external id and
    // session name; every S3 request signed with the session's keys.
    check("admin");
    let sts = with("STS:");
    assert_eq!(sts.len(), 1, "{sts:?}");
    assert!(
        sts[0].starts_with("AssumeRole RoleArn=arn:aws:iam::123456789012:role/Admin RoleSessionName=audit ExternalId=ext-42"),
        "{sts:?}"
    );
    let keys = with("KEY:");
    assert!(
        keys.contains(&"testing".to_string()) && keys.len() == 2,
        "{keys:?}"
    );

    // Web identity (a CI job's OIDC token) and a role over the environment's keys.
    check("web");
    let sts = with("STS:");
    assert!(
        sts.len() == 1 && sts[0].starts_with("AssumeRoleWithWebIdentity RoleArn=arn:aws:iam::123456789012:role/Ci RoleSessionName=ci-run"),
        "{sts:?}"
    );
    check("envrole");
    let sts = with("STS:");
    assert!(
        sts.len() == 1
            && sts[0].starts_with("AssumeRole RoleArn=arn:aws:iam::123456789012:role/FromEnv"),
        "{sts:?}"
    );
    assert!(with("KEY:").contains(&"testing".to_string()));

    // credential_process: keys that expire within minutes are fetched again as the run goes.
    check("proc");
    let runs = std::fs::read_to_string(&issued).unwrap().lines().count();
    let keys = with("KEY:");
    assert!(runs >= 2, "the process ran {runs} times");
    assert!(
        keys.len() >= 2 && keys.iter().all(|k| k.starts_with("PROCKEY")),
        "{keys:?}"
    );

    // IAM Identity Center: the cached token is sent to the portal, whose role credentials sign.
    check("sso");
    assert_eq!(with("SSO:"), ["Auditor@111122223333"]);
    assert_eq!(with("KEY:"), ["ASIASSOSESSIONKEY"]);

    // MFA: the code is asked for on the terminal and sent with the AssumeRole call.
    let _ = std::fs::remove_file(&counts);
    let mut p = rexpect::session::spawn_command(command("mfa"), Some(30_000)).unwrap();
    p.exp_string("MFA code for arn:aws:iam::123456789012:mfa/me:")
        .unwrap();
    p.send_line("123456").unwrap();
    p.exp_string("3013").unwrap();
    p.exp_eof().unwrap();
    let sts = with("STS:");
    assert!(
        sts.len() == 1
            && sts[0].contains("SerialNumber=arn:aws:iam::123456789012:mfa/me TokenCode=123456"),
        "{sts:?}"
    );

    // Refusals: one line each, exit 1, naming the profile and never a secret.
    let mut no_terminal = Command::new("setsid");
    let cmd = command("mfa");
    no_terminal.arg(cmd.get_program()).args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => no_terminal.env(k, v),
            None => no_terminal.env_remove(k),
        };
    }
    for (mut cmd, want) in [
        (no_terminal, "profile mfa assumes a role with MFA (mfa_serial), which needs a code: there is no terminal to ask on"),
        (command("nowhere"), "profile nowhere is in neither ~/.aws/credentials nor ~/.aws/config"),
        (command("broken"), "the vault is sealed"),
    ] {
        let out = cmd.stdin(Stdio::null()).output().unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(want), "{err}");
        assert!(!err.contains("s3cr3t") && !err.contains("testing"), "{err}");
    }
}

/// A convert commit of files staged under `staging`: (lake-relative path, date) each.
fn staged_commit(
    version: u64,
    staging: &str,
    files: &[(&str, &str)],
) -> trailhound_convert::manifest::Commit {
    use trailhound_convert::manifest::DataFile;
    trailhound_convert::manifest::Commit {
        version,
        operation: "convert".into(),
        timestamp: 0,
        sources: Vec::new(),
        added: files
            .iter()
            .map(|(path, date)| DataFile {
                path: path.to_string(),
                dataset: "cloudtrail".into(),
                account: "1".into(),
                region: "r".into(),
                date: date.to_string(),
                rows: 1,
                bytes: 1,
                min_time: None,
                max_time: None,
            })
            .collect(),
        removed: Vec::new(),
        forgotten: Vec::new(),
        staging: Some(staging.to_string()),
        listed_through: Default::default(),
    }
}

/// Two writers of one S3 lake (S3 has no lock) stage the same commit version at once: each
/// stages under its own name, the first commit wins with its own files, the second fails with
/// one clear error and leaves nothing behind, and the lake holds exactly the winner's data.
#[test]
fn two_writers_racing_on_an_s3_lake() {
    use trailhound_convert::Lake;
    let server = S3Server::start();
    assert_eq!(server.request("PUT", "/race", b""), 200, "create bucket");
    let opts = server.options();
    let open = || {
        let loc = trailhound_store::Location::parse("s3://race/lake", &opts, true).unwrap();
        Lake::open_for_write_at(loc).unwrap()
    };
    let (mut a, mut b) = (open(), open());
    let version = a.next_version();
    assert_eq!(version, b.next_version());
    let path = "cloudtrail/account=1/region=r/date=2024-08-01/part-0000000001-00001.parquet";
    let stage = |lake: &Lake, bytes: &'static [u8]| {
        let staging = lake.staging_for(version);
        lake.put(&format!("{staging}/{path}"), bytes.to_vec())
            .unwrap();
        staged_commit(version, &staging, &[(path, "2024-08-01")])
    };
    // Both stage before either commits; a commits first.
    let from_a = stage(&a, b"written by a");
    let from_b = stage(&b, b"written by b");
    a.commit(from_a).unwrap();
    let err = b.commit(from_b).unwrap_err().to_string();
    assert!(
        err.contains("another writer committed this version first"),
        "{err}"
    );
    let lake = trailhound_store::Location::parse("s3://race/lake", &opts, false).unwrap();
    assert_eq!(&lake.get(path).unwrap()[..], b"written by a");
    assert!(
        lake.list("_trailhound/staging").unwrap().is_empty(),
        "the winner moved its files, the loser removed its own"
    );
}

/// A writer that died after its commit was written but before every staged file was moved into
/// place: the next writer to open the lake finishes the move (one file had been moved, one not),
/// and the lake reads whole.
#[test]
fn an_interrupted_s3_commit_is_rolled_forward_by_the_next_writer() {
    use trailhound_convert::manifest::write_commit;
    use trailhound_convert::Lake;
    let server = S3Server::start();
    assert_eq!(server.request("PUT", "/crash", b""), 200, "create bucket");
    let opts = server.options();
    let loc = || trailhound_store::Location::parse("s3://crash/lake", &opts, true).unwrap();
    let dead = Lake::open_for_write_at(loc()).unwrap();
    let staging = dead.staging_for(1);
    let paths = [
        "cloudtrail/account=1/region=r/date=2024-08-01/part-0000000001-00001.parquet",
        "cloudtrail/account=1/region=r/date=2024-08-02/part-0000000001-00002.parquet",
    ];
    for p in paths {
        dead.put(&format!("{staging}/{p}"), p.as_bytes().to_vec())
            .unwrap();
    }
    let commit = staged_commit(
        1,
        &staging,
        &[(paths[0], "2024-08-01"), (paths[1], "2024-08-02")],
    );
    // The commit is written and the first file moved; then the writer dies.
    write_commit(dead.location(), &commit).unwrap();
    let store = loc();
    store
        .rename_all(
            &[(format!("{staging}/{}", paths[0]), paths[0].to_string())],
            1,
        )
        .unwrap();
    drop(dead);

    let next = Lake::open_for_write_at(loc()).unwrap();
    assert_eq!(next.state().files.len(), 2);
    for p in paths {
        assert_eq!(&store.get(p).unwrap()[..], p.as_bytes(), "{p} in place");
    }
    assert!(
        store.list("_trailhound/staging").unwrap().is_empty(),
        "staging finished"
    );
}
