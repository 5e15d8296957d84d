//! The validation walk: read every digest below a folder, check signatures and the chain, hash
//! the log files digests name, and look for what no digest covers.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use rsa::Pkcs1v15Sign;
use sha2::{Digest as _, Sha256};
use trailhound_model::layout::{parse_key, LogKind};
use trailhound_model::window::{parse_instant, TimeWindow};
use trailhound_store::{inflate, Locator, S3Options, Source, SourceFilter, SourceObject};

use crate::digest::{hex_decode, logs_key, sha256_hex, DigestFile};
use crate::error::Result;
use crate::keys::PublicKeys;
use crate::report::{Finding, LogResult, LogStatus, Report};

#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Digests whose end time lies in this window are checked.
    pub window: TimeWindow,
}

struct LoadedDigest {
    key: String,
    /// The object's key below the source (`key` is the part from `AWSLogs/` on).
    object: String,
    file: DigestFile,
    sha256: String,
    start: i64,
    end: i64,
}

/// The object's JSON, decompressed by the same `inflate` the converter uses.
fn read_uncompressed(src: &Source, o: &SourceObject) -> Result<Vec<u8>, String> {
    let bytes = src.location().get(&o.key).map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    Ok(inflate(&o.key, &bytes, &mut buf)?.to_vec())
}

/// The delivery time in a log file's name (`…_20240801T1205Z_…`), in microseconds.
fn delivered_at(key: &str) -> Option<i64> {
    let name = key.rsplit('/').next()?;
    let stamp = name
        .split('_')
        .find(|p| p.len() == 14 && p.ends_with('Z') && p.as_bytes()[8] == b'T')?;
    let s = format!(
        "{}-{}-{}T{}:{}:00Z",
        &stamp[0..4],
        &stamp[4..6],
        &stamp[6..8],
        &stamp[9..11],
        &stamp[11..13]
    );
    parse_instant(&s).ok()
}

/// Verifies the trail archive below the local folder `root`.
pub fn verify(root: &Path, keys: &PublicKeys, opts: &VerifyOptions) -> Result<Report> {
    let src = Source::open(&Locator::from(root), &S3Options::default())?;
    verify_at(&src, keys, opts)
}

/// The digest validation result of every source object `filter` admits, by its key below
/// `src` (what `convert --verify` records in the manifest), with the report it comes from.
/// Objects no digest names are [`LogStatus::NotCovered`]; files a digest names but the archive
/// lacks are no source objects and have no entry.
pub fn status_by_source(
    src: &Source,
    keys: &PublicKeys,
    filter: &SourceFilter,
) -> Result<(HashMap<String, LogStatus>, Report)> {
    let report = verify_at(src, keys, &VerifyOptions::default())?;
    let by_logs_key: HashMap<&str, LogStatus> = report
        .logs
        .iter()
        .map(|l| (l.key.as_str(), l.status))
        .collect();
    let mut out = HashMap::new();
    for o in src.list(filter, &BTreeMap::new())?.objects {
        let status = match by_logs_key.get(logs_key(&o.key)) {
            Some(LogStatus::Missing) => continue,
            Some(s) => *s,
            None => LogStatus::NotCovered,
        };
        out.insert(o.key, status);
    }
    Ok((out, report))
}

/// Verifies the trail archive of `src` (a local folder or `s3://bucket/prefix`).
pub fn verify_at(src: &Source, keys: &PublicKeys, opts: &VerifyOptions) -> Result<Report> {
    let objects = src
        .list(&SourceFilter::default(), &BTreeMap::new())?
        .objects;
    let by_key: HashMap<&str, &SourceObject> =
        objects.iter().map(|o| (logs_key(&o.key), o)).collect();
    let mut report = Report::default();
    let digests = load_digests(src, &objects, &mut report);
    let chain = Chain::new(&digests);
    let in_window = |d: &LoadedDigest| opts.window.is_unbounded() || opts.window.contains(d.end);
    let mut covered: HashSet<String> = HashSet::new();
    for d in digests.iter().filter(|d| in_window(d)) {
        report.digests += 1;
        check_signature(d, &chain, src, keys, &mut report);
        check_link(d, &chain, opts, &mut report);
        check_log_files(d, src, &by_key, &mut covered, &mut report);
    }
    let span = find_gaps(digests.iter().filter(|d| in_window(d)), &mut report);
    find_uncovered(&objects, &covered, &span, opts, &mut report);
    Ok(report)
}

