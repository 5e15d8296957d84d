//! `trailhound sql` and `trailhound lookup` without a terminal: formats, files, stdin, errors.

use std::io::Write;
use std::process::Stdio;

use crate::{bin, run, sample_lake, text};

fn sql(args: &[&str]) -> (bool, String, String) {
    let lake = sample_lake();
    let mut all: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"sql", &lake];
    for a in args {
        all.push(a);
    }
    let out = run(&all);
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn output_formats_snapshots() {
    let q =
        "SELECT eventname, count(*) AS n, min(eventtime) AS first, bool_or(readonly) AS any_read \
             FROM cloudtrail WHERE eventsource = 'sts.amazonaws.com' GROUP BY 1 ORDER BY 1";
    for fmt in ["table", "csv", "tsv", "json", "ndjson"] {
        let (ok, out, err) = sql(&["-c", q, "--format", fmt]);
        assert!(ok, "{err}");
        insta::assert_snapshot!(format!("sql_format_{fmt}"), out);
    }
}

#[test]
fn wide_values_are_cut_and_rows_limited_with_the_total() {
    let (ok, out, err) = sql(&[
        "-c",
        "SELECT eventid, requestparameters, useridentity FROM cloudtrail ORDER BY eventid",
        "--max-rows",
        "3",
        "--max-width",
        "30",
    ]);
    assert!(ok, "{err}");
    insta::assert_snapshot!("sql_wide_cut", out);
    assert!(out.contains("(3000 rows, first 3 shown)"));
}

#[test]
fn expanded_nested_values_are_json() {
    let (ok, out, _) = sql(&[
        "-c",
        "SELECT useridentity, resources FROM cloudtrail WHERE eventname = 'PutObject' ORDER BY eventid LIMIT 1",
        "--format",
        "json",
    ]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v[0]["useridentity"]["type"].is_string(), "{out}");
    assert!(v[0]["resources"][0]["arn"].is_string(), "{out}");
}

#[test]
fn files_stdin_and_several_statements() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("q.sql");
    std::fs::write(
        &f,
        "-- two statements\nCREATE VIEW w AS SELECT * FROM cloudtrail WHERE NOT readonly;\nSELECT count(*) FROM w;\n",
    )
    .unwrap();
    let (ok, out, err) = sql(&["-f", f.to_str().unwrap(), "--format", "csv"]);
    assert!(ok, "{err}");
    assert_eq!(out, "count(*)\n988\n");
    let mut child = bin()
        .args([
            "sql".as_ref(),
            sample_lake().as_os_str(),
            "--format".as_ref(),
            "csv".as_ref(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"SELECT count(*) AS n FROM cloudtrail;")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "n\n3000\n");
}

#[test]
fn parquet_output_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("out.parquet");
    let (ok, _, err) = sql(&[
        "-c",
        "SELECT eventid, eventtime, useridentity FROM cloudtrail WHERE eventname = 'Decrypt'",
        "--format",
        "parquet",
        "--output",
        p.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let (ok, out, _) = sql(&[
        "-c",
        &format!("SELECT count(*) FROM '{}'", p.display()),
        "--format",
        "csv",
    ]);
    assert!(ok);
    assert_eq!(out, "count(*)\n514\n");
    let (ok, _, err) = sql(&["-c", "SELECT 1", "--format", "parquet"]);
    assert!(!ok);
    assert!(err.contains("--output"), "{err}");
}

#[test]
fn a_time_window_limits_every_table() {
    let (ok, out, _) = sql(&[
        "--from",
        "2024-08-01",
        "--until",
        "2024-08-02",
        "-c",
        "SELECT count(*) FROM cloudtrail",
        "--format",
        "csv",
    ]);
    assert!(ok);
    assert_eq!(out, "count(*)\n400\n");
}

#[test]
fn errors_are_one_line_with_exit_code_1() {
    for (q, want) in [
        (
            "SELEC 1",
            "syntax error: Expected: an SQL statement, found: SELEC at Line: 1, Column: 1",
        ),
        ("SELECT nope FROM cloudtrail", "No field named nope"),
        (
            "SELECT * FROM nowhere",
            "table 'datafusion.public.nowhere' not found",
        ),
        (
            "SELECT ip_in_cidr(sourceipaddress, '1.2.3.4/99') FROM cloudtrail",
            "is not a network",
        ),
    ] {
        let (ok, out, err) = sql(&["-c", q]);
        assert!(!ok, "{q}");
        assert!(out.is_empty(), "{q}: {out}");
        assert_eq!(err.lines().count(), 1, "{q}: {err}");
        assert!(err.starts_with("error: "), "{err}");
        assert!(err.contains(want), "{q}: {err}");
    }
    let out = run(&[&"sql", &"/nonexistent/lake", &"-c", &"SELECT 1"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("/nonexistent/lake"));
    let empty = tempfile::tempdir().unwrap();
    let out = run(&[&"sql", &empty.path(), &"-c", &"SELECT 1"]);
    assert!(
        text(&out.stderr).contains("not a trailhound lake"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn raw_logs_without_converting() {
    let out = run(&[
        &"sql",
        &"--raw",
        &crate::repo_root().join("testdata/sample-trail"),
        &"-c",
        &"SELECT count(*), count(DISTINCT account) FROM cloudtrail_raw WHERE eventtime >= '2024-08-01' AND eventtime < '2024-08-02'",
        &"--format",
        &"csv",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "count(*),count(DISTINCT cloudtrail_raw.account)\n400,2\n"
    );
}

#[test]
fn lookup_like_the_aws_cli() {
    let out = run(&[
        &"lookup",
        &sample_lake(),
        &"--lookup-attributes",
        &"AttributeKey=EventName,AttributeValue=RunInstances",
        &"--max-results",
        &"2",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let events = v["Events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|e| e["EventName"] == "RunInstances"));
    assert!(events[0]["EventTime"].as_str() >= events[1]["EventTime"].as_str());
    let out = run(&[
        &"lookup",
        &sample_lake(),
        &"--lookup-attributes",
        &"AttributeKey=Colour,AttributeValue=red",
    ]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("unknown AttributeKey"));
}
