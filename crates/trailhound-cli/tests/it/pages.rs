//! The HTML pages (`report`, `cost`, `timeline` with `--format html`) in headless Chromium,
//! driven by `tests/browser.py` over the DevTools protocol: each loads without console errors
//! (the page's Content-Security-Policy would report any script or request), its charts are drawn
//! (SVG shapes and ink in their area), markup injected through event fields stays text and never
//! runs, nothing overflows the window, and the page prints. The sample lake's pages are also
//! compared with reference screenshots in `testdata/pages/`
//! (`TRAILHOUND_UPDATE_SCREENSHOTS=1` rewrites them).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::{json, Value};

use super::{bin, real_logs_dir, repo_root, sample_lake, text};

/// What an attacker who can make API calls controls: user names, user agents, bucket names,
/// and (in a forged log) event names and source addresses.
const SCRIPT: &str = "<script>window.__pwned=1</script>";
const IMG: &str = "\"><img src=x onerror=\"window.__pwned=1\">";

const DAY: &str = "2024-08-0";

fn event(day: u32, hms: &str, region: &str, user: Value, name: &str, extra: Value) -> Value {
    let mut e = json!({
        "eventVersion": "1.09",
        "userIdentity": user,
        "eventTime": format!("{DAY}{day}T{hms}Z"),
        "eventSource": "s3.amazonaws.com",
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": "203.0.113.7",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": null,
        "responseElements": null,
        "requestID": format!("req-{day}-{hms}-{name}"),
        "eventID": format!("00000000-0000-4000-8000-{:012}", day as u64 * 1_000_000 + hms.replace(':', "").parse::<u64>().unwrap()),
        "readOnly": false,
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "111122223333",
        "eventCategory": "Management",
    });
    if let (Some(e), Some(x)) = (e.as_object_mut(), extra.as_object()) {
        for (k, v) in x {
            e.insert(k.clone(), v.clone());
        }
    }
    e
}

fn alice() -> Value {
    json!({"type": "IAMUser", "principalId": "AIDAALICE", "arn": "arn:aws:iam::111122223333:user/alice",
           "accountId": "111122223333", "accessKeyId": "AKIAALICEKEY00000001", "userName": "alice"})
}

fn session(role: &str, name: &str, key: &str) -> Value {
    json!({"type": "AssumedRole", "principalId": format!("AROA{role}:{name}"),
           "arn": format!("arn:aws:sts::111122223333:assumed-role/{role}/{name}"),
           "accountId": "111122223333", "accessKeyId": key,
           "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": format!("AROA{role}"),
               "arn": format!("arn:aws:iam::111122223333:role/{role}"), "accountId": "111122223333", "userName": role},
               "attributes": {"creationDate": "2024-08-02T09:00:00Z", "mfaAuthenticated": "false"}}})
}

fn assume(day: u32, hms: &str, caller: Value, role: &str, name: &str, key: &str) -> Value {
    event(
        day,
        hms,
        "us-east-1",
        caller,
        "AssumeRole",
        json!({
            "eventSource": "sts.amazonaws.com",
            "readOnly": true,
            "requestParameters": {"roleArn": format!("arn:aws:iam::111122223333:role/{role}"), "roleSessionName": name},
            "responseElements": {"credentials": {"accessKeyId": key, "sessionToken": "x", "expiration": "Aug 2, 2024, 10:00:00 AM"}},
        }),
    )
}

