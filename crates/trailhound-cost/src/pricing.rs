//! Prices: a versioned TOML file (`pricing/us-east-1.toml` is built in), each section with its
//! source, replaceable with `--pricing FILE`. The cost logic holds no price of its own.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The built-in price list.
pub const DEFAULT_PRICING: &str = include_str!("../pricing/us-east-1.toml");

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Pricing {
    pub version: String,
    pub region: String,
    pub currency: String,
    pub cloudtrail: CloudTrailPrices,
    pub s3: S3Prices,
    pub cloudwatch_logs: CloudWatchPrices,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CloudTrailPrices {
    pub management_additional_copy_per_100k: f64,
    pub data_events_per_100k: f64,
    pub network_activity_events_per_100k: f64,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct S3Prices {
    pub put_per_1000: f64,
    pub min_transition_bytes: u64,
    pub source: String,
    pub classes: BTreeMap<String, StorageClass>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StorageClass {
    pub gb_month: f64,
    pub min_billable_bytes: u64,
    pub min_days: u32,
    pub overhead_bytes: u64,
    pub overhead_standard_bytes: u64,
    pub transition_per_1000: f64,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CloudWatchPrices {
    pub ingest_per_gb: f64,
    pub storage_gb_month: f64,
    pub source: String,
}

impl Pricing {
    /// The built-in us-east-1 price list.
    pub fn builtin() -> Result<Self> {
        Self::parse(
            DEFAULT_PRICING,
            Path::new("(built-in) pricing/us-east-1.toml"),
        )
    }

    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        let p: Pricing = toml::from_str(text).map_err(|e| Error::Pricing {
            file: path.to_path_buf(),
            message: e.message().to_string(),
        })?;
        if !p.s3.classes.contains_key("STANDARD") {
            return Err(Error::Pricing {
                file: path.to_path_buf(),
                message: "s3.classes.STANDARD is required".into(),
            });
        }
        let negative = [
            p.cloudtrail.management_additional_copy_per_100k,
            p.cloudtrail.data_events_per_100k,
            p.cloudtrail.network_activity_events_per_100k,
            p.s3.put_per_1000,
            p.cloudwatch_logs.ingest_per_gb,
            p.cloudwatch_logs.storage_gb_month,
        ]
        .into_iter()
        .chain(
            p.s3.classes
                .values()
                .flat_map(|c| [c.gb_month, c.transition_per_1000]),
        )
        .any(|x| !(x >= 0.0 && x.is_finite()));
        if negative {
            return Err(Error::Pricing {
                file: path.to_path_buf(),
                message: "prices must be finite and not negative".into(),
            });
        }
        Ok(p)
    }

    pub fn class(&self, name: &str) -> Option<&StorageClass> {
        self.s3.classes.get(name)
    }
}