/// Every digest below the source, read once; unreadable ones are findings.
fn load_digests(src: &Source, objects: &[SourceObject], report: &mut Report) -> Vec<LoadedDigest> {
    let mut digests = Vec::new();
    for o in objects
        .iter()
        .filter(|o| LogKind::of_key(&o.key) == LogKind::Digest)
    {
        let loaded = read_uncompressed(src, o).and_then(|bytes| {
            let file = DigestFile::parse(&bytes)?;
            let start = parse_instant(&file.digest_start_time).map_err(|e| e.to_string())?;
            let end = parse_instant(&file.digest_end_time).map_err(|e| e.to_string())?;
            Ok(LoadedDigest {
                key: logs_key(&o.key).to_string(),
                object: o.key.clone(),
                sha256: sha256_hex(&bytes),
                file,
                start,
                end,
            })
        });
        match loaded {
            Ok(d) => digests.push(d),
            Err(reason) => report.findings.push(Finding::DigestUnreadable {
                key: o.key.clone(),
                reason,
            }),
        }
    }
    digests
}

/// The digests by key, and each digest's successor in its chain.
struct Chain<'a> {
    digests: &'a [LoadedDigest],
    index: HashMap<&'a str, usize>,
    /// previous digest key → the digest that names it (whose `previousDigestSignature` signs it).
    successor: HashMap<&'a str, usize>,
}

impl<'a> Chain<'a> {
    fn new(digests: &'a [LoadedDigest]) -> Self {
        let index = digests
            .iter()
            .enumerate()
            .map(|(i, d)| (d.key.as_str(), i))
            .collect();
        let successor = digests
            .iter()
            .enumerate()
            .filter_map(|(i, d)| Some((logs_key(d.file.previous_digest_s3_object.as_deref()?), i)))
            .collect();
        Self {
            digests,
            index,
            successor,
        }
    }
}

/// A digest's own placement and signature: in the next digest of the chain, else (the newest)
/// in the `signature` metadata CloudTrail puts on the digest object in S3. A local copy keeps
/// no metadata, so its newest digest stays unsigned; an S3 digest without it is a finding.
fn check_signature(
    d: &LoadedDigest,
    chain: &Chain,
    src: &Source,
    keys: &PublicKeys,
    report: &mut Report,
) {
    let says = logs_key(&d.file.digest_s3_object);
    if says != d.key {
        report.findings.push(Finding::DigestMisplaced {
            key: d.key.clone(),
            says: says.to_string(),
        });
    }
    let in_chain = chain
        .successor
        .get(d.key.as_str())
        .and_then(|&n| chain.digests[n].file.previous_digest_signature.clone());
    let sig = match in_chain {
        Some(sig) => sig,
        None => match src.location().user_metadata(&d.object) {
            Ok(None) => {
                report.unsigned_newest.push(d.key.clone());
                return;
            }
            Ok(Some(meta)) => match meta.into_iter().find(|(k, _)| k == "signature") {
                Some((_, sig)) => sig,
                None => {
                    report.findings.push(Finding::SignatureMissing {
                        digest: d.key.clone(),
                        reason: "no x-amz-meta-signature on the object".into(),
                    });
                    return;
                }
            },
            Err(e) => {
                report.findings.push(Finding::SignatureMissing {
                    digest: d.key.clone(),
                    reason: format!("its metadata could not be read: {e}"),
                });
                return;
            }
        },
    };
    let Some(key) = keys.get(&d.file.digest_public_key_fingerprint) else {
        report.findings.push(Finding::NoPublicKey {
            digest: d.key.clone(),
            fingerprint: d.file.digest_public_key_fingerprint.clone(),
        });
        return;
    };
    let hashed = Sha256::digest(d.file.data_to_sign(&d.sha256).as_bytes());
    let ok = hex_decode(&sig)
        .ok_or_else(|| "the signature is not hex".to_string())
        .and_then(|s| {
            key.verify(Pkcs1v15Sign::new::<Sha256>(), &hashed, &s)
                .map_err(|_| "does not verify with the public key it names".to_string())
        });
    match ok {
        Ok(()) => report.signatures_verified += 1,
        Err(reason) => report.findings.push(Finding::SignatureInvalid {
            digest: d.key.clone(),
            reason,
        }),
    }
}

/// The chain back to the previous digest: present, and the hash it names.
fn check_link(d: &LoadedDigest, chain: &Chain, opts: &VerifyOptions, report: &mut Report) {
    let Some(prev) = d.file.previous_digest_s3_object.as_deref().map(logs_key) else {
        return;
    };
    match chain.index.get(prev) {
        None => {
            if opts.window.from.is_none_or(|f| d.start > f) {
                report.findings.push(Finding::DigestMissing {
                    key: prev.to_string(),
                    referenced_by: d.key.clone(),
                });
            }
        }
        Some(&p) => {
            let want = d.file.previous_digest_hash_value.as_deref().unwrap_or("");
            if !want.eq_ignore_ascii_case(&chain.digests[p].sha256) {
                report.findings.push(Finding::DigestChainBroken {
                    key: prev.to_string(),
                    next: d.key.clone(),
                });
            }
        }
    }
}

