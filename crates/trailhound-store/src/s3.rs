//! `s3://bucket/prefix` locations through object_store, with credentials found the way the AWS CLI
//! finds them: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, else the profile
//! (`--profile`, `AWS_PROFILE`, `default`) in `~/.aws/credentials` and `~/.aws/config`, else web
//! identity, ECS task and instance metadata credentials (object_store's own chain). Region and
//! endpoint come from the options, the environment (`AWS_REGION`, `AWS_ENDPOINT_URL`) or the
//! profile; an `http://` endpoint (MinIO, LocalStack, moto) is allowed and addressed path-style.
//! No secret is ever part of a message.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};

/// A bucket and a key prefix (no leading or trailing `/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    pub prefix: String,
}

impl S3Location {
    /// `s3://bucket[/prefix]`, or `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        let rest = s.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return None;
        }
        Some(Self {
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
        })
    }

    pub fn url(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

/// How to reach S3; unset fields come from the environment and the profile.
#[derive(Debug, Clone, Default)]
pub struct S3Options {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// Retries of a failed request (throttling, 5xx, resets), with exponential backoff.
    pub max_retries: Option<usize>,
    /// Explicit credentials (tests, callers that resolved them already).
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{url}: {reason}")]
    Config { url: String, reason: String },
}

/// One section of an AWS ini file.
fn ini_section(path: &PathBuf, section: &str) -> Option<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut current = None::<String>;
    let mut out = HashMap::new();
    let mut found = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(name.trim().to_string());
            found |= name.trim() == section;
            continue;
        }
        if current.as_deref() == Some(section) {
            if let Some((k, v)) = line.split_once('=') {
                out.insert(k.trim().to_string(), v.trim().to_string());
            }
        }
    }
    found.then_some(out)
}

fn aws_file(env: &str, name: &str) -> Option<PathBuf> {
    std::env::var_os(env)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".aws").join(name)))
}

/// An object store for the bucket of `loc`.
pub fn s3_store(loc: &S3Location, opts: &S3Options) -> Result<Arc<dyn ObjectStore>, StoreError> {
    let err = |reason: String| StoreError::Config {
        url: loc.url(),
        reason,
    };
    let mut b = AmazonS3Builder::from_env().with_bucket_name(&loc.bucket);
    let env_keys = std::env::var_os("AWS_ACCESS_KEY_ID").is_some();
    let profile = opts
        .profile
        .clone()
        .or_else(|| std::env::var("AWS_PROFILE").ok());
    let profile_name = profile.clone().unwrap_or_else(|| "default".to_string());
    let config = aws_file("AWS_CONFIG_FILE", "config").and_then(|p| {
        let section = if profile_name == "default" {
            "default".to_string()
        } else {
            format!("profile {profile_name}")
        };
        ini_section(&p, &section)
    });
    if opts.access_key_id.is_none() && !env_keys {
        let creds = aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials")
            .and_then(|p| ini_section(&p, &profile_name));
        match (&creds, &config) {
            (Some(c), _) if c.contains_key("aws_access_key_id") => {
                b = b
                    .with_access_key_id(&c["aws_access_key_id"])
                    .with_secret_access_key(
                        c.get("aws_secret_access_key").cloned().unwrap_or_default(),
                    );
                if let Some(t) = c.get("aws_session_token") {
                    b = b.with_token(t);
                }
            }
            (_, Some(cfg)) if cfg.contains_key("role_arn") => {
                let provider = assume_role(&profile_name, cfg, opts).map_err(err)?;
                b = b.with_credentials(Arc::new(provider));
            }
            _ if profile.is_some() && creds.is_none() && config.is_none() => {
                return Err(err(format!(
                    "profile {profile_name} is in neither ~/.aws/credentials nor ~/.aws/config"
                )))
            }
            _ => {}
        }
    }
    if let (Some(k), Some(s)) = (&opts.access_key_id, &opts.secret_access_key) {
        b = b.with_access_key_id(k).with_secret_access_key(s);
    }
    let region = opts
        .region
        .clone()
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .or_else(|| config.as_ref().and_then(|c| c.get("region").cloned()));
    if let Some(r) = region {
        b = b.with_region(r);
    }
    let endpoint = opts
        .endpoint_url
        .clone()
        .or_else(|| std::env::var("AWS_ENDPOINT_URL_S3").ok())
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .or_else(|| config.as_ref().and_then(|c| c.get("endpoint_url").cloned()));
    // Client options first: `with_client_options` replaces them all, `allow_http` included.
    b = b
        .with_retry(RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: opts.max_retries.unwrap_or(5),
            retry_timeout: Duration::from_secs(60),
        })
        .with_client_options(
            ClientOptions::new()
                .with_connect_timeout(Duration::from_secs(5))
                .with_timeout(Duration::from_secs(60)),
        );
    if let Some(e) = endpoint {
        b = b
            .with_allow_http(e.starts_with("http://"))
            .with_virtual_hosted_style_request(false)
            .with_endpoint(e);
    }
    let store = b.build().map_err(|e| err(describe(&e)))?;
    Ok(Arc::new(store))
}

