//! Decode → rebuild gives back every source event as a JSON value.

use std::io::Read;
use std::path::Path;

use serde_json::Value;
use trailhound_model::layout::LogKind;
use trailhound_model::{decode_log, Rebuilder};

pub fn gunzip(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut out)
        .unwrap();
    out
}

pub fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out)
        } else if p.to_string_lossy().ends_with(".json.gz") {
            out.push(p)
        }
    }
}

fn assert_round_trip(json: &[u8], name: &str) -> usize {
    let source: Value = serde_json::from_slice(json).unwrap();
    let records = source["Records"].as_array().unwrap();
    let batch = decode_log(json, name).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(batch.num_rows(), records.len(), "{name}");
    let rebuild = Rebuilder::new(&batch).unwrap();
    for (i, want) in records.iter().enumerate() {
        let text = rebuild.row_json(i).unwrap();
        let got: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} #{i}: {e}\n{text}"));
        assert_eq!(
            &got, want,
            "{name} record #{i} differs after the round trip"
        );
    }
    records.len()
}

#[test]
fn every_real_event_round_trips() {
    let mut files = Vec::new();
    walk(&crate::real_logs_dir(), &mut files);
    files.sort();
    let mut events = 0;
    let mut logs = 0;
    for f in &files {
        if LogKind::of_key(&f.to_string_lossy()) == LogKind::Digest {
            continue;
        }
        logs += 1;
        events += assert_round_trip(&gunzip(f), &f.to_string_lossy());
    }
    assert_eq!(logs, 139, "log files in the corpus");
    assert_eq!(events, 1409, "events in the corpus");
}

#[test]
fn odd_records_round_trip() {
    let log = br#"{"Records":[
      {"eventVersion":"1.11","eventTime":"Oct 8, 2024, 4:15:32 PM","readOnly":"true","eventID":null,
       "userIdentity":{"type":"AssumedRole","newKey":{"a":1},"sessionContext":{"attributes":{"mfaAuthenticated":"false"},"webIdFederationData":{}}},
       "resources":[{"ARN":"arn:aws:s3:::b","accountid":"1"},{"ARNPrefix":"arn:aws:s3:::c/"}],
       "requestParameters":{"n":0.0,"big":123456789012345678901234567890,"s":"\u003d"},
       "responseElements":null,"tlsDetails":"junk","x-future-field":[1,{"b":null}],"eventName":"First","eventName":"Second"},
      {"eventTime":"2024-01-01T00:00:00.123Z","managementEvent":1,"resources":[null,"x"],"errorCode":200,
       "userIdentity":{"sessionContext":{"sessionIssuer":{}}},"addendum":{"reason":"X","originalEventID":7}},
      {"eventTime":"2016-12-31T23:59:60Z"},
      {"eventTime":"2024-02-29T23:59:59Z","userIdentity":null,"resources":[],"sourceIPAddress":"\\u00e9"},
      {}
    ]}"#;
    assert_eq!(assert_round_trip(log, "odd.json"), 5);
}

#[test]
fn a_large_event_round_trips() {
    let big = "x".repeat(10 << 20);
    let log = format!(
        r#"{{"Records":[{{"eventID":"e","requestParameters":{{"blob":"{big}","deep":{deep}}}}}]}}"#,
        deep = "[".repeat(100) + &"]".repeat(100)
    );
    assert_eq!(assert_round_trip(log.as_bytes(), "big.json"), 1);
}

#[test]
fn a_lone_surrogate_is_kept_verbatim() {
    // Valid JSON syntax that serde_json cannot turn into a Rust string: kept as raw text.
    let log = br#"{"Records":[{"eventID":"e","sourceIPAddress":"a\ud800b"}]}"#;
    let batch = decode_log(log, "s.json").unwrap();
    let text = Rebuilder::new(&batch).unwrap().row_json(0).unwrap();
    assert!(text.contains(r#""sourceIPAddress":"a\ud800b""#), "{text}");
}

/// A projected decode builds exactly the chosen columns, equal to a full decode's, and leaves the
/// others all-null, on every real log.
#[test]
fn projected_decode_matches_the_full_decode() {
    use trailhound_model::schema::RECORD;
    use trailhound_model::{decode_log_projected, Projection};
    let mut files = Vec::new();
    walk(&crate::real_logs_dir(), &mut files);
    let mut p = Projection::none();
    // eventName, userIdentity (a struct), requestParameters (JSON text), resources (a list).
    let chosen = [
        "eventName",
        "userIdentity",
        "requestParameters",
        "resources",
    ];
    for (i, f) in RECORD.iter().enumerate() {
        p.columns[i] = chosen.contains(&f.key);
    }
    let mut checked = 0;
    for f in files
        .iter()
        .filter(|f| LogKind::of_key(&f.to_string_lossy()) == LogKind::Events)
    {
        let json = gunzip(f);
        let full = decode_log(&json, "k").unwrap();
        let part = decode_log_projected(&json, "k", &p).unwrap();
        assert_eq!(full.schema(), part.schema());
        for (i, field) in RECORD.iter().enumerate() {
            if p.columns[i] {
                assert_eq!(
                    full.column(i),
                    part.column(i),
                    "{}: {}",
                    f.display(),
                    field.key
                );
            } else {
                assert_eq!(part.column(i).null_count(), part.num_rows());
            }
        }
        let extra = RECORD.len();
        assert_eq!(
            part.column(extra).null_count(),
            part.num_rows(),
            "no _extra unless asked"
        );
        assert_eq!(
            full.column(extra + 2),
            part.column(extra + 2),
            "_event_bytes"
        );
        checked += part.num_rows();
    }
    assert_eq!(checked, 1406, "events outside the Insights files");
}
