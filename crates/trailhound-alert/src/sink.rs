//! Where findings go: a Slack incoming webhook (Block Kit), PagerDuty Events API v2, Amazon SNS,
//! a generic JSON webhook, or NDJSON on standard output. Each delivery is one request with a
//! timeout; transient failures (connection errors, timeouts, 429 and 5xx) are retried with
//! backoff, other answers are final for this cycle. Event fields are attacker-controlled: Slack
//! gets them only as plain text, never as mrkdwn, and the summaries are cut and made printable.

use std::io::Write;
use std::time::Duration;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::finding::{clip, printable, Finding};
use crate::{Error, Result};

const PAGERDUTY_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// A destination, parsed from its URL.
#[derive(Debug, Clone)]
pub enum Sink {
    /// `-` or `stdout`: one JSON object per line.
    Stdout,
    /// `https://…` (or `http://` on loopback): the finding as JSON.
    Webhook { url: String },
    /// `slack+https://hooks.slack.com/services/…`
    Slack { url: String },
    /// `pagerduty://ROUTING_KEY` (`?url=` to send elsewhere than events.pagerduty.com).
    PagerDuty { routing_key: String, url: String },
    /// `sns://arn:aws:sns:REGION:ACCOUNT:TOPIC`
    Sns { topic_arn: String },
}

impl Sink {
    pub fn parse(s: &str) -> Result<Sink> {
        let bad = |why: &str| Error::Invalid(format!("--notify {}: {why}", redact(s)));
        if s == "-" || s == "stdout" {
            return Ok(Sink::Stdout);
        }
        if let Some(url) = s.strip_prefix("slack+") {
            check_http(url).map_err(|w| bad(&w))?;
            return Ok(Sink::Slack { url: url.into() });
        }
        if let Some(rest) = s.strip_prefix("pagerduty://") {
            let (key, query) = rest.split_once('?').unwrap_or((rest, ""));
            let key = key.trim_end_matches('/');
            if key.is_empty() {
                return Err(bad("no routing key (pagerduty://ROUTING_KEY)"));
            }
            let mut url = PAGERDUTY_URL.to_string();
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                match pair.split_once('=') {
                    Some(("url", u)) => {
                        check_http(u).map_err(|w| bad(&w))?;
                        url = u.to_string();
                    }
                    _ => return Err(bad(&format!("unknown option {pair:?} (only url=)"))),
                }
            }
            return Ok(Sink::PagerDuty {
                routing_key: key.into(),
                url,
            });
        }
        if let Some(arn) = s.strip_prefix("sns://") {
            if !arn.starts_with("arn:") || arn.split(':').count() != 6 {
                return Err(bad("expected sns://arn:aws:sns:REGION:ACCOUNT:TOPIC"));
            }
            return Ok(Sink::Sns {
                topic_arn: arn.into(),
            });
        }
        if s.starts_with("https://") || s.starts_with("http://") {
            check_http(s).map_err(|w| bad(&w))?;
            return Ok(Sink::Webhook { url: s.into() });
        }
        Err(bad(
            "use https://… (webhook), slack+https://…, pagerduty://ROUTING_KEY, sns://TOPIC_ARN or - (standard output)",
        ))
    }

    /// A stable name for the delivery ledger (a hash: URLs carry secrets).
    pub fn id(&self) -> String {
        let text = match self {
            Sink::Stdout => "stdout".to_string(),
            Sink::Webhook { url } => format!("webhook {url}"),
            Sink::Slack { url } => format!("slack {url}"),
            Sink::PagerDuty { routing_key, url } => format!("pagerduty {routing_key} {url}"),
            Sink::Sns { topic_arn } => format!("sns {topic_arn}"),
        };
        let d = Sha256::digest(text.as_bytes());
        d[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// What to call it in messages (no secrets).
    pub fn name(&self) -> String {
        match self {
            Sink::Stdout => "standard output".into(),
            Sink::Webhook { url } => format!("webhook {}", redact(url)),
            Sink::Slack { .. } => "Slack".into(),
            Sink::PagerDuty { .. } => "PagerDuty".into(),
            Sink::Sns { topic_arn } => format!("SNS {topic_arn}"),
        }
    }
}

/// A URL without its path and query (where webhook secrets live).
fn redact(url: &str) -> String {
    match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            let host = rest.split(['/', '?']).next().unwrap_or("");
            format!("{}{host}/…", &url[..i + 3])
        }
        None => "…".into(),
    }
}

