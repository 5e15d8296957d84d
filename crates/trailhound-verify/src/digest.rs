//! A CloudTrail digest file: what it says, and the exact bytes its hash and signature cover.

use serde::Deserialize;
use sha2::{Digest as _, Sha256};

/// One log file a digest vouches for.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogFileEntry {
    pub s3_bucket: String,
    pub s3_object: String,
    pub hash_value: String,
    #[serde(default)]
    pub hash_algorithm: Option<String>,
}

/// The fields of a digest that validation uses.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DigestFile {
    pub aws_account_id: String,
    pub digest_start_time: String,
    pub digest_end_time: String,
    pub digest_s3_bucket: String,
    pub digest_s3_object: String,
    pub digest_public_key_fingerprint: String,
    #[serde(default)]
    pub digest_signature_algorithm: Option<String>,
    #[serde(default)]
    pub previous_digest_s3_bucket: Option<String>,
    #[serde(default)]
    pub previous_digest_s3_object: Option<String>,
    #[serde(default)]
    pub previous_digest_hash_value: Option<String>,
    #[serde(default)]
    pub previous_digest_signature: Option<String>,
    #[serde(default)]
    pub log_files: Vec<LogFileEntry>,
}

impl DigestFile {
    pub fn parse(uncompressed: &[u8]) -> Result<Self, String> {
        serde_json::from_slice(uncompressed).map_err(|e| format!("not a CloudTrail digest: {e}"))
    }

    /// CloudTrail's data-to-sign string. For the first digest of a chain the previous signature
    /// is JSON null and the text `null` is signed (as the AWS CLI's validator does).
    pub fn data_to_sign(&self, digest_sha256_hex: &str) -> String {
        format!(
            "{}\n{}/{}\n{}\n{}",
            self.digest_end_time,
            self.digest_s3_bucket,
            self.digest_s3_object,
            digest_sha256_hex,
            self.previous_digest_signature.as_deref().unwrap_or("null")
        )
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn hex_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The key from `AWSLogs/` on, so that a digest's `bucket/prefix/AWSLogs/…` names the local copy
/// wherever it was downloaded to.
pub fn logs_key(key: &str) -> &str {
    match key.rfind("AWSLogs/") {
        Some(i) if i == 0 || key.as_bytes()[i - 1] == b'/' => &key[i..],
        _ => key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_from_awslogs_on() {
        assert_eq!(
            logs_key("prefix/AWSLogs/1/CloudTrail/x.json.gz"),
            "AWSLogs/1/CloudTrail/x.json.gz"
        );
        assert_eq!(logs_key("AWSLogs/1/x"), "AWSLogs/1/x");
        assert_eq!(logs_key("myAWSLogs/1/x"), "myAWSLogs/1/x");
    }

    #[test]
    fn the_first_digest_signs_null() {
        let d = DigestFile::parse(
            br#"{"awsAccountId":"1","digestStartTime":"a","digestEndTime":"2015-08-12T04:01:31Z",
                "digestS3Bucket":"b","digestS3Object":"AWSLogs/k","digestPublicKeyFingerprint":"f",
                "previousDigestSignature":null,"logFiles":[]}"#,
        )
        .unwrap();
        assert_eq!(
            d.data_to_sign("abc"),
            "2015-08-12T04:01:31Z\nb/AWSLogs/k\nabc\nnull"
        );
        assert_eq!(hex_decode("0aff"), Some(vec![10, 255]));
        assert_eq!(hex_decode("0g"), None);
    }
}
