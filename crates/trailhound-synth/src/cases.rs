//! Crafted cases for the saved queries: for each query, the events it must find and near misses it
//! must not (a security group opened to 10.0.0.0/8, a root event with invokedBy set, nine failed
//! logins, logins spread over six minutes, …), written as a small CloudTrail archive per query.
//!
//! The period searched is 2024-09-01 to 2024-09-08; the look-back before it holds the baselines of
//! "never seen before" queries. Event ids say what each event is.

use std::io::Write;
use std::path::Path;

use serde_json::{json, Map, Value};

mod access_persistence;
mod discovery_exfil_impact;
mod evasion_credentials;

/// The account most cases happen in, and a second one.
pub const ACCOUNT: &str = "111111111111";
pub const OTHER_ACCOUNT: &str = "222222222222";
/// The period the tests search.
pub const FROM: &str = "2024-09-01";
pub const UNTIL: &str = "2024-09-08";

/// One query's cases.
#[derive(Debug, Clone)]
pub struct QueryCases {
    pub query: &'static str,
    /// `--param NAME=VALUE` to run it with.
    pub params: Vec<(&'static str, String)>,
    pub events: Vec<Value>,
    /// Event ids the query must name (in its `eventid` or `eventids` column).
    pub found: Vec<String>,
    /// Event ids it must not name.
    pub missed: Vec<String>,
}

/// A management API call by IAM user alice of [`ACCOUNT`] in us-east-1, to be adjusted.
pub fn call(id: &str, time: &str, source: &str, name: &str) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "principalId": "AIDAALICE", "arn": format!("arn:aws:iam::{ACCOUNT}:user/alice"),
                         "accountId": ACCOUNT, "accessKeyId": "AKIAALICE", "userName": "alice"},
        "eventTime": time,
        "eventSource": format!("{source}.amazonaws.com"),
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.10",
        "userAgent": "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64",
        "requestParameters": null,
        "responseElements": null,
        "requestID": format!("req-{id}"),
        "eventID": id,
        "readOnly": name.starts_with("Describe") || name.starts_with("Get") || name.starts_with("List"),
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Management"
    })
}

pub(crate) fn set(mut v: Value, key: &str, value: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.insert(key.to_string(), value);
    }
    v
}

pub(crate) fn with(mut v: Value, fields: Value) -> Value {
    if let (Some(o), Value::Object(f)) = (v.as_object_mut(), fields) {
        for (k, x) in f {
            o.insert(k, x);
        }
    }
    v
}

fn root() -> Value {
    json!({"type": "Root", "principalId": ACCOUNT, "arn": format!("arn:aws:iam::{ACCOUNT}:root"), "accountId": ACCOUNT})
}

fn user(name: &str) -> Value {
    json!({"type": "IAMUser", "principalId": format!("AIDA{}", name.to_uppercase()), "arn": format!("arn:aws:iam::{ACCOUNT}:user/{name}"),
           "accountId": ACCOUNT, "userName": name})
}

fn role_session(role: &str, session: &str) -> Value {
    json!({"type": "AssumedRole", "principalId": format!("AROA{}:{session}", role.to_uppercase()),
           "arn": format!("arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}"), "accountId": ACCOUNT, "accessKeyId": "ASIASESSION",
           "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": format!("AROA{}", role.to_uppercase()),
                              "arn": format!("arn:aws:iam::{ACCOUNT}:role/{role}"), "accountId": ACCOUNT, "userName": role},
                              "attributes": {"creationDate": "2024-09-02T09:00:00Z", "mfaAuthenticated": "false"}}})
}

fn console_login(id: &str, time: &str, identity: Value, ok: bool, mfa: &str, ip: &str) -> Value {
    let mut v = with(
        call(id, time, "signin", "ConsoleLogin"),
        json!({"userIdentity": identity, "sourceIPAddress": ip,
               "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/129.0",
               "responseElements": {"ConsoleLogin": if ok { "Success" } else { "Failure" }},
               "additionalEventData": {"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": mfa}}),
    );
    if let Some(o) = v.as_object_mut() {
        o.remove("readOnly");
        o.remove("requestParameters");
    }
    if !ok {
        v = set(v, "errorMessage", json!("Failed authentication"));
    }
    v
}

fn t(day: u32, h: u32, m: u32, s: u32) -> String {
    format!("2024-09-{day:02}T{h:02}:{m:02}:{s:02}Z")
}

