//! Duplicate detection: the same event delivered twice (an organization trail and an account
//! trail, a re-delivered file) is stored once, also across runs, with nothing extra stored.
//!
//! A duplicate is the same eventID with the same content, whatever the key order or spacing of
//! its JSON: one rule, so the lake does not depend on how deliveries were batched into runs.
//! Within a run the decoder's hash of the raw text decides when it matches; when an eventID
//! comes again with other text, the first event with it is read again from its source object
//! and both are compared by their canonical JSON. Against events already in the lake, a
//! matching eventID is only a candidate: the stored events of that partition are rebuilt once
//! and compared by their canonical JSON. Events without an eventID are always kept.

use std::collections::{HashMap, HashSet};

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, BooleanArray, RecordBatch};
use serde_json::Value;
use trailhound_model::schema::COL_SOURCE;
use trailhound_model::schema::{COL_RECORD_HASH, EVENT_ID};
use trailhound_model::Rebuilder;

use crate::error::{IoContext, Result};
use crate::lake::Lake;
use crate::manifest::DataFile;

fn id_hash(id: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(id.as_bytes())
}

/// The source index of a first event whose canonical hash was computed when it came.
const FROM_CANDIDATE: u32 = u32::MAX;

/// Reads a source object of this run again, decoded (for the rare comparison of two texts of
/// one eventID).
pub(crate) type Reread<'a> = dyn Fn(&str) -> Result<RecordBatch> + 'a;

/// What is known of one partition's events.
#[derive(Default)]
struct PartitionIndex {
    /// eventID hash → content hash of the first event with it seen in this run, and the
    /// source object it came from (an index into [`DedupIndex::sources`]).
    run: HashMap<u64, (u64, u32)>,
    /// Further content hashes of an eventID: other texts of it, kept or dropped.
    more: HashMap<u64, Vec<u64>>,
    /// Canonical hashes of the events kept in this run whose eventID came with other text.
    canonical_more: HashMap<u64, Vec<u64>>,
    /// eventID hashes of the events stored before this run.
    stored_ids: HashSet<u64>,
    /// Canonical hashes of the stored events, loaded on the first candidate.
    stored_canonical: Option<HashSet<u64>>,
    files: Vec<DataFile>,
}

impl PartitionIndex {
    fn seen_in_run(&self, id: u64, content: u64) -> bool {
        self.run.get(&id).is_some_and(|(c, _)| *c == content)
            || self.more.get(&id).is_some_and(|v| v.contains(&content))
    }
}

impl RunSources {
    fn id(&mut self, key: &str) -> u32 {
        if let Some(&i) = self.ids.get(key) {
            return i;
        }
        let i = self.keys.len() as u32;
        self.keys.push(key.to_owned());
        self.ids.insert(key.to_owned(), i);
        i
    }

    /// The canonical hash of the first event with eventID hash `id` in source `src`.
    fn first_canonical(&mut self, src: u32, id: u64, reread: &Reread) -> Result<Option<u64>> {
        if !self.first_canonical.contains_key(&src) {
            let key = &self.keys[src as usize];
            let batch = reread(key)?;
            let ids = batch.column(EVENT_ID).as_string::<i32>();
            let r = Rebuilder::new(&batch).at(key)?;
            let mut first = HashMap::new();
            for row in 0..batch.num_rows() {
                if ids.is_valid(row) {
                    if let std::collections::hash_map::Entry::Vacant(e) =
                        first.entry(id_hash(ids.value(row)))
                    {
                        e.insert(canonical_hash(&r.row_json(row).at(key)?));
                    }
                }
            }
            self.first_canonical.insert(src, first);
        }
        Ok(self.first_canonical[&src].get(&id).copied())
    }
}

/// Per-partition indexes, keyed by the partition folder.
#[derive(Default)]
pub(crate) struct DedupIndex {
    parts: HashMap<String, PartitionIndex>,
    sources: RunSources,
}

/// The source objects of this run, for reading an event again when its ID comes back with
/// other text.
#[derive(Default)]
struct RunSources {
    /// Source object keys, interned.
    keys: Vec<String>,
    ids: HashMap<String, u32>,
    /// Per source object read again: eventID hash → canonical hash of its first event with it.
    first_canonical: HashMap<u32, HashMap<u64, u64>>,
}

/// The index of partition `dir`, made from the lake's stored eventIDs on first use.
fn partition<'a>(
    parts: &'a mut HashMap<String, PartitionIndex>,
    dir: &str,
    lake: &Lake,
) -> Result<&'a mut PartitionIndex> {
    if !parts.contains_key(dir) {
        let mut p = PartitionIndex::default();
        for f in lake
            .state()
            .files
            .values()
            .filter(|f| f.partition_dir() == dir)
        {
            for batch in lake.read_parquet(&f.path, Some(&["eventid"]))? {
                p.stored_ids.extend(
                    batch
                        .column(0)
                        .as_string::<i32>()
                        .iter()
                        .flatten()
                        .map(id_hash),
                );
            }
            p.files.push(f.clone());
        }
        parts.insert(dir.to_owned(), p);
    }
    Ok(parts.get_mut(dir).expect("inserted above"))
}

