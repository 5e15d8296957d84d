//! CloudTrail's S3 key layout, declared in one place:
//! `[prefix/]AWSLogs/[o-org/]<account>/CloudTrail[-Insight|-Digest]/<region>/YYYY/MM/DD/<file>`.

/// What a log object holds, by the folder CloudTrail delivered it to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogKind {
    /// `CloudTrail/`: management, data and network-activity events.
    Events,
    /// `CloudTrail-Insight/`: Insights events.
    Insights,
    /// `CloudTrail-Digest/`: integrity digests, not events.
    Digest,
}

impl LogKind {
    /// Classifies an object by the folder segment or, outside the layout, by its file name.
    pub fn of_key(key: &str) -> LogKind {
        if let Some(info) = parse_key(key) {
            return info.kind;
        }
        let name = key.rsplit('/').next().unwrap_or(key);
        if name.contains("_CloudTrail-Digest_") {
            LogKind::Digest
        } else if name.contains("_CloudTrail-Insight_") {
            LogKind::Insights
        } else {
            LogKind::Events
        }
    }

    fn from_segment(s: &str) -> Option<LogKind> {
        match s {
            "CloudTrail" => Some(LogKind::Events),
            "CloudTrail-Insight" => Some(LogKind::Insights),
            "CloudTrail-Digest" => Some(LogKind::Digest),
            _ => None,
        }
    }
}

/// What an object key says about the objects below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub kind: LogKind,
    /// The organization id of an organization trail (`o-abc123`).
    pub org_id: Option<String>,
    pub account: String,
    pub region: String,
    /// The delivery date folder as `YYYY-MM-DD` (events inside may be earlier).
    pub date: Option<String>,
}

/// Parses a key (or relative path, `/`-separated) in CloudTrail's layout. Account and region are
/// taken as they are, however odd (`redacted`, 13 digits, fake regions).
pub fn parse_key(key: &str) -> Option<KeyInfo> {
    let segs: Vec<&str> = key.split('/').collect();
    let logs = segs.iter().rposition(|s| *s == "AWSLogs")?;
    let rest = &segs[logs + 1..];
    let kind_at = rest
        .iter()
        .position(|s| LogKind::from_segment(s).is_some())?;
    let (org_id, account) = match kind_at {
        1 => (None, rest[0]),
        2 => (Some(rest[0].to_owned()), rest[1]),
        _ => return None,
    };
    let kind = LogKind::from_segment(rest[kind_at])?;
    let region = rest.get(kind_at + 1).filter(|r| !r.is_empty())?;
    let date = match rest.get(kind_at + 2..kind_at + 5) {
        Some([y, m, d]) if is_digits(y, 4) && is_digits(m, 2) && is_digits(d, 2) => {
            Some(format!("{y}-{m}-{d}"))
        }
        _ => None,
    };
    Some(KeyInfo {
        kind,
        org_id,
        account: account.to_owned(),
        region: (*region).to_owned(),
        date,
    })
}

fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// Makes a value safe as a Hive partition value in a path: characters other than
/// `[A-Za-z0-9._-]` become `_`, and an empty value becomes `unknown`.
pub fn sanitize_partition_value(v: &str) -> String {
    let s: String = v
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match s.as_str() {
        "" => "unknown".into(),
        "." | ".." => s.replace('.', "_"),
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_trail_keys() {
        let k =
            parse_key("bucket/x/AWSLogs/123456789012/CloudTrail/us-east-1/2024/07/30/f.json.gz")
                .unwrap();
        assert_eq!(k.kind, LogKind::Events);
        assert_eq!(k.org_id, None);
        assert_eq!(k.account, "123456789012");
        assert_eq!(k.region, "us-east-1");
        assert_eq!(k.date.as_deref(), Some("2024-07-30"));
    }

    #[test]
    fn organization_insight_and_digest_keys() {
        let k = parse_key(
            "AWSLogs/o-abc123/000000000000/CloudTrail-Insight/eu-west-1/2024/01/02/f.json.gz",
        )
        .unwrap();
        assert_eq!(
            (k.kind, k.org_id.as_deref(), k.account.as_str()),
            (LogKind::Insights, Some("o-abc123"), "000000000000")
        );
        assert_eq!(
            LogKind::of_key("AWSLogs/1/CloudTrail-Digest/us-east-1/2024/01/02/d.json.gz"),
            LogKind::Digest
        );
        assert_eq!(
            LogKind::of_key("loose/1_CloudTrail-Digest_us-east-1_x.json.gz"),
            LogKind::Digest
        );
        assert_eq!(LogKind::of_key("loose/file.json.gz"), LogKind::Events);
    }

    #[test]
    fn odd_keys() {
        assert_eq!(parse_key("some/file.json.gz"), None);
        let k = parse_key("AWSLogs/redacted/CloudTrail/megov-westwest-1r/x/f.json.gz").unwrap();
        assert_eq!((k.account.as_str(), k.date), ("redacted", None));
        assert_eq!(sanitize_partition_value("<accountId>"), "_accountId_");
        assert_eq!(sanitize_partition_value("700***"), "700___");
        assert_eq!(sanitize_partition_value(""), "unknown");
        assert_eq!(sanitize_partition_value(".."), "__");
        assert_eq!(sanitize_partition_value("a=b/c"), "a_b_c");
    }
}
