//! trailhound on an Apache DataFusion Ballista cluster, for lakes one machine cannot query fast
//! enough. The one `trailhound` binary is client, scheduler and executor, so all three always
//! agree on functions, plan nodes and versions:
//!
//! - [`scheduler`] and [`executor`] run Ballista's roles with trailhound's session (functions,
//!   coercions), plan codec and object stores; [`job_log`] says what each job moved, as a
//!   [`Notice`] the binary prints (the library never does);
//! - [`Cluster`] is the client: queries are planned here as for a local run and their physical
//!   plans executed on the cluster, so results, formats and errors look the same.

pub mod client;
pub mod codec;
pub mod error;
pub mod executor;
pub mod job_log;
pub mod notice;
pub mod scheduler;
pub mod session;

pub use client::{Cluster, ClusterUrl};
pub use error::ClusterError;
pub use notice::{Notice, Notices};
