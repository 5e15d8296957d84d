//! Rewrites of data files, each in one commit: compaction merges the small files that frequent
//! incremental runs leave in a partition into larger files sorted by `eventtime`, so pruning by
//! time keeps working; retraction removes the records of source objects that changed since they
//! were converted, so that their new content can replace them.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use arrow_array::cast::AsArray;
use arrow_array::BooleanArray;
use arrow_select::filter::filter_record_batch;
use trailhound_model::schema::COL_SOURCE;

use crate::error::{IoContext, Result};
use crate::lake::{Lake, LakeFilter};
use crate::manifest::{Commit, DataFile, SourceEntry};
use trailhound_model::window::now_micros;

/// What a compaction did.
#[derive(Debug, Clone, Default)]
pub struct CompactSummary {
    pub partitions: u64,
    pub files_before: u64,
    pub files_after: u64,
    pub rows: u64,
}

/// Compacts the partitions `filter` admits. `max_rows` bounds the rows merged at once (and so
/// the memory used and the size of an output file).
pub fn compact(lake: &mut Lake, filter: &LakeFilter, max_rows: u64) -> Result<CompactSummary> {
    let mut by_partition: BTreeMap<String, Vec<DataFile>> = BTreeMap::new();
    for f in lake.files(filter) {
        if f.rows < max_rows {
            by_partition
                .entry(f.partition_dir())
                .or_default()
                .push(f.clone());
        }
    }
    let version = lake.next_version();
    let staging = lake.staging_for(version);
    let mut summary = CompactSummary::default();
    let mut added = Vec::new();
    let mut removed = Vec::new();
    let mut seq = 0;
    for (_, mut files) in by_partition {
        if files.len() < 2 {
            continue;
        }
        summary.partitions += 1;
        files.sort_by_key(|f| (f.min_time, f.path.clone()));
        // Greedy groups of consecutive files up to `max_rows`.
        let mut groups: Vec<Vec<DataFile>> = vec![Vec::new()];
        let mut rows = 0;
        for f in files {
            if rows + f.rows > max_rows && !groups.last().is_some_and(Vec::is_empty) {
                groups.push(Vec::new());
                rows = 0;
            }
            rows += f.rows;
            groups.last_mut().expect("never empty").push(f);
        }
        for group in groups.into_iter().filter(|g| g.len() > 1) {
            let mut batches = Vec::new();
            for f in &group {
                batches.extend(lake.read_parquet(&f.path, None)?);
            }
            seq += 1;
            let first = &group[0];
            let rel = format!(
                "{}/part-{version:010}-c-{seq:05}.parquet",
                first.partition_dir()
            );
            let file = write_like(lake, &staging, rel, &batches, first)?;
            summary.files_before += group.len() as u64;
            summary.files_after += 1;
            summary.rows += file.rows;
            added.push(file);
            removed.extend(group.into_iter().map(|f| f.path));
        }
    }
    if added.is_empty() {
        return Ok(summary);
    }
    let sources = remap_sources(lake, &removed, &added);
    lake.commit(Commit {
        version,
        operation: "compact".into(),
        timestamp: now_micros(),
        sources,
        added,
        removed,
        forgotten: Vec::new(),
        staging: Some(staging),
        listed_through: Default::default(),
    })?;
    Ok(summary)
}

/// Writes `rows` (sorted on the way) to `rel` in staging, as a data file of the same partition
/// as `like`.
fn write_like(
    lake: &Lake,
    staging: &str,
    rel: String,
    rows: &[arrow_array::RecordBatch],
    like: &DataFile,
) -> Result<DataFile> {
    let w = lake.write_parquet(&format!("{staging}/{rel}"), rows)?;
    Ok(DataFile {
        path: rel,
        rows: w.rows,
        bytes: w.bytes,
        min_time: w.min_time,
        max_time: w.max_time,
        ..like.clone()
    })
}

/// The source entries that pointed at `removed` files, pointing at the `added` file of the same
/// partition instead (or at nothing, when none was added there).
fn remap_sources(lake: &Lake, removed: &[String], added: &[DataFile]) -> Vec<SourceEntry> {
    let gone: HashSet<&str> = removed.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    for s in lake.state().sources.values() {
        if !s.outputs.iter().any(|o| gone.contains(o.as_str())) {
            continue;
        }
        let mut s = s.clone();
        s.outputs = s
            .outputs
            .iter()
            .filter_map(|o| {
                if !gone.contains(o.as_str()) {
                    return Some(o.clone());
                }
                let dir = &o[..o.rfind('/').unwrap_or(0)];
                added
                    .iter()
                    .find(|a| a.partition_dir() == dir)
                    .map(|a| a.path.clone())
            })
            .collect();
        s.outputs.sort();
        s.outputs.dedup();
        out.push(s);
    }
    out
}

/// Removes every record of the source objects `keys` from the lake, and forgets those objects,
/// so that converting them again replaces their records. Returns the number of rows removed.
pub fn retract(lake: &mut Lake, keys: &BTreeSet<String>) -> Result<u64> {
    let files: BTreeSet<String> = keys
        .iter()
        .filter_map(|k| lake.state().sources.get(k))
        .flat_map(|s| s.outputs.iter().cloned())
        .filter(|f| lake.state().files.contains_key(f))
        .collect();
    let version = lake.next_version();
    let staging = lake.staging_for(version);
    let (mut added, mut removed, mut retracted) = (Vec::new(), Vec::new(), 0u64);
    for (n, path) in files.iter().enumerate() {
        let file = lake.state().files[path].clone();
        let mut kept = Vec::new();
        for batch in lake.read_parquet(path, None)? {
            let sources = batch
                .column_by_name(COL_SOURCE)
                .map(|c| c.as_string::<i32>().clone())
                .ok_or_else(|| crate::Error::Invalid(format!("{path}: no {COL_SOURCE} column")))?;
            let keep: BooleanArray = sources
                .iter()
                .map(|s| Some(!s.is_some_and(|s| keys.contains(s))))
                .collect();
            retracted += (batch.num_rows() - keep.true_count()) as u64;
            kept.push(filter_record_batch(&batch, &keep).at(lake.show(path))?);
        }
        removed.push(path.clone());
        if kept.iter().any(|b| b.num_rows() > 0) {
            let rel = format!(
                "{}/part-{version:010}-r-{n:05}.parquet",
                file.partition_dir()
            );
            added.push(write_like(lake, &staging, rel, &kept, &file)?);
        }
    }
    let sources = remap_sources(lake, &removed, &added)
        .into_iter()
        .filter(|s| !keys.contains(&s.key))
        .collect();
    lake.commit(Commit {
        version,
        operation: "retract".into(),
        timestamp: now_micros(),
        sources,
        added,
        removed,
        forgotten: keys.iter().cloned().collect(),
        staging: Some(staging),
        listed_through: Default::default(),
    })?;
    Ok(retracted)
}
