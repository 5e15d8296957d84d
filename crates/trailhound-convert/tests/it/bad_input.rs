//! Bad input never stops a run and never loses data: each broken file is quarantined with its
//! reason and a copy, nothing of it reaches the lake, and everything else converts.

use std::io::Write;

use super::*;

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn put(root: &Path, name: &str, bytes: &[u8]) -> String {
    let key = format!("AWSLogs/111122223333/CloudTrail/us-east-1/2024/07/30/{name}");
    let p = root.join(&key);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
    key
}

#[test]
fn broken_files_are_quarantined_and_the_rest_converts() {
    let src = tempfile::tempdir().unwrap();
    let good = br#"{"Records":[{"eventVersion":"1.08","eventID":"g1","eventTime":"2024-07-30T10:00:00Z","eventName":"ListBuckets","brandNewField":{"x":1}}]}"#;
    let truncated = gz(good);
    let big_event = format!(
        r#"{{"Records":[{{"eventID":"big","eventTime":"2024-07-30T11:00:00Z","requestParameters":{{"policy":"{}","deep":{}{}}}}}]}}"#,
        "p".repeat(10 << 20),
        "[".repeat(120),
        "]".repeat(120)
    );
    let cases: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
        ("good.json.gz", gz(good), None),
        ("big.json.gz", gz(big_event.as_bytes()), None),
        ("empty-records.json.gz", gz(br#"{"Records":[]}"#), None),
        (
            "not-gzip.json.gz",
            b"this is not gzip".to_vec(),
            Some("not a gzip file"),
        ),
        (
            "truncated.json.gz",
            truncated[..truncated.len() / 2].to_vec(),
            Some("gzip"),
        ),
        (
            "not-json.json.gz",
            gz(b"<html>503</html>"),
            Some("not a CloudTrail log"),
        ),
        (
            "no-records.json.gz",
            gz(br#"{"digestStartTime":"x"}"#),
            Some("unexpected key \"digestStartTime\""),
        ),
        (
            "records-not-array.json.gz",
            gz(br#"{"Records":{"a":1}}"#),
            Some("array"),
        ),
        (
            "record-not-object.json.gz",
            gz(br#"{"Records":[{"eventID":"a"},"oops"]}"#),
            Some("record #2: invalid type: string \"oops\", expected a JSON object"),
        ),
        ("empty.json.gz", Vec::new(), Some("empty")),
        ("empty-gzip.json.gz", gz(b""), Some("empty")),
        (
            "bad-utf8.json.gz",
            gz(b"{\"Records\":[{\"eventID\":\"\xff\xfe\"}]}"),
            Some("invalid UTF-8"),
        ),
        (
            "trailing.json.gz",
            gz(br#"{"Records":[]} {"#),
            Some("trailing"),
        ),
    ];
    let mut keys = Vec::new();
    for (name, bytes, _) in &cases {
        keys.push(put(src.path(), name, bytes));
    }
    let dest = tempfile::tempdir().unwrap();
    let s = run(src.path(), dest.path());
    assert_eq!(s.objects_converted, 3);
    assert_eq!(s.events_out, 2);
    assert_eq!(
        s.quarantined.len(),
        cases.iter().filter(|c| c.2.is_some()).count()
    );
    for ((_, bytes, want), key) in cases.iter().zip(&keys) {
        let Some(want) = want else { continue };
        let (_, reason) = s
            .quarantined
            .iter()
            .find(|(k, _)| k == key)
            .unwrap_or_else(|| panic!("{key} not quarantined"));
        assert!(
            reason.contains(want),
            "{key}: {reason:?} should mention {want:?}"
        );
        let copy = std::fs::read(dest.path().join("_trailhound/quarantine").join(key)).unwrap();
        assert_eq!(&copy, bytes, "quarantine keeps the exact bytes of {key}");
    }
    // The manifest lists each quarantined object with its reason.
    let lake = Lake::open(dest.path()).unwrap();
    let listed = lake
        .state()
        .sources
        .values()
        .filter(|e| {
            matches!(
                e.status,
                trailhound_convert::manifest::SourceStatus::Quarantined { .. }
            )
        })
        .count();
    assert_eq!(listed, s.quarantined.len());

    let events = lake_events(dest.path(), "cloudtrail");
    assert_eq!(events.len(), 2);
    let good_back = events.iter().find(|e| e["eventID"] == "g1").unwrap();
    assert_eq!(
        good_back["brandNewField"]["x"], 1,
        "unknown fields are kept"
    );
    let big_back = events.iter().find(|e| e["eventID"] == "big").unwrap();
    assert_eq!(
        big_back["requestParameters"]["policy"]
            .as_str()
            .unwrap()
            .len(),
        10 << 20
    );

    // A rerun does not retry unchanged quarantined files, unless asked to.
    let again = run(src.path(), dest.path());
    assert_eq!((again.objects_converted, again.quarantined.len()), (0, 0));
    let retry = run_with(
        src.path(),
        dest.path(),
        &ConvertOptions {
            retry_quarantined: true,
            ..Default::default()
        },
    );
    assert_eq!(retry.quarantined.len(), s.quarantined.len());
    assert_eq!(lake_events(dest.path(), "cloudtrail").len(), 2);
}

#[test]
fn a_missing_source_is_a_clear_error() {
    let dest = tempfile::tempdir().unwrap();
    let err = convert(
        Path::new("/nonexistent/trail"),
        dest.path(),
        &ConvertOptions::default(),
        &NoProgress,
    )
    .unwrap_err();
    assert!(err.to_string().contains("/nonexistent/trail"), "{err}");
}
