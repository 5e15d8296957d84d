//! `metric-filter` (and `watch`) as a user runs them: crafted logs with a known burst, the
//! alarm's state changes, a team's AWS configuration as JSON, errors with positions.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{run, text};

/// Writes `records` as one gzipped CloudTrail log object under `root` in CloudTrail's layout.
pub fn write_log(root: &Path, name: &str, records: &[serde_json::Value]) -> PathBuf {
    let day = records[0]["eventTime"].as_str().unwrap()[..10].replace('-', "/");
    let dir = root.join(format!("AWSLogs/111122223333/CloudTrail/us-east-1/{day}"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("111122223333_CloudTrail_us-east-1_{name}.json.gz"));
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(
        serde_json::json!({ "Records": records })
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    gz.finish().unwrap();
    path
}

/// A failed console sign-in at `time`.
pub fn failed_login(id: &str, time: &str, ip: &str) -> serde_json::Value {
    serde_json::json!({
        "eventVersion": "1.08", "eventTime": time, "eventSource": "signin.amazonaws.com",
        "eventName": "ConsoleLogin", "awsRegion": "us-east-1", "sourceIPAddress": ip,
        "userAgent": "Mozilla/5.0", "errorMessage": "Failed authentication",
        "userIdentity": {"type": "IAMUser", "userName": "alice", "accountId": "111122223333"},
        "responseElements": {"ConsoleLogin": "Failure"}, "additionalEventData": {"MFAUsed": "No"},
        "eventType": "AwsConsoleSignIn", "recipientAccountId": "111122223333", "eventID": id,
        "readOnly": false, "managementEvent": true, "eventCategory": "Management"
    })
}

/// 12 failed sign-ins between 10:00 and 10:04, 2 at 11:00 and 11:01, on 2024-05-01.
fn burst_lake() -> PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    let mut records: Vec<serde_json::Value> = (0..12)
        .map(|i| {
            failed_login(
                &format!("burst-{i:02}"),
                &format!("2024-05-01T10:0{}:{:02}Z", i / 3, (i % 3) * 10),
                "198.51.100.23",
            )
        })
        .collect();
    records.push(failed_login(
        "late-1",
        "2024-05-01T11:00:00Z",
        "198.51.100.23",
    ));
    records.push(failed_login(
        "late-2",
        "2024-05-01T11:01:00Z",
        "198.51.100.23",
    ));
    write_log(&dir.join("src"), "20240501T1105Z_a", &records);
    let lake = dir.join("lake");
    let out = run(&[&"convert", &"-q", &dir.join("src"), &lake]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    lake
}

const FAILED_LOGINS: &str =
    r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#;

#[test]
fn metric_filter_replays_the_alarm_over_the_lake() {
    let lake = burst_lake();
    let out = run(&[
        &"metric-filter",
        &"--lake",
        &lake,
        &"--pattern",
        &FAILED_LOGINS,
        &"--period",
        &"5m",
        &"--threshold",
        &"10",
        &"--fail-on-findings",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("14 matching events in 2 periods of 5m"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2024-05-01T10:00:00Z      12  12"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2024-05-01T11:00:00Z       2  2"),
        "{stdout}"
    );
    // Evaluated at the end of the 10:00 period: ALARM; once the evaluation range (3 periods)
    // holds no datapoint, INSUFFICIENT_DATA; the 11:00 period is below the threshold: OK.
    assert!(
        stdout.contains(
            "  2024-05-01T10:05:00Z  INSUFFICIENT_DATA -> ALARM  [- - 12]\n  \
             2024-05-01T10:20:00Z  ALARM -> INSUFFICIENT_DATA  [- - -]\n  \
             2024-05-01T11:05:00Z  INSUFFICIENT_DATA -> OK  [- - 2]\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("went into ALARM 1 time(s)"), "{stdout}");

    // Above the burst: nothing fires, exit 0 even with --fail-on-findings.
    let out = run(&[
        &"metric-filter",
        &"--lake",
        &lake,
        &"--pattern",
        &FAILED_LOGINS,
        &"--threshold",
        &"13",
        &"--fail-on-findings",
        &"--format",
        &"json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["events"], 14);
    assert_eq!(v[0]["datapoints"][0]["sum"], 12.0);
    let states: Vec<&str> = v[0]["alarms"][0]["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["to"].as_str().unwrap())
        .collect();
    assert!(!states.contains(&"ALARM"), "{states:?}");

    // notBreaching with 2 of 3: missing periods count as good.
    let out = run(&[
        &"metric-filter",
        &"--lake",
        &lake,
        &"--pattern",
        &FAILED_LOGINS,
        &"--period",
        &"1m",
        &"--threshold",
        &"3",
        &"--evaluation-periods",
        &"3",
        &"--datapoints-to-alarm",
        &"2",
        &"--treat-missing-data",
        &"notBreaching",
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.contains("in 2 of 3 periods of 1m (missing data: notBreaching)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2024-05-01T10:02:00Z  OK -> ALARM  [- - - 3 3]"),
        "{stdout}"
    );
}

#[test]
fn metric_filter_back_tests_a_teams_aws_configuration() {
    let lake = burst_lake();
    let dir = tempfile::tempdir().unwrap();
    let filters = dir.path().join("filters.json");
    std::fs::write(
        &filters,
        serde_json::json!({"metricFilters": [
            {"filterName": "ConsoleSigninFailures", "logGroupName": "CloudTrail/DefaultLogGroup",
             "filterPattern": FAILED_LOGINS, "creationTime": 1_700_000_000_000_i64,
             "metricTransformations": [{"metricName": "ConsoleSigninFailureCount",
                "metricNamespace": "CloudTrailMetrics", "metricValue": "1"}]},
            {"filterName": "RootUsage", "logGroupName": "CloudTrail/DefaultLogGroup",
             "filterPattern": "{ $.userIdentity.type = \"Root\" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != \"AwsServiceEvent\" }",
             "metricTransformations": [{"metricName": "RootAccountUsageCount",
                "metricNamespace": "CloudTrailMetrics", "metricValue": "1", "defaultValue": 0.0}]}
        ]})
        .to_string(),
    )
    .unwrap();
    let alarms = dir.path().join("alarms.json");
    std::fs::write(
        &alarms,
        serde_json::json!({"MetricAlarms": [
            {"AlarmName": "console-signin-failures", "MetricName": "ConsoleSigninFailureCount",
             "Namespace": "CloudTrailMetrics", "Statistic": "Sum", "Period": 300,
             "EvaluationPeriods": 1, "Threshold": 3.0, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
             "TreatMissingData": "notBreaching", "StateValue": "OK", "Dimensions": []},
            {"AlarmName": "cpu", "MetricName": "CPUUtilization", "Namespace": "AWS/EC2",
             "Statistic": "Average", "Period": 300, "EvaluationPeriods": 2, "Threshold": 70.0,
             "ComparisonOperator": "GreaterThanThreshold",
             "Dimensions": [{"Name": "InstanceId", "Value": "i-1"}]}
        ]})
        .to_string(),
    )
    .unwrap();
    let out = run(&[
        &"metric-filter",
        &"--lake",
        &lake,
        &"--from-aws",
        &filters,
        &"--from-aws",
        &alarms,
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains(
            "filter: ConsoleSigninFailures (metric CloudTrailMetrics/ConsoleSigninFailureCount)"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("alarm console-signin-failures: Sum >= 3 in 1 of 1 periods of 5m (missing data: notBreaching)"), "{stdout}");
    assert!(stdout.contains("went into ALARM 1 time(s)"), "{stdout}");
    // The root filter has a default value: periods with events and no match publish 0.
    assert!(stdout.contains("filter: RootUsage"), "{stdout}");
    assert!(
        stdout.contains("0 matching events in 2 periods of 5m"),
        "{stdout}"
    );
    assert!(
        stderr.contains("alarm cpu not replayed: an alarm on a metric with dimensions"),
        "{stderr}"
    );

    // A file that is neither: its name and what was expected.
    let bad = dir.path().join("other.json");
    std::fs::write(&bad, "{\"Trails\": []}").unwrap();
    let out = run(&[&"metric-filter", &"--lake", &lake, &"--from-aws", &bad]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("other.json: expected the output of `aws logs describe-metric-filters`"),
        "{stderr}"
    );
}

#[test]
fn a_malformed_pattern_is_one_line_with_its_position() {
    let lake = burst_lake();
    for (pattern, want) in [
        (
            "{ $.eventName = ConsoleLogin && }",
            "filter pattern: at character 33: expected a condition",
        ),
        (
            "{ $.eventName == ConsoleLogin }",
            "filter pattern: at character 16: `==` is not an operator",
        ),
        (
            "{ $.count > many }",
            "filter pattern: at character 13: <, <=, > and >= compare numbers",
        ),
        (
            "ConsoleLogin",
            "filter pattern: at character 1: only JSON filter patterns",
        ),
    ] {
        let out = run(&[&"metric-filter", &"--lake", &lake, &"--pattern", &pattern]);
        assert_eq!(out.status.code(), Some(1), "{pattern}");
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(want), "{pattern}: {stderr}");
    }
}

/// How the receiver answers the next requests to a path.
#[derive(Clone, Copy, Debug)]
pub enum Answer {
    Status(u16),
    /// Accept the request and never answer.
    Hang,
}

/// A webhook receiver on loopback: records every request (path, JSON body) and whether it was
/// acknowledged with a 2xx; answers 200 unless told otherwise for a path.
pub struct Receiver {
    pub port: u16,
    state: std::sync::Arc<std::sync::Mutex<ReceiverState>>,
}

#[derive(Default)]
struct ReceiverState {
    got: Vec<(String, serde_json::Value, bool)>,
    /// Per path, answers to give before returning to 200.
    plan: std::collections::HashMap<String, std::collections::VecDeque<Answer>>,
}

impl Receiver {
    pub fn start() -> Receiver {
        use std::io::{BufRead, BufReader, Read};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = std::sync::Arc::new(std::sync::Mutex::new(ReceiverState::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let shared = shared.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(conn.try_clone().unwrap());
                    let mut first = String::new();
                    if reader.read_line(&mut first).is_err() {
                        return;
                    }
                    let path = first.split_whitespace().nth(1).unwrap_or("").to_string();
                    let mut len = 0;
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                            break;
                        }
                        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                            len = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; len];
                    reader.read_exact(&mut body).unwrap();
                    let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
                    let answer = {
                        let mut s = shared.lock().unwrap();
                        let a = s
                            .plan
                            .get_mut(&path)
                            .and_then(|q| q.pop_front())
                            .unwrap_or(Answer::Status(200));
                        let ok = matches!(a, Answer::Status(c) if (200..300).contains(&c));
                        s.got.push((path.clone(), json, ok));
                        a
                    };
                    match answer {
                        Answer::Hang => std::thread::sleep(std::time::Duration::from_secs(600)),
                        Answer::Status(code) => {
                            let _ = write!(
                                conn,
                                "HTTP/1.1 {code} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                            );
                        }
                    }
                });
            }
        });
        Receiver { port, state }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn plan(&self, path: &str, answers: &[Answer]) {
        self.state
            .lock()
            .unwrap()
            .plan
            .insert(path.to_string(), answers.iter().copied().collect());
    }

    /// Requests to `path` so far: (body, acknowledged).
    pub fn got(&self, path: &str) -> Vec<(serde_json::Value, bool)> {
        self.state
            .lock()
            .unwrap()
            .got
            .iter()
            .filter(|(p, _, _)| p == path)
            .map(|(_, b, ok)| (b.clone(), *ok))
            .collect()
    }

    /// Bodies `path` acknowledged.
    pub fn acked(&self, path: &str) -> Vec<serde_json::Value> {
        self.got(path)
            .into_iter()
            .filter(|(_, ok)| *ok)
            .map(|(b, _)| b)
            .collect()
    }
}

fn event(
    id: &str,
    time: &str,
    source: &str,
    name: &str,
    extra: serde_json::Value,
) -> serde_json::Value {
    let mut e = serde_json::json!({
        "eventVersion": "1.08", "eventTime": time, "eventSource": source, "eventName": name,
        "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.24", "userAgent": "aws-cli/2.15",
        "userIdentity": {"type": "IAMUser", "userName": "mallory", "accountId": "111122223333",
                         "arn": "arn:aws:iam::111122223333:user/mallory"},
        "eventType": "AwsApiCall", "recipientAccountId": "111122223333", "eventID": id,
        "readOnly": false, "managementEvent": true, "eventCategory": "Management",
        "requestParameters": null, "responseElements": null
    });
    if let (Some(o), Some(x)) = (e.as_object_mut(), extra.as_object()) {
        o.extend(x.clone());
    }
    e
}

/// CloudTrail logging stopped: one `cloudtrail-tampering` finding. The trail name is an
/// attacker's choice: Slack must show it as plain text.
fn stop_logging(id: &str, time: &str) -> serde_json::Value {
    event(
        id,
        time,
        "cloudtrail.amazonaws.com",
        "StopLogging",
        serde_json::json!({
            "requestParameters": {"name": "<!channel> *click* <https://evil.example|here>"}
        }),
    )
}

/// Port 22 opened to the world: one `security-group-open-to-world` finding.
fn open_ssh(id: &str, time: &str) -> serde_json::Value {
    event(
        id,
        time,
        "ec2.amazonaws.com",
        "AuthorizeSecurityGroupIngress",
        serde_json::json!({
            "requestParameters": {"groupId": "sg-1", "ipPermissions": {"items": [{"ipProtocol": "tcp",
                "fromPort": 22, "toPort": 22, "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}}
        }),
    )
}

fn quiet_call(id: &str, time: &str) -> serde_json::Value {
    event(
        id,
        time,
        "s3.amazonaws.com",
        "ListBuckets",
        serde_json::json!({}),
    )
}

fn watch_once(src: &Path, lake: &Path, notify: &[String], extra: &[&str]) -> std::process::Output {
    let mut args: Vec<String> = vec![
        "watch".into(),
        src.display().to_string(),
        "--lake".into(),
        lake.display().to_string(),
        "--once".into(),
    ];
    for n in notify {
        args.push("--notify".into());
        args.push(n.clone());
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    crate::bin().args(&args).output().unwrap()
}

fn keys(bodies: &[serde_json::Value], field: &str) -> Vec<String> {
    let mut k: Vec<String> = bodies
        .iter()
        .map(|b| b[field].as_str().unwrap_or("").to_string())
        .collect();
    k.sort();
    k
}

#[test]
fn watch_sends_each_new_finding_once_to_each_sink() {
    let rx = Receiver::start();
    let dir = tempfile::tempdir().unwrap();
    let (src, lake) = (dir.path().join("src"), dir.path().join("lake"));
    let notify = vec![
        rx.url("/hook"),
        format!("slack+{}", rx.url("/slack")),
        format!("pagerduty://R0UTE?url={}", rx.url("/pd")),
    ];
    write_log(
        &src,
        "20240601T1005Z_a",
        &[
            quiet_call("q-1", "2024-06-01T10:00:00Z"),
            stop_logging("stop-1", "2024-06-01T10:01:00Z"),
        ],
    );

    // Cycle 1: one finding, to each sink.
    let out = watch_once(&src, &lake, &notify, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("1 new objects (2 events stored, 0 duplicates), 2 new events checked, 1 findings: 3 sent, 0 already sent, 0 failed"), "{stderr}");
    let hook = rx.acked("/hook");
    assert_eq!(hook.len(), 1);
    assert_eq!(hook[0]["detection"], "cloudtrail-tampering");
    assert_eq!(hook[0]["severity"], "critical");
    assert_eq!(hook[0]["eventids"], serde_json::json!(["stop-1"]));
    let key = hook[0]["key"].as_str().unwrap().to_string();
    let pd = rx.acked("/pd");
    assert_eq!(pd.len(), 1);
    assert_eq!(pd[0]["routing_key"], "R0UTE");
    assert_eq!(pd[0]["event_action"], "trigger");
    assert_eq!(pd[0]["dedup_key"], key.as_str());
    assert_eq!(pd[0]["payload"]["severity"], "critical");
    assert_eq!(pd[0]["payload"]["source"], "trailhound");
    let slack = rx.acked("/slack");
    assert_eq!(slack.len(), 1);
    assert!(
        slack[0]["text"]
            .as_str()
            .unwrap()
            .contains("CloudTrail tampering"),
        "{}",
        slack[0]
    );
    // Event text reaches Slack only inside plain_text objects: never parsed as mrkdwn.
    let blocks = slack[0]["blocks"].to_string();
    assert!(blocks.contains("<!channel> *click*"), "{blocks}");
    fn no_mrkdwn_with(v: &serde_json::Value, needle: &str) -> bool {
        match v {
            serde_json::Value::Object(o) => {
                !(o.get("type").and_then(|t| t.as_str()) == Some("mrkdwn")
                    && o.get("text")
                        .is_some_and(|t| t.to_string().contains(needle)))
                    && o.values().all(|x| no_mrkdwn_with(x, needle))
            }
            serde_json::Value::Array(a) => a.iter().all(|x| no_mrkdwn_with(x, needle)),
            _ => true,
        }
    }
    assert!(
        no_mrkdwn_with(&slack[0]["blocks"], "<!channel>"),
        "{blocks}"
    );

    // Cycle 2: nothing new, nothing sent, exit 0.
    let out = watch_once(&src, &lake, &notify, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(rx.got("/hook").len(), 1);

    // Cycle 3: a late file (events from the day before, delivered now) and a re-delivery of the
    // first file under another name: only the late incident is new.
    write_log(
        &src,
        "20240601T1200Z_late",
        &[open_ssh("ssh-1", "2024-05-31T23:50:00Z")],
    );
    write_log(
        &src,
        "20240601T1005Z_a_redelivered",
        &[
            quiet_call("q-1", "2024-06-01T10:00:00Z"),
            stop_logging("stop-1", "2024-06-01T10:01:00Z"),
        ],
    );
    let out = watch_once(&src, &lake, &notify, &[]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("2 duplicates"), "{stderr}");
    let hook = rx.acked("/hook");
    assert_eq!(
        keys(&hook, "detection"),
        ["cloudtrail-tampering", "security-group-open-to-world"]
    );
    assert_eq!(rx.acked("/pd").len(), 2);
    assert_eq!(rx.acked("/slack").len(), 2);
}

#[test]
fn watch_retries_failed_deliveries_next_cycle_without_resending_the_rest() {
    let rx = Receiver::start();
    let dir = tempfile::tempdir().unwrap();
    let (src, lake) = (dir.path().join("src"), dir.path().join("lake"));
    let notify = vec![rx.url("/ok"), rx.url("/flaky")];
    write_log(
        &src,
        "20240601T1005Z_a",
        &[stop_logging("stop-1", "2024-06-01T10:01:00Z")],
    );
    // 500 twice then fine: absorbed by the retries within the cycle.
    rx.plan("/flaky", &[Answer::Status(500), Answer::Status(503)]);
    let out = watch_once(&src, &lake, &notify, &["--attempts", "3"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(rx.got("/flaky").len(), 3);
    assert_eq!(rx.acked("/flaky").len(), 1);

    // Always 500 in this cycle, and a hang then a 400 for the next incident: the cycle fails
    // (exit 1), names the sink, and the healthy sink is not sent anything twice.
    write_log(
        &src,
        "20240601T1105Z_b",
        &[open_ssh("ssh-1", "2024-06-01T11:00:00Z")],
    );
    rx.plan("/flaky", &[Answer::Hang, Answer::Status(400)]);
    let out = watch_once(
        &src,
        &lake,
        &notify,
        &["--attempts", "3", "--timeout", "1s"],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("not delivered: security-group-open-to-world:"),
        "{stderr}"
    );
    assert!(stderr.contains("webhook http://127.0.0.1:"), "{stderr}");
    assert!(stderr.contains("HTTP 400"), "{stderr}");
    assert_eq!(
        keys(&rx.acked("/ok"), "detection"),
        ["cloudtrail-tampering", "security-group-open-to-world"]
    );

    // Next cycle: the failed one goes out, once; nothing else does.
    let out = watch_once(&src, &lake, &notify, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(
        keys(&rx.acked("/flaky"), "detection"),
        ["cloudtrail-tampering", "security-group-open-to-world"]
    );
    assert_eq!(rx.acked("/ok").len(), 2);
    let out = watch_once(&src, &lake, &notify, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn watch_survives_kill_9_and_restarts_without_loss_or_repeat() {
    let rx = Receiver::start();
    let dir = tempfile::tempdir().unwrap();
    let (src, lake) = (dir.path().join("src"), dir.path().join("lake"));
    write_log(
        &src,
        "20240601T1005Z_a",
        &[stop_logging("stop-1", "2024-06-01T10:01:00Z")],
    );
    write_log(
        &src,
        "20240601T1010Z_b",
        &[open_ssh("ssh-1", "2024-06-01T10:06:00Z")],
    );
    // The first delivery hangs: the process is killed with it in flight.
    rx.plan("/hook", &[Answer::Hang]);
    let mut child = crate::bin()
        .args([
            "watch",
            &src.display().to_string(),
            "--lake",
            &lake.display().to_string(),
            "--every",
            "1s",
            "--timeout",
            "60s",
            "--notify",
            &rx.url("/hook"),
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while rx.got("/hook").is_empty() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "no delivery started"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(rx.acked("/hook").is_empty());

    // More arrives while it is down; the restart sends all three incidents, each once.
    write_log(
        &src,
        "20240601T1015Z_c",
        &[stop_logging("stop-2", "2024-06-01T10:12:00Z")],
    );
    let out = watch_once(&src, &lake, &[rx.url("/hook")], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let mut ids: Vec<String> = rx
        .acked("/hook")
        .iter()
        .map(|b| b["eventids"][0].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    assert_eq!(ids, ["ssh-1", "stop-1", "stop-2"]);
    let out = watch_once(&src, &lake, &[rx.url("/hook")], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(rx.acked("/hook").len(), 3);
}

#[test]
fn watch_dry_run_prints_and_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (src, lake) = (dir.path().join("src"), dir.path().join("lake"));
    write_log(
        &src,
        "20240601T1005Z_a",
        &[stop_logging("stop-1", "2024-06-01T10:01:00Z")],
    );
    let out = watch_once(
        &src,
        &lake,
        &["http://127.0.0.1:9/never".into()],
        &["--dry-run"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let line: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    assert_eq!(line["detection"], "cloudtrail-tampering");
    // The real run afterwards still sends it.
    let out = watch_once(&src, &lake, &["-".into()], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("\"stop-1\""));
    // --skip-backlog on a fresh lake: what is there is taken as seen.
    let out = watch_once(
        &src,
        &dir.path().join("lake2"),
        &["-".into()],
        &["--skip-backlog"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).is_empty());
    // Bad destinations are one line naming the flag, before anything runs.
    let out = watch_once(&src, &lake, &["http://example.com/x".into()], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--notify http://example.com/…: plain http only"),
        "{}",
        text(&out.stderr)
    );
}

/// moto's test credentials and region.
const MOTO_ENV: [(&str, &str); 3] = [
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
    ("AWS_REGION", "us-east-1"),
];

/// boto3 against the moto server: `script` gets `endpoint` and prints JSON.
fn boto(endpoint: &str, script: &str) -> serde_json::Value {
    let prelude = format!(
        "import boto3, json, sys\n\
         kw = dict(endpoint_url='{endpoint}', region_name='us-east-1', aws_access_key_id='testing', aws_secret_access_key='testing')\n\
         sns = boto3.client('sns', **kw)\nsqs = boto3.client('sqs', **kw)\n"
    );
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(prelude + script)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn watch_publishes_to_sns_through_the_aws_api() {
    let moto = trailhound_testkit::moto::S3Server::start();
    let ep = moto.endpoint();
    // A topic with a queue subscribed: what SNS published is read back from the queue.
    let setup = boto(&ep, "t = sns.create_topic(Name='alerts')['TopicArn']\n\
        q = sqs.create_queue(QueueName='inbox')['QueueUrl']\n\
        qa = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=['QueueArn'])['Attributes']['QueueArn']\n\
        sns.subscribe(TopicArn=t, Protocol='sqs', Endpoint=qa)\n\
        print(json.dumps({'topic': t, 'queue': q}))");
    let (topic, queue) = (
        setup["topic"].as_str().unwrap(),
        setup["queue"].as_str().unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let (src, lake) = (dir.path().join("src"), dir.path().join("lake"));
    write_log(
        &src,
        "20240601T1005Z_a",
        &[
            stop_logging("stop-1", "2024-06-01T10:01:00Z"),
            open_ssh("ssh-1", "2024-06-01T10:02:00Z"),
        ],
    );
    let run_watch = || {
        crate::bin()
            .args([
                "watch",
                &src.display().to_string(),
                "--lake",
                &lake.display().to_string(),
                "--once",
                "--notify",
                &format!("sns://{topic}"),
                "--endpoint-url",
                &ep,
            ])
            .envs(MOTO_ENV)
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap()
    };
    let out = run_watch();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = run_watch();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = boto(&ep, &format!("msgs = []\n\
        while True:\n    r = sqs.receive_message(QueueUrl='{queue}', MaxNumberOfMessages=10, WaitTimeSeconds=0)\n    \
        if not r.get('Messages'): break\n    msgs += [json.loads(m['Body']) for m in r['Messages']]\n    \
        sqs.delete_message_batch(QueueUrl='{queue}', Entries=[{{'Id': str(i), 'ReceiptHandle': m['ReceiptHandle']}} for i, m in enumerate(r['Messages'])])\n\
        print(json.dumps(msgs))"));
    let msgs = got.as_array().unwrap();
    assert_eq!(msgs.len(), 2, "{got}");
    let mut detections: Vec<String> = msgs
        .iter()
        .map(|m| {
            let finding: serde_json::Value =
                serde_json::from_str(m["Message"].as_str().unwrap()).unwrap();
            assert!(m["Subject"].as_str().unwrap().starts_with('['), "{m}");
            assert_eq!(
                m["MessageAttributes"]["severity"]["Value"],
                finding["severity"]
            );
            finding["detection"].as_str().unwrap().to_string()
        })
        .collect();
    detections.sort();
    assert_eq!(
        detections,
        ["cloudtrail-tampering", "security-group-open-to-world"]
    );

    // A topic that does not exist: the delivery fails with SNS's own words, exit 1.
    let dir2 = tempfile::tempdir().unwrap();
    let out = crate::bin()
        .args([
            "watch",
            &src.display().to_string(),
            "--lake",
            &dir2.path().join("lake").display().to_string(),
            "--once",
            "--attempts",
            "1",
            "--notify",
            "sns://arn:aws:sns:us-east-1:123456789012:missing",
            "--endpoint-url",
            &ep,
        ])
        .envs(MOTO_ENV)
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("not delivered")
            && stderr.contains("SNS arn:aws:sns:us-east-1:123456789012:missing"),
        "{stderr}"
    );
}

#[test]
fn watch_takes_new_objects_from_s3_notifications_on_sqs() {
    let moto = trailhound_testkit::moto::S3Server::start();
    let ep = moto.endpoint();
    let rx = Receiver::start();
    // The bucket notifies the queue of every new object, as a CloudTrail bucket is wired.
    let q = boto(&ep, "s3 = boto3.client('s3', **kw)\ns3.create_bucket(Bucket='trail')\n\
        q = sqs.create_queue(QueueName='trail-events', Attributes={'VisibilityTimeout': '1'})['QueueUrl']\n\
        qa = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=['QueueArn'])['Attributes']['QueueArn']\n\
        s3.put_bucket_notification_configuration(Bucket='trail', NotificationConfiguration={'QueueConfigurations': [{'QueueArn': qa, 'Events': ['s3:ObjectCreated:*']}]})\n\
        print(json.dumps(q))");
    let queue = q.as_str().unwrap().to_string();
    let local = tempfile::tempdir().unwrap();
    let upload = |name: &str, records: &[serde_json::Value]| {
        let path = write_log(local.path(), name, records);
        let key = format!("org/{}", path.strip_prefix(local.path()).unwrap().display());
        boto(&ep, &format!("s3 = boto3.client('s3', **kw)\ns3.upload_file('{}', 'trail', '{key}')\nprint('{{}}')", path.display()));
        key
    };
    // The lake in S3 too: the watch's cursor and delivery markers live there.
    boto(
        &ep,
        "boto3.client('s3', **kw).create_bucket(Bucket='lakes')\nprint('{}')",
    );
    let watch = || {
        crate::bin()
            .args([
                "watch",
                "s3://trail/org",
                "--lake",
                "s3://lakes/audit",
                "--once",
                "--sqs-queue",
                &queue,
                "--endpoint-url",
                &ep,
                "--notify",
                &rx.url("/hook"),
            ])
            .envs(MOTO_ENV)
            .env_remove("AWS_PROFILE")
            .output()
            .unwrap()
    };
    let left_on_queue = || {
        std::thread::sleep(std::time::Duration::from_millis(1500));
        boto(&ep, &format!("r = sqs.receive_message(QueueUrl='{queue}', MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=0)\n\
            print(json.dumps([m['Body'] for m in r.get('Messages', [])]))"))
    };
    upload(
        "20240601T1005Z_a",
        &[stop_logging("stop-1", "2024-06-01T10:01:00Z")],
    );
    boto(&ep, &format!("s3 = boto3.client('s3', **kw)\ns3.put_object(Bucket='trail', Key='org/README.txt', Body=b'not a log')\n\
        sqs.send_message(QueueUrl='{queue}', MessageBody='hello')\n\
        sqs.send_message(QueueUrl='{queue}', MessageBody=json.dumps({{'Records': [{{'eventName': 'ObjectCreated:Put', 's3': {{'bucket': {{'name': 'elsewhere'}}, 'object': {{'key': 'x.json.gz'}}}}}}]}}))\n\
        print('{{}}')"));
    let out = watch();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("5 notifications, 1 new objects"),
        "{stderr}"
    );
    assert!(stderr.contains("not a notification: message"), "{stderr}");
    assert!(
        stderr.contains("README.txt: notified, but not a CloudTrail log object"),
        "{stderr}"
    );
    assert!(
        stderr.contains("s3://elsewhere/x.json.gz is not below SRC"),
        "{stderr}"
    );
    assert_eq!(
        keys(&rx.acked("/hook"), "detection"),
        ["cloudtrail-tampering"]
    );
    // Only the unreadable message stays (for the queue's dead-letter policy).
    assert_eq!(left_on_queue(), serde_json::json!(["hello"]));
    // Drops every message (PurgeQueue is allowed once a minute).
    let drain = || {
        boto(&ep, &format!("while True:\n    r = sqs.receive_message(QueueUrl='{queue}', MaxNumberOfMessages=10, WaitTimeSeconds=1)\n    \
            if not r.get('Messages'): break\n    \
            [sqs.delete_message(QueueUrl='{queue}', ReceiptHandle=m['ReceiptHandle']) for m in r['Messages']]\n\
            print('{{}}')"))
    };
    drain();

    // No listing: an object whose notification was lost is not converted...
    let key = upload(
        "20240601T1105Z_b",
        &[open_ssh("ssh-1", "2024-06-01T11:00:00Z")],
    );
    drain();
    let out = watch();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(rx.acked("/hook").len(), 1);
    // ...until a notification names it (the key URL-encoded, as S3 writes it).
    let encoded = key.replace('/', "%2F");
    boto(&ep, &format!("sqs.send_message(QueueUrl='{queue}', MessageBody=json.dumps({{'Records': [{{'eventName': 'ObjectCreated:Put', 's3': {{'bucket': {{'name': 'trail'}}, 'object': {{'key': '{encoded}'}}}}}}]}}))\nprint('{{}}')"));
    let out = watch();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(
        keys(&rx.acked("/hook"), "detection"),
        ["cloudtrail-tampering", "security-group-open-to-world"]
    );
    assert_eq!(left_on_queue(), serde_json::json!([]));
    let ledger = boto(
        &ep,
        "r = boto3.client('s3', **kw).list_objects_v2(Bucket='lakes', Prefix='audit/_trailhound/watch/default/')\n\
         print(json.dumps(sorted(o['Key'].split('/')[4] for o in r.get('Contents', []))))",
    );
    assert_eq!(
        ledger,
        serde_json::json!(["cursor.json", "sent", "sent"]),
        "{ledger}"
    );

    // A local source cannot be notified.
    let out = crate::bin()
        .args([
            "watch",
            &local.path().display().to_string(),
            "--lake",
            &local.path().join("l2").display().to_string(),
            "--once",
            "--sqs-queue",
            &queue,
            "--notify",
            "-",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--sqs-queue: S3 event notifications name objects in a bucket"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_burst_seen_by_ip_and_by_user_is_one_finding() {
    let dir = tempfile::tempdir().unwrap();
    let (src, lake) = (dir.path().join("src"), dir.path().join("lake"));
    let burst: Vec<serde_json::Value> = (0..11)
        .map(|i| {
            failed_login(
                &format!("f-{i:02}"),
                &format!("2024-06-01T10:0{}:{:02}Z", i / 4, (i % 4) * 10),
                "203.0.113.77",
            )
        })
        .collect();
    write_log(&src, "20240601T1005Z_a", &burst);
    // The detection returns one row per source IP and one per user name, with the same events.
    let out = watch_once(
        &src,
        &lake,
        &["-".into()],
        &["--query", "failed-console-login-burst"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["eventids"].as_array().unwrap().len(), 11);
}

#[test]
fn watch_runs_sigma_rules_as_detections() {
    let dir = tempfile::tempdir().unwrap();
    let (src, lake, rules) = (
        dir.path().join("src"),
        dir.path().join("lake"),
        dir.path().join("rules"),
    );
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(
        rules.join("stop.yml"),
        "title: Logging stopped\nid: 0d6c1a4e-2222-4333-8444-000000000002\nlevel: high\n\
         logsource: {product: aws, service: cloudtrail}\n\
         detection:\n  sel: {eventName: stoplogging}\n  condition: sel\n",
    )
    .unwrap();
    write_log(
        &src,
        "20240601T1005Z_a",
        &[
            quiet_call("q-1", "2024-06-01T10:00:00Z"),
            stop_logging("stop-1", "2024-06-01T10:01:00Z"),
        ],
    );
    let sigma = rules.display().to_string();
    let out = watch_once(&src, &lake, &["-".into()], &["--sigma", &sigma]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Only the Sigma rule: no --category given, so the threats queries do not run.
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(
        lines[0]["detection"],
        "sigma:0d6c1a4e-2222-4333-8444-000000000002"
    );
    assert_eq!(lines[0]["title"], "Logging stopped");
    assert_eq!(lines[0]["severity"], "high");
    assert_eq!(lines[0]["eventids"], serde_json::json!(["stop-1"]));
    let out = watch_once(&src, &lake, &["-".into()], &["--sigma", &sigma]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// A burst whose first half came in an earlier cycle is found when its second half arrives:
/// detections look back before the new events (`--window-lookback`), and not with 0s.
#[test]
fn a_burst_across_two_cycles_is_found_with_the_look_back() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let login = |i: usize| {
        failed_login(
            &format!("b-{i:02}"),
            &format!("2024-06-01T10:0{}:{:02}Z", i / 6, (i % 6) * 5),
            "203.0.113.88",
        )
    };
    write_log(
        &src,
        "20240601T1005Z_a",
        &(0..6).map(login).collect::<Vec<_>>(),
    );
    for (lake, lookback, want) in [("lake1", "1h", 1), ("lake2", "0s", 0)] {
        let lake = dir.path().join(lake);
        let q = [
            "--query",
            "failed-console-login-burst",
            "--window-lookback",
            lookback,
        ];
        // The first cycle takes the lake as it is; the burst is incomplete after the second.
        let out = watch_once(
            &src,
            &lake,
            &["-".into()],
            &["--skip-backlog", q[0], q[1], q[2], q[3]],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let second = src.join("late");
        write_log(
            &second,
            &format!("20240601T1010Z_{lookback}"),
            &(6..12).map(login).collect::<Vec<_>>(),
        );
        let out = watch_once(&src, &lake, &["-".into()], &q);
        let stdout = text(&out.stdout);
        assert_eq!(
            stdout.lines().count(),
            want,
            "--window-lookback {lookback}: {stdout}{}",
            text(&out.stderr)
        );
        if want == 1 {
            assert_eq!(out.status.code(), Some(2));
            assert!(
                stdout.contains("\"b-00\"") && stdout.contains("\"b-11\""),
                "{stdout}"
            );
        }
        std::fs::remove_dir_all(&second).unwrap();
    }
}
