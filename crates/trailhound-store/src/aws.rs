//! AWS sign-in as the AWS CLI does it, through the AWS SDK's own `aws-config`: environment keys,
//! profiles with static keys, roles (`role_arn` with `source_profile` or `credential_source`,
//! `external_id`), `credential_process`, IAM Identity Center (`sso_session` and legacy SSO
//! profiles, from the SDK's token cache), web identity, ECS and instance metadata; region and
//! endpoints from flags, the environment and the config file. `aws-config` has no MFA, so a role
//! profile with `mfa_serial` is assumed here: the code is asked for on the terminal, never
//! guessed, and refused without one.
//!
//! object_store asks for credentials before every request: [`SdkCredentials`] keeps them until
//! five minutes before they expire and then fetches new ones, one fetch at a time. No message
//! ever carries a secret: errors are the providers' own words, which name files, profiles and
//! processes, not keys.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider as TlsProvider};
use aws_types::os_shim_internal::{Env, Fs};
use aws_types::service_config::ServiceConfigKey;
use object_store::aws::AwsCredential;
use object_store::CredentialProvider;

use crate::s3::S3Options;

/// Credentials are fetched again when they expire within this time (as object_store's own
/// providers do): a request signed now must not arrive with expired credentials.
const REFRESH_BEFORE: Duration = Duration::from_secs(300);

/// Where and as whom to reach S3, resolved once per set of options.
#[derive(Debug, Clone)]
pub(crate) struct AwsSettings {
    pub region: String,
    /// The S3 endpoint when one is configured (flag, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`,
    /// or the profile's `endpoint_url`, also in its `services` section).
    pub endpoint: Option<String>,
    pub credentials: Arc<SdkCredentials>,
}

/// Resolves region, endpoint and the first credentials for `opts`. The same options give the
/// same settings for the whole process: an MFA code is asked for once, an SSO token read once.
pub(crate) fn settings(opts: &S3Options) -> Result<AwsSettings, String> {
    static RESOLVED: OnceLock<Mutex<HashMap<String, AwsSettings>>> = OnceLock::new();
    let key = format!(
        "{:?}|{:?}|{:?}|{:?}",
        opts.profile, opts.region, opts.endpoint_url, opts.access_key_id
    );
    let cache = RESOLVED.get_or_init(Mutex::default);
    if let Some(s) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(s.clone());
    }
    // aws-config is async, and callers are synchronous code or other runtimes: resolve on a
    // thread and runtime of its own. Its HTTP client keeps no pooled connections, so nothing
    // it made here is reused later from the runtime that signs the S3 requests.
    let resolved = std::thread::scope(|s| {
        s.spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start a runtime for AWS sign-in: {e}"))?;
            rt.block_on(resolve(opts))
        })
        .join()
        .unwrap_or_else(|_| Err("AWS sign-in failed unexpectedly".into()))
    })?;
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, resolved.clone());
    Ok(resolved)
}

async fn resolve(opts: &S3Options) -> Result<AwsSettings, String> {
    let http = aws_smithy_http_client::Builder::new()
        .pool_max_idle_per_host(0)
        .tls_provider(TlsProvider::Rustls(CryptoMode::Ring))
        .build_https();
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(Duration::from_secs(30))
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http.clone())
        .timeout_config(timeouts.clone());
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &opts.region {
        loader = loader.region(Region::new(r.clone()));
    }
    let sdk = loader.load().await;
    let region = sdk
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into());
    let endpoint = opts.endpoint_url.clone().or_else(|| {
        let key = ServiceConfigKey::builder()
            .service_id("S3")
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build()
            .ok()?;
        sdk.service_config()?.load_config(key)
    });

    let provider_config = ProviderConfig::without_region()
        .with_http_client(http)
        .with_region(sdk.region().cloned())
        .with_timeout_config(timeouts)
        .with_behavior_version(Some(BehaviorVersion::latest()));
    let env_keys = std::env::var_os("AWS_ACCESS_KEY_ID").is_some();
    // As the AWS CLI: `--profile` beats keys in the environment, AWS_PROFILE does not.
    let named = opts.profile.clone().or_else(|| {
        (!env_keys)
            .then(|| std::env::var("AWS_PROFILE").ok())
            .flatten()
    });

    let (provider, what) = match (&opts.access_key_id, &opts.secret_access_key) {
        (Some(k), Some(s)) => {
            let fixed = Credentials::new(k, s, None, None, "trailhound-options");
            (Renewal::Never(fixed), "the given keys".to_string())
        }
        _ => {
            let profile = match &named {
                Some(name) => Some((name.clone(), profile(name).await?)),
                None if !env_keys => profile("default")
                    .await?
                    .map(|p| ("default".into(), Some(p))),
                None => None,
            };
            match profile {
                Some((name, None)) => {
                    return Err(format!(
                        "profile {name} is in neither ~/.aws/credentials nor ~/.aws/config"
                    ))
                }
                Some((name, Some(p)))
                    if p.contains_key("mfa_serial") && p.contains_key("role_arn") =>
                {
                    let session = assume_with_mfa(&name, &p, &sdk, &provider_config).await?;
                    (Renewal::Never(session), format!("profile {name}"))
                }
                Some((name, Some(_))) if opts.profile.is_some() => {
                    let p = ProfileFileCredentialsProvider::builder()
                        .configure(&provider_config)
                        .profile_name(&name)
                        .build();
                    (
                        Renewal::From(SharedCredentialsProvider::new(p)),
                        format!("profile {name}"),
                    )
                }
                _ => {
                    let chain = sdk.credentials_provider().ok_or(
                        "no AWS credential chain (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or a profile)",
                    )?;
                    let what = match &named {
                        Some(n) => format!("profile {n}"),
                        None => "the AWS credential chain".to_string(),
                    };
                    (Renewal::From(chain), what)
                }
            }
        }
    };
    // The first credentials now: a missing profile, a failing process or a refused role is
    // one line before any work starts, not an error in the middle of it.
    let (provider, first) = match provider {
        Renewal::Never(c) => (None, c),
        Renewal::From(p) => {
            let first = p
                .provide_credentials()
                .await
                .map_err(|e| no_credentials(&what, &e))?;
            (Some(p), first)
        }
    };
    Ok(AwsSettings {
        region,
        endpoint,
        credentials: Arc::new(SdkCredentials {
            provider,
            what,
            current: tokio::sync::Mutex::new(first),
        }),
    })
}

