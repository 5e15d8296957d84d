//! Amazon SNS through the AWS SDK: findings published to a topic with the usual credential chain
//! (the same as the lake's: profiles, roles, SSO, environment) and `--endpoint-url`.

use std::time::Duration;

use aws_sdk_sns::config::{BehaviorVersion, Region};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider as TlsProvider};
use trailhound_store::ServiceSettings;

use crate::finding::{clip, printable, Finding};
use crate::sink::Failure;

/// An SNS client.
pub struct Publisher {
    client: aws_sdk_sns::Client,
}

impl Publisher {
    pub fn new(s: &ServiceSettings, timeout: Duration) -> Publisher {
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(TlsProvider::Rustls(CryptoMode::Ring))
            .build_https();
        let mut conf = aws_sdk_sns::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(s.region.clone()))
            .credentials_provider(s.credentials.clone())
            .http_client(http)
            .timeout_config(
                aws_sdk_sns::config::timeout::TimeoutConfig::builder()
                    .operation_attempt_timeout(timeout)
                    .build(),
            )
            // Retries are ours (the same for every sink).
            .retry_config(aws_sdk_sns::config::retry::RetryConfig::disabled());
        if let Some(e) = &s.endpoint {
            conf = conf.endpoint_url(e);
        }
        Publisher {
            client: aws_sdk_sns::Client::from_conf(conf.build()),
        }
    }

    /// Publishes the finding as JSON, with its summary as the subject (what e-mail subscribers
    /// see) and its severity and detection as message attributes (for subscription filters).
    pub async fn publish(&self, topic_arn: &str, f: &Finding) -> Result<(), Failure> {
        let body = serde_json::to_string(f).map_err(|e| Failure::Final(e.to_string()))?;
        let attr = |v: &str| {
            aws_sdk_sns::types::MessageAttributeValue::builder()
                .data_type("String")
                .string_value(v)
                .build()
                .map_err(|e| Failure::Final(e.to_string()))
        };
        // SNS subjects: ASCII, no line breaks, at most 100 characters.
        let subject: String = printable(&f.summary())
            .chars()
            .map(|c| {
                if c.is_ascii() && !c.is_ascii_control() {
                    c
                } else {
                    '?'
                }
            })
            .collect();
        let mut req = self
            .client
            .publish()
            .topic_arn(topic_arn)
            .subject(clip(&subject, 100))
            .message(body)
            .message_attributes("severity", attr(&f.severity)?)
            .message_attributes("detection", attr(&f.detection)?);
        if topic_arn.ends_with(".fifo") {
            req = req
                .message_group_id(f.detection.clone())
                .message_deduplication_id(clip(&f.key.replace(':', "-"), 128));
        }
        match req.send().await {
            Ok(_) => Ok(()),
            Err(e) => {
                let text = aws_sdk_sns::error::DisplayErrorContext(&e).to_string();
                let service = e.as_service_error().is_some();
                let throttled = e
                    .raw_response()
                    .is_some_and(|r| r.status().as_u16() == 429 || r.status().is_server_error());
                if service && !throttled {
                    Err(Failure::Final(text))
                } else {
                    Err(Failure::Transient(text))
                }
            }
        }
    }
}
