//! Verification of trail archives built here with digests signed by a test key, then tampered
//! with; and of the real digests in ../shared/cloudtrail-real.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use base64::Engine as _;
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use sha2::{Digest as _, Sha256};
use trailhound_model::window::{parse_instant, TimeWindow};
use trailhound_testkit::moto::S3Server;
use trailhound_verify::report::{Finding, LogStatus};
use trailhound_verify::{verify, PublicKeys, Report, VerifyOptions};

const ACCOUNT: &str = "111122223333";
const REGION: &str = "us-east-1";
const BUCKET: &str = "trail-bucket";
const FINGERPRINT: &str = "67b9fa73676d86966b449dd677850753";

fn key(i: usize) -> &'static RsaPrivateKey {
    static KEYS: OnceLock<Vec<RsaPrivateKey>> = OnceLock::new();
    &KEYS.get_or_init(|| {
        (0..2)
            .map(|_| RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap())
            .collect()
    })[i]
}

fn keys_json(i: usize) -> String {
    let der = key(i).to_public_key().to_pkcs1_der().unwrap();
    serde_json::json!({"PublicKeyList": [{
        "Value": base64::engine::general_purpose::STANDARD.encode(der.as_bytes()),
        "ValidityStartTime": "2024-01-01T00:00:00Z",
        "ValidityEndTime": "2025-01-01T00:00:00Z",
        "Fingerprint": FINGERPRINT,
    }]})
    .to_string()
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

struct Archive {
    _dir: tempfile::TempDir,
    root: PathBuf,
    logs: Vec<String>,
    digests: Vec<String>,
    /// The newest digest's signature, which CloudTrail keeps only in its S3 object metadata.
    newest_signature: String,
}

impl Archive {
    fn path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }
    fn run(&self, keys: usize) -> Report {
        let k = PublicKeys::parse(&keys_json(keys)).unwrap();
        verify(&self.root, &k, &VerifyOptions::default()).unwrap()
    }
}

/// `hours` hourly digests on 2024-08-01, each over two log files delivered in its hour.
fn archive(hours: u32) -> Archive {
    archive_at("AWSLogs", hours)
}

/// [`archive`] below `logs` (`AWSLogs`, or `AWSLogs/o-…` for an organization trail).
fn archive_at(top: &str, hours: u32) -> Archive {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("bucket");
    let mut logs = Vec::new();
    let mut digests = Vec::new();
    let mut previous: Option<(String, String, String)> = None; // key, sha256, signature
    for h in 0..hours {
        let mut entries = Vec::new();
        for (n, minute) in [5, 35].into_iter().enumerate() {
            let key = format!(
                "{top}/{ACCOUNT}/CloudTrail/{REGION}/2024/08/01/{ACCOUNT}_CloudTrail_{REGION}_20240801T{h:02}{minute:02}Z_LOG{h}{n}.json.gz"
            );
            let body = serde_json::json!({"Records": [{
                "eventVersion": "1.11", "eventTime": format!("2024-08-01T{h:02}:{minute:02}:00Z"),
                "eventSource": "s3.amazonaws.com", "eventName": "GetObject",
                "awsRegion": REGION, "eventID": format!("e-{h}-{n}"), "recipientAccountId": ACCOUNT
            }]})
            .to_string();
            let p = root.join(&key);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, gz(body.as_bytes())).unwrap();
            entries.push(serde_json::json!({
                "s3Bucket": BUCKET, "s3Object": key, "hashValue": hex(&Sha256::digest(body.as_bytes())),
                "hashAlgorithm": "SHA-256",
                "newestEventTime": format!("2024-08-01T{h:02}:{minute:02}:00Z"),
                "oldestEventTime": format!("2024-08-01T{h:02}:{minute:02}:00Z"),
            }));
            logs.push(key);
        }
        let end = format!("2024-08-01T{:02}:00:00Z", h + 1);
        let key = format!(
            "{top}/{ACCOUNT}/CloudTrail-Digest/{REGION}/2024/08/01/{ACCOUNT}_CloudTrail-Digest_{REGION}_my_trail_{REGION}_20240801T{:02}0000Z.json.gz",
            h + 1
        );
        let digest = serde_json::json!({
            "awsAccountId": ACCOUNT,
            "digestStartTime": format!("2024-08-01T{h:02}:00:00Z"),
            "digestEndTime": end,
            "digestS3Bucket": BUCKET,
            "digestS3Object": key,
            "digestPublicKeyFingerprint": FINGERPRINT,
            "digestSignatureAlgorithm": "SHA256withRSA",
            "previousDigestS3Bucket": previous.as_ref().map(|_| BUCKET),
            "previousDigestS3Object": previous.as_ref().map(|p| p.0.clone()),
            "previousDigestHashValue": previous.as_ref().map(|p| p.1.clone()),
            "previousDigestHashAlgorithm": previous.as_ref().map(|_| "SHA-256"),
            "previousDigestSignature": previous.as_ref().map(|p| p.2.clone()),
            "logFiles": entries,
        })
        .to_string();
        let sha = hex(&Sha256::digest(digest.as_bytes()));
        let to_sign = format!(
            "{end}\n{BUCKET}/{key}\n{sha}\n{}",
            previous.as_ref().map(|p| p.2.as_str()).unwrap_or("null")
        );
        let sig = key_sign(&to_sign);
        let p = root.join(&key);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, gz(digest.as_bytes())).unwrap();
        previous = Some((key.clone(), sha, sig));
        digests.push(key);
    }
    Archive {
        _dir: dir,
        root,
        logs,
        digests,
        newest_signature: previous.map(|p| p.2).unwrap_or_default(),
    }
}

