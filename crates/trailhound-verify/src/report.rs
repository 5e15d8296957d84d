//! What verification found, per log file and per digest, as a table or JSON.

use std::io::Write;

use serde::Serialize;

pub use trailhound_model::integrity::LogStatus;

#[derive(Debug, Clone, Serialize)]
pub struct LogResult {
    pub key: String,
    pub status: LogStatus,
    /// The digest that names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// Something wrong with the archive.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    LogModified {
        key: String,
        digest: String,
    },
    LogMissing {
        key: String,
        digest: String,
    },
    LogNotCovered {
        key: String,
    },
    /// No digest at all covers the log files of one account and region: nothing there was
    /// checked (digest delivery was never enabled, or the digests are missing).
    NoDigests {
        account: String,
        region: String,
        logs: usize,
    },
    /// A digest names a previous digest that is not in the archive.
    DigestMissing {
        key: String,
        referenced_by: String,
    },
    /// The previous digest's SHA-256 is not the one the next digest recorded.
    DigestChainBroken {
        key: String,
        next: String,
    },
    /// No digest covers this stretch of time.
    DigestGap {
        account: String,
        region: String,
        from: String,
        until: String,
        hours: f64,
    },
    SignatureInvalid {
        digest: String,
        reason: String,
    },
    NoPublicKey {
        digest: String,
        fingerprint: String,
    },
    /// The newest digest in S3 has no signature in its object metadata (or it cannot be read).
    SignatureMissing {
        digest: String,
        reason: String,
    },
    DigestUnreadable {
        key: String,
        reason: String,
    },
    /// The digest is not at the key it says it is at.
    DigestMisplaced {
        key: String,
        says: String,
    },
}

impl Finding {
    fn line(&self) -> String {
        match self {
            Finding::LogModified { key, digest } => {
                format!("modified        {key} (hash differs from {digest})")
            }
            Finding::LogMissing { key, digest } => {
                format!("missing         {key} (named by {digest})")
            }
            Finding::LogNotCovered { key } => format!("not covered     {key} (no digest names it)"),
            Finding::NoDigests {
                account,
                region,
                logs,
            } => format!(
                "no digests      {account} {region}: {logs} log file{} not checked (digest delivery was never enabled, or the digests are missing)",
                if *logs == 1 { "" } else { "s" }
            ),
            Finding::DigestMissing { key, referenced_by } => {
                format!("digest missing  {key} (previous digest of {referenced_by})")
            }
            Finding::DigestChainBroken { key, next } => {
                format!("chain broken    {key} (its hash is not the one {next} recorded)")
            }
            Finding::DigestGap {
                account,
                region,
                from,
                until,
                hours,
            } => {
                format!("digest gap      {account} {region}: {from} to {until} ({hours:.1} hours without digests)")
            }
            Finding::SignatureInvalid { digest, reason } => {
                format!("bad signature   {digest}: {reason}")
            }
            Finding::NoPublicKey {
                digest,
                fingerprint,
            } => {
                format!(
                    "no public key   {digest} (fingerprint {fingerprint} is not in the keys file)"
                )
            }
            Finding::SignatureMissing { digest, reason } => {
                format!("no signature    {digest}: {reason}")
            }
            Finding::DigestUnreadable { key, reason } => format!("unreadable      {key}: {reason}"),
            Finding::DigestMisplaced { key, says } => {
                format!("misplaced       {key} (the digest says it is {says})")
            }
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub digests: usize,
    pub signatures_verified: usize,
    /// Newest digests of their chains in a local copy: their signature is only in S3 object
    /// metadata, which a copy does not keep.
    pub unsigned_newest: Vec<String>,
    pub logs: Vec<LogResult>,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }

    pub fn count(&self, s: LogStatus) -> usize {
        self.logs.iter().filter(|l| l.status == s).count()
    }

    pub fn write_table(&self, out: &mut dyn Write, verbose: bool) -> std::io::Result<()> {
        if verbose {
            for l in &self.logs {
                let s = match l.status {
                    LogStatus::Valid => "valid",
                    LogStatus::Modified => "MODIFIED",
                    LogStatus::Missing => "MISSING",
                    LogStatus::NotCovered => "NOT COVERED",
                };
                writeln!(out, "{s:<12} {}", l.key)?;
            }
        }
        for f in &self.findings {
            writeln!(out, "{}", f.line())?;
        }
        writeln!(
            out,
            "{} digests ({} signatures verified, {} newest without signature), log files: {} valid, {} modified, {} missing, {} not covered; {}",
            self.digests,
            self.signatures_verified,
            self.unsigned_newest.len(),
            self.count(LogStatus::Valid),
            self.count(LogStatus::Modified),
            self.count(LogStatus::Missing),
            self.count(LogStatus::NotCovered),
            if self.is_clean() {
                "no findings".to_string()
            } else {
                format!("{} findings", self.findings.len())
            }
        )
    }
}
