//! A seeded generator of realistic CloudTrail archives: CloudTrail's S3 layout, gzipped
//! `{"Records":[...]}` files of a few hundred events, a mix of services that is read-heavy with
//! KMS noise, S3 data events, console sign-ins, assumed roles and errors, about 1.7 KB per event.
//! The same options and seed always give the same bytes.

pub mod events;
pub mod lake_samples;

use std::borrow::Cow;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use trailhound_model::time::civil_from_days;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    pub events: u64,
    pub events_per_file: u64,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    /// First day, as days since 1970-01-01.
    pub start_day: i64,
    pub days: i64,
    pub seed: u64,
    /// Write organization-trail keys (`AWSLogs/o-…/<account>/…`).
    pub organization: Option<String>,
}

impl Default for SynthOptions {
    fn default() -> Self {
        Self {
            events: 10_000,
            events_per_file: 300,
            accounts: vec!["111122223333".into(), "444455556666".into()],
            regions: vec!["us-east-1".into(), "eu-west-1".into(), "us-west-2".into()],
            start_day: 19_935, // 2024-07-31
            days: 7,
            seed: 42,
            organization: None,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct SynthSummary {
    pub files: u64,
    pub events: u64,
    pub json_bytes: u64,
    pub gz_bytes: u64,
    pub paths: Vec<PathBuf>,
}

const AGENTS: &[&str] = &[
    "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12 prompt/off command/s3.ls",
    "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.210 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
    "aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/sts#1.28.5",
    "console.amazonaws.com",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36",
    "Terraform/1.7.5 terraform-provider-aws/5.43.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go/1.51.11 (go1.22.1; linux; amd64)",
];

const ROLES: &[&str] = &[
    "OrganizationAccountAccessRole",
    "ci-deploy",
    "lambda-exec-orders",
    "ReadOnlyAuditor",
    "AWSServiceRoleForConfig",
    "eks-node-group",
];

fn hexid(rng: &mut SmallRng, n: usize) -> String {
    const H: &[u8] = b"0123456789abcdef";
    (0..n).map(|_| H[rng.random_range(0..16)] as char).collect()
}

fn uuid(rng: &mut SmallRng) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        hexid(rng, 8),
        hexid(rng, 4),
        hexid(rng, 4),
        hexid(rng, 4),
        hexid(rng, 12)
    )
}

fn upper_id(rng: &mut SmallRng, prefix: &str, n: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let tail: String = (0..n)
        .map(|_| A[rng.random_range(0..A.len())] as char)
        .collect();
    format!("{prefix}{tail}")
}

fn ip(rng: &mut SmallRng) -> String {
    format!(
        "{}.{}.{}.{}",
        rng.random_range(3..223),
        rng.random_range(0..256),
        rng.random_range(0..256),
        rng.random_range(1..255)
    )
}

fn seed_of(account: &str, slot: u64, hour: i64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in account
        .bytes()
        .chain(slot.to_le_bytes())
        .chain(hour.to_le_bytes())
    {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    h
}

fn time_str(micros: i64) -> String {
    let secs = micros / 1_000_000;
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        t / 3600,
        t / 60 % 60,
        t % 60
    )
}

type Payload = (
    Cow<'static, str>,
    Cow<'static, str>,
    bool,
    String,
    String,
    String,
    &'static str,
    String,
);

const SERVICES: &[&str] = &[
    "lambda",
    "dynamodb",
    "ecs",
    "eks",
    "rds",
    "sqs",
    "sns",
    "cloudformation",
    "ssm",
    "glue",
    "athena",
    "elasticloadbalancing",
    "autoscaling",
    "route53",
    "cloudwatch",
    "events",
    "apigateway",
    "ecr",
    "config",
    "guardduty",
    "securityhub",
    "organizations",
    "backup",
    "kinesis",
    "firehose",
    "states",
    "codebuild",
    "codepipeline",
    "sagemaker",
    "bedrock",
    "acm",
    "wafv2",
    "elasticache",
    "redshift",
];
const VERBS: &[&str] = &[
    "Describe", "List", "Get", "Create", "Update", "Delete", "Put", "Start", "Stop", "Tag",
];
const NOUNS: &[&str] = &[
    "Function",
    "Table",
    "Cluster",
    "Service",
    "Instance",
    "Queue",
    "Topic",
    "Stack",
    "Parameter",
    "Job",
    "WorkGroup",
    "LoadBalancer",
    "TargetGroup",
    "Rule",
    "Alarm",
    "Repository",
    "Image",
    "Pipeline",
    "Project",
    "Endpoint",
    "Model",
    "Certificate",
    "WebACL",
    "Snapshot",
    "Stream",
    "Execution",
    "Policy",
    "Findings",
];
const PARAM_KEYS: &[&str] = &[
    "functionName",
    "tableName",
    "clusterName",
    "serviceName",
    "instanceId",
    "queueUrl",
    "topicArn",
    "stackName",
    "name",
    "jobName",
    "workGroup",
    "loadBalancerArn",
    "targetGroupArn",
    "ruleName",
    "alarmNames",
    "repositoryName",
    "imageIds",
    "pipelineName",
    "projectName",
    "endpointName",
    "modelId",
    "certificateArn",
    "scope",
    "snapshotId",
    "streamName",
    "executionArn",
    "policyArn",
    "filters",
    "maxResults",
    "nextToken",
    "limit",
    "marker",
    "tags",
    "resourceArn",
    "roleArn",
    "description",
    "enabled",
    "capacity",
    "desiredCount",
    "memorySize",
    "timeout",
    "runtime",
    "handler",
    "environment",
    "vpcConfig",
    "subnetIds",
    "securityGroupIds",
    "keyConditionExpression",
    "projectionExpression",
    "consistentRead",
    "attributeNames",
    "messageBody",
    "delaySeconds",
    "parameters",
    "templateURL",
    "capabilities",
    "withDecryption",
    "recursive",
    "path",
    "queryString",
    "outputLocation",
    "listenerArn",
    "protocol",
    "port",
    "healthCheckPath",
    "namespace",
    "metricName",
    "dimensions",
    "period",
    "statistic",
    "eventBusName",
    "entries",
    "restApiId",
    "stageName",
    "registryId",
    "imageTag",
    "sourceVersion",
    "modelName",
    "contentType",
    "domainName",
    "validationMethod",
    "defaultAction",
    "visibilityConfig",
    "replicationGroupId",
    "nodeType",
    "clusterIdentifier",
    "dbName",
    "encrypted",
    "kmsKeyId",
    "maxItems",
];

/// One of a long tail of API calls, each with its own request keys, as real trails have.
fn long_tail(rng: &mut SmallRng, account: &str, region: &str) -> Payload {
    let k = rng.random_range(0..180u64);
    let mut shape = SmallRng::seed_from_u64(k.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let service = SERVICES[shape.random_range(0..SERVICES.len())];
    let verb = VERBS[shape.random_range(0..VERBS.len())];
    let name = format!("{verb}{}", NOUNS[shape.random_range(0..NOUNS.len())]);
    let read_only = matches!(verb, "Describe" | "List" | "Get");
    let mut params = String::from("{");
    let mut keys: Vec<&str> = Vec::new();
    for _ in 0..shape.random_range(1..7) {
        let key = PARAM_KEYS[shape.random_range(0..PARAM_KEYS.len())];
        if keys.contains(&key) {
            continue;
        }
        if !keys.is_empty() {
            params.push(',');
        }
        keys.push(key);
        let value = match shape.random_range(0..6) {
            0 => rng.random_range(0..10_000).to_string(),
            1 => rng.random_bool(0.5).to_string(),
            2 => format!(
                r#"[{{"key":"team","value":"{}"}},{{"key":"env","value":"prod"}}]"#,
                ["data", "web", "ml", "sec"][rng.random_range(0..4)]
            ),
            3 => format!(
                r#"{{"subnetIds":["subnet-{}"],"securityGroupIds":["sg-{}"]}}"#,
                hexid(rng, 8),
                hexid(rng, 8)
            ),
            _ => format!(
                r#""arn:aws:{service}:{region}:{account}:{}/{}-{}""#,
                key.to_lowercase(),
                ["orders", "billing", "search", "etl"][rng.random_range(0..4)],
                hexid(rng, 4)
            ),
        };
        params.push_str(&format!(r#""{key}":{value}"#));
    }
    params.push('}');
    let response = if read_only {
        "null".to_string()
    } else {
        format!(r#"{{"requestId":"{}"}}"#, uuid(rng))
    };
    (
        Cow::from(service),
        Cow::from(name),
        read_only,
        params,
        response,
        String::new(),
        "Management",
        String::new(),
    )
}

/// One synthetic event as JSON text.
pub fn event(rng: &mut SmallRng, account: &str, region: &str, micros: i64) -> String {
    // Calls come from a few dozen role sessions per account, each living for an hour, with a
    // skew towards the busiest ones, as in real trails.
    let slot = (rng.random_range(0.0f64..1.0).powi(2) * 48.0) as u64;
    let hour = micros.div_euclid(3_600_000_000);
    let mut srng = SmallRng::seed_from_u64(seed_of(account, slot, hour));
    let role = ROLES[slot as usize % ROLES.len()];
    let session = format!("{}-{}", role.to_lowercase(), hexid(&mut srng, 6));
    let akid = upper_id(&mut srng, "ASIA", 16);
    let mut prng = SmallRng::seed_from_u64(seed_of(account, slot, 0));
    let principal = upper_id(&mut prng, "AROA", 17);
    let micros_created = hour * 3_600_000_000;
    let identity = format!(
        r#"{{"type":"AssumedRole","principalId":"{principal}:{session}","arn":"arn:aws:sts::{account}:assumed-role/{role}/{session}","accountId":"{account}","accessKeyId":"{akid}","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"{principal}","arn":"arn:aws:iam::{account}:role/{role}","accountId":"{account}","userName":"{role}"}},"webIdFederationData":{{}},"attributes":{{"creationDate":"{}","mfaAuthenticated":"false"}}}}}}"#,
        time_str(micros_created)
    );
    let agent = AGENTS[rng.random_range(0..AGENTS.len())];
    let src_ip = match rng.random_range(0..10) {
        0..=2 => "AWS Internal".to_string(),
        3 => "lambda.amazonaws.com".to_string(),
        _ => ip(&mut SmallRng::seed_from_u64(seed_of(
            account,
            1000 + rng.random_range(0..24),
            0,
        ))),
    };
    let time = time_str(micros);
    let (event_id, request_id) = (uuid(rng), uuid(rng));
    let tls = format!(
        r#"{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"%HOST%.{region}.amazonaws.com"}}"#
    );
    let roll = rng.random_range(0..125);
    let (source, name, read_only, params, response, resources, category, extra): Payload = match roll {
        0..=21 => {
            let key = uuid(rng);
            (Cow::from("kms"), Cow::from("Decrypt"), true,
             format!(r#"{{"encryptionContext":{{"aws:lambda:FunctionArn":"arn:aws:lambda:{region}:{account}:function:orders-api"}},"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}}"#),
             "null".to_string(),
             format!(r#"[{{"accountId":"{account}","type":"AWS::KMS::Key","ARN":"arn:aws:kms:{region}:{account}:key/{key}"}}]"#),
             "Management", String::new())
        }
        22..=39 => {
            let bucket = ["orders-data", "app-logs", "ml-datasets", "backups"][rng.random_range(0..4)];
            let key = format!("{}/{}/part-{}.parquet", ["2024", "raw", "tmp"][rng.random_range(0..3)], hexid(rng, 8), rng.random_range(0..9999));
            let (n, ro) = if rng.random_bool(0.7) { ("GetObject", true) } else { ("PutObject", false) };
            (Cow::from("s3"), Cow::from(n), ro,
             format!(r#"{{"bucketName":"{account}-{bucket}","Host":"{account}-{bucket}.s3.{region}.amazonaws.com","key":"{key}","x-id":"{n}"}}"#),
             "null".to_string(),
             format!(r#"[{{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::{account}-{bucket}/{key}"}},{{"accountId":"{account}","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::{account}-{bucket}"}}]"#),
             "Data",
             format!(r#","additionalEventData":{{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"{}","bytesTransferredOut":{}}}"#, hexid(rng, 40), rng.random_range(100..9_000_000)))
        }
        40..=54 => {
            let n = ["DescribeInstances", "DescribeSecurityGroups", "DescribeVolumes", "DescribeSubnets"][rng.random_range(0..4)];
            (Cow::from("ec2"), Cow::from(n), true, r#"{"maxResults":1000,"filterSet":{},"instancesSet":{}}"#.to_string(), "null".into(), String::new(), "Management", String::new())
        }
        55..=66 => (Cow::from("sts"), Cow::from("AssumeRole"), true,
            format!(r#"{{"roleArn":"arn:aws:iam::{account}:role/{role}","roleSessionName":"{session}","durationSeconds":3600}}"#),
            format!(r#"{{"credentials":{{"accessKeyId":"{}","sessionToken":"{}","expiration":"Jul 30, 2024, 11:31:05 PM"}},"assumedRoleUser":{{"assumedRoleId":"{principal}:{session}","arn":"arn:aws:sts::{account}:assumed-role/{role}/{session}"}}}}"#, upper_id(rng, "ASIA", 16), hexid(rng, 120)),
            format!(r#"[{{"accountId":"{account}","type":"AWS::IAM::Role","ARN":"arn:aws:iam::{account}:role/{role}"}}]"#), "Management", String::new()),
        67..=76 => {
            let n = ["ListRoles", "GetRole", "ListPolicies", "GetPolicyVersion"][rng.random_range(0..4)];
            (Cow::from("iam"), Cow::from(n), true, format!(r#"{{"roleName":"{role}","maxItems":100}}"#), "null".into(), String::new(), "Management", String::new())
        }
        77..=84 => {
            let n = ["RunInstances", "TerminateInstances", "CreateTags", "AuthorizeSecurityGroupIngress", "CreateVolume"][rng.random_range(0..5)];
            let itype = ["t3.micro", "m5.large", "c6i.2xlarge", "p4d.24xlarge", "r6g.16xlarge"][rng.random_range(0..5)];
            let iid = format!("i-{}", hexid(rng, 17));
            (Cow::from("ec2"), Cow::from(n), false,
             format!(r#"{{"instancesSet":{{"items":[{{"imageId":"ami-{}","minCount":1,"maxCount":1}}]}},"instanceType":"{itype}","blockDeviceMapping":{{}},"monitoring":{{"enabled":false}},"disableApiTermination":false}}"#, hexid(rng, 17)),
             format!(r#"{{"requestId":"{request_id}","reservationId":"r-{}","ownerId":"{account}","instancesSet":{{"items":[{{"instanceId":"{iid}","instanceType":"{itype}","launchTime":{micros}}}]}}}}"#, hexid(rng, 17)),
             String::new(), "Management", String::new())
        }
        85..=89 => (Cow::from("logs"), Cow::from("CreateLogStream"), false, r#"{"logGroupName":"/aws/lambda/orders-api","logStreamName":"2024/07/30/[$LATEST]abc"}"#.to_string(), "null".into(), String::new(), "Management", String::new()),
        90..=93 => (Cow::from("signin"), Cow::from("ConsoleLogin"), false, "null".into(),
            format!(r#"{{"ConsoleLogin":"{}"}}"#, if rng.random_bool(0.9) { "Success" } else { "Failure" }), String::new(), "Management",
            r#","additionalEventData":{"LoginTo":"https://console.aws.amazon.com/console/home","MobileVersion":"No","MFAUsed":"Yes"}"#.to_string()),
        100.. => long_tail(rng, account, region),
        _ => {
            let n = ["GetSecretValue", "DescribeSecret"][rng.random_range(0..2)];
            (Cow::from("secretsmanager"), Cow::from(n), true, format!(r#"{{"secretId":"arn:aws:secretsmanager:{region}:{account}:secret:prod/db-{}"}}"#, hexid(rng, 6)), "null".into(), String::new(), "Management", String::new())
        }
    };
    let error = if rng.random_range(0..100) < 4 {
        r#","errorCode":"AccessDenied","errorMessage":"User is not authorized to perform this operation because no identity-based policy allows the action""#
    } else {
        ""
    };
    let resources = if resources.is_empty() {
        String::new()
    } else {
        format!(r#","resources":{resources}"#)
    };
    let tls = tls.replace("%HOST%", &source);
    let (event_type, management) = if category == "Data" {
        ("AwsApiCall", false)
    } else if source == "signin" {
        ("AwsConsoleSignIn", true)
    } else {
        ("AwsApiCall", true)
    };
    let vpce = if rng.random_bool(0.2) {
        format!(
            r#","vpcEndpointId":"vpce-{}","vpcEndpointAccountId":"{account}""#,
            hexid(rng, 17)
        )
    } else {
        String::new()
    };
    format!(
        r#"{{"eventVersion":"1.11","userIdentity":{identity},"eventTime":"{time}","eventSource":"{source}.amazonaws.com","eventName":"{name}","awsRegion":"{region}","sourceIPAddress":"{src_ip}","userAgent":"{agent}"{error},"requestParameters":{params},"responseElements":{response}{extra},"requestID":"{request_id}","eventID":"{event_id}","readOnly":{read_only}{resources},"eventType":"{event_type}","managementEvent":{management},"recipientAccountId":"{account}"{vpce},"eventCategory":"{category}","tlsDetails":{tls}}}"#
    )
}

/// Writes an archive below `dir` (which gets `AWSLogs/…`).
pub fn generate(dir: &Path, opts: &SynthOptions) -> std::io::Result<SynthSummary> {
    let mut rng = SmallRng::seed_from_u64(opts.seed);
    let mut summary = SynthSummary::default();
    let files = opts.events.div_ceil(opts.events_per_file.max(1));
    let day_micros = 86_400_000_000i64;
    let span = opts.days.max(1) * day_micros;
    for i in 0..files {
        let account = &opts.accounts[(i as usize) % opts.accounts.len()];
        let region = &opts.regions[(i as usize / opts.accounts.len()) % opts.regions.len()];
        // Files are spread evenly over the period; events inside a file span five minutes.
        let file_end = opts.start_day * day_micros + (span * (i as i64 + 1)) / files as i64;
        let n = opts
            .events_per_file
            .min(opts.events - i * opts.events_per_file);
        let mut body = String::with_capacity(n as usize * 1800);
        body.push_str(r#"{"Records":["#);
        for j in 0..n {
            if j > 0 {
                body.push(',');
            }
            let t = file_end - rng.random_range(0..300_000_000i64);
            body.push_str(&event(&mut rng, account, region, t));
        }
        body.push_str("]}");
        let delivery = file_end + 5 * 60_000_000;
        let (y, m, d) = civil_from_days(delivery.div_euclid(day_micros));
        let stamp = &time_str(delivery)[..16].replace(['-', ':'], "");
        let org = opts
            .organization
            .as_ref()
            .map(|o| format!("{o}/"))
            .unwrap_or_default();
        let rel = format!(
            "AWSLogs/{org}{account}/CloudTrail/{region}/{y:04}/{m:02}/{d:02}/{account}_CloudTrail_{region}_{stamp}Z_{}.json.gz",
            upper_id(&mut rng, "", 16)
        );
        let path = dir.join(rel);
        if let Some(p) = path.parent() {
            fs::create_dir_all(p)?;
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
        gz.write_all(body.as_bytes())?;
        let bytes = gz.finish()?;
        fs::write(&path, &bytes)?;
        summary.files += 1;
        summary.events += n;
        summary.json_bytes += body.len() as u64;
        summary.gz_bytes += bytes.len() as u64;
        summary.paths.push(path);
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_valid_json_of_realistic_size() {
        let mut rng = SmallRng::seed_from_u64(1);
        let mut total = 0;
        for _ in 0..2000 {
            let e = event(&mut rng, "111122223333", "us-east-1", 1_722_375_065_000_000);
            let v: serde_json::Value =
                serde_json::from_str(&e).unwrap_or_else(|err| panic!("{err}: {e}"));
            assert!(v["eventID"].is_string() && v["eventTime"].is_string());
            total += e.len();
        }
        let mean = total / 2000;
        assert!((1300..2200).contains(&mean), "mean event size {mean}");
    }
}