fn key_sign(text: &str) -> String {
    let hashed = Sha256::digest(text.as_bytes());
    hex(&key(0).sign(Pkcs1v15Sign::new::<Sha256>(), &hashed).unwrap())
}

#[test]
fn an_untouched_archive_is_valid() {
    let a = archive(4);
    let r = a.run(0);
    assert!(r.is_clean(), "{:?}", r.findings);
    assert_eq!(r.digests, 4);
    assert_eq!(
        r.signatures_verified, 3,
        "the newest digest's signature is only in S3 metadata"
    );
    assert_eq!(r.unsigned_newest, vec![a.digests[3].clone()]);
    assert_eq!(r.count(LogStatus::Valid), 8);
}

#[test]
fn an_edited_event_is_a_modified_file() {
    let a = archive(3);
    let p = a.path(&a.logs[2]);
    let text = String::from_utf8(
        std::io::Read::bytes(flate2::read::GzDecoder::new(
            std::fs::File::open(&p).unwrap(),
        ))
        .map(|b| b.unwrap())
        .collect(),
    )
    .unwrap();
    std::fs::write(&p, gz(text.replace("GetObject", "PutObject").as_bytes())).unwrap();
    let r = a.run(0);
    assert_eq!(
        r.findings,
        vec![Finding::LogModified {
            key: a.logs[2].clone(),
            digest: a.digests[1].clone()
        }]
    );
}

#[test]
fn a_deleted_log_is_missing() {
    let a = archive(3);
    std::fs::remove_file(a.path(&a.logs[5])).unwrap();
    let r = a.run(0);
    assert_eq!(
        r.findings,
        vec![Finding::LogMissing {
            key: a.logs[5].clone(),
            digest: a.digests[2].clone()
        }]
    );
}