/// The assumed-role credentials of a role profile: `role_arn` with `source_profile` (static keys
/// in ~/.aws/credentials), `external_id`, `role_session_name`, `duration_seconds`.
fn assume_role(
    profile: &str,
    cfg: &HashMap<String, String>,
    opts: &S3Options,
) -> Result<crate::assume::AssumeRoleProvider, String> {
    use object_store::aws::AwsCredential;
    let export = format!(
        "export its credentials with `aws configure export-credentials --profile {profile} --format env` and run again"
    );
    if cfg.contains_key("mfa_serial") {
        return Err(format!(
            "profile {profile} assumes a role with MFA (mfa_serial), which needs a code: {export}"
        ));
    }
    let Some(source) = cfg.get("source_profile") else {
        return Err(format!(
            "profile {profile} assumes a role without source_profile (credential_source is not supported): {export}"
        ));
    };
    let keys = aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials")
        .and_then(|p| ini_section(&p, source))
        .filter(|c| c.contains_key("aws_access_key_id"))
        .ok_or_else(|| {
            format!(
                "profile {profile}: its source_profile {source} has no keys in ~/.aws/credentials"
            )
        })?;
    let credential = AwsCredential {
        key_id: keys["aws_access_key_id"].clone(),
        secret_key: keys
            .get("aws_secret_access_key")
            .cloned()
            .unwrap_or_default(),
        token: keys.get("aws_session_token").cloned(),
    };
    let region = opts
        .region
        .clone()
        .or_else(|| cfg.get("region").cloned())
        .or_else(|| std::env::var("AWS_REGION").ok())
        .unwrap_or_else(|| "us-east-1".into());
    // As the AWS CLI: an STS-specific endpoint, else the general one (test servers), else STS's.
    let endpoint = std::env::var("AWS_ENDPOINT_URL_STS")
        .ok()
        .or_else(|| opts.endpoint_url.clone())
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .unwrap_or_else(|| format!("https://sts.{region}.amazonaws.com"));
    let role = crate::assume::RoleProfile {
        role_arn: cfg["role_arn"].clone(),
        session_name: cfg
            .get("role_session_name")
            .cloned()
            .unwrap_or_else(|| format!("trailhound-{}", std::process::id())),
        external_id: cfg.get("external_id").cloned(),
        duration_seconds: cfg
            .get("duration_seconds")
            .and_then(|d| d.parse().ok())
            .unwrap_or(3600),
        region,
        endpoint: endpoint.clone(),
    };
    let options = ClientOptions::new()
        .with_allow_http(endpoint.starts_with("http://"))
        .with_connect_timeout(Duration::from_secs(5))
        .with_timeout(Duration::from_secs(30));
    crate::assume::AssumeRoleProvider::new(role, credential, &options).map_err(|e| describe(&e))
}

/// A store error as one line a user can act on.
pub fn describe(e: &object_store::Error) -> String {
    use object_store::Error as E;
    match e {
        E::NotFound { path, .. } => format!("not found: {path}"),
        E::PermissionDenied { path, .. } => {
            format!("access denied to {path} (check the credentials' permissions and the bucket policy)")
        }
        E::Unauthenticated { path, .. } => format!(
            "not authenticated for {path}: no valid credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or run with an instance or task role)"
        ),
        other => {
            let text = other.to_string();
            let lower = text.to_ascii_lowercase();
            if lower.contains("nosuchbucket") || lower.contains("bucket does not exist") {
                format!("bucket not found: {}", first_line(&text))
            } else if lower.contains("error sending request") || lower.contains("connect") {
                format!("endpoint unreachable: {}", first_line(&text))
            } else if lower.contains("authorizationheadermalformed") || lower.contains("permanentredirect") {
                format!("wrong region for the bucket (set --region or AWS_REGION): {}", first_line(&text))
            } else {
                first_line(&text)
            }
        }
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(300).collect()
}
