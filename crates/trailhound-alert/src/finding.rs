//! A finding as `watch` delivers it: which detection, which events, the row the detection
//! returned, and a key that names it across cycles and restarts.

use datafusion::arrow::array::RecordBatch;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use trailhound_rules::catalog::SavedQuery;

use crate::{Error, Result};

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `<detection>:<hash of its sorted event ids>`: the same finding has the same key in every
    /// cycle, on every machine (PagerDuty's dedup_key, the delivery ledger's name).
    pub key: String,
    pub detection: String,
    pub title: String,
    pub severity: String,
    pub category: String,
    pub references: Vec<String>,
    /// The events the finding is about, sorted.
    pub eventids: Vec<String>,
    /// The detection's row, column by column (event fields are attacker-controlled text).
    pub row: serde_json::Map<String, serde_json::Value>,
}

impl Finding {
    pub fn key_for(detection: &str, ids: &[String]) -> String {
        let mut h = Sha256::new();
        for id in ids {
            h.update(id.as_bytes());
            h.update([0]);
        }
        let digest = h.finalize();
        let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        format!("{detection}:{hex}")
    }

    /// One line for a human: `[high] Burst of failed console sign-ins: 12 events (198.51.100.23)`.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "[{}] {}: {} event{}",
            self.severity,
            self.title,
            self.eventids.len(),
            if self.eventids.len() == 1 { "" } else { "s" }
        );
        let who: Vec<String> = ["principal", "key", "sourceipaddress", "eventname"]
            .iter()
            .filter_map(|c| self.row.get(*c).and_then(|v| v.as_str()))
            .map(|v| clip(v, 80))
            .collect();
        if !who.is_empty() {
            s.push_str(&format!(" ({})", who.join(", ")));
        }
        s
    }
}

/// The findings of a saved query's result, in its order: one per row, named by the events of
/// its `eventid` column or `eventids` list (sorted, without repeats).
pub fn findings_of(q: &SavedQuery, batches: &[RecordBatch]) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for row in json_rows(batches)? {
        let mut ids: Vec<String> = Vec::new();
        if let Some(Value::String(id)) = row.get("eventid") {
            ids.push(id.clone());
        }
        if let Some(Value::Array(list)) = row.get("eventids") {
            ids.extend(list.iter().filter_map(|v| v.as_str().map(str::to_string)));
        }
        ids.sort();
        ids.dedup();
        findings.push(Finding {
            key: Finding::key_for(&q.name, &ids),
            detection: q.name.clone(),
            title: q.title.clone(),
            severity: q.severity.clone(),
            category: q.category.clone(),
            references: q.references.clone(),
            eventids: ids,
            row,
        });
    }
    Ok(findings)
}

/// Result rows as JSON objects.
pub fn json_rows(batches: &[RecordBatch]) -> Result<Vec<serde_json::Map<String, Value>>> {
    let mut buf = Vec::new();
    {
        let mut w = datafusion::arrow::json::ArrayWriter::new(&mut buf);
        for b in batches {
            w.write(b).map_err(|e| Error::Invalid(e.to_string()))?;
        }
        w.finish().map_err(|e| Error::Invalid(e.to_string()))?;
    }
    if buf.is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_slice(&buf).map_err(|e| Error::Invalid(e.to_string()))
}

/// At most `n` characters, with … when cut.
pub fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Control characters (terminal escapes, newlines in a one-line summary) made visible.
pub fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}
