//! The binary as a user runs it: the sample job, exit codes, errors, export round trips, an
//! independent reader, and kill -9 in the middle of a conversion.

use std::time::Duration;

use super::*;

#[test]
fn the_readme_sample_job_converts_and_reports() {
    let dest = tempfile::tempdir().unwrap();
    let out = run(&[
        &"convert",
        &repo_root().join("testdata/sample-trail"),
        &dest.path(),
        &"-q",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("converted 36 of 36 objects"), "{stdout}");
    assert!(
        stdout.contains("events: 3013 in, 3013 stored, 0 duplicates dropped"),
        "{stdout}"
    );
    // Again: nothing to do.
    let out = run(&[
        &"convert",
        &repo_root().join("testdata/sample-trail"),
        &dest.path(),
    ]);
    // The rerun lists from the day before the last delivery day on.
    assert!(
        text(&out.stdout).contains("converted 0 of 9 objects (9 unchanged"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn an_independent_reader_sees_the_same_lake() {
    let dest = tempfile::tempdir().unwrap();
    let out = run(&[&"convert", &real_logs_dir(), &dest.path(), &"-q"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let py = std::process::Command::new("python3")
        .arg(repo_root().join("crates/trailhound-cli/tests/read_lake.py"))
        .arg(dest.path())
        .output()
        .expect("python3 runs");
    assert!(
        py.status.success(),
        "pyarrow failed (is it installed? .ci/run installs it): {}",
        text(&py.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&py.stdout).unwrap();
    let events = ndjson(dest.path());
    assert_eq!(got["total"].as_u64().unwrap() as usize, events.len());
    assert_eq!(got["total"], 1406, "the real events outside Insights");
    // Snappy on the small columns every query filters on, zstd on text and ids.
    assert_eq!(got["compression"], "SNAPPY");
    assert_eq!(got["id_compression"], "ZSTD");
    assert_eq!(got["eventtime_type"], "timestamp[us, tz=UTC]");
    assert_eq!(got["has_time_stats"], true);
    let want_arns = events
        .iter()
        .filter(|e| e["userIdentity"]["arn"].is_string())
        .count();
    assert_eq!(got["arns"].as_u64().unwrap() as usize, want_arns);
    // Per-partition counts agree with the manifest's files.
    let manifest = std::fs::read_dir(dest.path().join("_trailhound/log"))
        .unwrap()
        .count();
    assert_eq!(manifest, 1);
    let parts = got["partitions"].as_object().unwrap();
    assert!(
        parts.contains_key("123456789123/us-east-1/2020-09-14"),
        "{parts:?}"
    );
}

#[test]
fn quiet_and_verbose_on_every_subcommand() {
    let lake = sample_lake();
    // -v says what was resolved; without it, nothing but results.
    let q = "SELECT count(*) FROM cloudtrail";
    let plain = run(&[&"sql", &lake, &"-c", &q]);
    assert!(
        plain.status.success() && plain.stderr.is_empty(),
        "{}",
        text(&plain.stderr)
    );
    let verbose = run(&[&"sql", &lake, &"-c", &q, &"-v", &"--since", &"3650d"]);
    let err = text(&verbose.stderr);
    assert!(err.contains(&format!("lake: {}", lake.display())), "{err}");
    assert!(err.contains("window: ["), "{err}");
    assert_eq!(
        verbose.stdout, plain.stdout,
        "-v changes standard error only"
    );
    // -q hides status lines (export's count), results stay.
    let out = run(&[&"export", &lake, &"--since", &"1d"]);
    assert!(
        text(&out.stderr).starts_with("exported "),
        "{}",
        text(&out.stderr)
    );
    let out = run(&[&"export", &lake, &"--since", &"1d", &"-q"]);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{}",
        text(&out.stderr)
    );
    // Both flags are global: accepted before or after the subcommand, and they exclude each other.
    assert!(run(&[&"-q", &"queries"]).status.success());
    let both = run(&[&"sql", &lake, &"-q", &"-v", &"-c", &q]);
    // A usage error is an error (1), never "findings" (2): cron must not take a typo for an alert.
    assert_eq!(both.status.code(), Some(1), "a usage error");
    assert!(
        text(&both.stderr).contains("cannot be used with"),
        "{}",
        text(&both.stderr)
    );
    let unknown = run(&[&"report", &"threats", &"--no-such-flag"]);
    assert_eq!(unknown.status.code(), Some(1), "{}", text(&unknown.stderr));
    let help = run(&[&"report", &"--help"]);
    assert!(help.status.success() && text(&help.stdout).contains("Usage:"));
    // Errors are never coloured when standard error is not a terminal, NO_COLOR or not.
    let out = bin()
        .args(["sql", "/nonexistent/lake", "-c", "SELECT 1"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(
        text(&out.stderr).starts_with("error: "),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn exit_codes_and_one_line_errors() {
    let dest = tempfile::tempdir().unwrap();
    let out = run(&[&"convert", &"/no/such/trail", &dest.path()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: /no/such/trail"), "{err}");

    let out = run(&[&"export", &dest.path().join("nothing")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("not a trailhound lake"),
        "{}",
        text(&out.stderr)
    );

    let out = bin()
        .args(["export"])
        .env_remove("TRAILHOUND_LAKE")
        .output()
        .unwrap();
    assert!(
        text(&out.stderr).contains("no lake given"),
        "{}",
        text(&out.stderr)
    );

    let out = run(&[
        &"convert",
        &real_logs_dir(),
        &dest.path(),
        &"--since",
        &"3x",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("cannot read the duration \"3x\""),
        "{}",
        text(&out.stderr)
    );

    // A quarantined file: the run finishes, names it, and says so in its exit code.
    let src = tempfile::tempdir().unwrap();
    let bad = src
        .path()
        .join("AWSLogs/1/CloudTrail/us-east-1/2024/01/01/bad.json.gz");
    std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
    std::fs::write(&bad, b"nope").unwrap();
    let out = run(&[&"convert", &src.path(), &dest.path()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains(
            "quarantined: AWSLogs/1/CloudTrail/us-east-1/2024/01/01/bad.json.gz: not a gzip file"
        ),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn export_as_cloudtrail_files_converts_back_to_the_same_events() {
    let lake = tempfile::tempdir().unwrap();
    assert!(
        run(&[&"convert", &real_logs_dir(), &lake.path(), &"-q"])
            .status
            .code()
            == Some(0)
    );
    let exported = tempfile::tempdir().unwrap();
    let out = run(&[
        &"export",
        &"--lake",
        &lake.path(),
        &"--format",
        &"cloudtrail",
        &"--output",
        &exported.path(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lake2 = tempfile::tempdir().unwrap();
    let out = run(&[&"convert", &exported.path(), &lake2.path(), &"-q"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        canonical(&ndjson(lake2.path())),
        canonical(&ndjson(lake.path()))
    );

    // Filters: one account and a time window.
    let out = run(&[
        &"export",
        &lake.path(),
        &"--account",
        &"347283850106",
        &"--from",
        &"2021-12-02T00:00:00Z",
        &"--until",
        &"2021-12-03",
    ]);
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty());
    assert!(lines
        .iter()
        .all(|e| e["eventTime"].as_str().unwrap().starts_with("2021-12-02")));
}

#[test]
fn a_conversion_killed_at_any_point_and_rerun_has_every_event_once() {
    let src = tempfile::tempdir().unwrap();
    let opts = trailhound_synth::SynthOptions {
        events: 40_000,
        events_per_file: 200,
        seed: 9,
        ..Default::default()
    };
    trailhound_synth::generate(src.path(), &opts).unwrap();
    let dest = tempfile::tempdir().unwrap();
    // Small checkpoints, so kills land before, during and after commits. Each run is killed a
    // little after its first commit shows (or after 150-300 ms when none does): on a loaded
    // machine a fixed delay alone can kill every run before it commits anything.
    let commits_now = || {
        std::fs::read_dir(dest.path().join("_trailhound/log"))
            .map(|d| d.count())
            .unwrap_or(0)
    };
    for delay_ms in [150u64, 300, 200, 250] {
        let before = commits_now();
        let mut child = bin()
            .args(["convert", "-q", "--checkpoint", "300K", "-j", "2"])
            .arg(src.path())
            .arg(dest.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        std::thread::sleep(Duration::from_millis(delay_ms));
        while commits_now() == before && started.elapsed() < Duration::from_secs(20) {
            if child.try_wait().ok().flatten().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(delay_ms / 10));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
    }
    // The kills landed mid-run: some commits were made, not all of the work.
    let commits = std::fs::read_dir(dest.path().join("_trailhound/log"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert!(
        commits >= 1,
        "no commit before the kills: the test did not exercise recovery"
    );
    let out = run(&[&"convert", &src.path(), &dest.path()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !text(&out.stdout).contains("converted 0 of"),
        "the kills left nothing to do: {}",
        text(&out.stdout)
    );
    let events = ndjson(dest.path());
    assert_eq!(events.len(), 40_000);
    let mut ids: Vec<&str> = events
        .iter()
        .map(|e| e["eventID"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 40_000, "no event twice");
}

/// Output with the timing line (which varies) and temporary paths replaced.
fn stable(out: &std::process::Output, tmp: &Path) -> String {
    let mut s = String::new();
    for line in text(&out.stdout).lines().chain(text(&out.stderr).lines()) {
        let line = line.replace(&tmp.display().to_string(), "<TMP>");
        s.push_str(if line.starts_with("time: ") {
            "time: <redacted>"
        } else {
            &line
        });
        s.push('\n');
    }
    s.push_str(&format!("exit: {:?}\n", out.status.code()));
    s
}

#[test]
fn convert_output_snapshots() {
    let dest = tempfile::tempdir().unwrap();
    let out = run(&[
        &"convert",
        &repo_root().join("testdata/sample-trail"),
        &dest.path(),
        &"-q",
    ]);
    insta::assert_snapshot!("convert_sample", stable(&out, dest.path()));
    let out = run(&[
        &"convert",
        &repo_root().join("testdata/sample-trail"),
        &dest.path(),
        &"-q",
    ]);
    insta::assert_snapshot!("convert_sample_again", stable(&out, dest.path()));
    let out = run(&[&"compact", &dest.path()]);
    insta::assert_snapshot!("compact_sample", stable(&out, dest.path()));
    let out = run(&[&"convert", &"--help"]);
    insta::assert_snapshot!("convert_help", stable(&out, dest.path()));
}

#[test]
fn the_lake_comes_from_flag_env_or_config_file() {
    let lake = tempfile::tempdir().unwrap();
    assert!(run(&[&"convert", &real_logs_dir(), &lake.path(), &"-q"])
        .status
        .success());
    let cfg = tempfile::tempdir().unwrap();
    let cfg_file = cfg.path().join("config.toml");
    std::fs::write(
        &cfg_file,
        format!("lake = {:?}\n", lake.path().display().to_string()),
    )
    .unwrap();
    let count = |cmd: &mut std::process::Command| {
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout).lines().count()
    };
    let from_config = count(
        bin()
            .args(["export", "--account", "347283850106"])
            .env_remove("TRAILHOUND_LAKE")
            .env("TRAILHOUND_CONFIG", &cfg_file),
    );
    let from_env = count(
        bin()
            .args(["export", "--account", "347283850106"])
            .env("TRAILHOUND_LAKE", lake.path())
            .env("TRAILHOUND_CONFIG", "/nonexistent"),
    );
    let from_flag = count(
        bin()
            .args(["export", "--account", "347283850106", "--lake"])
            .arg(lake.path())
            .env("TRAILHOUND_CONFIG", "/nonexistent"),
    );
    assert!(from_config > 0);
    assert_eq!((from_config, from_env), (from_flag, from_flag));

    std::fs::write(&cfg_file, "lake = 3\n").unwrap();
    let out = bin()
        .args(["export"])
        .env_remove("TRAILHOUND_LAKE")
        .env("TRAILHOUND_CONFIG", &cfg_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("invalid config file"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn verify_reports_findings_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.json");
    std::fs::write(&keys, r#"{"PublicKeyList": []}"#).unwrap();
    let out = run(&[&"verify", &real_logs_dir(), &"--public-keys", &keys]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("missing "), "{stdout}");
    assert!(
        stdout.lines().last().unwrap().starts_with("3 digests"),
        "{stdout}"
    );
    let out = run(&[
        &"verify",
        &real_logs_dir(),
        &"--public-keys",
        &keys,
        &"--format",
        &"json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["digests"], 3);
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["kind"] == "log_missing"));

    // The shipped sample has no digests: nothing was checked, which is a finding, not a pass.
    let out = run(&[
        &"verify",
        &repo_root().join("testdata/sample-trail"),
        &"--public-keys",
        &keys,
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("no digests      111122223333 us-east-1: ")
            && stdout.contains(
                "not checked (digest delivery was never enabled, or the digests are missing)"
            )
            && !stdout.contains("no findings"),
        "{stdout}"
    );

    std::fs::write(&keys, "not json").unwrap();
    let out = run(&[&"verify", &real_logs_dir(), &"--public-keys", &keys]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("keys.json") && err.contains("list-public-keys"),
        "{err}"
    );
}

#[test]
fn convert_verify_records_integrity_in_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.json");
    std::fs::write(&keys, r#"{"PublicKeyList": []}"#).unwrap();
    let lake = dir.path().join("lake");
    let out = run(&[
        &"convert",
        &"-q",
        &real_logs_dir(),
        &lake,
        &"--verify",
        &keys,
    ]);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(3),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("verify: "),
        "{}",
        text(&out.stderr)
    );
    // No digest names the corpus's logs (their digests' logs were not published): none is
    // valid, every converted one is recorded as not covered.
    let out = run(&[
        &"sql",
        &lake,
        &"--format",
        &"csv",
        &"-c",
        &"SELECT integrity, count(*) AS n FROM sources WHERE status = 'converted' GROUP BY 1 ORDER BY 1",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // 137 event files and 2 Insights files.
    assert_eq!(text(&out.stdout), "integrity,n\nnot_covered,139\n");
    // And rows can be traced to their source's record.
    let out = run(&[
        &"sql",
        &lake,
        &"--format",
        &"csv",
        &"-c",
        &"SELECT count(*) FROM cloudtrail c JOIN sources s ON c._source = s.key WHERE s.integrity = 'not_covered'",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let n: u64 = text(&out.stdout).lines().nth(1).unwrap().parse().unwrap();
    assert!(n > 1000, "{n}");
}

/// `ddl` describes the columns the lake's Parquet files really have, as an independent reader
/// (pyarrow) sees them, with the lake's own partitions in the projection.
#[test]
fn ddl_matches_the_parquet_an_independent_reader_sees() {
    let lake = sample_lake();
    let out = run(&[&"ddl", &lake, &"--location", &"s3://audit/lake"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ddl = text(&out.stdout);
    let body = ddl
        .split_once("CREATE EXTERNAL TABLE IF NOT EXISTS cloudtrail (\n")
        .and_then(|(_, b)| b.split_once("\n)\nPARTITIONED BY"))
        .map(|(cols, _)| cols)
        .unwrap_or_else(|| panic!("{ddl}"));
    let ddl_columns: Vec<String> = body
        .lines()
        .map(|l| l.trim().trim_end_matches(',').replace('`', ""))
        .collect();
    let file = walk(lake)
        .into_iter()
        .find(|p| {
            p.extension().is_some_and(|e| e == "parquet")
                && p.to_string_lossy().contains("/cloudtrail/")
        })
        .unwrap();
    let script = r#"
import sys, pyarrow as pa, pyarrow.parquet as pq
def hive(t):
    if pa.types.is_string(t) or pa.types.is_large_string(t): return "string"
    if pa.types.is_boolean(t): return "boolean"
    if pa.types.is_int64(t): return "bigint"
    if pa.types.is_timestamp(t): return "timestamp"
    if pa.types.is_struct(t): return "struct<" + ",".join(f.name + ":" + hive(f.type) for f in t) + ">"
    if pa.types.is_list(t): return "array<" + hive(t.value_type) + ">"
    return "?" + str(t)
for f in pq.read_schema(sys.argv[1]): print(f.name, hive(f.type))
"#;
    let py = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&file)
        .output()
        .expect("python3 runs");
    assert!(py.status.success(), "pyarrow: {}", text(&py.stderr));
    let parquet_columns: Vec<String> = text(&py.stdout).lines().map(str::to_string).collect();
    assert_eq!(ddl_columns, parquet_columns);
    assert!(
        ddl.contains("LOCATION 's3://audit/lake/cloudtrail/'"),
        "{ddl}"
    );
    // The sample's accounts and regions, enumerated.
    for v in [
        "'projection.account.values' = '",
        "'projection.region.values' = '",
    ] {
        let values = ddl.split_once(v).unwrap().1.split('\'').next().unwrap();
        assert!(!values.is_empty() && !values.contains("=/"), "{values}");
        for value in values.split(',') {
            let dir = if v.contains("account") {
                "account"
            } else {
                "region"
            };
            assert!(
                walk(lake)
                    .iter()
                    .any(|p| p.to_string_lossy().contains(&format!("/{dir}={value}/"))),
                "{dir}={value} is not in the lake"
            );
        }
    }
    // A local lake needs to be told where it lives in S3.
    let out = run(&[&"ddl", &lake, &"--engine", &"trino"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--location s3://"),
        "{}",
        text(&out.stderr)
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