/// A small trail: alice assumes Admin, Admin assumes Deep, Deep works (with errors and with
/// injected markup in its fields); us-west-2 logs daily but misses 2024-08-03; a forged user and
/// event name carry markup too.
fn crafted_trail(root: &Path) {
    let mut by_file: std::collections::BTreeMap<(String, u32), Vec<Value>> = Default::default();
    let mut add = |e: Value| {
        let region = e["awsRegion"].as_str().unwrap().to_string();
        let day: u32 = e["eventTime"].as_str().unwrap()[9..10].parse().unwrap();
        by_file.entry((region, day)).or_default().push(e);
    };
    for day in 1..=5 {
        add(event(
            day,
            "08:00:00",
            "us-east-1",
            alice(),
            "ListBuckets",
            json!({"readOnly": true}),
        ));
        if day != 3 {
            add(event(
                day,
                "08:30:00",
                "us-west-2",
                alice(),
                "ListBuckets",
                json!({"readOnly": true}),
            ));
        }
    }
    add(assume(
        2,
        "09:00:00",
        alice(),
        "Admin",
        "alice-admin",
        "ASIAADMINSESSION0001",
    ));
    let admin = session("Admin", "alice-admin", "ASIAADMINSESSION0001");
    add(event(
        2,
        "09:05:00",
        "us-east-1",
        admin.clone(),
        "ListBuckets",
        json!({"readOnly": true}),
    ));
    add(assume(
        2,
        "09:10:00",
        admin,
        "Deep",
        "deep-work",
        "ASIADEEPSESSION00002",
    ));
    let deep = session("Deep", "deep-work", "ASIADEEPSESSION00002");
    for (i, name) in ["GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy"]
        .iter()
        .enumerate()
    {
        add(event(
            2,
            &format!("09:2{i}:00"),
            "us-east-1",
            deep.clone(),
            name,
            json!({
                "requestParameters": {"bucketName": SCRIPT},
                "userAgent": IMG,
            }),
        ));
    }
    for i in 0..4 {
        add(event(
            2,
            &format!("10:0{i}:00"),
            "us-east-1",
            deep.clone(),
            "GetObject",
            json!({
                "errorCode": "AccessDenied",
                "errorMessage": format!("denied {SCRIPT}"),
                "eventCategory": "Data", "managementEvent": false, "readOnly": true,
                "requestParameters": {"bucketName": "finance", "key": "q3.xlsx"},
                "resources": [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::finance/q3.xlsx"}],
            }),
        ));
    }
    // A forged record: markup as user name, event name and source address.
    let forged = json!({"type": "IAMUser", "principalId": "AIDAFORGED", "arn": "arn:aws:iam::111122223333:user/forged",
                        "accountId": "111122223333", "accessKeyId": "AKIAFORGED0000000001", "userName": SCRIPT});
    add(event(
        4,
        "12:00:00",
        "us-east-1",
        forged.clone(),
        "PutBucketPolicy",
        json!({"sourceIPAddress": IMG}),
    ));
    add(event(
        4,
        "12:01:00",
        "us-east-1",
        forged,
        SCRIPT,
        json!({"errorCode": "AccessDenied"}),
    ));

    for ((region, day), records) in by_file {
        let dir = root.join(format!(
            "AWSLogs/111122223333/CloudTrail/{region}/2024/08/0{day}"
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!(
            "111122223333_CloudTrail_{region}_2024080{day}T0000Z_crafted.json.gz"
        ));
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(json!({"Records": records}).to_string().as_bytes())
            .unwrap();
        std::fs::write(path, gz.finish().unwrap()).unwrap();
    }
}

fn convert(src: &Path, lake: &Path) {
    let out = bin()
        .args(["convert", "-q"])
        .arg(src)
        .arg(lake)
        .output()
        .unwrap();
    assert!(out.status.success(), "convert: {}", text(&out.stderr));
}

fn crafted_lake() -> &'static Path {
    static LAKE: OnceLock<PathBuf> = OnceLock::new();
    LAKE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        crafted_trail(&dir.join("trail"));
        convert(&dir.join("trail"), &dir.join("lake"));
        dir.join("lake")
    })
}

fn real_lake() -> &'static Path {
    static LAKE: OnceLock<PathBuf> = OnceLock::new();
    LAKE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let out = bin()
            .args(["convert", "-q"])
            .arg(real_logs_dir())
            .arg(dir.join("lake"))
            .output()
            .unwrap();
        // The corpus holds quarantined files on purpose (exit code 3).
        assert!(
            matches!(out.status.code(), Some(0 | 3)),
            "convert: {}",
            text(&out.stderr)
        );
        dir.join("lake")
    })
}

fn basic_selectors() -> String {
    repo_root()
        .join("testdata/selectors/basic.json")
        .display()
        .to_string()
}

