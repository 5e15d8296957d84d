//! Role assumption from an AWS profile (`role_arn` with `source_profile`), as the AWS CLI does
//! it: STS `AssumeRole` signed with the source profile's keys, the session credentials cached
//! and renewed five minutes before they expire (a long conversion outlives one session).
//!
//! The request goes through object_store's own HTTP client and SigV4 signer, so TLS, proxies
//! and timeouts behave as they do for S3.

use std::sync::Arc;

use object_store::aws::{AwsAuthorizer, AwsCredential};
use object_store::client::{HttpClient, HttpConnector, HttpRequestBody, ReqwestConnector};
use object_store::{ClientOptions, CredentialProvider};

/// What a role profile says.
#[derive(Debug, Clone)]
pub struct RoleProfile {
    pub role_arn: String,
    pub session_name: String,
    pub external_id: Option<String>,
    pub duration_seconds: u32,
    /// STS region and endpoint (`https://sts.REGION.amazonaws.com`, or an S3-compatible
    /// test server's).
    pub region: String,
    pub endpoint: String,
}

/// Credentials of an assumed role, renewed before they expire.
#[derive(Debug)]
pub struct AssumeRoleProvider {
    role: RoleProfile,
    source: AwsCredential,
    client: HttpClient,
    cache: tokio::sync::Mutex<Option<(Arc<AwsCredential>, i64)>>,
}

impl AssumeRoleProvider {
    pub fn new(
        role: RoleProfile,
        source: AwsCredential,
        options: &ClientOptions,
    ) -> object_store::Result<Self> {
        Ok(Self {
            role,
            source,
            client: ReqwestConnector {}.connect(options)?,
            cache: tokio::sync::Mutex::new(None),
        })
    }

    async fn assume(&self) -> Result<(AwsCredential, i64), String> {
        let r = &self.role;
        let body = {
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.append_pair("Action", "AssumeRole")
                .append_pair("Version", "2011-06-15")
                .append_pair("RoleArn", &r.role_arn)
                .append_pair("RoleSessionName", &r.session_name)
                .append_pair("DurationSeconds", &r.duration_seconds.to_string());
            if let Some(id) = &r.external_id {
                form.append_pair("ExternalId", id);
            }
            form.finish()
        };
        let mut req = http::Request::builder()
            .method("POST")
            .uri(format!("{}/", r.endpoint.trim_end_matches('/')))
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(HttpRequestBody::from(body))
            .map_err(|e| e.to_string())?;
        AwsAuthorizer::new(&self.source, "sts", &r.region).authorize(&mut req, None);
        let resp = self
            .client
            .execute(req)
            .await
            .map_err(|e| format!("STS at {} unreachable: {e}", r.endpoint))?;
        let status = resp.status();
        let text = resp
            .into_body()
            .bytes()
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(|e| e.to_string())?;
        if !status.is_success() {
            let code = tag(&text, "Code").unwrap_or_default();
            let message = tag(&text, "Message").unwrap_or_default();
            return Err(format!(
                "cannot assume {}: {status} {code} {message}",
                r.role_arn
            ));
        }
        let field =
            |name: &str| tag(&text, name).ok_or_else(|| format!("STS answer without {name}"));
        let expires = trailhound_model::window::parse_instant(&field("Expiration")?)
            .map_err(|e| e.to_string())?;
        Ok((
            AwsCredential {
                key_id: field("AccessKeyId")?,
                secret_key: field("SecretAccessKey")?,
                token: Some(field("SessionToken")?),
            },
            expires,
        ))
    }
}

#[async_trait::async_trait]
impl CredentialProvider for AssumeRoleProvider {
    type Credential = AwsCredential;

    async fn get_credential(&self) -> object_store::Result<Arc<AwsCredential>> {
        let mut cache = self.cache.lock().await;
        let now = trailhound_model::window::now_micros();
        if let Some((c, expires)) = cache.as_ref() {
            if *expires - now > 300_000_000 {
                return Ok(c.clone());
            }
        }
        let (c, expires) = self
            .assume()
            .await
            .map_err(|reason| object_store::Error::Generic {
                store: "S3",
                source: reason.into(),
            })?;
        let c = Arc::new(c);
        *cache = Some((c.clone(), expires));
        Ok(c)
    }
}

/// The text of the first `<name>…</name>` element.
fn tag(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(xml[start..end].trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::tag;

    #[test]
    fn reads_elements() {
        let xml = "<R><Credentials><AccessKeyId>ASIA1</AccessKeyId><Expiration>2026-11-22T21:00:00Z</Expiration></Credentials></R>";
        assert_eq!(tag(xml, "AccessKeyId").as_deref(), Some("ASIA1"));
        assert_eq!(tag(xml, "SessionToken"), None);
    }
}