/// https anywhere; plain http only to this machine (tests, local relays).
fn check_http(url: &str) -> std::result::Result<(), String> {
    if url.starts_with("https://") {
        return Ok(());
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return Err("expected an https:// URL".into());
    };
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    if matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        Ok(())
    } else {
        Err("plain http only to 127.0.0.1 or localhost; use https".into())
    }
}

/// How one delivery attempt ended.
#[derive(Debug)]
pub enum Failure {
    /// Worth another try (timeouts, connection errors, 429, 5xx).
    Transient(String),
    /// Another try would get the same answer (4xx): reported, and tried again next cycle.
    Final(String),
}

impl Failure {
    fn text(&self) -> &str {
        match self {
            Failure::Transient(s) | Failure::Final(s) => s,
        }
    }
}

/// Sends findings: one HTTP client, retries with backoff.
pub struct Sender {
    http: reqwest::Client,
    /// Attempts per finding and sink in one cycle.
    pub attempts: u32,
    /// Wait before the second attempt; doubled for each further one.
    pub backoff: Duration,
    sns: Option<crate::sns::Publisher>,
}

impl Sender {
    pub fn new(
        timeout: Duration,
        attempts: u32,
        backoff: Duration,
        sns: Option<crate::sns::Publisher>,
    ) -> Result<Sender> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("trailhound/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Invalid(format!("cannot start the HTTP client: {e}")))?;
        Ok(Sender {
            http,
            attempts: attempts.max(1),
            backoff,
            sns,
        })
    }

    /// Delivers one finding, retrying transient failures. The error names the sink and the
    /// last failure.
    pub async fn deliver(&self, sink: &Sink, f: &Finding) -> Result<()> {
        let mut wait = self.backoff;
        let mut last = String::new();
        for attempt in 1..=self.attempts {
            match self.attempt(sink, f).await {
                Ok(()) => return Ok(()),
                Err(Failure::Final(why)) => {
                    return Err(Error::Delivery {
                        sink: sink.name(),
                        message: why,
                    })
                }
                Err(e @ Failure::Transient(_)) => {
                    last = e.text().to_string();
                    if attempt < self.attempts {
                        tokio::time::sleep(wait).await;
                        wait *= 2;
                    }
                }
            }
        }
        Err(Error::Delivery {
            sink: sink.name(),
            message: format!("{last} (after {} attempts)", self.attempts),
        })
    }

    async fn attempt(&self, sink: &Sink, f: &Finding) -> std::result::Result<(), Failure> {
        match sink {
            Sink::Stdout => {
                let line = serde_json::to_string(f).map_err(|e| Failure::Final(e.to_string()))?;
                let mut out = std::io::stdout().lock();
                writeln!(out, "{line}")
                    .and_then(|_| out.flush())
                    .map_err(|e| Failure::Final(format!("standard output: {e}")))
            }
            Sink::Webhook { url } => self.post(url, &webhook_body(f)).await,
            Sink::Slack { url } => self.post(url, &slack_body(f)).await,
            Sink::PagerDuty { routing_key, url } => {
                self.post(url, &pagerduty_body(routing_key, f)).await
            }
            Sink::Sns { topic_arn } => match &self.sns {
                Some(p) => p.publish(topic_arn, f).await,
                None => Err(Failure::Final("no SNS client".into())),
            },
        }
    }

    async fn post(&self, url: &str, body: &Value) -> std::result::Result<(), Failure> {
        let bytes = serde_json::to_vec(body).map_err(|e| Failure::Final(e.to_string()))?;
        let r = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .body(bytes)
            .send()
            .await
            .map_err(|e| {
                Failure::Transient(if e.is_timeout() {
                    "no answer in time".to_string()
                } else if e.is_connect() {
                    "cannot connect".to_string()
                } else {
                    format!("request failed: {}", without_url(&e))
                })
            })?;
        let status = r.status();
        if status.is_success() {
            return Ok(());
        }
        let text = r.text().await.unwrap_or_default();
        let why = format!(
            "HTTP {}: {}",
            status.as_u16(),
            printable(&clip(text.trim(), 200))
        );
        if status.as_u16() == 429 || status.is_server_error() || status.as_u16() == 408 {
            Err(Failure::Transient(why))
        } else {
            Err(Failure::Final(why))
        }
    }
}

