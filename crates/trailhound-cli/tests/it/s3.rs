//! A lake in S3, against a real S3-compatible server on 127.0.0.1 (moto's, started and stopped
//! here; `.ci/run` installs it): queries read it through object_store with the same answers as
//! the local lake, a one-day query opens only that day's objects, and an unreachable endpoint or
//! a missing bucket is one clear line.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use trailhound_convert::store::S3Options;
use trailhound_query::{Engine, EngineOptions};

use crate::{run, sample_lake, text};

/// moto's S3 server on a free loopback port, killed when dropped.
struct S3Server {
    child: Child,
    port: u16,
}

impl S3Server {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m moto.server (pip install 'moto[server]'; .ci/run does)");
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "moto did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Self { child, port }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A plain HTTP request (moto does not check signatures); the status code.
    fn request(&self, method: &str, path: &str, body: &[u8]) -> u16 {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.port,
            body.len()
        )
        .unwrap();
        s.write_all(body).unwrap();
        let mut resp = String::new();
        let _ = s.read_to_string(&mut resp);
        resp.split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    }

    /// Uploads every file below `dir` to `bucket` under `prefix`.
    fn upload(&self, dir: &Path, bucket: &str, prefix: &str) -> usize {
        let mut n = 0;
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let key = p
                        .strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .replace('=', "%3D");
                    let status = self.request(
                        "PUT",
                        &format!("/{bucket}/{prefix}/{key}"),
                        &std::fs::read(&p).unwrap(),
                    );
                    assert_eq!(status, 200, "PUT {key}");
                    n += 1;
                }
            }
        }
        n
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn env(cmd: &mut Command, endpoint: &str) {
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
    assert_eq!(text(&out.stdout).lines().count(), 45);

    // Pruning: a one-day query opens that day's objects only.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let engine = {
        let _g = rt.enter();
        Engine::new(&EngineOptions {
            lake: Some(lake.into()),
            s3: S3Options {
                region: Some("us-east-1".into()),
                endpoint_url: Some(server.endpoint()),
                access_key_id: Some("testing".into()),
                secret_access_key: Some("testing".into()),
                ..Default::default()
            },
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

    // Credentials from a profile, the way the AWS CLI finds them; a role profile is refused
    // with the command that exports its credentials.
    let dir = tempfile::tempdir().unwrap();
    let (creds, config) = (dir.path().join("credentials"), dir.path().join("config"));
    std::fs::write(&creds, "[default]\naws_access_key_id = wrong\n\n[team]\naws_access_key_id = testing\naws_secret_access_key = s3cr3t-value\n").unwrap();
    std::fs::write(&config, "[profile team]\nregion = us-east-1\n\n[profile admin]\nrole_arn = arn:aws:iam::111111111111:role/Admin\nsource_profile = team\n").unwrap();
    for (profile, ok) in [("team", true), ("admin", false)] {
        let mut cmd = crate::bin();
        cmd.args([
            "sql",
            lake,
            "--profile",
            profile,
            "--endpoint-url",
            &server.endpoint(),
            "--format",
            "csv",
            "-c",
            "SELECT count(*) FROM cloudtrail",
        ])
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_PROFILE")
        .env("AWS_SHARED_CREDENTIALS_FILE", &creds)
        .env("AWS_CONFIG_FILE", &config);
        let out = cmd.output().unwrap();
        let err = text(&out.stderr);
        assert!(!err.contains("s3cr3t"), "no secret in messages: {err}");
        if ok {
            assert!(out.status.success(), "{err}");
            assert_eq!(text(&out.stdout), "count(*)\n3000\n");
        } else {
            assert_eq!(out.status.code(), Some(1));
            assert!(
                err.contains("profile admin assumes a role (role_arn)")
                    && err.contains("aws configure export-credentials --profile admin"),
                "{err}"
            );
        }
    }

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
