//! `trailhound cost`: the report on the sample archive (snapshots), selector files, errors.

use crate::{repo_root, run, sample_lake, text};

fn selectors(name: &str) -> std::path::PathBuf {
    repo_root().join("testdata/selectors").join(name)
}

#[test]
fn table_and_markdown_reports() {
    for (fmt, name) in [("table", "cost_table"), ("md", "cost_md")] {
        let out = run(&[
            &"cost",
            &sample_lake(),
            &"--selectors",
            &selectors("basic.json"),
            &"--selectors",
            &selectors("production.json"),
            &"--top",
            &"3",
            &"--format",
            &fmt,
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        insta::assert_snapshot!(name, text(&out.stdout));
    }
}

#[test]
fn json_report_has_period_and_month_per_set() {
    let out = run(&[
        &"cost",
        &"--lake",
        &sample_lake(),
        &"--selectors",
        &selectors("basic.json"),
        &"--from",
        &"2024-08-01",
        &"--until",
        &"2024-08-02",
        &"--cloudwatch-retention",
        &"14",
        &"--format",
        &"json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["period"]["days"], 1.0);
    let sets = v["scenarios"].as_array().unwrap();
    assert_eq!(sets.len(), 2);
    assert_eq!(sets[1]["name"], "basic.json");
    let (p, m) = (&sets[1]["period"]["events"], &sets[1]["month"]["events"]);
    assert_eq!(m.as_f64().unwrap(), p.as_f64().unwrap() * 30.0);
    assert!(
        sets[0]["dollars_month"]["cloudwatch_logs"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert_eq!(v["options"]["cloudwatch_retention_days"], 14);
}

#[test]
fn bad_inputs_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"AdvancedEventSelectors":[{"Name":"x","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"readOnly","StartsWith":["t"]}]}]}"#,
    )
    .unwrap();
    let prices = dir.path().join("prices.toml");
    std::fs::write(&prices, "version = \"x\"\n").unwrap();
    let lake = sample_lake();
    let nolake = dir.path().join("nolake");
    let cases: Vec<(Vec<&dyn AsRef<std::ffi::OsStr>>, String)> = vec![
        (
            vec![&"cost", &lake, &"--selectors", &bad],
            format!("error: InvalidEventSelectorsException: {}: AdvancedEventSelectors[0].FieldSelectors[1].StartsWith: operator StartsWith is not allowed on readOnly; only Equals is", bad.display()),
        ),
        (
            vec![&"cost", &lake, &"--pricing", &prices],
            format!("error: pricing file {}: missing field `region`", prices.display()),
        ),
        (
            vec![&"cost", &lake, &"--lifecycle", &"STANDARD:30,TAPE:5"],
            "error: lifecycle \"STANDARD:30,TAPE:5\": unknown storage class TAPE; the pricing file has DEEP_ARCHIVE, GLACIER, GLACIER_IR, STANDARD, STANDARD_IA".to_string(),
        ),
        (
            vec![&"cost", &nolake],
            format!("error: {}: no such lake (a folder written by `trailhound convert`)", nolake.display()),
        ),
    ];
    for (args, want) in cases {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1));
        assert!(out.stdout.is_empty());
        assert_eq!(text(&out.stderr).trim_end(), want);
    }
}
