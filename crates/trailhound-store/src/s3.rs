//! `s3://bucket/prefix` locations through object_store, signed with the credentials, region and
//! endpoint the AWS CLI would use (resolved by [`crate::aws`]); an `http://` endpoint (MinIO,
//! LocalStack, moto) is allowed and addressed path-style. No secret is ever part of a message.

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

/// An object store for the bucket of `loc`.
pub fn s3_store(loc: &S3Location, opts: &S3Options) -> Result<Arc<dyn ObjectStore>, StoreError> {
    let err = |reason: String| StoreError::Config {
        url: loc.url(),
        reason,
    };
    let aws = crate::aws::settings(opts).map_err(err)?;
    // Client options first: `with_client_options` replaces them all, `allow_http` included.
    let mut b = AmazonS3Builder::new()
        .with_bucket_name(&loc.bucket)
        .with_region(&aws.region)
        .with_credentials(aws.credentials.clone())
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
    if let Some(e) = &aws.endpoint {
        b = b
            .with_allow_http(e.starts_with("http://"))
            .with_virtual_hosted_style_request(false)
            .with_endpoint(e);
    }
    let store = b.build().map_err(|e| err(describe(&e)))?;
    Ok(Arc::new(store))
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
            "not authenticated for {path}: the credentials were refused (check the profile, its keys or session, and the endpoint)"
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