/// reqwest's message without the URL (which may hold a webhook secret).
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(u) = e.url() {
        s = s.replace(u.as_str(), "…");
    }
    s
}

fn webhook_body(f: &Finding) -> Value {
    json!({
        "source": "trailhound",
        "key": f.key,
        "detection": f.detection,
        "title": f.title,
        "severity": f.severity,
        "category": f.category,
        "references": f.references,
        "summary": f.summary(),
        "eventids": f.eventids,
        "finding": f.row,
    })
}

/// Slack Block Kit: our words as mrkdwn, every value from the events as plain_text (Slack
/// does not interpret it: no mentions, links or formatting injected by an event field).
fn slack_body(f: &Finding) -> Value {
    let title = clip(&printable(&f.title), 140);
    let mut fields = Vec::new();
    for (k, v) in f.row.iter().filter(|(k, _)| *k != "eventids").take(9) {
        let v = match v {
            Value::String(s) => s.clone(),
            Value::Null => continue,
            other => other.to_string(),
        };
        fields.push(
            json!({"type": "plain_text", "text": clip(&printable(&format!("{k}: {v}")), 300)}),
        );
    }
    let ids = clip(&f.eventids.join(", "), 1500);
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": clip(&format!("{} {}", severity_mark(&f.severity), title), 150)}}),
        json!({"type": "section", "text": {"type": "plain_text", "text": clip(&printable(&f.summary()), 2900)}}),
    ];
    if !fields.is_empty() {
        blocks.push(json!({"type": "section", "fields": fields}));
    }
    blocks.push(json!({"type": "context", "elements": [
        {"type": "plain_text", "text": clip(&format!("{} · {} · events: {ids}", f.detection, f.key), 2900)}
    ]}));
    json!({
        // The notification text (and what clients without blocks show).
        "text": clip(&printable(&f.summary()), 2900),
        "blocks": blocks,
    })
}

fn severity_mark(s: &str) -> &'static str {
    match s {
        "critical" => "[CRITICAL]",
        "high" => "[HIGH]",
        "medium" => "[MEDIUM]",
        "low" => "[LOW]",
        _ => "[INFO]",
    }
}

/// PagerDuty's severities: critical, error, warning, info.
pub fn pagerduty_severity(s: &str) -> &'static str {
    match s {
        "critical" => "critical",
        "high" => "error",
        "medium" => "warning",
        _ => "info",
    }
}

fn pagerduty_body(routing_key: &str, f: &Finding) -> Value {
    let mut payload = json!({
        "summary": clip(&printable(&f.summary()), 1024),
        "source": "trailhound",
        "severity": pagerduty_severity(&f.severity),
        "class": f.detection,
        "custom_details": {
            "title": f.title,
            "eventids": f.eventids,
            "finding": f.row,
            "references": f.references,
        },
    });
    for (field, col) in [("group", "account"), ("component", "eventsource")] {
        if let Some(v) = f.row.get(col).and_then(|v| v.as_str()) {
            payload[field] = json!(clip(v, 255));
        }
    }
    json!({
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": clip(&f.key, 255),
        "payload": payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sinks_parse_from_urls_and_refuse_the_rest() {
        assert!(matches!(Sink::parse("-").unwrap(), Sink::Stdout));
        assert!(matches!(
            Sink::parse("slack+https://hooks.slack.com/services/T/B/X").unwrap(),
            Sink::Slack { .. }
        ));
        let Sink::PagerDuty { routing_key, url } =
            Sink::parse("pagerduty://R0UT1NG?url=http://127.0.0.1:9/v2/enqueue").unwrap()
        else {
            panic!()
        };
        assert_eq!(
            (routing_key.as_str(), url.as_str()),
            ("R0UT1NG", "http://127.0.0.1:9/v2/enqueue")
        );
        assert!(matches!(
            Sink::parse("sns://arn:aws:sns:us-east-1:111122223333:alerts").unwrap(),
            Sink::Sns { .. }
        ));
        let e = Sink::parse("http://example.com/hook/SECRET")
            .unwrap_err()
            .to_string();
        assert!(e.contains("plain http only to 127.0.0.1"), "{e}");
        assert!(!e.contains("SECRET"), "{e}");
        assert!(Sink::parse("sns://topic").is_err());
        assert!(Sink::parse("pagerduty://").is_err());
        assert!(Sink::parse("mailto:x").is_err());
    }
}