/// Runs trailhound writing an HTML page, with a fixed generation time.
fn page(args: &[&str], lake: &Path, name: &str) -> PathBuf {
    let path = lake.parent().unwrap().join(format!("{name}.html"));
    let out = bin()
        .args(args)
        .arg("--lake")
        .arg(lake)
        .args(["--format", "html", "--output"])
        .arg(&path)
        .env("SOURCE_DATE_EPOCH", "1722816000")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
    path
}

/// Loads a page in Chromium; its findings as JSON. The file itself must hold no script or image
/// element (injected markup is text).
fn browse(page: &Path, reference: Option<&Path>) -> Value {
    let html = std::fs::read_to_string(page).unwrap();
    for tag in ["<script", "<img", "<iframe", "<object"] {
        assert!(
            !html.to_ascii_lowercase().contains(tag),
            "{tag} in {}",
            page.display()
        );
    }
    let shot = page.with_extension("png");
    let mut cmd = std::process::Command::new("python3");
    cmd.arg(repo_root().join("crates/trailhound-cli/tests/browser.py"))
        .arg(page)
        .arg("--out")
        .arg(&shot)
        .args(["--width", "1000", "--height", "1200"]);
    if let Some(r) = reference {
        cmd.arg("--reference").arg(r);
    }
    let out = cmd.output().expect("python3");
    assert!(
        out.status.success(),
        "Chromium could not load {} (install Debian's chromium; .ci/run does): {}",
        page.display(),
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("browser.py prints JSON")
}

/// What every page must be: quiet, inert, drawn, within the window, printable.
fn assert_sound(v: &Value, charts: &[&str]) {
    assert_eq!(v["console_errors"], json!([]), "console errors");
    assert_eq!(v["pwned"], Value::Null, "injected script ran");
    let (sw, cw) = (
        v["scroll_width"].as_i64().unwrap(),
        v["client_width"].as_i64().unwrap(),
    );
    assert!(sw <= cw, "the page overflows the window: {sw} > {cw}");
    assert_eq!(
        v["print_ok"],
        json!(true),
        "printing failed: {}",
        v["print_error"]
    );
    assert!(v["print_pages"].as_i64().unwrap_or(0) >= 1);
    let drawn = v["charts"].as_array().unwrap();
    for id in charts {
        // Section charts carry the section's index before the query's name.
        let c = drawn
            .iter()
            .find(|c| {
                c["id"]
                    .as_str()
                    .is_some_and(|x| x == *id || x.ends_with(&format!("-{id}")))
            })
            .unwrap_or_else(|| panic!("no chart {id}; charts: {drawn:?}"));
        assert_eq!(c["svg"], json!(true), "{id}: no svg");
        assert!(
            c["shapes"].as_i64().unwrap() > 3,
            "{id}: too few shapes: {c}"
        );
        assert!(
            c["ink"].as_f64().unwrap() > 0.01,
            "{id}: nothing drawn: {c}"
        );
        assert!(
            !c["aria_label"].as_str().unwrap_or("").is_empty(),
            "{id}: no text alternative"
        );
        assert!(
            !c["caption"].as_str().unwrap_or("").is_empty(),
            "{id}: no caption"
        );
    }
}

fn body(v: &Value) -> &str {
    v["body_text"].as_str().unwrap()
}

#[test]
fn report_page_shows_findings_gaps_and_injected_markup_as_text() {
    let lake = crafted_lake();
    let p = page(
        &[
            "report",
            "compliance",
            "--from",
            "2024-08-01",
            "--until",
            "2024-08-06",
        ],
        lake,
        "report",
    );
    let html = std::fs::read_to_string(&p).unwrap();
    assert!(!html.contains("<script"), "a script element in the page");
    let v = browse(&p, None);
    assert_sound(
        &v,
        &[
            "chart-severity",
            "chart-coverage",
            "cis-4-08-s3-bucket-policy-changes",
        ],
    );
    // The chart's numbers: Deep's two policy changes on 2024-08-02, the forged one on 2024-08-04.
    assert!(
        html.contains(
            "<tr><td>2024-08-02</td><td class=\"num\">2</td></tr><tr><td>2024-08-04</td><td class=\"num\">1</td></tr>"
        ),
        "CIS 4.8 per day"
    );
    let b = body(&v);
    assert!(
        b.contains(SCRIPT),
        "the injected user name is not shown as text"
    );
    assert!(
        b.contains(IMG),
        "the injected source address is not shown as text"
    );
    // us-west-2 logged every day but 2024-08-03: a gap, reported.
    assert!(b.contains("Gaps in the data: 1 day(s)"), "{b}");
    assert!(b.contains("111122223333\tus-west-2\t2024-08-03"), "{b}");
}

#[test]
fn cost_page_draws_days_sources_and_storage() {
    let lake = crafted_lake();
    let out = page(&["cost", "--selectors", &basic_selectors()], lake, "cost");
    let v = browse(&out, None);
    assert_sound(
        &v,
        &[
            "chart-events",
            "chart-bytes",
            "chart-sources",
            "chart-names",
            "chart-storage",
        ],
    );
    let b = body(&v);
    assert!(b.contains("basic.json"), "the selector set is not named");
    assert!(
        b.contains(SCRIPT),
        "the injected event name is not shown as text"
    );
}

#[test]
fn timeline_page_traces_the_assume_role_chain() {
    let lake = crafted_lake();
    let p = page(&["timeline", "--principal", "Deep"], lake, "timeline");
    let v = browse(&p, None);
    assert_sound(&v, &["chart-density"]);
    let b = body(&v);
    assert!(b.contains("7\nevents"), "Deep made 7 calls: {b}");
    // Deep's key was issued by Admin's session, whose key was issued by alice.
    let chain = "AssumeRole of arn:aws:iam::111122223333:role/Deep as deep-work by arn:aws:sts::111122223333:assumed-role/Admin/alice-admin (ASIAADMINSESSION0001)";
    assert!(b.contains(chain), "{b}");
    assert!(
        b.contains("AssumeRole of arn:aws:iam::111122223333:role/Admin as alice-admin by arn:aws:iam::111122223333:user/alice (AKIAALICEKEY00000001)"),
        "{b}"
    );
    assert!(
        b.contains("✖ AccessDenied"),
        "errors are not marked in text"
    );
    assert!(
        b.contains(IMG),
        "the injected user agent is not shown as text"
    );
}

fn timeline(lake: &Path, args: &[&str]) -> String {
    let out = bin()
        .arg("timeline")
        .args(args)
        .arg("--lake")
        .arg(lake)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "timeline {args:?}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[test]
fn timeline_table_and_json_agree() {
    let lake = crafted_lake();
    let j: Value = serde_json::from_str(&timeline(
        lake,
        &["--resource", "finance", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(
        (j["total"].as_u64(), j["errors"].as_u64()),
        (Some(4), Some(4))
    );
    assert_eq!(j["sessions"].as_array().unwrap().len(), 1);
    let chain = j["sessions"][0]["chain"].as_array().unwrap();
    assert_eq!(chain.len(), 2);
    let t = timeline(lake, &["--resource", "finance"]);
    assert!(
        t.starts_with("resource finance: 4 event(s), 4 error(s), 1 session(s)"),
        "{t}"
    );
    // One table row per event of the JSON, each marked as an error.
    let ids: Vec<&str> = j["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["time"].as_str().unwrap())
        .collect();
    for time in &ids {
        let rows = t
            .lines()
            .filter(|l| l.starts_with(&format!("| {time} ")))
            .count();
        assert_eq!(rows, 1, "{time} in {t}");
    }
    assert_eq!(t.matches("ERROR AccessDenied").count(), 4, "{t}");
    // The chain in full, one call per line.
    assert!(t.contains("  <- AssumeRole arn:aws:iam::111122223333:role/Deep as deep-work by arn:aws:sts::111122223333:assumed-role/Admin/alice-admin (ASIAADMINSESSION0001) from 203.0.113.7 at 2024-08-02T09:10:00Z"), "{t}");
    assert!(t.contains("  <- AssumeRole arn:aws:iam::111122223333:role/Admin as alice-admin by arn:aws:iam::111122223333:user/alice (AKIAALICEKEY00000001) from 203.0.113.7 at 2024-08-02T09:00:00Z"), "{t}");
}

#[test]
fn timeline_subjects_and_windows() {
    let lake = crafted_lake();
    let total = |args: &[&str]| {
        let mut a = args.to_vec();
        a.extend(["--format", "json"]);
        let v: Value = serde_json::from_str(&timeline(lake, &a)).unwrap();
        v["total"].as_u64().unwrap()
    };
    // A network, an address, nothing.
    assert_eq!(total(&["--ip", "203.0.113.0/24"]), 20);
    assert_eq!(total(&["--ip", "198.51.100.1"]), 0);
    // A request parameter's value matches, its key does not.
    assert_eq!(total(&["--resource", "q3.xlsx"]), 4);
    assert_eq!(total(&["--resource", "key"]), 0);
    assert_eq!(total(&["--resource", "bucketName"]), 0);
    // By access key, by role session name, by the user's name.
    assert_eq!(total(&["--principal", "ASIADEEPSESSION00002"]), 7);
    assert_eq!(total(&["--principal", "alice-admin"]), 2);
    assert_eq!(total(&["--principal", "alice"]), 10);
    // A window that starts after Deep's key was issued still finds the calls that issued it.
    let v: Value = serde_json::from_str(&timeline(
        lake,
        &[
            "--principal",
            "Deep",
            "--from",
            "2024-08-02T09:15:00Z",
            "--until",
            "2024-08-02T10:02:00Z",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(
        v["total"], 5,
        "three policy calls and two reads in the window"
    );
    assert_eq!(
        v["sessions"][0]["chain"].as_array().unwrap().len(),
        2,
        "{v}"
    );
    assert_eq!(
        v["sessions"][0]["chain"][1]["caller"],
        "arn:aws:iam::111122223333:user/alice"
    );
}

#[test]
fn timeline_table_lists_every_event_up_to_the_limit() {
    // 768 events of one role in the sample lake: the table shows --limit of them, not 100.
    let t = timeline(
        sample_lake(),
        &[
            "--principal",
            "OrganizationAccountAccessRole",
            "--limit",
            "150",
        ],
    );
    let rows = t.lines().filter(|l| l.starts_with("| 2024-")).count();
    assert_eq!(rows, 150, "{t}");
    assert!(t.contains("(the first 150 of 768 events; raise --limit for more)"));
}

#[test]
fn pages_of_an_empty_period_say_so() {
    let lake = crafted_lake();
    let p = page(
        &[
            "report",
            "compliance",
            "--from",
            "2030-01-01",
            "--until",
            "2030-01-08",
        ],
        lake,
        "empty-report",
    );
    let v = browse(&p, None);
    assert_sound(&v, &[]);
    assert!(
        body(&v).contains("No events in the period: every check below saw nothing"),
        "{}",
        body(&v)
    );
    let p = page(
        &["timeline", "--principal", "nobody"],
        lake,
        "empty-timeline",
    );
    let v = browse(&p, None);
    assert_sound(&v, &[]);
    assert!(body(&v).contains("No events of this principal in the window."));
    let out = page(
        &["cost", "--from", "2030-01-01", "--until", "2030-01-08"],
        lake,
        "empty-cost",
    );
    let v = browse(&out, None);
    assert_sound(&v, &[]);
    assert!(
        body(&v).contains("No events in the period."),
        "{}",
        body(&v)
    );
}

/// The sample lake's three pages against the reference screenshots in `testdata/pages/`.
#[test]
fn sample_pages_look_like_their_reference_screenshots() {
    let lake = sample_lake();
    let dir = tempfile::tempdir().unwrap();
    let copy = |name: &str, p: PathBuf| {
        let to = dir.path().join(format!("{name}.html"));
        std::fs::copy(p, &to).unwrap();
        to
    };
    let pages = [
        (
            "report",
            copy(
                "report",
                page(
                    &[
                        "report",
                        "compliance",
                        "--from",
                        "2024-07-30",
                        "--until",
                        "2024-08-08",
                    ],
                    lake,
                    "sample-report",
                ),
            ),
        ),
        (
            "cost",
            copy(
                "cost",
                page(
                    &["cost", "--selectors", &basic_selectors()],
                    lake,
                    "sample-cost",
                ),
            ),
        ),
        (
            "timeline",
            copy(
                "timeline",
                page(
                    &["timeline", "--ip", "95.77.113.213"],
                    lake,
                    "sample-timeline",
                ),
            ),
        ),
    ];
    for (name, p) in pages {
        let reference = repo_root().join(format!("testdata/pages/{name}.png"));
        let v = browse(&p, Some(&reference));
        assert_sound(&v, &[]);
        let r = &v["reference"];
        if r["updated"] == json!(true) {
            continue;
        }
        assert_ne!(
            r["missing"],
            json!(true),
            "no reference screenshot {}",
            reference.display()
        );
        assert_eq!(r["size_match"], json!(true), "{name}: {r}");
        let diff = r["diff_fraction"].as_f64().unwrap();
        assert!(
            diff < 0.02,
            "{name}: {:.2}% of pixels differ from {} (see {})",
            diff * 100.0,
            reference.display(),
            p.with_extension("png").display()
        );
    }
}

/// The real corpus: many accounts and odd regions, long ARNs and user agents.
#[test]
fn pages_hold_up_on_the_real_corpus() {
    let lake = real_lake();
    let p = page(
        &[
            "report",
            "compliance",
            "--from",
            "2010-01-01",
            "--until",
            "2030-01-01",
        ],
        lake,
        "real-report",
    );
    let v = browse(&p, None);
    assert_sound(&v, &["chart-coverage"]);
    let out = page(&["cost"], lake, "real-cost");
    assert_sound(
        &browse(&out, None),
        &["chart-sources", "chart-names", "chart-storage"],
    );
    // The busiest principal's timeline.
    let top = bin()
        .args(["sql", "--format", "csv", "-c", "SELECT useridentity.arn FROM cloudtrail WHERE useridentity.arn IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"])
        .arg(lake)
        .output()
        .unwrap();
    let arn = text(&top.stdout).lines().nth(1).unwrap().trim().to_string();
    let p = page(&["timeline", "--principal", &arn], lake, "real-timeline");
    assert_sound(&browse(&p, None), &["chart-density"]);
}

/// Bad subjects: one clear line naming what is wrong, exit 1, nothing written.
#[test]
fn timeline_bad_subjects_are_one_line_errors() {
    let lake = crafted_lake();
    let out_file = lake.parent().unwrap().join("never.html");
    for (args, want) in [
        (&["--principal", " "][..], "--principal is empty"),
        (&["--ip", "10.0.0.0/99"][..], "10.0.0.0/99"),
    ] {
        let out = bin()
            .arg("timeline")
            .args(args)
            .arg("--lake")
            .arg(lake)
            .args(["--format", "html", "--output"])
            .arg(&out_file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = text(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(!out_file.exists(), "a page was written for {args:?}");
    }
}

/// A framework report in Chromium: the controls table first, each control with its status, the
/// checks after; sound (no overflow, prints, no script ran).
#[test]
fn framework_report_pages_render_their_controls() {
    let lake = sample_lake();
    for (kind, ids) in [
        ("pci-dss", &["10.2.1.4", "10.4"][..]),
        ("soc2", &["CC6.1", "CC8.1"][..]),
        ("hipaa", &["164.312(b)", "164.308(a)(5)(ii)(C)"][..]),
    ] {
        let p = page(
            &[
                "report",
                kind,
                "--from",
                "2024-07-30",
                "--until",
                "2024-08-08",
            ],
            lake,
            &format!("framework-{kind}"),
        );
        let v = browse(&p, None);
        assert_sound(&v, &[]);
        let text = body(&v);
        for id in ids {
            assert!(text.contains(id), "{kind}: {id}: {text}");
        }
        // Every framework has a control CloudTrail alone cannot evidence: it says so.
        assert!(text.contains("not evidenced"), "{text}");
        let controls = text.find("requirement").unwrap();
        let checks = text.find("Checks").unwrap();
        assert!(controls < checks, "the controls come before the checks");
    }
}
