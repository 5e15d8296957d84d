//! Integration tests of the converter: real logs, bad input, incremental runs, crash recovery.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic by design

mod bad_input;
mod incremental;
mod real_corpus;

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;
use trailhound_convert::export::export_ndjson;
use trailhound_convert::{convert, ConvertOptions, ConvertSummary, Lake, LakeFilter, NoProgress};

pub use trailhound_testkit::real_logs_dir;

pub fn run(src: &Path, dest: &Path) -> ConvertSummary {
    run_with(
        src,
        dest,
        &ConvertOptions {
            threads: 2,
            ..Default::default()
        },
    )
}

pub fn run_with(src: &Path, dest: &Path, opts: &ConvertOptions) -> ConvertSummary {
    convert(src, dest, opts, &NoProgress).unwrap_or_else(|e| panic!("convert failed: {e}"))
}

/// Every event of a dataset of the lake, rebuilt as JSON.
pub fn lake_events(dest: &Path, dataset: &str) -> Vec<Value> {
    let lake = Lake::open(dest).unwrap();
    let filter = LakeFilter {
        dataset: trailhound_model::lake::Dataset::from_dir(dataset),
        ..Default::default()
    };
    let mut out = Vec::new();
    export_ndjson(&lake, &filter, &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The records of every log file below `dir` whose key contains `folder`.
pub fn source_events(dir: &Path, folder: &str) -> Vec<Value> {
    let mut files = Vec::new();
    walk(dir, &mut files);
    let mut out = Vec::new();
    for f in files {
        let key = f.to_string_lossy().into_owned();
        if !key.contains(&format!("/{folder}/")) || !key.ends_with(".json.gz") {
            continue;
        }
        let mut json = Vec::new();
        flate2::read::MultiGzDecoder::new(std::fs::File::open(&f).unwrap())
            .read_to_end(&mut json)
            .unwrap();
        let v: Value = serde_json::from_slice(&json).unwrap();
        out.extend(v["Records"].as_array().unwrap().iter().cloned());
    }
    out
}

pub fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out)
        } else {
            out.push(p)
        }
    }
}

/// Sorted canonical texts, to compare multisets of JSON values.
pub fn canonical(values: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = values
        .iter()
        .map(|v| serde_json::to_string(v).unwrap())
        .collect();
    v.sort();
    v
}

/// Live Parquet files of the lake, from a directory listing (what any engine would see).
pub fn parquet_files(dest: &Path) -> Vec<String> {
    let mut files = Vec::new();
    walk(dest, &mut files);
    let mut v: Vec<String> = files
        .iter()
        .map(|p| p.strip_prefix(dest).unwrap().to_string_lossy().into_owned())
        .filter(|p| p.ends_with(".parquet") && !p.starts_with("_trailhound"))
        .collect();
    v.sort();
    v
}