/// The log files a digest names: present, and their hashes.
fn check_log_files(
    d: &LoadedDigest,
    src: &Source,
    by_key: &HashMap<&str, &SourceObject>,
    covered: &mut HashSet<String>,
    report: &mut Report,
) {
    for lf in &d.file.log_files {
        let k = logs_key(&lf.s3_object).to_string();
        let status = match by_key.get(k.as_str()) {
            None => LogStatus::Missing,
            Some(o) => match read_uncompressed(src, o) {
                Ok(bytes) if sha256_hex(&bytes).eq_ignore_ascii_case(lf.hash_value.trim()) => {
                    LogStatus::Valid
                }
                _ => LogStatus::Modified,
            },
        };
        match status {
            LogStatus::Missing => report.findings.push(Finding::LogMissing {
                key: k.clone(),
                digest: d.key.clone(),
            }),
            LogStatus::Modified => report.findings.push(Finding::LogModified {
                key: k.clone(),
                digest: d.key.clone(),
            }),
            _ => {}
        }
        covered.insert(k.clone());
        report.logs.push(LogResult {
            key: k,
            status,
            digest: Some(d.key.clone()),
        });
    }
}

/// Gaps: per account, region and trail, digests follow each other without a hole. Returns the
/// time each account and region's digests cover.
fn find_gaps<'a>(
    digests: impl Iterator<Item = &'a LoadedDigest>,
    report: &mut Report,
) -> HashMap<(String, String), (i64, i64)> {
    let mut chains: BTreeMap<(String, String, String), Vec<&LoadedDigest>> = BTreeMap::new();
    for d in digests {
        let info = parse_key(&d.key);
        let region = info.as_ref().map(|i| i.region.clone()).unwrap_or_default();
        let name = d.key.rsplit('/').next().unwrap_or("");
        // `<acct>_CloudTrail-Digest_<region>_<trail>_<home-region>_<time>.json.gz`
        let trail = name
            .split_once(&format!("_CloudTrail-Digest_{region}_"))
            .map(|(_, rest)| rest.rsplitn(3, '_').nth(2).unwrap_or("").to_string())
            .unwrap_or_default();
        chains
            .entry((d.file.aws_account_id.clone(), region, trail))
            .or_default()
            .push(d);
    }
    let mut span: HashMap<(String, String), (i64, i64)> = HashMap::new();
    for ((account, region, _), mut ds) in chains {
        ds.sort_by_key(|d| d.start);
        for w in ds.windows(2) {
            let (a, b) = (w[0], w[1]);
            if b.start > a.end + 60_000_000 {
                report.findings.push(Finding::DigestGap {
                    account: account.clone(),
                    region: region.clone(),
                    from: a.file.digest_end_time.clone(),
                    until: b.file.digest_start_time.clone(),
                    hours: (b.start - a.end) as f64 / 3.6e9,
                });
            }
        }
        let e = span
            .entry((account, region))
            .or_insert((i64::MAX, i64::MIN));
        for d in ds {
            e.0 = e.0.min(d.start);
            e.1 = e.1.max(d.end);
        }
    }
    span
}

/// Log files no digest names: never passed as if checked. In an account and region with
/// digests each is named; where no digest exists at all, one finding says how many files went
/// unchecked (each still has its `NotCovered` result). With a window, files delivered outside it
/// are left out, as the digests outside it are.
fn find_uncovered(
    objects: &[SourceObject],
    covered: &HashSet<String>,
    span: &HashMap<(String, String), (i64, i64)>,
    opts: &VerifyOptions,
    report: &mut Report,
) {
    let mut without_digests: BTreeMap<(String, String), usize> = BTreeMap::new();
    for o in objects {
        if LogKind::of_key(&o.key) == LogKind::Digest {
            continue;
        }
        let k = logs_key(&o.key);
        if covered.contains(k) {
            continue;
        }
        let delivered = delivered_at(k);
        if !opts.window.is_unbounded() && delivered.is_some_and(|t| !opts.window.contains(t)) {
            continue;
        }
        report.logs.push(LogResult {
            key: k.to_string(),
            status: LogStatus::NotCovered,
            digest: None,
        });
        match parse_key(k) {
            Some(info) if !span.contains_key(&(info.account.clone(), info.region.clone())) => {
                *without_digests
                    .entry((info.account, info.region))
                    .or_default() += 1;
            }
            _ => report
                .findings
                .push(Finding::LogNotCovered { key: k.to_string() }),
        }
    }
    for ((account, region), logs) in without_digests {
        report.findings.push(Finding::NoDigests {
            account,
            region,
            logs,
        });
    }
}