#[test]
fn an_added_log_is_not_covered() {
    let a = archive(3);
    let extra = format!(
        "AWSLogs/{ACCOUNT}/CloudTrail/{REGION}/2024/08/01/{ACCOUNT}_CloudTrail_{REGION}_20240801T0150Z_EXTRA.json.gz"
    );
    std::fs::write(a.path(&extra), gz(br#"{"Records":[]}"#)).unwrap();
    let r = a.run(0);
    assert_eq!(r.findings, vec![Finding::LogNotCovered { key: extra }]);
}

/// A log delivered after the last digest was checked by nothing: named, not passed.
#[test]
fn a_log_after_the_last_digest_is_not_covered() {
    let a = archive(3);
    let late = format!(
        "AWSLogs/{ACCOUNT}/CloudTrail/{REGION}/2024/08/01/{ACCOUNT}_CloudTrail_{REGION}_20240801T0710Z_LATE.json.gz"
    );
    std::fs::write(a.path(&late), gz(br#"{"Records":[]}"#)).unwrap();
    let r = a.run(0);
    assert_eq!(r.findings, vec![Finding::LogNotCovered { key: late }]);
    assert!(!r.is_clean());
}

/// An archive without any digest proves nothing: one finding per account and region says how
/// many files went unchecked, and each file is `NotCovered`.
#[test]
fn an_archive_without_digests_is_never_clean() {
    let a = archive(3);
    for d in &a.digests {
        std::fs::remove_file(a.path(d)).unwrap();
    }
    let r = a.run(0);
    assert_eq!(r.digests, 0);
    assert_eq!(
        r.findings,
        vec![Finding::NoDigests {
            account: ACCOUNT.to_string(),
            region: REGION.to_string(),
            logs: a.logs.len(),
        }]
    );
    assert_eq!(r.count(LogStatus::NotCovered), a.logs.len());
    let mut text = Vec::new();
    r.write_table(&mut text, false).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains(&format!("{} log files not checked", a.logs.len())),
        "{text}"
    );
}

#[test]
fn a_deleted_digest_breaks_the_chain_with_a_gap() {
    let a = archive(4);
    std::fs::remove_file(a.path(&a.digests[1])).unwrap();
    let r = a.run(0);
    let mut f = r.findings.clone();
    f.sort_by_key(|x| format!("{x:?}"));
    let mut want = vec![
        Finding::DigestMissing {
            key: a.digests[1].clone(),
            referenced_by: a.digests[2].clone(),
        },
        Finding::DigestGap {
            account: ACCOUNT.into(),
            region: REGION.into(),
            from: "2024-08-01T01:00:00Z".into(),
            until: "2024-08-01T02:00:00Z".into(),
            hours: 1.0,
        },
        Finding::LogNotCovered {
            key: a.logs[2].clone(),
        },
        Finding::LogNotCovered {
            key: a.logs[3].clone(),
        },
    ];
    want.sort_by_key(|x| format!("{x:?}"));
    assert_eq!(f, want);
}

#[test]
fn an_edited_digest_fails_its_signature_and_the_chain() {
    let a = archive(3);
    let p = a.path(&a.digests[0]);
    let text: Vec<u8> = std::io::Read::bytes(flate2::read::GzDecoder::new(
        std::fs::File::open(&p).unwrap(),
    ))
    .map(|b| b.unwrap())
    .collect();
    let text = String::from_utf8(text)
        .unwrap()
        .replace("\"logFiles\":[{", "\"logFiles\":[{\"x\":1,");
    std::fs::write(&p, gz(text.as_bytes())).unwrap();
    let r = a.run(0);
    assert!(
        r.findings.contains(&Finding::DigestChainBroken {
            key: a.digests[0].clone(),
            next: a.digests[1].clone()
        }),
        "{:?}",
        r.findings
    );
    assert!(
        r.findings.iter().any(
            |f| matches!(f, Finding::SignatureInvalid { digest, .. } if *digest == a.digests[0])
        ),
        "{:?}",
        r.findings
    );
    assert_eq!(r.findings.len(), 2, "{:?}", r.findings);
}

#[test]
fn another_key_under_the_same_fingerprint_fails_every_signature() {
    let a = archive(3);
    let r = a.run(1);
    assert_eq!(r.signatures_verified, 0);
    let bad: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| matches!(f, Finding::SignatureInvalid { .. }))
        .collect();
    assert_eq!(bad.len(), 2, "{:?}", r.findings);
    assert_eq!(r.findings.len(), 2);
}

#[test]
fn unknown_fingerprints_and_bad_key_files_are_named() {
    let a = archive(2);
    let r = verify(&a.root, &PublicKeys::default(), &VerifyOptions::default()).unwrap();
    assert_eq!(
        r.findings,
        vec![Finding::NoPublicKey {
            digest: a.digests[0].clone(),
            fingerprint: FINGERPRINT.into()
        }]
    );
    let err = PublicKeys::parse("{\"PublicKeyList\":[{\"Value\":\"!!\",\"Fingerprint\":\"f\"}]}")
        .unwrap_err();
    assert!(err.contains("not base64"), "{err}");
    assert!(PublicKeys::parse("[]")
        .unwrap_err()
        .contains("list-public-keys"));
}

fn real_logs() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        let p = std::env::var_os("TRAILHOUND_REAL_LOGS")
            .map(PathBuf::from)
            .unwrap_or_else(|| crate_dir().join("../../../shared/cloudtrail-real"));
        assert!(p.is_dir(), "the real corpus is missing at {}", p.display());
        p
    })
}

#[test]
fn the_real_digests_are_read_and_their_absent_logs_reported() {
    let r = verify(
        real_logs(),
        &PublicKeys::default(),
        &VerifyOptions::default(),
    )
    .unwrap();
    assert_eq!(r.digests, 3);
    assert!(
        !r.findings
            .iter()
            .any(|f| matches!(f, Finding::DigestUnreadable { .. })),
        "{:?}",
        r.findings
    );
    // The corpus holds the digests, not the (sanitised away) logs they name.
    assert!(r
        .findings
        .iter()
        .any(|f| matches!(f, Finding::LogMissing { .. })));
    assert!(r.count(LogStatus::Missing) > 0);
}

