//! The lake's layout, declared once: its datasets, their Hive partitions and the bookkeeping
//! folders. The writer (convert), the engine's tables, cost and export all name folders
//! through this module, so that "what is a lake" has one answer.
//!
//! ```text
//! LAKE/cloudtrail/account=…/region=…/date=YYYY-MM-DD/part-….parquet
//! LAKE/insights/account=…/region=…/date=…/part-….parquet
//! LAKE/_trailhound/log/0000000001.json      the manifest, one commit per run
//! LAKE/_trailhound/staging/<version>/…      files of a commit not yet moved into place
//! LAKE/_trailhound/quarantine/<source key>  exact copies of unreadable source objects
//! ```

use crate::layout::{sanitize_partition_value, KeyInfo};
use crate::time::date_of;

/// A dataset of the lake: a folder of Hive-partitioned Parquet and the SQL table over it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dataset {
    /// Management, data and network activity events: `cloudtrail/`, table `cloudtrail`.
    Events,
    /// CloudTrail Insights events: `insights/`, table `insights`.
    Insights,
}

impl Dataset {
    /// Every dataset, in the order tables are registered.
    pub const ALL: [Dataset; 2] = [Dataset::Events, Dataset::Insights];

    /// The folder below the lake root, which is also the table's name.
    pub const fn dir(self) -> &'static str {
        match self {
            Dataset::Events => "cloudtrail",
            Dataset::Insights => "insights",
        }
    }

    /// The dataset stored in the folder `dir`.
    pub fn from_dir(dir: &str) -> Option<Dataset> {
        Dataset::ALL.into_iter().find(|d| d.dir() == dir)
    }
}

/// The partition columns of a dataset, in folder order.
pub const PARTITION_COLUMNS: [&str; 3] = ["account", "region", "date"];

/// The `date` partition of rows without an event time (sorts after every date).
pub const UNKNOWN_DATE: &str = "unknown";

/// Trailhound's own folder below the lake root; engines skip `_`-prefixed folders.
pub const META_DIR: &str = "_trailhound";
/// The manifest: one JSON commit per run.
pub const LOG_DIR: &str = "_trailhound/log";
/// Data files of a commit before they are moved into place, per commit version.
pub const STAGING_DIR: &str = "_trailhound/staging";
/// Exact copies of source objects that could not be read.
pub const QUARANTINE_DIR: &str = "_trailhound/quarantine";
/// `watch`'s state: per watch, the last lake version whose events were checked and every
/// finding delivered, and one marker per finding and sink delivered.
pub const WATCH_DIR: &str = "_trailhound/watch";

/// Whether a folder directly below a root marks it as a lake.
pub fn marks_lake(dir: &str) -> bool {
    dir == META_DIR || Dataset::from_dir(dir).is_some()
}

/// `cloudtrail/account=…/region=…/date=…`: the folder of one partition (values already
/// path-safe, see [`partition_of`]).
pub fn partition_dir(dataset: &str, account: &str, region: &str, date: &str) -> String {
    format!("{dataset}/account={account}/region={region}/date={date}")
}

/// The partition (account, region, date) of one event. Account and region come from the
/// object key when it follows CloudTrail's layout, else from the event
/// (`recipientAccountId`, `awsRegion`); the date from `eventTime`, else from the key's
/// delivery folder, else [`UNKNOWN_DATE`]. Values are made path-safe.
pub fn partition_of(
    info: Option<&KeyInfo>,
    account: Option<&str>,
    region: Option<&str>,
    time: Option<i64>,
) -> (String, String, String) {
    let (account, region) = match info {
        Some(i) => (i.account.as_str(), i.region.as_str()),
        None => (account.unwrap_or(""), region.unwrap_or("")),
    };
    let date = match time {
        Some(t) => date_of(t),
        None => info
            .and_then(|i| i.date.clone())
            .unwrap_or_else(|| UNKNOWN_DATE.into()),
    };
    (
        sanitize_partition_value(account),
        sanitize_partition_value(region),
        date,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::parse_key;

    #[test]
    fn partitions_from_key_else_event() {
        let info = parse_key("AWSLogs/111/CloudTrail/us-east-1/2024/07/30/f.json.gz");
        assert_eq!(
            partition_of(info.as_ref(), Some("222"), Some("eu-west-1"), None),
            ("111".into(), "us-east-1".into(), "2024-07-30".into())
        );
        assert_eq!(
            partition_of(None, Some("<accountId>"), None, Some(0)),
            ("_accountId_".into(), "unknown".into(), "1970-01-01".into())
        );
        assert_eq!(partition_of(None, None, None, None).2, UNKNOWN_DATE);
        assert_eq!(
            partition_dir(Dataset::Insights.dir(), "1", "r", "d"),
            "insights/account=1/region=r/date=d"
        );
        assert!(marks_lake("_trailhound") && marks_lake("cloudtrail") && !marks_lake("x"));
    }
}
