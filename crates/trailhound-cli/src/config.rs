//! The user's config file: `$TRAILHOUND_CONFIG`, else `$XDG_CONFIG_HOME/trailhound/config.toml`,
//! else `~/.config/trailhound/config.toml`. It holds the default lake and cluster:
//!
//! ```toml
//! lake = "/data/cloudtrail-lake"
//! cluster = "df://scheduler.internal:50050"
//! ```

use std::path::PathBuf;

use anyhow::{Context, Result};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The lake (a folder or `s3://bucket/prefix`) used when neither an argument, `--lake`
    /// nor `TRAILHOUND_LAKE` names one.
    pub lake: Option<String>,
    /// The cluster (`df://HOST:PORT`) queries run on when neither `--cluster` nor
    /// `TRAILHOUND_CLUSTER` names one.
    pub cluster: Option<String>,
}

/// Where the config file is looked for.
pub fn path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TRAILHOUND_CONFIG") {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("trailhound/config.toml"))
}

/// Reads the config file; a missing file is an empty config, a broken one an error naming it.
pub fn load() -> Result<Config> {
    let Some(path) = path() else {
        return Ok(Config::default());
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
}
