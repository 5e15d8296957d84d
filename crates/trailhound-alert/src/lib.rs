//! Alerting over the lake: CloudWatch Logs metric filters and alarms back-tested as written
//! ([`pattern`], [`compile`], [`metric`], [`alarm`], [`from_aws`]), and `watch`, which runs
//! detections on each batch of newly converted logs and delivers every finding once
//! ([`watch`], [`ledger`], [`sink`]).

pub mod alarm;
pub mod compile;
pub mod error;
pub mod finding;
pub mod from_aws;
pub mod ledger;
pub mod metric;
pub mod pattern;
pub mod sigma;
pub mod sink;
pub mod sns;
pub mod sqs;
pub mod watch;

pub use error::{Error, Result};