fn ids(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A simple filter query: one call per (id, source, name, found?).
fn simple(query: &'static str, calls: &[(&str, &str, &str, bool)]) -> QueryCases {
    let mut c = QueryCases {
        query,
        params: Vec::new(),
        events: Vec::new(),
        found: Vec::new(),
        missed: Vec::new(),
    };
    for (i, (id, source, name, hit)) in calls.iter().enumerate() {
        c.events
            .push(call(id, &t(2, 10, i as u32, 0), source, name));
        if *hit {
            c.found.push(id.to_string());
        } else {
            c.missed.push(id.to_string());
        }
    }
    c
}

/// Every query's cases.
pub fn all() -> Vec<QueryCases> {
    let mut out = vec![
        cis_4_01(),
        cis_4_02(),
        root_usage("cis-4.03-root-usage"),
        simple(
            "cis-4.04-iam-policy-changes",
            &[
                ("iam-attach-role-policy", "iam", "AttachRolePolicy", true),
                ("iam-put-user-policy", "iam", "PutUserPolicy", true),
                ("iam-get-policy", "iam", "GetPolicy", false),
                ("iam-create-role", "iam", "CreateRole", false),
            ],
        ),
        simple(
            "cis-4.05-cloudtrail-changes",
            &[
                ("trail-stop", "cloudtrail", "StopLogging", true),
                ("trail-update", "cloudtrail", "UpdateTrail", true),
                ("trail-describe", "cloudtrail", "DescribeTrails", false),
                (
                    "trail-put-selectors",
                    "cloudtrail",
                    "PutEventSelectors",
                    false,
                ),
            ],
        ),
        cis_4_06(),
        simple(
            "cis-4.07-cmk-disabled-or-deleted",
            &[
                ("kms-schedule-deletion", "kms", "ScheduleKeyDeletion", true),
                ("kms-disable-key", "kms", "DisableKey", true),
                ("kms-disable-rotation", "kms", "DisableKeyRotation", false),
                ("kms-cancel-deletion", "kms", "CancelKeyDeletion", false),
            ],
        ),
        simple(
            "cis-4.08-s3-bucket-policy-changes",
            &[
                ("s3-put-bucket-policy", "s3", "PutBucketPolicy", true),
                ("s3-delete-bucket-cors", "s3", "DeleteBucketCors", true),
                ("s3-get-bucket-policy", "s3", "GetBucketPolicy", false),
                ("s3-put-bucket-tagging", "s3", "PutBucketTagging", false),
            ],
        ),
        simple(
            "cis-4.09-config-changes",
            &[
                (
                    "config-stop-recorder",
                    "config",
                    "StopConfigurationRecorder",
                    true,
                ),
                ("config-put-channel", "config", "PutDeliveryChannel", true),
                (
                    "config-describe",
                    "config",
                    "DescribeConfigurationRecorders",
                    false,
                ),
                ("config-put-rule", "config", "PutConfigRule", false),
            ],
        ),
        simple(
            "cis-4.10-security-group-changes",
            &[
                (
                    "sg-authorize-ingress",
                    "ec2",
                    "AuthorizeSecurityGroupIngress",
                    true,
                ),
                ("sg-delete", "ec2", "DeleteSecurityGroup", true),
                ("sg-describe", "ec2", "DescribeSecurityGroups", false),
                ("sg-modify-rules", "ec2", "ModifySecurityGroupRules", false),
            ],
        ),
        simple(
            "cis-4.11-nacl-changes",
            &[
                ("nacl-create-entry", "ec2", "CreateNetworkAclEntry", true),
                (
                    "nacl-replace-association",
                    "ec2",
                    "ReplaceNetworkAclAssociation",
                    true,
                ),
                ("nacl-describe", "ec2", "DescribeNetworkAcls", false),
            ],
        ),
        simple(
            "cis-4.12-network-gateway-changes",
            &[
                ("igw-attach", "ec2", "AttachInternetGateway", true),
                ("cgw-create", "ec2", "CreateCustomerGateway", true),
                ("igw-describe", "ec2", "DescribeInternetGateways", false),
                ("natgw-create", "ec2", "CreateNatGateway", false),
            ],
        ),
        simple(
            "cis-4.13-route-table-changes",
            &[
                ("route-create", "ec2", "CreateRoute", true),
                (
                    "route-table-disassociate",
                    "ec2",
                    "DisassociateRouteTable",
                    true,
                ),
                ("route-describe", "ec2", "DescribeRouteTables", false),
            ],
        ),
        simple(
            "cis-4.14-vpc-changes",
            &[
                ("vpc-create", "ec2", "CreateVpc", true),
                (
                    "vpc-peering-accept",
                    "ec2",
                    "AcceptVpcPeeringConnection",
                    true,
                ),
                ("vpc-describe", "ec2", "DescribeVpcs", false),
                ("subnet-create", "ec2", "CreateSubnet", false),
            ],
        ),
        cis_4_15(),
        logging_monitoring(),
        privileged(),
        console_mfa_report(),
        sensitive(),
        root_usage("root-login-and-use"),
        failed_login_burst(),
        sg_open(),
        s3_public(),
        unauthorized_burst(),
        tampering(),
        security_services(),
        access_key_other(),
        new_admin(),
        new_region(),
        new_api(),
        offensive_agents(),
        gpu_launches(),
        launch_spike(),
        unusual_region_launches(),
        costly_resources(),
        expensive_services(),
        autoscaling(),
        noisiest(),
        principal_activity(),
        ip_activity(),
        resource_changes(),
        destructive(),
        audit_log_access(),
        audit_record_completeness(),
        system_objects(),
    ];
    out.extend(access_persistence::all());
    out.extend(evasion_credentials::all());
    out.extend(discovery_exfil_impact::all());
    out.sort_by_key(|c| c.query);
    out
}

fn audit_log_access() -> QueryCases {
    let object = |id: &str, m: u32, name: &str, bucket: &str| {
        with(
            call(id, &t(3, 9, m, 0), "s3", name),
            json!({"requestParameters": {"bucketName": bucket, "key": "AWSLogs/111111111111/CloudTrail/us-east-1/2024/09/02/x.json.gz"},
                   "eventCategory": "Data", "managementEvent": false, "readOnly": true}),
        )
    };
    let athena = |id: &str, m: u32, q: &str| {
        set(
            call(id, &t(3, 9, m, 0), "athena", "StartQueryExecution"),
            "requestParameters",
            json!({"queryString": q, "workGroup": "primary"}),
        )
    };
    cases(
        "audit-log-access",
        vec![
            call(
                "lookup-events",
                &t(3, 9, 0, 0),
                "cloudtrail",
                "LookupEvents",
            ),
            set(
                call("lake-query", &t(3, 9, 1, 0), "cloudtrail", "StartQuery"),
                "requestParameters",
                json!({"queryStatement": "SELECT eventName FROM eds LIMIT 10"}),
            ),
            object("log-object-read", 2, "GetObject", "org-cloudtrail-logs"),
            athena(
                "athena-trail",
                3,
                "SELECT * FROM cloudtrail_logs_org LIMIT 10",
            ),
            // Reads of other buckets, other CloudTrail calls and other Athena tables are not it.
            object("other-object-read", 4, "GetObject", "shop-assets"),
            call(
                "describe-trails",
                &t(3, 9, 5, 0),
                "cloudtrail",
                "DescribeTrails",
            ),
            athena("athena-orders", 6, "SELECT * FROM orders LIMIT 10"),
            object("log-object-write", 7, "PutObject", "org-cloudtrail-logs"),
        ],
        &[
            "lookup-events",
            "lake-query",
            "log-object-read",
            "athena-trail",
        ],
        &[
            "other-object-read",
            "describe-trails",
            "athena-orders",
            "log-object-write",
        ],
    )
}

fn system_objects() -> QueryCases {
    let mut by_service = call(
        "service-create",
        &t(3, 12, 3, 0),
        "ec2",
        "CreateNetworkInterface",
    );
    if let Some(o) = by_service.as_object_mut() {
        o.insert(
            "userIdentity".into(),
            json!({"type": "AWSService", "invokedBy": "elasticloadbalancing.amazonaws.com"}),
        );
    }
    cases(
        "system-objects-created-or-deleted",
        vec![
            call("vpc-created", &t(3, 12, 0, 0), "ec2", "CreateVpc"),
            call("instance-launched", &t(3, 12, 1, 0), "ec2", "RunInstances"),
            call("role-deleted", &t(3, 12, 2, 0), "iam", "DeleteRole"),
            by_service,
            set(
                call("denied-delete", &t(3, 12, 4, 0), "s3", "DeleteBucket"),
                "errorCode",
                json!("AccessDenied"),
            ),
            call("describe", &t(3, 12, 5, 0), "ec2", "DescribeVpcs"),
            call(
                "tag-update",
                &t(3, 12, 6, 0),
                "ec2",
                "ModifyInstanceAttribute",
            ),
        ],
        &["vpc-created", "instance-launched", "role-deleted"],
        &["service-create", "denied-delete", "describe", "tag-update"],
    )
}

fn audit_record_completeness() -> QueryCases {
    let mut no_ip = call("no-source-ip", &t(3, 11, 0, 0), "ec2", "RunInstances");
    let mut no_caller = call("no-caller", &t(3, 11, 1, 0), "ec2", "CreateVolume");
    if let Some(o) = no_ip.as_object_mut() {
        o.remove("sourceIPAddress");
    }
    if let Some(o) = no_caller.as_object_mut() {
        o.insert("userIdentity".into(), json!({"type": "Unknown"}));
    }
    let mut service_event = call("service-event", &t(3, 11, 2, 0), "kms", "RotateKey");
    if let Some(o) = service_event.as_object_mut() {
        o.insert("eventType".into(), json!("AwsServiceEvent"));
        o.insert(
            "userIdentity".into(),
            json!({"accountId": ACCOUNT, "invokedBy": "kms.amazonaws.com"}),
        );
        o.remove("sourceIPAddress");
    }
    cases(
        "audit-record-completeness",
        vec![
            no_ip,
            no_caller,
            service_event,
            call("complete", &t(3, 11, 3, 0), "ec2", "RunInstances"),
        ],
        &["no-source-ip", "no-caller"],
        &["service-event", "complete"],
    )
}

fn cases(query: &'static str, events: Vec<Value>, found: &[&str], missed: &[&str]) -> QueryCases {
    QueryCases {
        query,
        params: Vec::new(),
        events,
        found: ids(found),
        missed: ids(missed),
    }
}

fn cis_4_01() -> QueryCases {
    cases(
        "cis-4.01-unauthorized-api-calls",
        vec![
            set(
                call("unauth-ec2", &t(2, 10, 0, 0), "ec2", "RunInstances"),
                "errorCode",
                json!("Client.UnauthorizedOperation"),
            ),
            set(
                call("unauth-s3", &t(2, 10, 1, 0), "s3", "GetBucketPolicy"),
                "errorCode",
                json!("AccessDenied"),
            ),
            set(
                call("unauth-iam", &t(2, 10, 2, 0), "iam", "ListUsers"),
                "errorCode",
                json!("AccessDeniedException"),
            ),
            set(
                call("unauth-headbucket", &t(2, 10, 3, 0), "s3", "HeadBucket"),
                "errorCode",
                json!("AccessDenied"),
            ),
            with(
                call("unauth-delivery", &t(2, 10, 4, 0), "s3", "PutObject"),
                json!({"errorCode": "AccessDenied", "sourceIPAddress": "delivery.logs.amazonaws.com"}),
            ),
            set(
                call(
                    "error-throttled",
                    &t(2, 10, 5, 0),
                    "ec2",
                    "DescribeInstances",
                ),
                "errorCode",
                json!("ThrottlingException"),
            ),
        ],
        &["unauth-ec2", "unauth-s3", "unauth-iam"],
        &["unauth-headbucket", "unauth-delivery", "error-throttled"],
    )
}

fn cis_4_02() -> QueryCases {
    cases(
        "cis-4.02-console-login-without-mfa",
        vec![
            console_login(
                "console-nomfa",
                &t(2, 9, 0, 0),
                user("bob"),
                true,
                "No",
                "198.51.100.20",
            ),
            console_login(
                "console-mfa",
                &t(2, 9, 1, 0),
                user("carol"),
                true,
                "Yes",
                "198.51.100.21",
            ),
            console_login(
                "console-nomfa-failed",
                &t(2, 9, 2, 0),
                user("dave"),
                false,
                "No",
                "198.51.100.22",
            ),
            console_login(
                "console-sso-nomfa",
                &t(2, 9, 3, 0),
                role_session("AWSReservedSSO_ReadOnly", "erin@example.com"),
                true,
                "No",
                "198.51.100.23",
            ),
        ],
        &["console-nomfa"],
        &["console-mfa", "console-nomfa-failed", "console-sso-nomfa"],
    )
}

fn cis_4_06() -> QueryCases {
    cases(
        "cis-4.06-console-auth-failures",
        vec![
            console_login(
                "console-failed-auth",
                &t(2, 9, 0, 0),
                user("bob"),
                false,
                "No",
                "203.0.113.5",
            ),
            console_login(
                "console-ok",
                &t(2, 9, 1, 0),
                user("bob"),
                true,
                "Yes",
                "203.0.113.5",
            ),
            set(
                console_login(
                    "console-failed-other",
                    &t(2, 9, 2, 0),
                    user("bob"),
                    false,
                    "No",
                    "203.0.113.5",
                ),
                "errorMessage",
                json!("No username found in supplied account"),
            ),
        ],
        &["console-failed-auth"],
        &["console-ok", "console-failed-other"],
    )
}

fn root_usage(query: &'static str) -> QueryCases {
    cases(
        query,
        vec![
            console_login(
                "root-console-login",
                &t(2, 3, 0, 0),
                root(),
                true,
                "Yes",
                "203.0.113.99",
            ),
            set(
                call("root-api-call", &t(2, 3, 5, 0), "ec2", "DescribeRegions"),
                "userIdentity",
                root(),
            ),
            set(
                call("root-invokedby", &t(2, 3, 6, 0), "iam", "GetAccountSummary"),
                "userIdentity",
                with(root(), json!({"invokedBy": "support.amazonaws.com"})),
            ),
            with(
                call(
                    "root-service-event",
                    &t(2, 3, 7, 0),
                    "signin",
                    "PasswordUpdated",
                ),
                json!({"userIdentity": root(), "eventType": "AwsServiceEvent"}),
            ),
            call("alice-not-root", &t(2, 3, 8, 0), "ec2", "DescribeRegions"),
        ],
        &["root-console-login", "root-api-call"],
        &["root-invokedby", "root-service-event", "alice-not-root"],
    )
}

fn cis_4_15() -> QueryCases {
    simple(
        "cis-4.15-organizations-changes",
        &[
            ("org-create-account", "organizations", "CreateAccount", true),
            ("org-leave", "organizations", "LeaveOrganization", true),
            ("org-list-accounts", "organizations", "ListAccounts", false),
            ("org-tag-resource", "organizations", "TagResource", false),
        ],
    )
}

fn logging_monitoring() -> QueryCases {
    cases(
        "logging-monitoring-changes",
        vec![
            call("trail-stop", &t(2, 10, 0, 0), "cloudtrail", "StopLogging"),
            call(
                "guardduty-delete-detector",
                &t(2, 10, 1, 0),
                "guardduty",
                "DeleteDetector",
            ),
            call(
                "alarm-delete",
                &t(2, 10, 2, 0),
                "monitoring",
                "DeleteAlarms",
            ),
            call(
                "logs-delete-group",
                &t(2, 10, 3, 0),
                "logs",
                "DeleteLogGroup",
            ),
            call(
                "trail-describe",
                &t(2, 10, 4, 0),
                "cloudtrail",
                "DescribeTrails",
            ),
            call(
                "logs-create-stream",
                &t(2, 10, 5, 0),
                "logs",
                "CreateLogStream",
            ),
            call(
                "alarm-describe",
                &t(2, 10, 6, 0),
                "monitoring",
                "DescribeAlarms",
            ),
        ],
        &[
            "trail-stop",
            "guardduty-delete-detector",
            "alarm-delete",
            "logs-delete-group",
        ],
        &["trail-describe", "logs-create-stream", "alarm-describe"],
    )
}

fn privileged() -> QueryCases {
    cases(
        "privileged-activity",
        vec![
            set(
                call("root-write", &t(2, 10, 0, 0), "iam", "CreateUser"),
                "userIdentity",
                root(),
            ),
            set(
                call(
                    "admin-role-write",
                    &t(2, 10, 1, 0),
                    "ec2",
                    "TerminateInstances",
                ),
                "userIdentity",
                role_session("AdminRole", "ops"),
            ),
            set(
                call(
                    "admin-role-read",
                    &t(2, 10, 2, 0),
                    "ec2",
                    "DescribeInstances",
                ),
                "userIdentity",
                role_session("AdminRole", "ops"),
            ),
            set(
                call(
                    "dev-role-write",
                    &t(2, 10, 3, 0),
                    "ec2",
                    "TerminateInstances",
                ),
                "userIdentity",
                role_session("Developer", "dev"),
            ),
            with(
                call(
                    "root-service-event",
                    &t(2, 10, 4, 0),
                    "signin",
                    "PasswordUpdated",
                ),
                json!({"userIdentity": root(), "eventType": "AwsServiceEvent"}),
            ),
        ],
        &["root-write", "admin-role-write"],
        &["admin-role-read", "dev-role-write", "root-service-event"],
    )
}

fn console_mfa_report() -> QueryCases {
    cases(
        "console-signin-mfa",
        vec![
            console_login(
                "signin-mfa",
                &t(2, 9, 0, 0),
                user("bob"),
                true,
                "Yes",
                "198.51.100.20",
            ),
            console_login(
                "signin-nomfa",
                &t(2, 9, 1, 0),
                user("carol"),
                true,
                "No",
                "198.51.100.21",
            ),
            call("not-a-signin", &t(2, 9, 2, 0), "sts", "GetCallerIdentity"),
        ],
        &["signin-mfa", "signin-nomfa"],
        &["not-a-signin"],
    )
}

fn sensitive() -> QueryCases {
    cases(
        "sensitive-resource-access",
        vec![
            set(
                call(
                    "secret-prod-read",
                    &t(2, 10, 0, 0),
                    "secretsmanager",
                    "GetSecretValue",
                ),
                "requestParameters",
                json!({"secretId": "prod/db-password"}),
            ),
            with(
                call("backup-object-read", &t(2, 10, 1, 0), "s3", "GetObject"),
                json!({"eventCategory": "Data", "managementEvent": false, "requestParameters": {"bucketName": "corp-backups", "key": "a.tar"},
                        "resources": [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::corp-backups/a.tar"}, {"type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::corp-backups"}]}),
            ),
            set(
                call(
                    "secret-dev-read",
                    &t(2, 10, 2, 0),
                    "secretsmanager",
                    "GetSecretValue",
                ),
                "requestParameters",
                json!({"secretId": "dev/app-config"}),
            ),
        ],
        &["secret-prod-read", "backup-object-read"],
        &["secret-dev-read"],
    )
}

fn failed_login_burst() -> QueryCases {
    let mut events = Vec::new();
    let mut found = Vec::new();
    let mut missed = Vec::new();
    // Eleven failures from one IP within four minutes (different user names): a burst.
    for i in 0..11 {
        let id = format!("burst-ip-{i:02}");
        events.push(console_login(
            &id,
            &t(2, 1, i / 3, (i % 3) * 20),
            user(&format!("ipuser{i}")),
            false,
            "No",
            "203.0.113.50",
        ));
        found.push(id);
    }
    // Nine failures from another IP within a minute: not more than ten.
    for i in 0..9 {
        let id = format!("nine-ip-{i:02}");
        events.push(console_login(
            &id,
            &t(2, 2, 0, i * 5),
            user(&format!("nineuser{i}")),
            false,
            "No",
            "203.0.113.60",
        ));
        missed.push(id);
    }
    // Eleven failures spread over six minutes, one every 36 s: at most nine in any 5 minutes.
    for i in 0..11 {
        let id = format!("spread-ip-{i:02}");
        let secs = i * 36;
        events.push(console_login(
            &id,
            &t(2, 4, secs / 60, secs % 60),
            user(&format!("spreaduser{i}")),
            false,
            "No",
            "203.0.113.70",
        ));
        missed.push(id);
    }
    // Eleven failures for one user from eleven addresses within three minutes: a burst too.
    for i in 0..11 {
        let id = format!("burst-user-{i:02}");
        let secs = i * 15;
        events.push(console_login(
            &id,
            &t(2, 6, secs / 60, secs % 60),
            user("victim"),
            false,
            "No",
            &format!("192.0.2.{}", i + 1),
        ));
        found.push(id);
    }
    // Eleven failed root sign-ins of one account from eleven addresses: a burst on that root.
    for i in 0..11 {
        let id = format!("burst-root-{i:02}");
        events.push(console_login(
            &id,
            &t(2, 10, i / 6, (i % 6) * 10),
            root(),
            false,
            "No",
            &format!("192.0.2.{}", i + 100),
        ));
        found.push(id);
    }
    // Six failed root sign-ins each for two accounts, through the same console URL: two
    // principals, neither with a burst (keying by the URL would see twelve).
    for (n, account) in [ACCOUNT, OTHER_ACCOUNT].into_iter().enumerate() {
        for i in 0..6 {
            let id = format!("two-roots-{n}-{i:02}");
            let identity = json!({"type": "Root", "principalId": account, "arn": format!("arn:aws:iam::{account}:root"), "accountId": account});
            events.push(console_login(
                &id,
                &t(2, 12, 0, i * 20 + n as u32 * 7),
                identity,
                false,
                "No",
                &format!("198.18.{n}.{i}"),
            ));
            missed.push(id);
        }
    }
    // Successful sign-ins do not count.
    for i in 0..11 {
        let id = format!("success-{i:02}");
        events.push(console_login(
            &id,
            &t(2, 8, 0, i * 5),
            user("busy"),
            true,
            "Yes",
            "198.51.100.77",
        ));
        missed.push(id);
    }
    QueryCases {
        query: "failed-console-login-burst",
        params: Vec::new(),
        events,
        found,
        missed,
    }
}

fn sg_rule(id: &str, time: &str, cidr_key: &str, cidr: &str, list: &str) -> Value {
    let range = json!({"items": [{cidr_key: cidr}]});
    set(
        call(id, time, "ec2", "AuthorizeSecurityGroupIngress"),
        "requestParameters",
        json!({"groupId": "sg-0123456789abcdef0", "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, list: range}]}}),
    )
}

fn sg_open() -> QueryCases {
    cases(
        "security-group-open-to-world",
        vec![
            sg_rule(
                "sg-open-ipv4",
                &t(2, 10, 0, 0),
                "cidrIp",
                "0.0.0.0/0",
                "ipRanges",
            ),
            sg_rule(
                "sg-open-ipv6",
                &t(2, 10, 1, 0),
                "cidrIpv6",
                "::/0",
                "ipv6Ranges",
            ),
            set(
                call(
                    "sg-modify-open",
                    &t(2, 10, 2, 0),
                    "ec2",
                    "ModifySecurityGroupRules",
                ),
                "requestParameters",
                json!({"ModifySecurityGroupRulesRequest": {"GroupId": "sg-0aaa", "SecurityGroupRule": {"SecurityGroupRuleId": "sgr-1",
                       "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "CidrIpv4": "0.0.0.0/0"}}}}),
            ),
            sg_rule(
                "sg-private",
                &t(2, 10, 3, 0),
                "cidrIp",
                "10.0.0.0/8",
                "ipRanges",
            ),
            sg_rule(
                "sg-host",
                &t(2, 10, 4, 0),
                "cidrIp",
                "0.0.0.0/32",
                "ipRanges",
            ),
            set(
                sg_rule(
                    "sg-open-denied",
                    &t(2, 10, 5, 0),
                    "cidrIp",
                    "0.0.0.0/0",
                    "ipRanges",
                ),
                "errorCode",
                json!("Client.UnauthorizedOperation"),
            ),
        ],
        &["sg-open-ipv4", "sg-open-ipv6", "sg-modify-open"],
        &["sg-private", "sg-host", "sg-open-denied"],
    )
}

fn s3_public() -> QueryCases {
    let policy = |principal: Value| {
        json!({"bucketName": "shop-assets", "bucketPolicy": {"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shop-assets/*"}]}, "policy": [""]})
    };
    cases(
        "s3-bucket-made-public",
        vec![
            set(
                call("s3-policy-star", &t(2, 10, 0, 0), "s3", "PutBucketPolicy"),
                "requestParameters",
                policy(json!("*")),
            ),
            set(
                call(
                    "s3-policy-aws-star",
                    &t(2, 10, 1, 0),
                    "s3",
                    "PutBucketPolicy",
                ),
                "requestParameters",
                policy(json!({"AWS": "*"})),
            ),
            set(
                call("s3-acl-allusers", &t(2, 10, 2, 0), "s3", "PutBucketAcl"),
                "requestParameters",
                json!({"bucketName": "shop-assets", "AccessControlPolicy": {"AccessControlList": {"Grant": [{"Grantee": {"xsi:type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}]}}}),
            ),
            set(
                call(
                    "s3-pab-deleted",
                    &t(2, 10, 3, 0),
                    "s3",
                    "DeleteBucketPublicAccessBlock",
                ),
                "requestParameters",
                json!({"bucketName": "shop-assets"}),
            ),
            set(
                call(
                    "s3-pab-off",
                    &t(2, 10, 4, 0),
                    "s3",
                    "PutBucketPublicAccessBlock",
                ),
                "requestParameters",
                json!({"bucketName": "shop-assets", "PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": false, "RestrictPublicBuckets": true}}),
            ),
            set(
                call(
                    "s3-policy-account",
                    &t(2, 10, 5, 0),
                    "s3",
                    "PutBucketPolicy",
                ),
                "requestParameters",
                policy(json!({"AWS": format!("arn:aws:iam::{OTHER_ACCOUNT}:root")})),
            ),
            // Allow for one account and `*` only in a Deny: judged per statement, not public.
            set(
                call("s3-policy-split", &t(2, 10, 8, 0), "s3", "PutBucketPolicy"),
                "requestParameters",
                json!({"bucketName": "shop-assets", "bucketPolicy": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/app")}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shop-assets/*"},
                    {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::shop-assets/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}}),
            ),
            // `*` pinned to a VPC endpoint: not public; `*` with only a TLS condition: public.
            set(
                call("s3-policy-vpce", &t(2, 10, 9, 0), "s3", "PutBucketPolicy"),
                "requestParameters",
                json!({"bucketName": "shop-assets", "bucketPolicy": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shop-assets/*",
                     "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0a1b2c3d"}}}]}}),
            ),
            set(
                call(
                    "s3-policy-tls-only",
                    &t(2, 10, 10, 0),
                    "s3",
                    "PutBucketPolicy",
                ),
                "requestParameters",
                json!({"bucketName": "shop-assets", "bucketPolicy": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shop-assets/*",
                     "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}}),
            ),
            set(
                call("s3-acl-owner", &t(2, 10, 6, 0), "s3", "PutBucketAcl"),
                "requestParameters",
                json!({"bucketName": "shop-assets", "AccessControlPolicy": {"AccessControlList": {"Grant": [{"Grantee": {"xsi:type": "CanonicalUser", "ID": "abc"}, "Permission": "FULL_CONTROL"}]}}}),
            ),
            set(
                call(
                    "s3-pab-on",
                    &t(2, 10, 7, 0),
                    "s3",
                    "PutBucketPublicAccessBlock",
                ),
                "requestParameters",
                json!({"bucketName": "shop-assets", "PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}}),
            ),
        ],
        &[
            "s3-policy-star",
            "s3-policy-aws-star",
            "s3-acl-allusers",
            "s3-pab-deleted",
            "s3-pab-off",
            "s3-policy-tls-only",
        ],
        &[
            "s3-policy-account",
            "s3-acl-owner",
            "s3-pab-on",
            "s3-policy-split",
            "s3-policy-vpce",
        ],
    )
}

fn unauthorized_burst() -> QueryCases {
    let mut events = Vec::new();
    let mut found = Vec::new();
    let mut missed = Vec::new();
    for i in 0..10 {
        let id = format!("denied-burst-{i:02}");
        events.push(with(
            call(&id, &t(2, 11, i * 5, 0), "iam", "ListRoles"),
            json!({"errorCode": "AccessDenied", "userIdentity": user("mallory")}),
        ));
        found.push(id);
    }
    // Nine refusals within the hour, a tenth two hours later.
    for i in 0..10 {
        let id = format!("denied-slow-{i:02}");
        let (h, m) = if i < 9 { (13, i * 5) } else { (15, 30) };
        events.push(with(
            call(&id, &t(2, h, m, 0), "s3", "ListBuckets"),
            json!({"errorCode": "AccessDenied", "userIdentity": user("trent")}),
        ));
        missed.push(id);
    }
    QueryCases {
        query: "unauthorized-calls-burst",
        params: Vec::new(),
        events,
        found,
        missed,
    }
}

fn tampering() -> QueryCases {
    cases(
        "cloudtrail-tampering",
        vec![
            call("trail-stop", &t(2, 10, 0, 0), "cloudtrail", "StopLogging"),
            call(
                "trail-selectors",
                &t(2, 10, 1, 0),
                "cloudtrail",
                "PutEventSelectors",
            ),
            set(
                call(
                    "log-bucket-lifecycle",
                    &t(2, 10, 2, 0),
                    "s3",
                    "PutBucketLifecycle",
                ),
                "requestParameters",
                json!({"bucketName": "org-cloudtrail-logs"}),
            ),
            set(
                call(
                    "other-bucket-lifecycle",
                    &t(2, 10, 3, 0),
                    "s3",
                    "PutBucketLifecycle",
                ),
                "requestParameters",
                json!({"bucketName": "shop-assets"}),
            ),
            call(
                "trail-lookup",
                &t(2, 10, 4, 0),
                "cloudtrail",
                "LookupEvents",
            ),
            call("trail-start", &t(2, 10, 5, 0), "cloudtrail", "StartLogging"),
        ],
        &["trail-stop", "trail-selectors", "log-bucket-lifecycle"],
        &["other-bucket-lifecycle", "trail-lookup", "trail-start"],
    )
}

fn security_services() -> QueryCases {
    cases(
        "security-services-disabled",
        vec![
            call(
                "guardduty-delete",
                &t(2, 10, 0, 0),
                "guardduty",
                "DeleteDetector",
            ),
            set(
                call(
                    "guardduty-disable",
                    &t(2, 10, 1, 0),
                    "guardduty",
                    "UpdateDetector",
                ),
                "requestParameters",
                json!({"detectorId": "d1", "enable": false}),
            ),
            call(
                "config-stop",
                &t(2, 10, 2, 0),
                "config",
                "StopConfigurationRecorder",
            ),
            call(
                "securityhub-disable",
                &t(2, 10, 3, 0),
                "securityhub",
                "DisableSecurityHub",
            ),
            set(
                call(
                    "guardduty-enable",
                    &t(2, 10, 4, 0),
                    "guardduty",
                    "UpdateDetector",
                ),
                "requestParameters",
                json!({"detectorId": "d1", "enable": true}),
            ),
            call(
                "config-start",
                &t(2, 10, 5, 0),
                "config",
                "StartConfigurationRecorder",
            ),
            call(
                "securityhub-get",
                &t(2, 10, 6, 0),
                "securityhub",
                "GetFindings",
            ),
        ],
        &[
            "guardduty-delete",
            "guardduty-disable",
            "config-stop",
            "securityhub-disable",
        ],
        &["guardduty-enable", "config-start", "securityhub-get"],
    )
}

fn access_key_other() -> QueryCases {
    cases(
        "access-key-for-other-user",
        vec![
            set(
                call("key-for-bob", &t(2, 10, 0, 0), "iam", "CreateAccessKey"),
                "requestParameters",
                json!({"userName": "bob"}),
            ),
            set(
                call("key-for-self", &t(2, 10, 1, 0), "iam", "CreateAccessKey"),
                "requestParameters",
                json!({"userName": "alice"}),
            ),
            call("key-no-user", &t(2, 10, 2, 0), "iam", "CreateAccessKey"),
            with(
                call(
                    "key-for-bob-denied",
                    &t(2, 10, 3, 0),
                    "iam",
                    "CreateAccessKey",
                ),
                json!({"requestParameters": {"userName": "bob"}, "errorCode": "AccessDenied"}),
            ),
        ],
        &["key-for-bob"],
        &["key-for-self", "key-no-user", "key-for-bob-denied"],
    )
}

fn new_admin() -> QueryCases {
    let create = |id: &str, m: u32, name: &str| {
        set(
            call(id, &t(2, 10, m, 0), "iam", "CreateUser"),
            "requestParameters",
            json!({"userName": name}),
        )
    };
    let attach = |id: &str, m: u32, name: &str, policy: &str| {
        set(
            call(id, &t(2, 10, m, 0), "iam", "AttachUserPolicy"),
            "requestParameters",
            json!({"userName": name, "policyArn": policy}),
        )
    };
    cases(
        "new-user-given-admin",
        vec![
            create("create-eve", 0, "eve"),
            attach(
                "attach-eve-admin",
                1,
                "eve",
                "arn:aws:iam::aws:policy/AdministratorAccess",
            ),
            create("create-frank", 2, "frank"),
            set(
                call(
                    "group-frank-admins",
                    &t(2, 10, 3, 0),
                    "iam",
                    "AddUserToGroup",
                ),
                "requestParameters",
                json!({"userName": "frank", "groupName": "Admins"}),
            ),
            create("create-grace", 4, "grace"),
            attach(
                "attach-grace-readonly",
                5,
                "grace",
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
            ),
            attach(
                "attach-old-admin",
                6,
                "oldtimer",
                "arn:aws:iam::aws:policy/AdministratorAccess",
            ),
        ],
        &[
            "create-eve",
            "attach-eve-admin",
            "create-frank",
            "group-frank-admins",
        ],
        &["create-grace", "attach-grace-readonly", "attach-old-admin"],
    )
}

fn new_region() -> QueryCases {
    let in_region = |id: &str, time: &str, region: &str| {
        set(
            call(id, time, "ec2", "DescribeInstances"),
            "awsRegion",
            json!(region),
        )
    };
    cases(
        "new-region-for-account",
        vec![
            in_region("baseline-use1", "2024-08-20T10:00:00Z", "us-east-1"),
            in_region("baseline-euw1", "2024-08-21T10:00:00Z", "eu-west-1"),
            in_region("usual-use1", &t(2, 10, 0, 0), "us-east-1"),
            in_region("usual-euw1", &t(2, 10, 1, 0), "eu-west-1"),
            in_region("new-apse3", &t(2, 10, 2, 0), "ap-southeast-3"),
            in_region("new-apse3-again", &t(3, 10, 2, 0), "ap-southeast-3"),
            with(
                call(
                    "service-event-sae1",
                    &t(2, 10, 3, 0),
                    "ec2",
                    "DescribeInstances",
                ),
                json!({"awsRegion": "sa-east-1", "eventType": "AwsServiceEvent"}),
            ),
        ],
        &["new-apse3", "new-apse3-again"],
        &[
            "usual-use1",
            "usual-euw1",
            "service-event-sae1",
            "baseline-use1",
            "baseline-euw1",
        ],
    )
}

fn new_api() -> QueryCases {
    let role = || role_session("Deployer", "ci");
    cases(
        "new-api-for-principal",
        vec![
            set(
                call(
                    "baseline-update-function",
                    "2024-08-20T10:00:00Z",
                    "lambda",
                    "UpdateFunctionCode20150331v2",
                ),
                "userIdentity",
                role(),
            ),
            set(
                call(
                    "usual-update-function",
                    &t(2, 10, 0, 0),
                    "lambda",
                    "UpdateFunctionCode20150331v2",
                ),
                "userIdentity",
                role(),
            ),
            set(
                call("first-create-user", &t(2, 10, 1, 0), "iam", "CreateUser"),
                "userIdentity",
                role(),
            ),
            set(
                call("first-read", &t(2, 10, 2, 0), "s3", "ListBuckets"),
                "userIdentity",
                role(),
            ),
            with(
                call("first-denied", &t(2, 10, 3, 0), "iam", "AttachRolePolicy"),
                json!({"userIdentity": role(), "errorCode": "AccessDenied"}),
            ),
            set(
                call("newcomer-write", &t(2, 10, 4, 0), "iam", "CreateUser"),
                "userIdentity",
                user("newcomer"),
            ),
        ],
        &["first-create-user"],
        &[
            "usual-update-function",
            "first-read",
            "first-denied",
            "newcomer-write",
            "baseline-update-function",
        ],
    )
}

fn offensive_agents() -> QueryCases {
    let ua = |id: &str, m: u32, agent: &str| {
        set(
            call(id, &t(2, 10, m, 0), "sts", "GetCallerIdentity"),
            "userAgent",
            json!(agent),
        )
    };
    cases(
        "offensive-tool-user-agents",
        vec![
            ua("ua-kali", 0, "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.6.9-amd64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.0 distrib#kali.2024.1"),
            ua("ua-pacu", 1, "Pacu/1.5.3 Boto3/1.26.0"),
            ua("ua-cli", 2, "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.ubuntu.22"),
            ua("ua-console", 3, "AWS Internal"),
        ],
        &["ua-kali", "ua-pacu"],
        &["ua-cli", "ua-console"],
    )
}

fn run_instances(id: &str, time: &str, instance_type: &str) -> Value {
    set(
        call(id, time, "ec2", "RunInstances"),
        "requestParameters",
        json!({"instancesSet": {"items": [{"imageId": "ami-0abc", "minCount": 1, "maxCount": 4}]}, "instanceType": instance_type}),
    )
}

fn gpu_launches() -> QueryCases {
    cases(
        "gpu-and-large-instance-launches",
        vec![
            run_instances("launch-p5", &t(2, 10, 0, 0), "p5.48xlarge"),
            run_instances("launch-g6", &t(2, 10, 1, 0), "g6.xlarge"),
            run_instances("launch-metal", &t(2, 10, 2, 0), "c7i.metal-48xl"),
            run_instances("launch-24xl", &t(2, 10, 3, 0), "m7i.24xlarge"),
            run_instances("launch-m5-large", &t(2, 10, 4, 0), "m5.large"),
            run_instances("launch-c6-8xl", &t(2, 10, 5, 0), "c6i.8xlarge"),
            run_instances("launch-gp-t3", &t(2, 10, 6, 0), "t3.micro"),
        ],
        &["launch-p5", "launch-g6", "launch-metal", "launch-24xl"],
        &["launch-m5-large", "launch-c6-8xl", "launch-gp-t3"],
    )
}

fn launch_spike() -> QueryCases {
    let mut events = Vec::new();
    let mut found = Vec::new();
    let mut missed = Vec::new();
    // Baseline: 30 launches over the 30 days before the period (one a day).
    for d in 0..30 {
        let id = format!("baseline-launch-{d:02}");
        let day = 2 + d; // 2024-08-02 … 2024-08-31
        events.push(run_instances(
            &id,
            &format!("2024-08-{day:02}T12:00:00Z"),
            "m5.large",
        ));
        missed.push(id);
    }
    // 2024-09-03: twelve launches (more than 3 a day): a spike.
    for i in 0..12 {
        let id = format!("spike-launch-{i:02}");
        events.push(run_instances(&id, &t(3, 9, i * 4, 0), "m5.large"));
        found.push(id);
    }
    // 2024-09-04: three launches, within the usual.
    for i in 0..3 {
        let id = format!("normal-launch-{i:02}");
        events.push(run_instances(&id, &t(4, 9, i * 4, 0), "m5.large"));
        missed.push(id);
    }
    QueryCases {
        query: "launch-spike",
        params: Vec::new(),
        events,
        found,
        missed,
    }
}

fn unusual_region_launches() -> QueryCases {
    cases(
        "launches-in-unusual-regions",
        vec![
            run_instances("baseline-launch-use1", "2024-08-20T10:00:00Z", "m5.large"),
            run_instances("usual-launch-use1", &t(2, 10, 0, 0), "m5.large"),
            set(
                run_instances("unusual-launch-mes1", &t(2, 10, 1, 0), "c5.4xlarge"),
                "awsRegion",
                json!("me-south-1"),
            ),
            with(
                run_instances("unusual-launch-failed", &t(2, 10, 2, 0), "c5.4xlarge"),
                json!({"awsRegion": "af-south-1", "errorCode": "Client.UnauthorizedOperation"}),
            ),
        ],
        &["unusual-launch-mes1"],
        &[
            "baseline-launch-use1",
            "usual-launch-use1",
            "unusual-launch-failed",
        ],
    )
}

fn costly_resources() -> QueryCases {
    let volume = |id: &str, m: u32, params: Value| {
        set(
            call(id, &t(2, 10, m, 0), "ec2", "CreateVolume"),
            "requestParameters",
            params,
        )
    };
    cases(
        "costly-network-and-storage",
        vec![
            set(
                call("natgw-create", &t(2, 10, 0, 0), "ec2", "CreateNatGateway"),
                "requestParameters",
                json!({"CreateNatGatewayRequest": {"SubnetId": "subnet-1"}}),
            ),
            set(
                call("eip-allocate", &t(2, 10, 1, 0), "ec2", "AllocateAddress"),
                "responseElements",
                json!({"publicIp": "203.0.113.200"}),
            ),
            volume(
                "volume-large",
                2,
                json!({"size": 2000, "volumeType": "gp3"}),
            ),
            volume(
                "volume-io2",
                3,
                json!({"size": 100, "volumeType": "io2", "iops": 5000}),
            ),
            volume("volume-small", 4, json!({"size": 100, "volumeType": "gp3"})),
            with(
                call("natgw-denied", &t(2, 10, 5, 0), "ec2", "CreateNatGateway"),
                json!({"errorCode": "Client.UnauthorizedOperation"}),
            ),
            call("eip-describe", &t(2, 10, 6, 0), "ec2", "DescribeAddresses"),
        ],
        &["natgw-create", "eip-allocate", "volume-large", "volume-io2"],
        &["volume-small", "natgw-denied", "eip-describe"],
    )
}

fn expensive_services() -> QueryCases {
    cases(
        "first-use-of-expensive-services",
        vec![
            call(
                "baseline-sagemaker",
                "2024-08-20T10:00:00Z",
                "sagemaker",
                "CreateTrainingJob",
            ),
            call(
                "sagemaker-again",
                &t(2, 10, 0, 0),
                "sagemaker",
                "CreateTrainingJob",
            ),
            call(
                "redshift-first",
                &t(2, 10, 1, 0),
                "redshift",
                "CreateCluster",
            ),
            call(
                "redshift-describe",
                &t(2, 10, 2, 0),
                "redshift",
                "DescribeClusters",
            ),
            set(
                call(
                    "emr-denied",
                    &t(2, 10, 3, 0),
                    "elasticmapreduce",
                    "RunJobFlow",
                ),
                "errorCode",
                json!("AccessDeniedException"),
            ),
            // Neptune and DocumentDB are created through RDS: told apart by the engine.
            set(
                call("neptune-first", &t(2, 10, 4, 0), "rds", "CreateDBCluster"),
                "requestParameters",
                json!({"dBClusterIdentifier": "graph-1", "engine": "neptune"}),
            ),
            set(
                call(
                    "postgres-create",
                    &t(2, 10, 5, 0),
                    "rds",
                    "CreateDBInstance",
                ),
                "requestParameters",
                json!({"dBInstanceIdentifier": "orders", "engine": "postgres", "dBInstanceClass": "db.t3.micro"}),
            ),
            set(
                call(
                    "baseline-docdb",
                    "2024-08-21T10:00:00Z",
                    "rds",
                    "CreateDBCluster",
                ),
                "requestParameters",
                json!({"dBClusterIdentifier": "docs-0", "engine": "docdb"}),
            ),
            set(
                call("docdb-again", &t(2, 10, 6, 0), "rds", "CreateDBInstance"),
                "requestParameters",
                json!({"dBInstanceIdentifier": "docs-1", "engine": "docdb", "dBClusterIdentifier": "docs-0"}),
            ),
        ],
        &["redshift-first", "neptune-first"],
        &[
            "redshift-describe",
            "baseline-sagemaker",
            "sagemaker-again",
            "emr-denied",
            "postgres-create",
            "baseline-docdb",
            "docdb-again",
        ],
    )
}

fn autoscaling() -> QueryCases {
    let asg = |id: &str, m: u32, max: u32| {
        set(
            call(id, &t(2, 10, m, 0), "autoscaling", "UpdateAutoScalingGroup"),
            "requestParameters",
            json!({"autoScalingGroupName": "web", "maxSize": max}),
        )
    };
    cases(
        "autoscaling-limits-raised",
        vec![
            asg("asg-max-200", 0, 200),
            set(
                call(
                    "quota-increase",
                    &t(2, 10, 1, 0),
                    "servicequotas",
                    "RequestServiceQuotaIncrease",
                ),
                "requestParameters",
                json!({"serviceCode": "ec2", "quotaCode": "L-1216C47A", "desiredValue": 2000}),
            ),
            asg("asg-max-10", 2, 10),
            set(
                call(
                    "asg-describe",
                    &t(2, 10, 3, 0),
                    "autoscaling",
                    "DescribeAutoScalingGroups",
                ),
                "readOnly",
                json!(true),
            ),
        ],
        &["asg-max-200", "quota-increase"],
        &["asg-max-10", "asg-describe"],
    )
}

fn noisiest() -> QueryCases {
    let mut events = Vec::new();
    for i in 0..5 {
        events.push(call(
            &format!("kms-decrypt-{i}"),
            &t(2, 10, i, 0),
            "kms",
            "Decrypt",
        ));
    }
    events.push(call(
        "sts-identity-0",
        &t(2, 11, 0, 0),
        "sts",
        "GetCallerIdentity",
    ));
    events.push(call(
        "old-decrypt",
        "2024-08-20T10:00:00Z",
        "kms",
        "Decrypt",
    ));
    QueryCases {
        query: "noisiest-event-sources",
        params: vec![("top", "1".into())],
        events,
        found: ids(&["kms-decrypt-0", "kms-decrypt-1", "kms-decrypt-2"]),
        missed: ids(&["sts-identity-0", "old-decrypt"]),
    }
}

fn principal_activity() -> QueryCases {
    let mut c = cases(
        "principal-activity",
        vec![
            call("alice-by-user", &t(2, 10, 0, 0), "ec2", "DescribeInstances"),
            set(
                call("bob-call", &t(2, 10, 1, 0), "ec2", "DescribeInstances"),
                "userIdentity",
                user("bob"),
            ),
            set(
                call("role-call", &t(2, 10, 2, 0), "ec2", "DescribeInstances"),
                "userIdentity",
                role_session("Deployer", "alice"),
            ),
            call(
                "alice-before",
                "2024-08-20T10:00:00Z",
                "ec2",
                "DescribeInstances",
            ),
        ],
        &["alice-by-user"],
        &["bob-call", "role-call", "alice-before"],
    );
    c.params = vec![("principal", "AKIAALICE".into())];
    c
}

fn ip_activity() -> QueryCases {
    let from = |id: &str, m: u32, ip: &str| {
        set(
            call(id, &t(2, 10, m, 0), "ec2", "DescribeInstances"),
            "sourceIPAddress",
            json!(ip),
        )
    };
    let mut c = cases(
        "ip-activity",
        vec![
            from("ip-in-net", 0, "203.0.113.7"),
            from("ip-in-net-2", 1, "203.0.113.250"),
            from("ip-next-net", 2, "203.0.114.1"),
            from("ip-service", 3, "ec2.amazonaws.com"),
        ],
        &["ip-in-net", "ip-in-net-2"],
        &["ip-next-net", "ip-service"],
    );
    c.params = vec![("ip", "203.0.113.0/24".into())];
    c
}

fn resource_changes() -> QueryCases {
    let mut c = cases(
        "resource-changes",
        vec![
            set(
                call(
                    "sg-target-ingress",
                    &t(2, 10, 0, 0),
                    "ec2",
                    "AuthorizeSecurityGroupIngress",
                ),
                "requestParameters",
                json!({"groupId": "sg-0target"}),
            ),
            with(
                call("sg-target-by-arn", &t(2, 10, 1, 0), "ec2", "CreateTags"),
                json!({"resources": [{"type": "AWS::EC2::SecurityGroup", "ARN": format!("arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/sg-0target")}]}),
            ),
            set(
                call(
                    "sg-target-read",
                    &t(2, 10, 2, 0),
                    "ec2",
                    "DescribeSecurityGroups",
                ),
                "requestParameters",
                json!({"groupId": "sg-0target"}),
            ),
            set(
                call(
                    "sg-other",
                    &t(2, 10, 3, 0),
                    "ec2",
                    "AuthorizeSecurityGroupIngress",
                ),
                "requestParameters",
                json!({"groupId": "sg-0other"}),
            ),
        ],
        &["sg-target-ingress", "sg-target-by-arn"],
        &["sg-target-read", "sg-other"],
    );
    c.params = vec![("resource", "sg-0target".into())];
    c
}

fn destructive() -> QueryCases {
    cases(
        "destructive-actions",
        vec![
            with(
                call("delete-bucket-3am", &t(2, 3, 0, 0), "s3", "DeleteBucket"),
                json!({"requestParameters": {"bucketName": "corp-backups"}, "sourceIPAddress": "203.0.113.66"}),
            ),
            call("terminate", &t(2, 10, 1, 0), "ec2", "TerminateInstances"),
            call("detach-policy", &t(2, 10, 2, 0), "iam", "DetachRolePolicy"),
            call("create-bucket", &t(2, 10, 3, 0), "s3", "CreateBucket"),
            call("describe", &t(2, 10, 4, 0), "ec2", "DescribeInstances"),
        ],
        &["delete-bucket-3am", "terminate", "detach-policy"],
        &["create-bucket", "describe"],
    )
}

/// Writes each query's events as `DIR/<query>/AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/…
/// .json.gz`, one file per account, region and day.
pub fn write_all(dir: &Path) -> std::io::Result<usize> {
    let mut files = 0;
    for c in all() {
        for (key, json) in files_of(&c) {
            write_gz(&dir.join(c.query).join(&key), &json)?;
            files += 1;
        }
    }
    Ok(files)
}

/// Writes `text` gzipped at `path`, creating its folders: the same text gives the same bytes.
pub(crate) fn write_gz(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes())?;
    std::fs::write(path, gz.finish()?)
}

/// The log files of one query's cases: key below the query's folder, and JSON text.
pub fn files_of(c: &QueryCases) -> Vec<(String, String)> {
    archive(&c.events, "cases")
}

/// Events as CloudTrail log files, one per account, region and day of their `eventTime`, in key
/// order: each key ends in `…T0000Z_<suffix>.json.gz`, and its `{"Records":[...]}` text keeps the
/// events in the order given.
pub(crate) fn archive(events: &[Value], suffix: &str) -> Vec<(String, String)> {
    let mut groups: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for e in events {
        let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let (account, region, time) = (s("recipientAccountId"), s("awsRegion"), s("eventTime"));
        let (y, m, d) = (&time[0..4], &time[5..7], &time[8..10]);
        let key = format!(
            "AWSLogs/{account}/CloudTrail/{region}/{y}/{m}/{d}/{account}_CloudTrail_{region}_{y}{m}{d}T0000Z_{suffix}.json.gz"
        );
        groups.entry(key).or_default().push(e.clone());
    }
    groups
        .into_iter()
        .map(|(k, records)| {
            let mut env = Map::new();
            env.insert("Records".into(), Value::Array(records));
            (k, Value::Object(env).to_string())
        })
        .collect()
}
