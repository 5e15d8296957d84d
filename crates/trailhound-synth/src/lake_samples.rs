//! Crafted events for the CloudTrail Lake sample queries (`sample_lake.slt` in trailhound-query).
//! The random sample trail never stops a trail, logs in without MFA, crosses accounts, lets AWS
//! Support in, opens a security group to the world from the console, uses a long-term access key,
//! is refused by a VPC endpoint policy, needs an S3 ACL, speaks TLS 1.1, adds a user to an admin
//! group, takes an unencrypted snapshot or scans a DynamoDB table. These 13 events do, one or two
//! per sample, so that every one of the 26 samples finds rows.
//!
//! They go into `testdata/sample-trail` beside the generator's files (`trailhound-synth
//! lake-samples testdata/sample-trail`), in the sample trail's accounts and regions. They are dated
//! 2024-08-01 to 2024-08-03: a later date would fall into the re-listing window of a second
//! conversion and change what the CLI tests expect it to convert. Event ids start with `lake-`,
//! which sorts after the generator's hexadecimal ids.

use std::path::Path;

use serde_json::{json, Value};

use crate::events::{self, set, with};

/// The sample trail's two accounts.
pub const ACCOUNT: &str = "111122223333";
pub const OTHER_ACCOUNT: &str = "444455556666";

/// How the files are told apart from the generator's in their folders.
const SUFFIX: &str = "lake-samples";

const CONSOLE_AGENT: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Safari/537.36";

fn tls(version: &str, cipher: &str, host: &str) -> Value {
    json!({"tlsVersion": version, "cipherSuite": cipher, "clientProvidedHostHeader": host})
}

/// A management API call by IAM user alice of `account` in `region`: [`events::call`] moved to the
/// sample trail's accounts, with CloudTrail's current event version and TLS details.
fn call(id: &str, time: &str, source: &str, name: &str, account: &str, region: &str) -> Value {
    with(
        events::call(id, time, source, name),
        json!({
            "eventVersion": "1.11",
            "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLEALICE", "arn": format!("arn:aws:iam::{account}:user/alice"),
                             "accountId": account, "accessKeyId": "ASIAEXAMPLEALICE01", "userName": "alice"},
            "awsRegion": region,
            "sourceIPAddress": "198.51.100.24",
            "userAgent": "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12",
            "recipientAccountId": account,
            "tlsDetails": tls("TLSv1.3", "TLS_AES_128_GCM_SHA256", &format!("{source}.{region}.amazonaws.com"))
        }),
    )
}

fn without(mut v: Value, keys: &[&str]) -> Value {
    if let Some(o) = v.as_object_mut() {
        for k in keys {
            o.remove(*k);
        }
    }
    v
}

/// A session of `role` in `account`; `mfa` for the console sessions of people who signed in with
/// MFA.
fn role_session(account: &str, role: &str, session: &str, key: &str, mfa: bool) -> Value {
    let principal = format!(
        "AROAEXAMPLE{}",
        role.to_uppercase().chars().take(8).collect::<String>()
    );
    json!({"type": "AssumedRole", "principalId": format!("{principal}:{session}"),
           "arn": format!("arn:aws:sts::{account}:assumed-role/{role}/{session}"), "accountId": account, "accessKeyId": key,
           "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": principal,
                              "arn": format!("arn:aws:iam::{account}:role/{role}"), "accountId": account, "userName": role},
                              "attributes": {"creationDate": "2024-08-02T09:00:00Z", "mfaAuthenticated": if mfa { "true" } else { "false" }}}})
}

fn service_session(account: &str, role: &str, session: &str) -> Value {
    role_session(account, role, session, "ASIAEXAMPLESESSN01", false)
}

/// What STS answers to an AssumeRole.
fn assumed(key: &str, expiration: &str, role_id: &str, arn: &str) -> Value {
    json!({"credentials": {"accessKeyId": key, "sessionToken": "EXAMPLE", "expiration": expiration},
           "assumedRoleUser": {"assumedRoleId": role_id, "arn": arn}})
}

fn role_resource(account: &str, arn: &str) -> Value {
    json!([{"accountId": account, "type": "AWS::IAM::Role", "ARN": arn}])
}