/// Where the credentials come from: a provider that renews them, or fixed ones (keys given
/// directly, or an MFA session, which needs a new code to renew).
enum Renewal {
    From(SharedCredentialsProvider),
    Never(Credentials),
}

/// The role settings of profile `name` from the AWS config and credentials files, `None` when
/// neither has the profile.
async fn profile(name: &str) -> Result<Option<HashMap<String, String>>, String> {
    #[allow(deprecated)] // aws-config re-exports the type only under this name
    let files = aws_config::profile::profile_file::ProfileFiles::default();
    let set = aws_config::profile::load(
        &Fs::real(),
        &Env::real(),
        &files,
        Some(Cow::Owned(name.to_string())),
    )
    .await
    .map_err(|e| format!("the AWS config files cannot be read: {}", chain_text(&e)))?;
    // The keys the MFA flow reads (aws-config reads the rest itself).
    const KEYS: [&str; 6] = [
        "role_arn",
        "source_profile",
        "mfa_serial",
        "external_id",
        "role_session_name",
        "duration_seconds",
    ];
    Ok(set.get_profile(name).map(|p| {
        KEYS.iter()
            .filter_map(|k| Some((k.to_string(), p.get(k)?.to_string())))
            .collect()
    }))
}

/// A role profile that needs an MFA code: the source profile's credentials, the code from the
/// terminal, then STS `AssumeRole` with `SerialNumber` and `TokenCode`. The session lasts the
/// profile's `duration_seconds` (default one hour) and cannot be renewed without a new code.
async fn assume_with_mfa(
    name: &str,
    p: &HashMap<String, String>,
    sdk: &SdkConfig,
    provider_config: &ProviderConfig,
) -> Result<Credentials, String> {
    let export = format!(
        "or export credentials first (`aws configure export-credentials --profile {name} --format env`)"
    );
    let Some(source) = p.get("source_profile") else {
        return Err(format!(
            "profile {name} assumes a role with MFA (mfa_serial) without source_profile: {export}"
        ));
    };
    let serial = &p["mfa_serial"];
    let code = ask_mfa_code(serial).map_err(|why| {
        format!("profile {name} assumes a role with MFA (mfa_serial), which needs a code: {why}; run it in a terminal, {export}")
    })?;
    let source_creds = ProfileFileCredentialsProvider::builder()
        .configure(provider_config)
        .profile_name(source)
        .build()
        .provide_credentials()
        .await
        .map_err(|e| no_credentials(&format!("profile {source}"), &e))?;
    let conf = sdk
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(source_creds))
        .build();
    let session_name = p
        .get("role_session_name")
        .cloned()
        .unwrap_or_else(|| format!("trailhound-{}", std::process::id()));
    let duration = match p.get("duration_seconds") {
        Some(d) => d
            .parse::<i32>()
            .map_err(|_| format!("profile {name}: duration_seconds {d:?} is not a number"))?,
        None => 3600,
    };
    let out = aws_sdk_sts::Client::new(&conf)
        .assume_role()
        .role_arn(&p["role_arn"])
        .role_session_name(session_name)
        .set_external_id(p.get("external_id").cloned())
        .serial_number(serial)
        .token_code(code)
        .duration_seconds(duration)
        .send()
        .await
        .map_err(|e| {
            format!(
                "profile {name}: AssumeRole with MFA failed: {}",
                chain_text(&e)
            )
        })?;
    let c = out
        .credentials
        .ok_or_else(|| format!("profile {name}: STS returned no credentials"))?;
    let expiry = SystemTime::try_from(c.expiration).ok();
    Ok(Credentials::new(
        c.access_key_id,
        c.secret_access_key,
        Some(c.session_token),
        expiry,
        "trailhound-mfa",
    ))
}