impl DedupIndex {
    /// Which rows of `rows` (a decoded batch of partition `dir`) to keep.
    pub(crate) fn keep(
        &mut self,
        dir: &str,
        rows: &RecordBatch,
        lake: &Lake,
        reread: &Reread,
    ) -> Result<BooleanArray> {
        // The partition is looked up once per batch, not per row.
        let part = partition(&mut self.parts, dir, lake)?;
        let run_sources = &mut self.sources;
        let ids = rows.column(EVENT_ID).as_string::<i32>();
        let hashes = rows
            .column_by_name(COL_RECORD_HASH)
            .map(|c| c.as_primitive::<Int64Type>().clone());
        let sources = rows
            .column_by_name(COL_SOURCE)
            .map(|c| c.as_string::<i32>().clone());
        let mut rebuild: Option<Rebuilder> = None;
        let mut keep = Vec::with_capacity(rows.num_rows());
        for row in 0..rows.num_rows() {
            let content = hashes
                .as_ref()
                .filter(|h| h.is_valid(row))
                .map(|h| h.value(row) as u64);
            let (Some(content), true) = (content, ids.is_valid(row)) else {
                keep.push(true);
                continue;
            };
            let id = id_hash(ids.value(row));
            if part.seen_in_run(id, content) {
                keep.push(false);
                continue;
            }
            let earlier = part.run.get(&id).copied();
            let stored_candidate = part.stored_ids.contains(&id);
            if earlier.is_none() && !stored_candidate {
                let src = sources
                    .as_ref()
                    .filter(|s| s.is_valid(row))
                    .map_or("", |s| s.value(row));
                part.run.insert(id, (content, run_sources.id(src)));
                keep.push(true);
                continue;
            }
            // Another text of a known eventID: compare canonical forms.
            let r = match &mut rebuild {
                Some(r) => r,
                None => rebuild.insert(Rebuilder::new(rows).at("<memory>")?),
            };
            let canonical = canonical_hash(&r.row_json(row).at("<memory>")?);
            let mut duplicate = false;
            // (A first event that was itself a candidate against the lake has its canonical
            // hash in `canonical_more` already, or matched a stored one.)
            if let Some((_, src)) = earlier.filter(|(_, src)| *src != FROM_CANDIDATE) {
                duplicate = run_sources.first_canonical(src, id, reread)? == Some(canonical);
            }
            duplicate |= part
                .canonical_more
                .get(&id)
                .is_some_and(|v| v.contains(&canonical));
            if !duplicate && stored_candidate {
                if part.stored_canonical.is_none() {
                    part.stored_canonical = Some(canonical_hashes(&part.files, lake)?);
                }
                duplicate = part
                    .stored_canonical
                    .as_ref()
                    .is_some_and(|s| s.contains(&canonical));
            }
            match earlier {
                None => {
                    part.run.insert(id, (content, FROM_CANDIDATE));
                }
                Some(_) => part.more.entry(id).or_default().push(content),
            }
            if !duplicate {
                part.canonical_more.entry(id).or_default().push(canonical);
            }
            keep.push(!duplicate);
        }
        Ok(BooleanArray::from(keep))
    }
}

/// Canonical hashes of every event stored in `files`.
fn canonical_hashes(files: &[DataFile], lake: &Lake) -> Result<HashSet<u64>> {
    let mut out = HashSet::new();
    for f in files {
        let path = lake.show(&f.path);
        for batch in lake.read_parquet(&f.path, None)? {
            let r = Rebuilder::new(&batch).at(&path)?;
            for row in 0..batch.num_rows() {
                out.insert(canonical_hash(&r.row_json(row).at(&path)?));
            }
        }
    }
    Ok(out)
}

/// Hash of the JSON value with object keys sorted: equal for equal values, whatever the order.
fn canonical_hash(json: &str) -> u64 {
    let Ok(v) = serde_json::from_str::<Value>(json) else {
        return xxhash_rust::xxh3::xxh3_64(json.as_bytes());
    };
    let mut out = String::with_capacity(json.len());
    write_canonical(&v, &mut out);
    xxhash_rust::xxh3::xxh3_64(out.as_bytes())
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_hash_ignores_key_order_only() {
        assert_eq!(
            canonical_hash(r#"{"a":1,"b":{"x":[1,{"q":2,"p":3}]}}"#),
            canonical_hash(r#"{"b":{"x":[1,{"p":3,"q":2}]},"a":1}"#)
        );
        assert_ne!(canonical_hash(r#"{"a":1}"#), canonical_hash(r#"{"a":2}"#));
        assert_ne!(
            canonical_hash(r#"{"a":[1,2]}"#),
            canonical_hash(r#"{"a":[2,1]}"#)
        );
    }
}
