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
    assert!(out.contains("(3013 rows, first 3 shown)"));
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
    assert_eq!(out, "count(*)\n994\n");
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
    assert_eq!(text(&out.stdout), "n\n3013\n");
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
    assert_eq!(out, "count(*)\n515\n");
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
    assert_eq!(out, "count(*)\n401\n");
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
        "count(*),count(DISTINCT cloudtrail_raw.account)\n401,2\n"
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

/// `lookup` as `aws cloudtrail lookup-events`: management events only, the attribute kinds the
/// README names, the AWS CLI's paging (`--max-items`, `NextToken` after `Events`,
/// `--starting-token`), `--event-category insight`, and the table output.
#[test]
fn lookup_pages_and_attributes_as_the_aws_cli() {
    let lookup = |args: &[&str]| {
        let lake = sample_lake();
        let mut all: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"lookup", &lake];
        all.extend(args.iter().map(|a| a as &dyn AsRef<std::ffi::OsStr>));
        let out = run(&all);
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    let events = |json: &str| -> Vec<serde_json::Value> {
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        v["Events"].as_array().unwrap().clone()
    };
    let attr = |k: &str, v: &str| format!("AttributeKey={k},AttributeValue={v}");
    // By access key, by user (an assumed role's session name), by resource name.
    let by_key = attr("AccessKeyId", "ASIA646HNSEIGMBII4C3");
    let (code, out, err) = lookup(&["--lookup-attributes", &by_key]);
    assert_eq!(code, Some(0), "{err}");
    let found = events(&out);
    assert_eq!(found.len(), 19);
    assert!(found
        .iter()
        .all(|e| e["AccessKeyId"] == "ASIA646HNSEIGMBII4C3"));
    let by_user = attr("Username", "organizationaccountaccessrole-974f89");
    let (_, out, _) = lookup(&["--lookup-attributes", &by_user]);
    let found = events(&out);
    assert_eq!(found.len(), 19);
    assert!(found
        .iter()
        .all(|e| e["Username"] == "organizationaccountaccessrole-974f89"));
    let by_resource = attr("ResourceName", "AWSServiceRoleForConfig");
    let (_, out, _) = lookup(&["--lookup-attributes", &by_resource]);
    let found = events(&out);
    assert!(!found.is_empty());
    assert!(found
        .iter()
        .all(|e| e["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["ResourceName"]
                .as_str()
                .unwrap()
                .ends_with("/AWSServiceRoleForConfig"))));
    // Management events only, as the event history holds; data events with a switch.
    let get_object = attr("EventName", "GetObject");
    let (_, out, _) = lookup(&["--lookup-attributes", &get_object]);
    assert!(events(&out).is_empty());
    let (_, out, _) = lookup(&["--lookup-attributes", &get_object, "--include-data-events"]);
    assert_eq!(events(&out).len(), 306);

    // Paging: two at a time, NextToken after Events, the next page with no overlap, and no
    // token once everything fits.
    let decrypt = attr("EventName", "Decrypt");
    let (_, all, _) = lookup(&["--lookup-attributes", &decrypt]);
    let all = events(&all);
    assert!(all.len() > 4);
    let (code, first, _) = lookup(&["--lookup-attributes", &decrypt, "--max-items", "2"]);
    assert_eq!(code, Some(0));
    assert!(first.find("\"Events\"").unwrap() < first.find("\"NextToken\"").unwrap());
    let token: serde_json::Value = serde_json::from_str(&first).unwrap();
    let token = token["NextToken"].as_str().unwrap().to_string();
    let (_, second, _) = lookup(&[
        "--lookup-attributes",
        &decrypt,
        "--max-items",
        "2",
        "--starting-token",
        &token,
    ]);
    let ids = |e: &[serde_json::Value]| e.iter().map(|x| x["EventId"].clone()).collect::<Vec<_>>();
    let mut two_pages = ids(&events(&first));
    two_pages.extend(ids(&events(&second)));
    assert_eq!(two_pages, ids(&all[..4]));
    let (_, everything, _) = lookup(&["--lookup-attributes", &decrypt, "--max-items", "100000"]);
    assert!(!everything.contains("NextToken"));
    // The table shows every event and the token on its last line.
    let (_, table, _) = lookup(&[
        "--lookup-attributes",
        &decrypt,
        "--max-items",
        "3",
        "--output",
        "table",
    ]);
    assert_eq!(table.matches("| Decrypt").count(), 3, "{table}");
    assert!(
        table.lines().last().unwrap().starts_with("NextToken: "),
        "{table}"
    );
    // A token of another lookup, a damaged one, a category that does not exist: one line, 1.
    for bad in [
        vec![
            "--lookup-attributes",
            &get_object,
            "--starting-token",
            &token,
        ],
        vec!["--starting-token", "garbage"],
        vec!["--event-category", "data"],
    ] {
        let (code, _, err) = lookup(&bad);
        assert_eq!(code, Some(1), "{bad:?}: {err}");
    }
    // Insights events, by category (the sample trail has none).
    let (code, out, err) = lookup(&["--event-category", "insight"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(events(&out).is_empty());
}
