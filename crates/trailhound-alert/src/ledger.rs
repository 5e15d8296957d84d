//! What `watch` remembers, in the lake itself (`_trailhound/watch/<name>/`), so that it holds
//! across restarts, kill -9 and machines: the last lake version whose new events were checked
//! and every finding delivered (`cursor.json`), and one marker per finding delivered to each
//! sink (`sent/<sink>/<hash of the finding key>`), written right after its delivery succeeded.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use trailhound_model::lake::WATCH_DIR;
use trailhound_store::Location;

use crate::{Error, Result};

pub struct Ledger {
    lake: Location,
    dir: String,
}

#[derive(Serialize, Deserialize)]
struct Cursor {
    /// Lake version through which every new event was checked and every finding delivered.
    version: u64,
    /// When it was written, microseconds.
    updated: i64,
}

fn store_err(what: String) -> impl FnOnce(trailhound_store::Error) -> Error {
    move |source| Error::Store { what, source }
}

impl Ledger {
    /// The ledger of the watch called `name` (letters, digits, `-`, `_`).
    pub fn open(lake: Location, name: &str) -> Result<Ledger> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(Error::Invalid(format!(
                "--name {name:?}: use letters, digits, - and _"
            )));
        }
        Ok(Ledger {
            lake,
            dir: format!("{WATCH_DIR}/{name}"),
        })
    }

    fn cursor_rel(&self) -> String {
        format!("{}/cursor.json", self.dir)
    }

    /// The cursor's lake version; `None` before the first completed cycle.
    pub fn cursor(&self) -> Result<Option<u64>> {
        let rel = self.cursor_rel();
        let shown = self.lake.show(&rel);
        if self
            .lake
            .head(&rel)
            .map_err(store_err(shown.clone()))?
            .is_none()
        {
            return Ok(None);
        }
        let bytes = self.lake.get(&rel).map_err(store_err(shown.clone()))?;
        let c: Cursor = serde_json::from_slice(&bytes).map_err(|e| Error::File {
            file: shown,
            message: format!("not a watch cursor: {e}"),
        })?;
        Ok(Some(c.version))
    }

    pub fn set_cursor(&self, version: u64) -> Result<()> {
        let rel = self.cursor_rel();
        let c = Cursor {
            version,
            updated: trailhound_model::window::now_micros(),
        };
        let bytes = serde_json::to_vec(&c).map_err(|e| Error::Invalid(e.to_string()))?;
        self.lake
            .put(&rel, bytes)
            .map_err(store_err(self.lake.show(&rel)))
    }

    fn marker(key: &str) -> String {
        let d = Sha256::digest(key.as_bytes());
        d[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The markers of findings delivered to `sink` (compare with [`Ledger::is_sent`]).
    pub fn sent(&self, sink: &str) -> Result<HashSet<String>> {
        let rel = format!("{}/sent/{sink}", self.dir);
        let entries = self
            .lake
            .list(&rel)
            .map_err(store_err(self.lake.show(&rel)))?;
        Ok(entries
            .into_iter()
            .filter_map(|e| e.rel.rsplit('/').next().map(str::to_string))
            .collect())
    }

    pub fn is_sent(sent: &HashSet<String>, key: &str) -> bool {
        sent.contains(&Self::marker(key))
    }

    /// Records that `key` reached `sink`.
    pub fn mark_sent(&self, sink: &str, key: &str) -> Result<()> {
        let rel = format!("{}/sent/{sink}/{}", self.dir, Self::marker(key));
        self.lake
            .put(&rel, key.as_bytes().to_vec())
            .map_err(store_err(self.lake.show(&rel)))
    }
}
