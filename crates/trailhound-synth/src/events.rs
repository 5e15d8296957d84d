//! Event builders and the archive writer behind the crafted sample events: a plain management
//! call to adjust, and events written as CloudTrail log files (`AWSLogs/…/*.json.gz`), the same
//! text giving the same bytes.

use std::io::Write;
use std::path::Path;

use serde_json::{json, Map, Value};

/// The account a plain call happens in.
pub const ACCOUNT: &str = "111111111111";

/// A management API call by IAM user alice of [`ACCOUNT`] in us-east-1, to be adjusted.
pub fn call(id: &str, time: &str, source: &str, name: &str) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAALICE", "arn": format!("arn:aws:iam::{ACCOUNT}:user/alice"),
                         "accountId": ACCOUNT, "accessKeyId": "AKIAALICE", "userName": "alice"},
        "eventTime": time,
        "eventSource": format!("{source}.amazonaws.com"),
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.10",
        "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64",
        "requestParameters": null,
        "responseElements": null,
        "requestID": format!("req-{id}"),
        "eventID": id,
        "readOnly": name.starts_with("Describe") || name.starts_with("Get") || name.starts_with("List"),
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management"
    })
}

pub(crate) fn set(mut v: Value, key: &str, value: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.insert(key.to_string(), value);
    }
    v
}

pub(crate) fn with(mut v: Value, fields: Value) -> Value {
    if let (Some(o), Value::Object(f)) = (v.as_object_mut(), fields) {
        for (k, x) in f {
            o.insert(k, x);
        }
    }
    v
}

/// Writes `text` gzipped at `path`, creating its folders: the same text gives the same bytes.
pub fn write_gz(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes())?;
    std::fs::write(path, gz.finish()?)
}

/// Events as CloudTrail log files, one per account, region and day of their `eventTime`, in key
/// order: each key ends in `…T0000Z_<suffix>.json.gz`, and its `{"Records":[...]}` text keeps the
/// events in the order given.
pub fn archive(events: &[Value], suffix: &str) -> Vec<(String, String)> {
    let mut groups: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for e in events {
        let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let (account, region, time) = (s("recipientAccountId"), s("awsRegion"), s("eventTime"));
        let (y, m, d) = (&time[0..4], &time[5..7], &time[8..10]);
        let key = format!(
            "AWSLogs/{account}/CloudTrail/{region}/{y}/{m}/{d}/{account}_CloudTrail_{region}_{y}{m}{d}T0000Z_{suffix}.json.gz"
        );
        groups.entry(key).or_default().push(e.clone());
    }
    groups
        .into_iter()
        .map(|(k, records)| {
            let mut env = Map::new();
            env.insert("Records".into(), Value::Array(records));
            (k, Value::Object(env).to_string())
        })
        .collect()
}
