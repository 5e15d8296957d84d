//! The CloudTrail record model of trailhound.
//!
//! - [`schema`]: one Arrow schema for a CloudTrail record, declared as data.
//! - [`decode`]: a streaming decoder from a log file's `{"Records":[...]}` into Arrow.
//! - [`rebuild`]: CloudTrail JSON rebuilt from rows, equal to the source event.
//! - [`layout`]: CloudTrail's S3 key layout.
//! - [`lake`]: the lake's layout (datasets, partitions, bookkeeping folders) and partition rules.
//! - [`window`]: the time window users give (`--since`, `--from`, `--until`).
//!
//! No I/O and no query engine here (the one system call is the clock, for `--since`): this crate is plain data in, Arrow out.
//!
//! ```
//! let log = br#"{"Records":[{"eventVersion":"1.08","eventTime":"2024-07-30T21:31:05Z","eventName":"ListBuckets","x-new":1}]}"#;
//! let batch = trailhound_model::decode::decode_log(log, "f.json.gz").unwrap();
//! assert_eq!(batch.num_rows(), 1);
//! let json = trailhound_model::rebuild::Rebuilder::new(&batch).unwrap().row_json(0).unwrap();
//! let back: serde_json::Value = serde_json::from_str(&json).unwrap();
//! assert_eq!(back["x-new"], 1);
//! ```

pub mod ddl;
pub mod decode;
pub mod integrity;
pub mod json;
pub mod lake;
pub mod layout;
pub mod rebuild;
mod scan;
pub mod schema;
pub mod time;
pub mod window;

pub use decode::{decode_log, decode_log_projected, decode_records, DecodeError, Projection};
pub use rebuild::Rebuilder;
pub use schema::record_schema;
pub use window::TimeWindow;
