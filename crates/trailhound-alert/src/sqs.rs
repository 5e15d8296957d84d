//! S3 event notifications from an SQS queue, as deployments wire CloudTrail buckets: each
//! message names new objects (S3's own notification, the same wrapped by SNS, or EventBridge's
//! "Object Created"), so a cycle converts exactly those without listing. A message is deleted
//! only once all its objects are committed; one that cannot be read is left on the queue (its
//! redrive policy takes it to a dead-letter queue) and reported.

use std::time::{Duration, Instant};

use aws_sdk_sqs::config::{BehaviorVersion, Region};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider as TlsProvider};
use serde_json::Value;
use trailhound_store::ServiceSettings;

use crate::{Error, Result};

pub struct Queue {
    client: aws_sdk_sqs::Client,
    pub url: String,
}

/// One message: the objects it names (bucket, key), or why it could not be read.
#[derive(Debug, Clone)]
pub struct Notice {
    pub id: String,
    pub receipt: String,
    pub objects: std::result::Result<Vec<(String, String)>, String>,
}

fn sqs_err(url: &str, e: impl std::error::Error) -> Error {
    Error::Delivery {
        sink: format!("SQS queue {url}"),
        message: aws_sdk_sqs::error::DisplayErrorContext(e).to_string(),
    }
}

impl Queue {
    pub fn new(s: &ServiceSettings, url: &str) -> Queue {
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(TlsProvider::Rustls(CryptoMode::Ring))
            .build_https();
        let mut conf = aws_sdk_sqs::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(s.region.clone()))
            .credentials_provider(s.credentials.clone())
            .http_client(http);
        if let Some(e) = &s.endpoint {
            conf = conf.endpoint_url(e);
        }
        Queue {
            client: aws_sdk_sqs::Client::from_conf(conf.build()),
            url: url.to_string(),
        }
    }

    async fn receive_once(&self, wait: Duration) -> Result<Vec<Notice>> {
        let r = self
            .client
            .receive_message()
            .queue_url(&self.url)
            .max_number_of_messages(10)
            .wait_time_seconds(wait.as_secs().min(20) as i32)
            .send()
            .await
            .map_err(|e| sqs_err(&self.url, e))?;
        Ok(r.messages()
            .iter()
            .map(|m| Notice {
                id: m.message_id().unwrap_or("").to_string(),
                receipt: m.receipt_handle().unwrap_or("").to_string(),
                objects: parse_notification(m.body().unwrap_or("")),
            })
            .collect())
    }

    /// Waits up to `wait` for the first messages (long polls of 20 s at most), then takes
    /// every message already there.
    pub async fn receive(&self, wait: Duration) -> Result<Vec<Notice>> {
        let started = Instant::now();
        let mut out = Vec::new();
        loop {
            let left = wait.saturating_sub(started.elapsed());
            let batch = self.receive_once(left.max(Duration::from_secs(1))).await?;
            if !batch.is_empty() {
                out.extend(batch);
                break;
            }
            if started.elapsed() >= wait {
                return Ok(out);
            }
        }
        loop {
            let batch = self.receive_once(Duration::from_secs(1)).await?;
            if batch.is_empty() || out.len() >= 10_000 {
                return Ok(out);
            }
            out.extend(batch);
        }
    }

    pub async fn delete(&self, notices: &[&Notice]) -> Result<()> {
        for chunk in notices.chunks(10) {
            let entries: Vec<_> = chunk
                .iter()
                .enumerate()
                .filter_map(|(i, n)| {
                    aws_sdk_sqs::types::DeleteMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .receipt_handle(&n.receipt)
                        .build()
                        .ok()
                })
                .collect();
            let r = self
                .client
                .delete_message_batch()
                .queue_url(&self.url)
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| sqs_err(&self.url, e))?;
            if let Some(f) = r.failed().first() {
                return Err(Error::Delivery {
                    sink: format!("SQS queue {}", self.url),
                    message: format!(
                        "a message could not be deleted: {}",
                        f.message().unwrap_or(f.code())
                    ),
                });
            }
        }
        Ok(())
    }
}

/// The objects an S3 event notification names: `(bucket, key)`, keys decoded. A test event
/// names none; anything else that is not a notification is an error.
pub fn parse_notification(body: &str) -> std::result::Result<Vec<(String, String)>, String> {
    let v: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    // Wrapped by SNS (a topic between the bucket and the queue).
    if v.get("Type").and_then(Value::as_str) == Some("Notification") {
        let inner = v
            .get("Message")
            .and_then(Value::as_str)
            .ok_or("an SNS notification without a Message")?;
        return parse_notification(inner);
    }
    if v.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
        return Ok(Vec::new());
    }
    // EventBridge: keys are not URL-encoded.
    if v.get("source").and_then(Value::as_str) == Some("aws.s3") {
        let d = &v["detail"];
        let (Some(b), Some(k)) = (d["bucket"]["name"].as_str(), d["object"]["key"].as_str()) else {
            return Err(
                "an EventBridge S3 event without detail.bucket.name and detail.object.key".into(),
            );
        };
        let created = v.get("detail-type").and_then(Value::as_str) == Some("Object Created");
        return Ok(if created {
            vec![(b.to_string(), k.to_string())]
        } else {
            Vec::new()
        });
    }
    let records = v
        .get("Records")
        .and_then(Value::as_array)
        .ok_or("neither an S3 event notification (Records) nor an EventBridge S3 event")?;
    let mut out = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let name = r.get("eventName").and_then(Value::as_str).unwrap_or("");
        if !name.starts_with("ObjectCreated:") {
            continue;
        }
        let (Some(b), Some(k)) = (
            r["s3"]["bucket"]["name"].as_str(),
            r["s3"]["object"]["key"].as_str(),
        ) else {
            return Err(format!(
                "Records[{i}] has no s3.bucket.name and s3.object.key"
            ));
        };
        // S3 notifications URL-encode keys, with + for spaces.
        let spaced = k.replace('+', " ");
        let key = percent_encoding::percent_decode_str(&spaced)
            .decode_utf8()
            .map_err(|_| format!("Records[{i}]: the key is not UTF-8 once decoded"))?
            .into_owned();
        out.push((b.to_string(), key));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifications_in_their_three_shapes() {
        let s3 = r#"{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"trail"},"object":{"key":"AWSLogs/1/CloudTrail/us-east-1/2024/06/01/a+b%3Dc.json.gz","size":1}}},
                    {"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"trail"},"object":{"key":"x"}}}]}"#;
        assert_eq!(
            parse_notification(s3).unwrap(),
            vec![(
                "trail".into(),
                "AWSLogs/1/CloudTrail/us-east-1/2024/06/01/a b=c.json.gz".into()
            )]
        );
        let sns = serde_json::json!({"Type": "Notification", "Message": s3}).to_string();
        assert_eq!(parse_notification(&sns).unwrap().len(), 1);
        let eb = r#"{"source":"aws.s3","detail-type":"Object Created","detail":{"bucket":{"name":"t"},"object":{"key":"k 1"}}}"#;
        assert_eq!(
            parse_notification(eb).unwrap(),
            vec![("t".into(), "k 1".into())]
        );
        assert!(parse_notification(r#"{"Event":"s3:TestEvent"}"#)
            .unwrap()
            .is_empty());
        assert!(parse_notification("hello")
            .unwrap_err()
            .contains("not JSON"));
        assert!(parse_notification("{}").is_err());
    }
}
