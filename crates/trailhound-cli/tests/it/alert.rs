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