/// The 13 events, in the order the samples need them.
pub fn events() -> Vec<Value> {
    let (a, b) = (ACCOUNT, OTHER_ACCOUNT);
    // An administrator signed in to the console through IAM Identity Center, with MFA.
    let console = role_session(
        a,
        "AWSReservedSSO_AdministratorAccess_0123456789abcdef",
        "alice@example.com",
        "ASIAEXAMPLECONSOLE1",
        true,
    );
    let orders_api = service_session(b, "lambda-exec-orders", "orders-api");
    let support_role = format!(
        "arn:aws:iam::{a}:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport"
    );
    let org_role = format!("arn:aws:iam::{a}:role/OrganizationAccountAccessRole");
    let ci_role = format!("arn:aws:iam::{a}:role/ci-deploy");
    vec![
        // 1 cloudtrail-configuration-changes
        set(
            call(
                "lake-stop-logging",
                "2024-08-02T10:00:00Z",
                "cloudtrail",
                "StopLogging",
                a,
                "us-east-1",
            ),
            "requestParameters",
            json!({"name": format!("arn:aws:cloudtrail:us-east-1:{a}:trail/management-events")}),
        ),
        // 2 console-login-with-no-mfa, 5 activity-performed-by-IP-address
        without(
            with(
                call(
                    "lake-console-login-no-mfa",
                    "2024-08-02T09:58:00Z",
                    "signin",
                    "ConsoleLogin",
                    a,
                    "us-east-1",
                ),
                json!({"userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLEBOB", "arn": format!("arn:aws:iam::{a}:user/bob"),
                                        "accountId": a, "userName": "bob"},
                       "sourceIPAddress": "203.0.113.10",
                       "userAgent": CONSOLE_AGENT,
                       "eventType": "AwsConsoleSignIn",
                       "responseElements": {"ConsoleLogin": "Success"},
                       "additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": "No"},
                       "tlsDetails": tls("TLSv1.3", "TLS_AES_128_GCM_SHA256", "signin.aws.amazon.com")}),
            ),
            &["readOnly", "requestParameters"],
        ),
        // 3 cross-account-access: a role of the other account assumes one here
        with(
            call(
                "lake-cross-account-assume-role",
                "2024-08-03T14:00:00Z",
                "sts",
                "AssumeRole",
                a,
                "us-east-1",
            ),
            json!({"userIdentity": service_session(b, "ci-deploy", "ci-deploy-7f3a21"),
                   "readOnly": true,
                   "requestParameters": {"roleArn": org_role, "roleSessionName": "ci-deploy-7f3a21", "durationSeconds": 3600},
                   "responseElements": assumed("ASIAEXAMPLECROSS01", "Aug 3, 2024, 3:00:00 PM", "AROAEXAMPLEORGACCES:ci-deploy-7f3a21",
                                               &format!("arn:aws:sts::{a}:assumed-role/OrganizationAccountAccessRole/ci-deploy-7f3a21")),
                   "resources": role_resource(a, &org_role),
                   "sharedEventID": "5c1f6a0e-0000-4000-8000-00000000c0a1"}),
        ),
        // 4 aws-support-access: AWS Support takes its service-linked role (no TLS details: the
        // call comes from inside AWS)
        without(
            with(
                call(
                    "lake-support-assume-role",
                    "2024-08-03T08:30:00Z",
                    "sts",
                    "AssumeRole",
                    a,
                    "us-east-1",
                ),
                json!({"userIdentity": {"type": "AWSService", "invokedBy": "support.amazonaws.com"},
                       "sourceIPAddress": "support.amazonaws.com",
                       "userAgent": "support.amazonaws.com",
                       "readOnly": true,
                       "requestParameters": {"roleArn": support_role, "roleSessionName": "AWSSupport-Case-172345678901"},
                       "responseElements": assumed("ASIAEXAMPLESUPPORT", "Aug 4, 2024, 9:30:00 AM", "AROAEXAMPLESUPPORT:AWSSupport-Case-172345678901",
                                                   &format!("arn:aws:sts::{a}:assumed-role/AWSServiceRoleForSupport/AWSSupport-Case-172345678901")),
                       "resources": role_resource(a, &support_role),
                       "sharedEventID": "5c1f6a0e-0000-4000-8000-00000000c0a4"}),
            ),
            &["tlsDetails"],
        ),
        // 7 ec2-public-security-group, 13 list-write-events-from-management-console: SSH opened
        // to the world from the console (sessionCredentialFromConsole is a string in CloudTrail)
        with(
            call(
                "lake-sg-open-ssh-console",
                "2024-08-02T10:05:00Z",
                "ec2",
                "AuthorizeSecurityGroupIngress",
                a,
                "us-east-1",
            ),
            json!({"userIdentity": console.clone(),
                   "userAgent": "AWS Internal",
                   "sourceIPAddress": "203.0.113.10",
                   "requestParameters": {"groupId": "sg-0a1b2c3d4e5f60718", "ipPermissions": {"items": [{
                       "ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "groups": {},
                       "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}, "ipv6Ranges": {}, "prefixListIds": {}}]}},
                   "responseElements": {"requestId": "0f1e2d3c-0000-4000-8000-0000000000a7", "_return": true,
                                        "securityGroupRuleSet": {"items": [{"groupOwnerId": a, "groupId": "sg-0a1b2c3d4e5f60718",
                                            "securityGroupRuleId": "sgr-0a1b2c3d4e5f60718", "isEgress": false, "ipProtocol": "tcp",
                                            "fromPort": 22, "toPort": 22, "cidrIpv4": "0.0.0.0/0"}]}},
                   "sessionCredentialFromConsole": "true"}),
        ),
        // 7 (its ModifySecurityGroupRules half), 13: RDP opened to the world from the console
        with(
            call(
                "lake-sg-modify-rdp-open",
                "2024-08-02T10:06:00Z",
                "ec2",
                "ModifySecurityGroupRules",
                a,
                "us-east-1",
            ),
            json!({"userIdentity": console,
                   "userAgent": "AWS Internal",
                   "sourceIPAddress": "203.0.113.10",
                   "requestParameters": {"ModifySecurityGroupRulesRequest": {"GroupId": "sg-0a1b2c3d4e5f60718", "SecurityGroupRule": {
                       "SecurityGroupRuleId": "sgr-0b2c3d4e5f6071829",
                       "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "CidrIpv4": "0.0.0.0/0"}}}},
                   "responseElements": {"ModifySecurityGroupRulesResponse": {"requestId": "0f1e2d3c-0000-4000-8000-0000000000a8", "return": true}},
                   "sessionCredentialFromConsole": "true"}),
        ),
        // 8 iam-access-key-activity, 9 iam-role-assumed-by-iam-access-key: an IAM user's
        // long-term key (AWS's documentation example key) assumes a role
        with(
            call(
                "lake-assume-role-with-user-key",
                "2024-08-02T07:15:00Z",
                "sts",
                "AssumeRole",
                a,
                "us-east-1",
            ),
            json!({"userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLEDEPLOYBOT", "arn": format!("arn:aws:iam::{a}:user/deploy-bot"),
                                    "accountId": a, "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "userName": "deploy-bot"},
                   "readOnly": true,
                   "requestParameters": {"roleArn": ci_role, "roleSessionName": "deploy-bot-1722842100", "durationSeconds": 3600},
                   "responseElements": assumed("ASIAEXAMPLEDEPLOY1", "Aug 5, 2024, 8:15:00 AM", "AROAEXAMPLECIDEPLOY:deploy-bot-1722842100",
                                               &format!("arn:aws:sts::{a}:assumed-role/ci-deploy/deploy-bot-1722842100")),
                   "resources": role_resource(a, &ci_role)}),
        ),
        // 15 network-activity-events-vpce-access-denied: a network activity event, which has no
        // readOnly, managementEvent, userAgent or TLS details
        json!({
            "eventVersion": "1.11",
            "userIdentity": orders_api.clone(),
            "eventTime": "2024-08-03T16:20:00Z",
            "eventSource": "kms.amazonaws.com",
            "eventName": "Decrypt",
            "awsRegion": "eu-west-1",
            "sourceIPAddress": "10.0.12.34",
            "errorCode": "VpceAccessDenied",
            "errorMessage": "The request was denied due to a VPC endpoint policy",
            "requestID": "req-lake-vpce-denied",
            "eventID": "lake-vpce-access-denied",
            "eventType": "AwsVpceEvent",
            "recipientAccountId": b,
            "sharedEventID": "5c1f6a0e-0000-4000-8000-00000000c0af",
            "vpcEndpointId": "vpce-0a1b2c3d4e5f60718",
            "vpcEndpointAccountId": b,
            "eventCategory": "NetworkActivity"
        }),
        // 16 s3-buckets-using-acls: a data event that an ACL authorised
        with(
            call(
                "lake-s3-acl-required",
                "2024-08-01T11:40:00Z",
                "s3",
                "GetObject",
                b,
                "us-west-2",
            ),
            json!({"userIdentity": service_session(b, "ReadOnlyAuditor", "auditor-5d2e1f"),
                   "readOnly": true,
                   "managementEvent": false,
                   "eventCategory": "Data",
                   "requestParameters": {"bucketName": format!("{b}-legacy-uploads"), "Host": format!("{b}-legacy-uploads.s3.us-west-2.amazonaws.com"),
                                         "key": "exports/2019/report.csv"},
                   "additionalEventData": {"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256", "bytesTransferredIn": 0,
                                           "AuthenticationMethod": "AuthHeader", "x-amz-id-2": "EXAMPLE", "bytesTransferredOut": 20480,
                                           "aclRequired": "Yes"},
                   "resources": [{"type": "AWS::S3::Object", "ARN": format!("arn:aws:s3:::{b}-legacy-uploads/exports/2019/report.csv")},
                                 {"accountId": b, "type": "AWS::S3::Bucket", "ARN": format!("arn:aws:s3:::{b}-legacy-uploads")}],
                   "tlsDetails": tls("TLSv1.3", "TLS_AES_128_GCM_SHA256", &format!("{b}-legacy-uploads.s3.us-west-2.amazonaws.com"))}),
        ),
        // 17 tls-unsupported-version: an old Java SDK on TLS 1.1
        with(
            call(
                "lake-sqs-tls11",
                "2024-08-03T12:00:00Z",
                "sqs",
                "SendMessage",
                b,
                "eu-west-1",
            ),
            json!({"userIdentity": orders_api.clone(),
                   "userAgent": "aws-sdk-java/1.11.30 Linux/3.10.0 Java_HotSpot(TM)_64-Bit_Server_VM/25.51-b03/1.8.0_51",
                   "sourceIPAddress": "192.0.2.77",
                   "requestParameters": {"queueUrl": format!("https://sqs.eu-west-1.amazonaws.com/{b}/orders"),
                                         "messageBody": "HIDDEN_DUE_TO_SECURITY_REASONS"},
                   "responseElements": {"mD5OfMessageBody": "0123456789abcdef0123456789abcdef", "messageId": "0f1e2d3c-0000-4000-8000-0000000000b1"},
                   "tlsDetails": tls("TLSv1.1", "ECDHE-RSA-AES128-SHA", "sqs.eu-west-1.amazonaws.com")}),
        ),
        // 21 user-added-to-admin-group (the sample's LIKE '%admin%' is case-sensitive)
        set(
            call(
                "lake-add-user-to-admins",
                "2024-08-03T15:10:00Z",
                "iam",
                "AddUserToGroup",
                a,
                "us-east-1",
            ),
            "requestParameters",
            json!({"groupName": "cloud-admins", "userName": "mallory"}),
        ),
        // 24 find-snapshots-not-encrypted
        with(
            call(
                "lake-unencrypted-snapshot",
                "2024-08-03T02:00:00Z",
                "ec2",
                "CreateSnapshot",
                a,
                "us-west-2",
            ),
            json!({"userIdentity": service_session(a, "AWSBackupDefaultServiceRole", "AWSBackup-AWSBackupDefaultServiceRole"),
                   "requestParameters": {"volumeId": "vol-0a1b2c3d4e5f60718", "description": "nightly"},
                   "responseElements": {"requestId": "0f1e2d3c-0000-4000-8000-0000000000c1", "snapshotId": "snap-0a1b2c3d4e5f60718",
                                        "volumeId": "vol-0a1b2c3d4e5f60718", "status": "pending", "startTime": 1_722_650_400_000_u64,
                                        "progress": "", "ownerId": a, "description": "nightly", "volumeSize": 100, "encrypted": false}}),
        ),
        // 25 dynamodb-scan-operations: a DynamoDB data event
        with(
            call(
                "lake-dynamodb-scan",
                "2024-08-02T19:45:00Z",
                "dynamodb",
                "Scan",
                b,
                "us-east-1",
            ),
            json!({"userIdentity": orders_api,
                   "readOnly": true,
                   "managementEvent": false,
                   "eventCategory": "Data",
                   "userAgent": "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.210 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
                   "requestParameters": {"tableName": "orders", "limit": 1000},
                   "resources": [{"accountId": b, "type": "AWS::DynamoDB::Table", "ARN": format!("arn:aws:dynamodb:us-east-1:{b}:table/orders")}]}),
        ),
    ]
}

/// The log files of [`events`]: key below the sample trail's folder, and JSON text.
pub fn files() -> Vec<(String, String)> {
    events::archive(&events(), SUFFIX)
}

/// Writes [`files`] below `dir` (the sample trail, which holds `AWSLogs/…`), gzipped as
/// the generator does; returns how many.
pub fn write_all(dir: &Path) -> std::io::Result<usize> {
    let files = files();
    for (key, json) in &files {
        events::write_gz(&dir.join(key), json)?;
    }
    Ok(files.len())
}
