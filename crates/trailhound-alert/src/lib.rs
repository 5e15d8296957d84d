//! Alerting over the lake: CloudWatch Logs metric filters and alarms back-tested as written
//! ([`metric`], [`alarm`], [`from_aws`]; the pattern language is `trailhound_rules::pattern`), and
//! `watch`, which runs detections on each batch of newly converted logs and delivers every
//! finding once ([`watch`], [`ledger`], [`sink`], [`sns`], [`sqs`]).

pub mod alarm;
pub mod error;
pub mod finding;
pub mod from_aws;
pub mod ledger;
pub mod metric;
pub mod sink;
pub mod sns;
pub mod sqs;
pub mod watch;

pub use error::{Error, Result};
