//! `trailhound queries`, `run` and `report` from the outside: listings, parameters, errors, exit
//! codes and the report formats (snapshots on the sample archive).

use std::collections::BTreeSet;
use std::path::Path;

use crate::{bin, run, sample_lake, text};

fn cases_lake(query: &str) -> std::path::PathBuf {
    let lake = tempfile::tempdir().unwrap().keep().join("lake");
    let out = run(&[
        &"convert",
        &"-q",
        &trailhound_testkit::cases::load(&trailhound_testkit::cases::cases_dir().join(query))
            .archive(),
        &lake,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    lake
}

/// Every query's cases in one lake, converted by the binary once per test run.
fn all_cases_lake() -> &'static Path {
    static LAKE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    LAKE.get_or_init(|| {
        let lake = tempfile::tempdir().unwrap().keep().join("lake");
        let out = run(&[
            &"convert",
            &"-q",
            &trailhound_testkit::cases::archive_all(),
            &lake,
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        lake
    })
}

#[test]
fn list_and_show() {
    let out = run(&[&"queries", &"--category", &"investigate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    insta::assert_snapshot!("queries_investigate", text(&out.stdout));
    let out = run(&[&"queries"]);
    let all = text(&out.stdout);
    assert!(all.lines().count() > 40, "{all}");
    let out = run(&[&"queries", &"show", &"failed-console-login-burst"]);
    let shown = text(&out.stdout);
    assert!(
        shown.contains("--param threshold=<int>")
            && shown.contains("RANGE BETWEEN INTERVAL '5 minutes' PRECEDING"),
        "{shown}"
    );
    let out = run(&[&"queries", &"show", &"root"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no saved query named \"root\"; did you mean"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn run_with_typed_parameters_and_exit_codes() {
    let lake = cases_lake("failed-console-login-burst");
    let base: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
        &"run",
        &"failed-console-login-burst",
        &"--lake",
        &lake,
        &"--from",
        &"2024-09-01",
        &"--until",
        &"2024-09-08",
        &"--format",
        &"csv",
    ];
    let out = run(&base);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    // The bursts from one IP, for one user and for one account's root user.
    assert_eq!(csv.lines().count(), 4, "{csv}");
    // With a higher threshold nothing is a burst; --fail-on-findings turns findings into exit 2.
    let mut args = base.clone();
    args.extend([&"-p" as &dyn AsRef<std::ffi::OsStr>, &"threshold=11"]);
    let out = run(&args);
    assert_eq!(text(&out.stdout).lines().count(), 1);
    let mut args = base.clone();
    args.push(&"--fail-on-findings");
    assert_eq!(run(&args).status.code(), Some(2));
    // A value of the wrong type, an unknown parameter, a missing one: one line each, exit 1.
    for (extra, want) in [
        (
            "threshold=ten",
            "failed-console-login-burst: parameter threshold: \"ten\" is not an integer",
        ),
        (
            "treshold=3",
            "failed-console-login-burst takes no parameter \"treshold\" (it takes threshold)",
        ),
    ] {
        let mut args = base.clone();
        args.extend([&"-p" as &dyn AsRef<std::ffi::OsStr>, &extra]);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(text(&out.stderr).trim_end(), format!("error: {want}"));
    }
    // Over a whole category a misspelt parameter is refused too, not silently dropped.
    let out = run(&[
        &"run",
        &"--category",
        &"threats",
        &"--lake",
        &lake,
        &"-p",
        &"treshold=3",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim_end(),
        "error: no query of this set takes a parameter \"treshold\""
    );
    let out = run(&[
        &"report",
        &"compliance",
        &"--lake",
        &lake,
        &"-p",
        &"admin_patern=x",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no query of this set takes a parameter \"admin_patern\""),
        "{}",
        text(&out.stderr)
    );
    let out = run(&[&"run", &"ip-activity", &"--lake", &lake]);
    assert_eq!(text(&out.stderr).trim_end(), "error: ip-activity needs --param ip=<string> (an address or CIDR, e.g. 203.0.113.7 or 203.0.113.0/24)");
    // Parameters are values, never SQL: a quote in one is just a character.
    let out = run(&[
        &"run",
        &"principal-activity",
        &"--lake",
        &lake,
        &"-p",
        &"principal=x' OR '1'='1",
        &"--from",
        &"2024-09-01",
        &"--format",
        &"csv",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).lines().count(),
        1,
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn user_folders_add_and_replace_queries() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("mine")).unwrap();
    std::fs::write(
        dir.path().join("mine/cis-4.03-root-usage.sql"),
        "-- title: Root, my way\n-- severity: low\n-- description: replaced\n-- references: local\nSELECT 'replaced' AS eventid WHERE $from < $until\n",
    )
    .unwrap();
    let out = run(&[
        &"run",
        &"cis-4.03-root-usage",
        &"--queries",
        &dir.path(),
        &"--lake",
        &sample_lake(),
        &"--format",
        &"csv",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "eventid\nreplaced\n");
    std::fs::write(
        dir.path().join("mine/broken.sql"),
        "-- title: x\n-- severity: urgent\n-- description: y\nSELECT 1",
    )
    .unwrap();
    let out = run(&[&"queries", &"--queries", &dir.path()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(
            "broken.sql: severity \"urgent\" is not one of info, low, medium, high, critical"
        ),
        "{}",
        text(&out.stderr)
    );
}

/// The saved-query folder beside the user's config file: `$XDG_CONFIG_HOME/trailhound/queries`,
/// else `~/.config/trailhound/queries`. Its queries are listed and run by name like built-ins.
#[test]
fn the_user_config_folder_adds_queries() {
    let home = tempfile::tempdir().unwrap();
    let xdg = tempfile::tempdir().unwrap();
    // The same name in both folders, with answers that tell them apart.
    let write = |queries: &Path, select: &str| {
        std::fs::create_dir_all(queries.join("mine")).unwrap();
        std::fs::write(
            queries.join("mine/my-own-count.sql"),
            format!("-- title: Mine\n-- severity: info\n-- description: Events in the period, counted.\n-- references: local\nSELECT {select} AS n FROM cloudtrail WHERE eventtime >= $from AND eventtime < $until\n"),
        )
        .unwrap();
    };
    let in_home = home.path().join(".config/trailhound/queries");
    write(&in_home, "count(*)");
    write(&xdg.path().join("trailhound/queries"), "count(*) + 1");
    let user = |xdg: Option<&Path>, args: &[&str]| {
        let mut cmd = bin();
        cmd.args(args)
            .env("HOME", home.path())
            .env_remove("TRAILHOUND_CONFIG");
        match xdg {
            Some(x) => cmd.env("XDG_CONFIG_HOME", x),
            None => cmd.env_remove("XDG_CONFIG_HOME"),
        };
        cmd.output().unwrap()
    };
    let lake = sample_lake().to_str().unwrap();
    let run_it = |xdg: Option<&Path>| {
        let out = user(
            xdg,
            &[
                "run",
                "my-own-count",
                "--lake",
                lake,
                "--from",
                "2024-07-01",
                "--until",
                "2024-09-01",
                "--format",
                "csv",
            ],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };

    let out = user(None, &["queries"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    assert!(
        listed
            .lines()
            .any(|l| l.split_whitespace().take(2).eq(["my-own-count", "mine"])),
        "{listed}"
    );
    let shown = text(&user(None, &["queries", "show", "my-own-count"]).stdout);
    let file = in_home.join("mine/my-own-count.sql");
    assert!(shown.contains(&file.display().to_string()), "{shown}");
    assert_eq!(run_it(None), "n\n3013\n");
    // XDG_CONFIG_HOME, when set, is where the folder is.
    assert_eq!(run_it(Some(xdg.path())), "n\n3014\n");
    // Without the folder the name is unknown: the query came from it.
    let out = run(&[&"run", &"my-own-count", &"--lake", &lake]);
    assert_eq!(out.status.code(), Some(1));
}

/// `report threats`: one section per query of the category, on the sample lake (where nothing
/// is found) and on all the crafted cases at once, where every check finds something.
#[test]
fn the_threats_report_has_a_section_per_threat_query() {
    let out = run(&[&"queries", &"--category", &"threats"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    let names: BTreeSet<String> = listed
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    assert!(names.len() >= 12, "{listed}");

    let out = run(&[
        &"report",
        &"threats",
        &"--lake",
        &sample_lake(),
        &"--from",
        &"2024-07-31",
        &"--until",
        &"2024-08-07",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let md = text(&out.stdout);
    assert!(md.starts_with("# trailhound threats report\n"), "{md}");
    assert!(md.contains("- Data checked: 3013 events"), "{md}");
    assert!(
        md.contains(&format!("{} checks, ", names.len())) && md.contains(", 0 failed to run."),
        "{md}"
    );
    for name in &names {
        assert!(
            md.contains(&format!("\n`{name}` · severity ")),
            "no section for {name}: {md}"
        );
    }
    // The summary's heading, then one per check.
    assert_eq!(
        md.lines().filter(|l| l.starts_with("## ")).count(),
        names.len() + 1,
        "{md}"
    );

    let lake = all_cases_lake();
    let report = |extra: &'static str| {
        run(&[
            &"report",
            &"threats",
            &"--lake",
            &lake,
            &"--from",
            &"2024-09-01",
            &"--until",
            &"2024-09-08",
            &"--format",
            &"json",
            &extra,
        ])
    };
    let out = report("--max-findings=3");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["kind"], "threats");
    let sections = v["sections"].as_array().unwrap();
    let got: BTreeSet<String> = sections
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(got, names);
    assert_eq!(sections.len(), names.len());
    for s in sections {
        assert_eq!(s["status"], "findings", "{s}");
        assert!(s["count"].as_u64().unwrap_or(0) > 0, "{s}");
    }
    assert_eq!(report("--fail-on-findings").status.code(), Some(2));
}

#[test]
fn compliance_report_formats() {
    let lake = sample_lake();
    let out = run(&[
        &"report",
        &"compliance",
        &"--lake",
        &lake,
        &"--from",
        &"2024-07-31",
        &"--until",
        &"2024-08-07",
        &"--max-findings",
        &"2",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    insta::assert_snapshot!("report_compliance_md", text(&out.stdout));
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("r.html");
    let out = run(&[
        &"report",
        &"compliance",
        &"--lake",
        &lake,
        &"--from",
        &"2024-07-31",
        &"--until",
        &"2024-08-07",
        &"--format",
        &"html",
        &"--output",
        &html,
        &"--fail-on-findings",
    ]);
    assert_eq!(out.status.code(), Some(2), "findings were found");
    let h = std::fs::read_to_string(&html).unwrap();
    assert!(
        h.starts_with("<!doctype html>")
            && h.contains("<span class=\"status status-findings\">findings</span>")
            && h.contains("Accounts (2): 111122223333, 444455556666"),
        "{h}"
    );
    let out = run(&[
        &"report",
        &"compliance",
        &"--lake",
        &lake,
        &"--from",
        &"2024-07-31",
        &"--until",
        &"2024-08-07",
        &"--format",
        &"json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["coverage"]["events"], 3013);
    let sections = v["sections"].as_array().unwrap();
    assert!(sections.len() >= 19);
    let sg = sections
        .iter()
        .find(|s| s["name"] == "cis-4.10-security-group-changes")
        .unwrap();
    assert_eq!(
        (sg["status"].as_str(), sg["count"].as_u64()),
        (Some("findings"), Some(45))
    );
    // A period with no data: every section says none, coverage says 0 events.
    let out = run(&[
        &"report",
        &"compliance",
        &"--lake",
        &lake,
        &"--from",
        &"2020-01-01",
        &"--until",
        &"2020-02-01",
        &"--format",
        &"json",
        &"--fail-on-findings",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["coverage"]["events"], 0);
    assert!(v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["status"] == "none"));
}

/// A check that cannot run fails the report (exit 1, named on stderr) even when the report is
/// written, and is shown as such in it, never as passed.
#[test]
fn a_report_with_a_check_that_cannot_run_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let q = dir.path().join("compliance");
    std::fs::create_dir_all(&q).unwrap();
    std::fs::write(
        q.join("zz-broken.sql"),
        "-- title: A broken check\n-- severity: high\n-- description: Reads a column that does not exist.\n\
         SELECT no_such_column FROM cloudtrail WHERE eventtime >= $from AND eventtime < $until\n",
    )
    .unwrap();
    let lake = super::sample_lake();
    let report = dir.path().join("r.md");
    for extra in [&[][..], &["--fail-on-findings"][..]] {
        let out = super::bin()
            .args([
                "report",
                "compliance",
                "--from",
                "2024-07-31",
                "--until",
                "2024-08-07",
                "--queries",
            ])
            .arg(dir.path())
            .arg("--lake")
            .arg(lake)
            .arg("--output")
            .arg(&report)
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{extra:?}: {}",
            text(&out.stderr)
        );
        let err = text(&out.stderr);
        assert!(err.contains("check zz-broken could not run:"), "{err}");
        assert!(err.contains("no_such_column"), "{err}");
        let md = std::fs::read_to_string(&report).unwrap();
        assert!(md.contains("| A broken check | high | error | 0 |"), "{md}");
    }
}

#[test]
fn run_sigma_runs_a_folder_of_rules_and_names_what_it_skips() {
    let rules = tempfile::tempdir().unwrap();
    std::fs::write(
        rules.path().join("stop.yml"),
        "title: Trail stopped\nid: 5b0e0f0e-1111-4222-8333-000000000001\nlevel: critical\n\
         tags: [attack.defense-evasion, attack.t1562.008]\n\
         logsource: {product: aws, service: cloudtrail}\n\
         detection:\n  sel: {eventSource: cloudtrail.amazonaws.com, eventName: [StopLogging, DeleteTrail]}\n  condition: sel\n",
    )
    .unwrap();
    std::fs::write(
        rules.path().join("win.yml"),
        "title: Windows thing\nlogsource: {product: windows, category: process_creation}\ndetection: {s: {Image: x}, condition: s}\n",
    )
    .unwrap();
    std::fs::write(rules.path().join("broken.yml"), "title: [unclosed\n").unwrap();
    let out = crate::run(&[
        &"run",
        &"--sigma",
        &rules.path(),
        &"--lake",
        &crate::sample_lake(),
        &"--from",
        &"2024-07-01",
        &"--format",
        &"csv",
        &"--fail-on-findings",
    ]);
    let (stdout, stderr) = (crate::text(&out.stdout), crate::text(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stdout.starts_with("rule,level,eventtime,eventid,"),
        "{stdout}"
    );
    assert!(
        stdout
            .contains("Trail stopped,critical,2024-08-02T10:00:00Z,lake-stop-logging,StopLogging"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "attack.defense-evasion attack.t1562.008,5b0e0f0e-1111-4222-8333-000000000001"
        ),
        "{stdout}"
    );
    assert!(
        stderr.contains("broken.yml: document 1: not valid YAML"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 rules for other logsources skipped"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 Sigma rules ran (2 not): 1 findings"),
        "{stderr}"
    );

    // Nothing that can run: one line, exit 1.
    let out = crate::run(&[
        &"run",
        &"--sigma",
        &rules.path().join("win.yml"),
        &"--lake",
        &crate::sample_lake(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        crate::text(&out.stderr).contains("no Sigma rule for AWS CloudTrail"),
        "{}",
        crate::text(&out.stderr)
    );
}

/// `report pci-dss|soc2|hipaa`: every control with its status and evidence, in md, html and json;
/// `report cis` is the compliance category.
#[test]
fn framework_reports_give_each_control_a_status() {
    let lake = sample_lake();
    let report = |kind: &str, format: &str, extra: &[&str]| {
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
            &"report",
            &kind,
            &"--lake",
            &lake,
            &"--from",
            &"2024-07-31",
            &"--until",
            &"2024-08-07",
            &"--format",
        ];
        args.push(&format);
        for e in extra {
            args.push(e);
        }
        run(&args)
    };
    let expected: [(&str, &[&str]); 3] = [
        (
            "pci-dss",
            &[
                "10.2.1", "10.2.1.1", "10.2.1.2", "10.2.1.3", "10.2.1.4", "10.2.1.5", "10.2.1.6",
                "10.2.1.7", "10.2.2", "10.3", "10.4",
            ],
        ),
        (
            "soc2",
            &["CC6.1", "CC6.2", "CC6.3", "CC7.2", "CC7.3", "CC8.1"],
        ),
        (
            "hipaa",
            &[
                "164.312(b)",
                "164.308(a)(1)(ii)(D)",
                "164.308(a)(5)(ii)(C)",
                "164.312(d)",
            ],
        ),
    ];
    for (kind, ids) in expected {
        let out = report(kind, "json", &[]);
        assert_eq!(out.status.code(), Some(0), "{kind}: {}", text(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let controls = v["framework"]["controls"].as_array().unwrap();
        let got: Vec<&str> = controls.iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(got, ids, "{kind}");
        let sections = v["sections"].as_array().unwrap();
        for c in controls {
            let status = c["status"].as_str().unwrap();
            let evidence = c["evidence"].as_array().unwrap();
            // A control's status follows from its queries: flagged rows mean review; a control no
            // query evidences never passes.
            let flagged: u64 = evidence
                .iter()
                .filter(|e| e["role"] == "flags")
                .map(|e| e["count"].as_u64().unwrap())
                .sum();
            if evidence.is_empty() {
                assert_eq!(status, "not-evidenced", "{c}");
                assert!(c["note"]
                    .as_str()
                    .unwrap()
                    .contains("CloudTrail records API calls"));
            } else if flagged > 0 {
                assert_eq!(status, "review", "{c}");
            } else {
                assert!(["evidenced", "gap"].contains(&status), "{c}");
            }
            for e in evidence {
                let s = sections
                    .iter()
                    .find(|s| s["name"] == e["query"])
                    .unwrap_or_else(|| panic!("no section for {e}"));
                assert_eq!(s["count"], e["count"], "{e}");
            }
        }
        // Markdown: the controls table, then the checks.
        let out = report(kind, "md", &[]);
        let md = text(&out.stdout);
        assert!(
            md.starts_with(&format!("# trailhound {kind} report\n")),
            "{md}"
        );
        assert!(
            md.contains("| control | requirement | status | note |"),
            "{md}"
        );
        for id in ids {
            assert!(md.contains(&format!("\n| {id} | ")), "{kind} {id}: {md}");
        }
        // HTML: the controls table with a status per control.
        let out = report(kind, "html", &[]);
        let h = text(&out.stdout);
        assert!(h.contains("<table id=\"controls-table\">"), "{h}");
        assert_eq!(
            h.matches("<span class=\"status status-").count(),
            // one in the table and one in the heading of each control, one per check twice
            2 * ids.len() + 2 * v["sections"].as_array().unwrap().len(),
            "{kind}"
        );
    }
    // PCI DSS on the sample: failed sign-ins are there to review; review is never evidenced.
    let out = report("pci-dss", "json", &["--fail-on-findings"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let status = |id: &str| {
        v["framework"]["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status("10.2.1.4"), "review");
    assert_eq!(status("10.4"), "not-evidenced");

    // A lake of management events only: data access cannot be evidenced, and says so.
    let mgmt = cases_lake("cis-4.04-iam-policy-changes");
    let out = run(&[
        &"report",
        &"hipaa",
        &"--lake",
        &mgmt,
        &"--from",
        &"2024-09-01",
        &"--until",
        &"2024-09-08",
        &"--format",
        &"json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let audit = &v["framework"]["controls"][0];
    assert_eq!(audit["id"], "164.312(b)");
    assert_eq!(audit["status"], "not-evidenced", "{audit}");
    assert!(audit["note"].as_str().unwrap().contains("no data events"));

    // `cis` is the compliance category; an unknown report names the choices.
    let names = |kind: &str| -> Vec<String> {
        let out = report(kind, "json", &[]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["sections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("cis"), names("compliance"));
    let out = report("iso27001", "md", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("cis, pci-dss, soc2, hipaa"),
        "{}",
        text(&out.stderr)
    );
}

/// `queries --attack T1562`: the detections of a technique and its sub-techniques.
#[test]
fn queries_by_attack_technique() {
    let out = run(&[&"queries", &"--attack", &"T1562"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    assert!(listed.contains("cloudtrail-tampering"), "{listed}");
    assert!(!listed.contains("root-login-and-use"), "{listed}");
    let out = run(&[
        &"queries",
        &"--attack",
        &"T1562.008",
        &"--category",
        &"threats",
    ]);
    let narrow = text(&out.stdout);
    assert!(narrow.contains("cloudtrail-tampering"), "{narrow}");
    assert!(!narrow.contains("security-services-disabled"), "{narrow}");
    let out = run(&[&"queries", &"show", &"cloudtrail-tampering"]);
    assert!(text(&out.stdout).contains("ATT&CK: T1562.008"));
    let out = run(&[&"queries", &"--attack", &"T9999"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no saved query is mapped to ATT&CK technique \"T9999\""));
}

/// `report … --sigma PATH`: a section per Sigma rule beside the catalog's, or alone with
/// `report sigma`; its ATT&CK tags become technique ids.
#[test]
fn reports_take_sigma_rules() {
    let rules = tempfile::tempdir().unwrap();
    std::fs::write(
        rules.path().join("stop.yml"),
        "title: Trail stopped\nid: 5b0e0f0e-1111-4222-8333-000000000002\nlevel: critical\n\
         tags: [attack.defense-evasion, attack.t1562.008]\n\
         logsource: {product: aws, service: cloudtrail}\n\
         detection:\n  sel: {eventName: StopLogging}\n  condition: sel\n\
         ---\ntitle: Nothing here\nlevel: informational\n\
         logsource: {product: aws, service: cloudtrail}\n\
         detection:\n  sel: {eventName: NoSuchCall}\n  condition: sel\n",
    )
    .unwrap();
    let report = |kind: &str| {
        crate::run(&[
            &"report",
            &kind,
            &"--sigma",
            &rules.path(),
            &"--lake",
            &crate::sample_lake(),
            &"--from",
            &"2024-07-01",
            &"--until",
            &"2024-09-01",
            &"--format",
            &"json",
        ])
    };
    let out = report("sigma");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sections = v["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 2, "{v}");
    let stop = &sections[0];
    assert_eq!(stop["name"], "sigma:5b0e0f0e-1111-4222-8333-000000000002");
    assert_eq!(
        (stop["status"].as_str(), stop["count"].as_u64()),
        (Some("findings"), Some(1))
    );
    assert_eq!(stop["attack"], serde_json::json!(["T1562.008"]));
    assert_eq!(stop["severity"], "critical");
    assert_eq!(sections[1]["status"], "none");
    assert_eq!(sections[1]["severity"], "info");

    let out = report("threats");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"cloudtrail-tampering")
            && names.contains(&"sigma:5b0e0f0e-1111-4222-8333-000000000002"),
        "{names:?}"
    );
}

/// `run --category` in a machine format is one document of findings, each naming its detection:
/// JSON one array, CSV one header, Parquet one file (read back by pyarrow), every detection of
/// the category with findings on the crafted cases present.
#[test]
fn run_category_writes_one_document_of_findings() {
    let lake = all_cases_lake();
    let cat = trailhound_rules::catalog::Catalog::builtin().unwrap();
    let names: BTreeSet<String> = cat
        .category("threats")
        .iter()
        .map(|q| q.name.clone())
        .collect();
    let run_as = |format: &str, extra: &[&dyn AsRef<std::ffi::OsStr>]| {
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![
            &"run",
            &"--category",
            &"threats",
            &"--lake",
            &lake,
            &"--from",
            &"2024-09-01",
            &"--until",
            &"2024-09-08",
            &"--format",
        ];
        args.push(&format);
        args.extend_from_slice(extra);
        let out = run(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let json: serde_json::Value = serde_json::from_str(&run_as("json", &[])).unwrap();
    let findings = json.as_array().unwrap();
    let named: BTreeSet<String> = findings
        .iter()
        .map(|f| {
            assert!(
                f["title"].is_string() && f["severity"].is_string() && f["row"].is_object(),
                "{f}"
            );
            assert!(!f["eventids"].as_array().unwrap().is_empty(), "{f}");
            f["detection"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(named, names);
    let csv = run_as("csv", &[]);
    assert!(
        csv.starts_with("detection,title,severity,category,key,eventids,row\n"),
        "{csv}"
    );
    assert_eq!(csv.matches("\ndetection,title").count(), 0, "one header");
    let parquet = tempfile::tempdir().unwrap().keep().join("findings.parquet");
    run_as("parquet", &[&"--output", &parquet]);
    let py = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, pyarrow.parquet as pq; t = pq.read_table(sys.argv[1]); \
             print(t.num_rows, len(set(t.column('detection').to_pylist())))",
        ])
        .arg(&parquet)
        .output()
        .expect("python3 runs");
    assert!(py.status.success(), "{}", text(&py.stderr));
    assert_eq!(
        text(&py.stdout).trim(),
        format!("{} {}", findings.len(), names.len())
    );
}

/// A window without events says so in one line, and where the lake's events are.
#[test]
fn run_over_an_empty_window_says_where_the_events_are() {
    let out = run(&[
        &"run",
        &"--category",
        &"threats",
        &"--lake",
        &sample_lake(),
        &"--from",
        &"2030-01-01",
        &"--format",
        &"csv",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("warning: no events between 2030-01-01T00:00:00Z and ")
            && err.contains("the lake holds the days 2024-07-31 to 2024-08-0"),
        "{err}"
    );
}