/// This crate's folder: cargo sets CARGO_MANIFEST_DIR when it runs the test, and the value compiled
/// in may be another checkout's when checkouts share a target directory.
fn crate_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

#[test]
fn an_organization_trail_and_a_time_window() {
    // An organization trail's archive has its organization id above the account.
    let a = archive_at("AWSLogs/o-a1b2c3d4e5", 4);
    let r = a.run(0);
    assert!(r.is_clean(), "{:?}", r.findings);
    assert_eq!((r.digests, r.signatures_verified), (4, 3));
    assert_eq!(r.count(LogStatus::Valid), 8);

    // A window checks the digests that end in it; a digest deleted outside it is no finding
    // of this window, and inside it is.
    let window = |from: &str, until: &str| VerifyOptions {
        window: TimeWindow {
            from: Some(parse_instant(from).unwrap()),
            until: Some(parse_instant(until).unwrap()),
        },
    };
    let k = PublicKeys::parse(&keys_json(0)).unwrap();
    std::fs::remove_file(a.path(&a.digests[0])).unwrap();
    let late = verify(
        &a.root,
        &k,
        &window("2024-08-01T02:30:00Z", "2024-08-01T04:00:01Z"),
    )
    .unwrap();
    assert_eq!(late.digests, 2, "the digests ending at 03:00 and 04:00");
    assert!(late.is_clean(), "{:?}", late.findings);
    assert_eq!(late.count(LogStatus::Valid), 4);
    let all = verify(
        &a.root,
        &k,
        &window("2024-08-01T00:00:00Z", "2024-08-01T04:00:01Z"),
    )
    .unwrap();
    assert_eq!(all.digests, 3);
    assert!(
        all.findings
            .iter()
            .any(|f| matches!(f, Finding::DigestMissing { key, .. } if key == &a.digests[0])),
        "{:?}",
        all.findings
    );
}

#[test]
fn the_newest_signature_comes_from_the_digest_objects_s3_metadata() {
    let a = archive(3);
    let server = S3Server::start();
    let newest = a.digests.last().unwrap().clone();
    // A bucket per round: moto refuses unsigned overwrites once signed requests came in.
    let upload = |bucket: &str, signature: Option<&str>| {
        assert_eq!(
            server.request_with("PUT", &format!("/{bucket}"), &[], b""),
            200
        );
        for key in a.logs.iter().chain(&a.digests) {
            let mut headers = Vec::new();
            if let (true, Some(sig)) = (key == &newest, signature) {
                headers = vec![
                    ("x-amz-meta-signature", sig),
                    ("x-amz-meta-signature-algorithm", "SHA256withRSA"),
                ];
            }
            let status = server.request_with(
                "PUT",
                &format!("/{bucket}/{key}"),
                &headers,
                &std::fs::read(a.path(key)).unwrap(),
            );
            assert_eq!(status, 200, "PUT {key}");
        }
    };
    let run = |bucket: &str| {
        let src = trailhound_store::Source::open(
            &trailhound_store::Locator::parse(&format!("s3://{bucket}")).unwrap(),
            &trailhound_store::S3Options {
                endpoint_url: Some(format!("http://127.0.0.1:{}", server.port)),
                region: Some("us-east-1".into()),
                access_key_id: Some("testing".into()),
                secret_access_key: Some("testing".into()),
                ..Default::default()
            },
        )
        .unwrap();
        let k = PublicKeys::parse(&keys_json(0)).unwrap();
        trailhound_verify::verify_at(&src, &k, &VerifyOptions::default()).unwrap()
    };

    upload("signed", Some(&a.newest_signature));
    let r = run("signed");
    assert!(r.is_clean(), "{:?}", r.findings);
    assert_eq!(r.signatures_verified, 3, "every digest, the newest too");
    assert!(r.unsigned_newest.is_empty());

    // Another signature in the metadata (the previous digest's): the newest one fails.
    let wrong = key_sign("something else");
    upload("resigned", Some(&wrong));
    let r = run("resigned");
    assert_eq!(r.signatures_verified, 2);
    assert!(
        matches!(&r.findings[..], [Finding::SignatureInvalid { digest, .. }] if digest == &newest),
        "{:?}",
        r.findings
    );

    // No metadata at all: CloudTrail always writes it, so its absence is a finding.
    upload("stripped", None);
    let r = run("stripped");
    assert!(
        matches!(&r.findings[..], [Finding::SignatureMissing { digest, reason }] if digest == &newest && reason.contains("x-amz-meta-signature")),
        "{:?}",
        r.findings
    );
}