/// Asks for the MFA code on the terminal (not standard input, which may carry data).
fn ask_mfa_code(serial: &str) -> Result<String, String> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|_| "there is no terminal to ask on".to_string())?;
    let mut out = &tty;
    write!(out, "MFA code for {serial}: ").map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())?;
    let mut line = String::new();
    std::io::BufReader::new(&tty)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let code = line.trim().to_string();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err("an MFA code is six digits".into());
    }
    Ok(code)
}

/// An error and its causes as one line; the providers' texts repeat themselves along the
/// chain, so each distinct part is said once.
fn chain_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        let line = text.lines().map(str::trim).collect::<Vec<_>>().join(" ");
        if !line.is_empty() && !parts.iter().any(|p| p.contains(&line)) {
            parts.push(line);
        }
        cur = err.source();
    }
    let joined = parts.join(": ");
    joined.chars().take(400).collect()
}

fn no_credentials(
    what: &str,
    e: &aws_credential_types::provider::error::CredentialsError,
) -> String {
    format!("no AWS credentials from {what}: {}", chain_text(e))
}

/// The credentials object_store signs with, renewed from their provider when they near expiry.
#[derive(Debug)]
pub(crate) struct SdkCredentials {
    provider: Option<SharedCredentialsProvider>,
    what: String,
    current: tokio::sync::Mutex<Credentials>,
}

fn fresh(c: &Credentials) -> bool {
    c.expiry()
        .is_none_or(|t| t > SystemTime::now() + REFRESH_BEFORE)
}

fn to_object_store(c: &Credentials) -> Arc<AwsCredential> {
    Arc::new(AwsCredential {
        key_id: c.access_key_id().to_string(),
        secret_key: c.secret_access_key().to_string(),
        token: c.session_token().map(str::to_string),
    })
}

impl SdkCredentials {
    /// The current credentials, renewed when they expire within [`REFRESH_BEFORE`].
    async fn credentials(&self) -> Result<Credentials, String> {
        // Held across the fetch: concurrent requests wait for one renewal, not one each.
        let mut current = self.current.lock().await;
        if fresh(&current) {
            return Ok(current.clone());
        }
        let renewed = match &self.provider {
            Some(p) => p
                .provide_credentials()
                .await
                .map_err(|e| no_credentials(&self.what, &e)),
            None => Err(format!("the session of {} expired: run again", self.what)),
        };
        match renewed {
            Ok(c) => {
                *current = c;
                Ok(current.clone())
            }
            // Still valid for a few minutes: use them rather than fail now.
            Err(_) if current.expiry().is_some_and(|t| t > SystemTime::now()) => {
                Ok(current.clone())
            }
            Err(message) => Err(message),
        }
    }
}

/// The same credentials for the AWS SDK's own clients (SNS, SQS).
#[derive(Debug, Clone)]
pub struct SharedSdkCredentials(Arc<SdkCredentials>);

impl ProvideCredentials for SharedSdkCredentials {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            self.0
                .credentials()
                .await
                .map_err(aws_credential_types::provider::error::CredentialsError::not_loaded)
        })
    }
}

/// Where and as whom to reach another AWS service (SNS, SQS), resolved as for S3: region and
/// credentials from the same options; the endpoint from `--endpoint-url`, else
/// `AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL`.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    pub region: String,
    pub endpoint: Option<String>,
    pub credentials: SharedSdkCredentials,
}

/// [`ServiceSettings`] for the service whose environment name is `env_name` (`SNS`, `SQS`).
pub fn service_settings(opts: &S3Options, env_name: &str) -> Result<ServiceSettings, String> {
    let s = settings(opts)?;
    let endpoint = opts
        .endpoint_url
        .clone()
        .or_else(|| std::env::var(format!("AWS_ENDPOINT_URL_{env_name}")).ok())
        .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok())
        .filter(|e| !e.is_empty());
    Ok(ServiceSettings {
        region: s.region,
        endpoint,
        credentials: SharedSdkCredentials(s.credentials),
    })
}

#[async_trait::async_trait]
impl CredentialProvider for SdkCredentials {
    type Credential = AwsCredential;

    async fn get_credential(&self) -> object_store::Result<Arc<AwsCredential>> {
        match self.credentials().await {
            Ok(c) => Ok(to_object_store(&c)),
            Err(message) => Err(object_store::Error::Generic {
                store: "S3",
                source: message.into(),
            }),
        }
    }
}
