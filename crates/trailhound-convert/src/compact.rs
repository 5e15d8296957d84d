//! Compaction: merges the small files that frequent incremental runs leave in a partition into
//! larger files sorted by `eventtime`, in one commit, so pruning by time keeps working.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::lake::{Lake, LakeFilter};
use crate::manifest::{Commit, DataFile};
use crate::window::now_micros;
use crate::writer::{read_parquet, sort_by_time, write_parquet};

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
                batches.extend(read_parquet(&lake.path(&f.path), None)?);
            }
            let sorted = sort_by_time(&batches)?;
            drop(batches);
            seq += 1;
            let first = &group[0];
            let rel = format!(
                "{}/part-{version:010}-c-{seq:05}.parquet",
                first.partition_dir()
            );
            let w = write_parquet(&sorted, &lake.path(&format!("{staging}/{rel}")))?;
            summary.files_before += group.len() as u64;
            summary.files_after += 1;
            summary.rows += w.rows;
            added.push(DataFile {
                path: rel,
                rows: w.rows,
                bytes: w.bytes,
                min_time: w.min_time,
                max_time: w.max_time,
                ..first.clone()
            });
            removed.extend(group.into_iter().map(|f| f.path));
        }
    }
    if added.is_empty() {
        return Ok(summary);
    }
    // Sources keep pointing at the files that hold their records.
    let mut sources = Vec::new();
    for s in lake.state().sources.values() {
        if s.outputs.iter().any(|o| removed.contains(o)) {
            let mut s = s.clone();
            for o in &mut s.outputs {
                if let Some(i) = removed.iter().position(|r| r == o) {
                    let part = &removed[i][..removed[i].rfind('/').unwrap_or(0)];
                    if let Some(new) = added.iter().find(|a| a.path.starts_with(part)) {
                        o.clone_from(&new.path);
                    }
                }
            }
            s.outputs.sort();
            s.outputs.dedup();
            sources.push(s);
        }
    }
    lake.commit(Commit {
        version,
        operation: "compact".into(),
        timestamp: now_micros(),
        sources,
        added,
        removed,
        staging: Some(staging),
    })?;
    Ok(summary)
}
