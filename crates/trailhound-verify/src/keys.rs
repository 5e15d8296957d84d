//! Public keys as `aws cloudtrail list-public-keys` prints them:
//! `{"PublicKeyList": [{"Value": "<base64 DER PKCS#1>", "Fingerprint": "…",
//! "ValidityStartTime": "…", "ValidityEndTime": "…"}]}`.

use std::collections::HashMap;
use std::path::Path;

use base64::Engine as _;
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::RsaPublicKey;
use serde::Deserialize;

use crate::error::{Error, Result};

/// Keys by fingerprint.
#[derive(Debug, Default, Clone)]
pub struct PublicKeys {
    keys: HashMap<String, RsaPublicKey>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListPublicKeys {
    public_key_list: Vec<KeyEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct KeyEntry {
    value: String,
    fingerprint: String,
}

impl PublicKeys {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text).map_err(|reason| Error::Keys {
            path: path.to_path_buf(),
            reason,
        })
    }

    /// Parses the JSON of `list-public-keys`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let list: ListPublicKeys = serde_json::from_str(text)
            .map_err(|e| format!("not the JSON of `aws cloudtrail list-public-keys` ({e})"))?;
        let mut keys = HashMap::new();
        for (i, k) in list.public_key_list.into_iter().enumerate() {
            let der = base64::engine::general_purpose::STANDARD
                .decode(k.value.trim())
                .map_err(|e| {
                    format!(
                        "key {} ({}): Value is not base64: {e}",
                        i + 1,
                        k.fingerprint
                    )
                })?;
            let key = RsaPublicKey::from_pkcs1_der(&der).map_err(|e| {
                format!(
                    "key {} ({}): not a DER PKCS#1 RSA public key: {e}",
                    i + 1,
                    k.fingerprint
                )
            })?;
            keys.insert(k.fingerprint.to_ascii_lowercase(), key);
        }
        Ok(Self { keys })
    }

    pub fn get(&self, fingerprint: &str) -> Option<&RsaPublicKey> {
        self.keys.get(&fingerprint.to_ascii_lowercase())
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}
