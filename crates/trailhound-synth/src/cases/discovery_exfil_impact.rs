//! Cases for the threat detections of this group (see the module's queries in `queries/threats`):
//! discovery, lateral movement, exfiltration and impact.

use super::*;

/// This group's cases.
pub(super) fn all() -> Vec<QueryCases> {
    vec![
        discovery_burst(),
        get_caller_identity(),
        s3_enumeration(),
        iam_enumeration(),
        credential_report(),
        denied_discovery(),
        cross_account_assume_role(),
        ssm_session(),
        ssm_command(),
        instance_connect(),
        serial_console(),
        ebs_snapshot_shared(),
        ami_shared(),
        rds_snapshot_shared(),
        rds_public(),
        rds_master_password(),
        s3_replication(),
        s3_mass_deletion(),
        mass_deletion(),
        s3_ransomware(),
        backups_deleted(),
        ses_setup(),
        bedrock(),
        quota_increase(),
        domain_transfer(),
    ]
}

/// A time in the look-back before the searched period.
const BASELINE: &str = "2024-08-20T10:00:00Z";

/// Events with what the query must find and must not, collected in order.
#[derive(Default)]
struct Builder {
    events: Vec<Value>,
    found: Vec<String>,
    missed: Vec<String>,
}

impl Builder {
    fn id(e: &Value) -> String {
        e["eventID"].as_str().unwrap_or_default().to_string()
    }

    /// An event the query must name.
    fn hit(&mut self, e: Value) {
        self.found.push(Self::id(&e));
        self.events.push(e);
    }

    /// A near miss.
    fn miss(&mut self, e: Value) {
        self.missed.push(Self::id(&e));
        self.events.push(e);
    }

    fn done(self, query: &'static str) -> QueryCases {
        QueryCases {
            query,
            params: Vec::new(),
            events: self.events,
            found: self.found,
            missed: self.missed,
        }
    }
}

/// Day `day` of the period, `secs` seconds after midnight.
fn at(day: u32, secs: u32) -> String {
    t(day, secs / 3600, secs / 60 % 60, secs % 60)
}

/// IAM user alice of [`ACCOUNT`], as [`call`] makes her.
fn alice() -> Value {
    call("alice", BASELINE, "sts", "GetCallerIdentity")["userIdentity"].clone()
}

fn by(v: Value, identity: Value) -> Value {
    set(v, "userIdentity", identity)
}

fn params(v: Value, p: Value) -> Value {
    set(v, "requestParameters", p)
}

fn refused(v: Value, code: &str) -> Value {
    with(
        v,
        json!({"errorCode": code, "errorMessage": "You are not authorized to perform this operation."}),
    )
}

/// A session of `role` used by an AWS service on the role's behalf (invokedBy set).
fn service_session(role: &str, session: &str, service: &str) -> Value {
    with(role_session(role, session), json!({"invokedBy": service}))
}

/// A session of `role` in [`OTHER_ACCOUNT`].
fn other_account_session(role: &str, session: &str) -> Value {
    json!({"type": "AssumedRole", "principalId": format!("AROAOTHER{}:{session}", role.to_uppercase()),
           "arn": format!("arn:aws:sts::{OTHER_ACCOUNT}:assumed-role/{role}/{session}"), "accountId": OTHER_ACCOUNT,
           "accessKeyId": "ASIAOTHERSESSION",
           "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": format!("AROAOTHER{}", role.to_uppercase()),
                              "arn": format!("arn:aws:iam::{OTHER_ACCOUNT}:role/{role}"), "accountId": OTHER_ACCOUNT, "userName": role},
                              "attributes": {"creationDate": "2024-09-02T09:00:00Z", "mfaAuthenticated": "false"}}})
}

/// An S3 data event on object `key` of `bucket`.
fn s3_object_event(id: &str, time: &str, name: &str, bucket: &str, key: &str) -> Value {
    with(
        call(id, time, "s3", name),
        json!({"eventCategory": "Data", "managementEvent": false, "readOnly": name.starts_with("Get") || name.starts_with("Head"),
               "requestParameters": {"bucketName": bucket, "Host": format!("{bucket}.s3.us-east-1.amazonaws.com"), "key": key},
               "resources": [{"type": "AWS::S3::Object", "ARN": format!("arn:aws:s3:::{bucket}/{key}")},
                             {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": format!("arn:aws:s3:::{bucket}")}]}),
    )
}

/// A bucket-level S3 call (`GetBucketAcl`, `GetBucketPolicy`, ...) on `bucket`.
fn bucket_call(id: &str, time: &str, name: &str, bucket: &str, sub: &str) -> Value {
    let mut p =
        json!({"bucketName": bucket, "Host": format!("{bucket}.s3.us-east-1.amazonaws.com")});
    p[sub] = json!("");
    with(
        call(id, time, "s3", name),
        json!({"requestParameters": p,
               "resources": [{"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": format!("arn:aws:s3:::{bucket}")}]}),
    )
}

/// Read-only APIs of several services, as an intruder enumerating an account calls them.
const READS: &[(&str, &str)] = &[
    ("sts", "GetCallerIdentity"),
    ("iam", "ListUsers"),
    ("iam", "ListRoles"),
    ("iam", "ListPolicies"),
    ("iam", "GetAccountSummary"),
    ("ec2", "DescribeInstances"),
    ("ec2", "DescribeRegions"),
    ("ec2", "DescribeVpcs"),
    ("ec2", "DescribeSubnets"),
    ("ec2", "DescribeSecurityGroups"),
    ("ec2", "DescribeVolumes"),
    ("ec2", "DescribeSnapshots"),
    ("ec2", "DescribeKeyPairs"),
    ("s3", "ListBuckets"),
    ("lambda", "ListFunctions20150331"),
    ("rds", "DescribeDBInstances"),
    ("secretsmanager", "ListSecrets"),
    ("ssm", "DescribeParameters"),
    ("dynamodb", "ListTables"),
    ("kms", "ListKeys"),
    ("cloudtrail", "DescribeTrails"),
    ("guardduty", "ListDetectors"),
];

fn discovery_burst() -> QueryCases {
    let mut b = Builder::default();
    // Alice is known from the look-back (which also gives the account a history).
    b.miss(call("baseline-alice", BASELINE, "ec2", "DescribeInstances"));
    // A user never seen before calls 20 different read APIs in 38 minutes, one refused.
    for (i, (source, name)) in READS.iter().take(20).enumerate() {
        let i = i as u32;
        let e = by(
            call(
                &format!("new-burst-{i:02}"),
                &at(2, 36000 + i * 120),
                source,
                name,
            ),
            user("mallory"),
        );
        b.hit(if i == 7 {
            refused(e, "Client.UnauthorizedOperation")
        } else {
            e
        });
    }
    // Alice does the same: she is no newcomer.
    for (i, (source, name)) in READS.iter().take(20).enumerate() {
        let i = i as u32;
        b.miss(call(
            &format!("known-burst-{i:02}"),
            &at(2, 43200 + i * 120),
            source,
            name,
        ));
    }
    // A newcomer calling 19 different APIs twice each within the hour: 38 calls, 19 APIs.
    for (i, (source, name)) in READS.iter().take(19).enumerate() {
        for k in 0..2u32 {
            let i = i as u32;
            b.miss(by(
                call(
                    &format!("below-threshold-{i:02}-{k}"),
                    &at(3, 36000 + i * 90 + k * 45),
                    source,
                    name,
                ),
                user("newdev"),
            ));
        }
    }
    // A newcomer calling 20 different APIs one every 5 minutes: at most 12 in any hour.
    for (i, (source, name)) in READS.iter().take(20).enumerate() {
        let i = i as u32;
        b.miss(by(
            call(
                &format!("slow-{i:02}"),
                &at(4, 36000 + i * 300),
                source,
                name,
            ),
            user("slowpoke"),
        ));
    }
    b.done("discovery-burst-by-new-principal")
}

fn get_caller_identity() -> QueryCases {
    let mut b = Builder::default();
    let mut n = 0;
    let mut gci = |id: &str, agent: &str| {
        n += 1;
        set(
            call(id, &at(2, 36000 + n * 60), "sts", "GetCallerIdentity"),
            "userAgent",
            json!(agent),
        )
    };
    b.hit(gci("gci-python-requests", "python-requests/2.31.0"));
    b.hit(gci("gci-curl", "curl/8.5.0"));
    b.hit(gci("gci-go-http", "Go-http-client/1.1"));
    b.hit(gci(
        "gci-powershell-web",
        "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.4291",
    ));
    b.hit(gci(
        "gci-prowler",
        "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard Botocore/1.34.0 APN_1826889",
    ));
    b.miss(gci(
        "gci-aws-cli",
        "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.ubuntu.22 prompt/off command/sts.get-caller-identity",
    ));
    b.miss(gci(
        "gci-boto3",
        "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.0",
    ));
    b.miss(gci(
        "gci-go-sdk",
        "aws-sdk-go-v2/1.24.0 os/linux lang/go#1.21.5 md/GOOS#linux md/GOARCH#amd64 api/sts#1.26.7",
    ));
    b.miss(gci(
        "gci-aws-tools-powershell",
        "aws-sdk-dotnet-coreclr/3.7.300.20 .NET_Core/6.0.25 OS/Microsoft_Windows_10.0.22631 ClientAsync AWSPowerShell.NetCore/4.1.500.0 PowerShellCore/7.4",
    ));
    b.miss(gci("gci-console", "AWS Internal"));
    // A raw HTTP client, but not asking who it is.
    b.miss(set(
        call("listusers-curl", &at(2, 39600), "iam", "ListUsers"),
        "userAgent",
        json!("curl/8.5.0"),
    ));
    b.done("get-caller-identity-unusual")
}

fn s3_enumeration() -> QueryCases {
    let mut b = Builder::default();
    let list = |id: &str, time: &str, who: Value| {
        by(
            params(
                call(id, time, "s3", "ListBuckets"),
                json!({"Host": "s3.us-east-1.amazonaws.com"}),
            ),
            who,
        )
    };
    // Mallory lists the buckets, then reads the ACL of twelve of them and the policy of eleven
    // (the busiest hour reported ends with the call that reaches the most buckets).
    b.hit(list("enum-list-buckets", &at(2, 36000), user("mallory")));
    for i in 0..12u32 {
        let bucket = format!("corp-bucket-{i:02}");
        b.hit(by(
            bucket_call(
                &format!("enum-acl-{i:02}"),
                &at(2, 36060 + i * 60),
                "GetBucketAcl",
                &bucket,
                "acl",
            ),
            user("mallory"),
        ));
        if i == 11 {
            break;
        }
        let policy = by(
            bucket_call(
                &format!("enum-policy-{i:02}"),
                &at(2, 36090 + i * 60),
                "GetBucketPolicy",
                &bucket,
                "policy",
            ),
            user("mallory"),
        );
        b.hit(if i % 3 == 0 {
            with(
                policy,
                json!({"errorCode": "NoSuchBucketPolicy", "errorMessage": "The bucket policy does not exist"}),
            )
        } else {
            policy
        });
    }
    // Nine buckets after a listing, read over and over: below ten.
    b.miss(list("nine-list-buckets", &at(2, 43200), user("carol")));
    for i in 0..27u32 {
        let bucket = format!("corp-bucket-{:02}", i % 9);
        b.miss(by(
            bucket_call(
                &format!("nine-location-{i:02}"),
                &at(2, 43260 + i * 60),
                "GetBucketLocation",
                &bucket,
                "location",
            ),
            user("carol"),
        ));
    }
    // Twelve buckets read without any listing (a job working through its own list).
    for i in 0..12u32 {
        let bucket = format!("corp-bucket-{i:02}");
        b.miss(by(
            bucket_call(
                &format!("nolist-versioning-{i:02}"),
                &at(3, 36000 + i * 60),
                "GetBucketVersioning",
                &bucket,
                "versioning",
            ),
            user("bob"),
        ));
    }
    // A listing, then twelve buckets read three hours later.
    b.miss(list("late-list-buckets", &at(4, 36000), user("dave")));
    for i in 0..12u32 {
        let bucket = format!("corp-bucket-{i:02}");
        b.miss(by(
            bucket_call(
                &format!("late-acl-{i:02}"),
                &at(4, 46800 + i * 60),
                "GetBucketAcl",
                &bucket,
                "acl",
            ),
            user("dave"),
        ));
    }
    // AWS Config recording every bucket's settings through its service-linked role.
    let config = || {
        service_session(
            "AWSServiceRoleForConfig",
            "AWSConfig-Describe",
            "config.amazonaws.com",
        )
    };
    b.miss(list("config-list-buckets", &at(5, 36000), config()));
    for i in 0..12u32 {
        let bucket = format!("corp-bucket-{i:02}");
        b.miss(by(
            bucket_call(
                &format!("config-acl-{i:02}"),
                &at(5, 36060 + i * 60),
                "GetBucketAcl",
                &bucket,
                "acl",
            ),
            config(),
        ));
    }
    b.done("s3-bucket-enumeration")
}

fn iam_enumeration() -> QueryCases {
    let mut b = Builder::default();
    let gaad =
        json!({"filter": ["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"]});
    b.hit(by(
        params(
            call(
                "gaad-page-1",
                &at(2, 36000),
                "iam",
                "GetAccountAuthorizationDetails",
            ),
            gaad.clone(),
        ),
        user("mallory"),
    ));
    let mut page2 = gaad;
    page2["marker"] = json!("AAEAAZ2...");
    b.hit(by(
        params(
            call(
                "gaad-page-2",
                &at(2, 36005),
                "iam",
                "GetAccountAuthorizationDetails",
            ),
            page2,
        ),
        user("mallory"),
    ));
    // Five different IAM reads within ten minutes.
    let burst = [
        ("ListUsers", json!(null)),
        ("ListRoles", json!(null)),
        (
            "ListPolicies",
            json!({"scope": "Local", "onlyAttached": false}),
        ),
        ("ListAttachedUserPolicies", json!({"userName": "alice"})),
        (
            "GetPolicyVersion",
            json!({"policyArn": format!("arn:aws:iam::{ACCOUNT}:policy/deploy"), "versionId": "v3"}),
        ),
    ];
    for (i, (name, p)) in burst.iter().enumerate() {
        let i = i as u32;
        b.hit(by(
            params(
                call(
                    &format!("iam-burst-{i}"),
                    &at(2, 43200 + i * 120),
                    "iam",
                    name,
                ),
                p.clone(),
            ),
            user("eve"),
        ));
    }
    // Four different APIs (one called three times): below five.
    for (i, name) in [
        "ListUsers",
        "ListUsers",
        "ListUsers",
        "ListRoles",
        "GetUser",
        "ListGroups",
    ]
    .iter()
    .enumerate()
    {
        let i = i as u32;
        b.miss(by(
            call(
                &format!("four-apis-{i}"),
                &at(3, 36000 + i * 60),
                "iam",
                name,
            ),
            user("frank"),
        ));
    }
    // Five different APIs, one every 20 minutes: at most three in any hour.
    for (i, (name, p)) in burst.iter().enumerate() {
        let i = i as u32;
        b.miss(by(
            params(
                call(
                    &format!("spread-{i}"),
                    &at(4, 36000 + i * 1200),
                    "iam",
                    name,
                ),
                p.clone(),
            ),
            user("grace"),
        ));
    }
    // AWS Config reading IAM through its service-linked role.
    for (i, name) in [
        "ListUsers",
        "ListRoles",
        "ListPolicies",
        "ListGroups",
        "GetAccountPasswordPolicy",
        "ListAttachedRolePolicies",
    ]
    .iter()
    .enumerate()
    {
        let i = i as u32;
        b.miss(by(
            call(
                &format!("config-iam-{i}"),
                &at(5, 36000 + i * 10),
                "iam",
                name,
            ),
            service_session(
                "AWSServiceRoleForConfig",
                "AWSConfig-Describe",
                "config.amazonaws.com",
            ),
        ));
    }
    b.done("iam-enumeration")
}

fn credential_report() -> QueryCases {
    let mut b = Builder::default();
    b.hit(with(
        call("report-generate", &at(2, 36000), "iam", "GenerateCredentialReport"),
        json!({"responseElements": {"state": "STARTED", "description": "No report exists. Starting a new report generation task"}}),
    ));
    b.hit(call(
        "report-get",
        &at(2, 36010),
        "iam",
        "GetCredentialReport",
    ));
    b.hit(by(
        refused(
            call(
                "report-get-denied",
                &at(2, 36020),
                "iam",
                "GetCredentialReport",
            ),
            "AccessDenied",
        ),
        user("bob"),
    ));
    b.miss(with(
        call("report-by-config", &at(2, 37000), "iam", "GenerateCredentialReport"),
        json!({"userIdentity": service_session("AWSServiceRoleForConfig", "AWSConfig-Describe", "config.amazonaws.com"),
               "sourceIPAddress": "config.amazonaws.com", "userAgent": "config.amazonaws.com"}),
    ));
    b.miss(with(
        call("report-by-trusted-advisor", &at(2, 37100), "iam", "GetCredentialReport"),
        json!({"userIdentity": role_session("AWSServiceRoleForTrustedAdvisor", "TrustedAdvisor_111111111111_0a1b2c"),
               "sourceIPAddress": "trustedadvisor.amazonaws.com", "userAgent": "trustedadvisor.amazonaws.com"}),
    ));
    b.miss(call(
        "account-summary",
        &at(2, 37200),
        "iam",
        "GetAccountSummary",
    ));
    b.done("credential-report-generated")
}

/// The error code each service gives for a refused read.
fn denial_code(source: &str) -> &'static str {
    match source {
        "ec2" => "Client.UnauthorizedOperation",
        "iam" | "s3" | "sts" => "AccessDenied",
        _ => "AccessDeniedException",
    }
}

fn denied_discovery() -> QueryCases {
    let mut b = Builder::default();
    // Ten different read APIs refused within twenty minutes.
    for (i, (source, name)) in READS.iter().skip(1).take(10).enumerate() {
        let i = i as u32;
        b.hit(by(
            refused(
                call(
                    &format!("probe-{i:02}"),
                    &at(2, 36000 + i * 120),
                    source,
                    name,
                ),
                denial_code(source),
            ),
            user("mallory"),
        ));
    }
    // An application retrying one refused call thirty times.
    for i in 0..30u32 {
        b.miss(by(
            refused(
                call(
                    &format!("retry-{i:02}"),
                    &at(2, 43200 + i * 60),
                    "secretsmanager",
                    "GetSecretValue",
                ),
                "AccessDeniedException",
            ),
            role_session("OrdersApp", "i-0abc123"),
        ));
    }
    // Nine different APIs refused.
    for (i, (source, name)) in READS.iter().skip(1).take(9).enumerate() {
        let i = i as u32;
        b.miss(by(
            refused(
                call(
                    &format!("nine-{i:02}"),
                    &at(3, 36000 + i * 120),
                    source,
                    name,
                ),
                denial_code(source),
            ),
            user("trent"),
        ));
    }
    // Ten different reads that succeeded.
    for (i, (source, name)) in READS.iter().skip(1).take(10).enumerate() {
        let i = i as u32;
        b.miss(by(
            call(
                &format!("allowed-{i:02}"),
                &at(4, 36000 + i * 120),
                source,
                name,
            ),
            user("bob"),
        ));
    }
    // Ten different write APIs refused: not discovery.
    let writes = [
        ("iam", "CreateUser"),
        ("iam", "CreateAccessKey"),
        ("iam", "AttachUserPolicy"),
        ("ec2", "RunInstances"),
        ("ec2", "CreateKeyPair"),
        ("ec2", "AuthorizeSecurityGroupIngress"),
        ("s3", "CreateBucket"),
        ("lambda", "CreateFunction20150331"),
        ("kms", "CreateKey"),
        ("ssm", "SendCommand"),
    ];
    for (i, (source, name)) in writes.iter().enumerate() {
        let i = i as u32;
        b.miss(by(
            refused(
                call(
                    &format!("writes-{i:02}"),
                    &at(5, 36000 + i * 120),
                    source,
                    name,
                ),
                denial_code(source),
            ),
            user("victor"),
        ));
    }
    // AWS Config refused on ten different reads while recording the account.
    for (i, (source, name)) in READS.iter().skip(1).take(10).enumerate() {
        let i = i as u32;
        b.miss(with(
            refused(
                call(&format!("config-refused-{i:02}"), &at(6, 36000 + i * 10), source, name),
                denial_code(source),
            ),
            json!({"userIdentity": service_session("AWSServiceRoleForConfig", "AWSConfig-Describe", "config.amazonaws.com"),
                   "sourceIPAddress": "config.amazonaws.com", "userAgent": "config.amazonaws.com"}),
        ));
    }
    b.done("denied-discovery-burst")
}

fn assume_role(id: &str, time: &str, who: Value, role_arn: &str, session: &str) -> Value {
    with(
        call(id, time, "sts", "AssumeRole"),
        json!({"userIdentity": who,
               "requestParameters": {"roleArn": role_arn, "roleSessionName": session, "durationSeconds": 3600},
               "responseElements": {"credentials": {"accessKeyId": "ASIAEXAMPLE", "sessionToken": "IQoJb3JpZ2luX2Vj...", "expiration": "Sep 2, 2024, 11:00:00 AM"},
                                    "assumedRoleUser": {"assumedRoleId": format!("AROAEXAMPLE:{session}"), "arn": role_arn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/" + session}},
               "resources": [{"accountId": role_arn.split(':').nth(4).unwrap_or(""), "type": "AWS::IAM::Role", "ARN": role_arn}]}),
    )
}

fn cross_account_assume_role() -> QueryCases {
    let mut b = Builder::default();
    let deploy = format!("arn:aws:iam::{OTHER_ACCOUNT}:role/Deploy");
    let ci = || role_session("CI", "build-4711");
    // The CI role deploys into the other account every day.
    b.miss(assume_role(
        "baseline-ci-deploy",
        BASELINE,
        ci(),
        &deploy,
        "deploy",
    ));
    b.miss(assume_role(
        "usual-ci-deploy",
        &at(2, 36000),
        ci(),
        &deploy,
        "deploy",
    ));
    // Alice, who never did, takes the other account's admin role.
    b.hit(assume_role(
        "alice-into-other",
        &at(2, 36600),
        alice(),
        &format!("arn:aws:iam::{OTHER_ACCOUNT}:role/OrganizationAccountAccessRole"),
        "alice",
    ));
    // A session of the other account takes a role here (logged in this account's trail).
    b.hit(assume_role(
        "other-into-ours",
        &at(2, 37200),
        other_account_session("Partner", "sync"),
        &format!("arn:aws:iam::{ACCOUNT}:role/PartnerAccess"),
        "sync",
    ));
    // A role of alice's own account, and a cross-account call that was refused.
    b.miss(assume_role(
        "same-account",
        &at(2, 37800),
        alice(),
        &format!("arn:aws:iam::{ACCOUNT}:role/Admin"),
        "alice",
    ));
    b.miss(refused(
        assume_role(
            "cross-denied",
            &at(2, 38400),
            user("bob"),
            &format!("arn:aws:iam::{OTHER_ACCOUNT}:role/Admin"),
            "bob",
        ),
        "AccessDenied",
    ));
    b.done("cross-account-assume-role-new")
}

/// A call at 10:`minute` on 2024-09-02 with these request parameters.
fn req(id: &str, minute: u32, source: &str, name: &str, p: Value) -> Value {
    params(call(id, &at(2, 36000 + minute * 60), source, name), p)
}

fn ssm_session() -> QueryCases {
    let mut b = Builder::default();
    let started = |v: Value, session: &str| {
        set(
            v,
            "responseElements",
            json!({"sessionId": session, "tokenValue": "Value hidden due to security reasons.",
                   "streamUrl": format!("wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/{session}?role=publish_subscribe")}),
        )
    };
    b.hit(started(
        req(
            "session-start",
            0,
            "ssm",
            "StartSession",
            json!({"target": "i-0abc1234567890def"}),
        ),
        "alice-0a1b2c3d4e5f",
    ));
    b.hit(started(
        req(
            "session-port-forward",
            1,
            "ssm",
            "StartSession",
            json!({"target": "i-0abc1234567890def", "documentName": "AWS-StartPortForwardingSession",
                   "parameters": {"portNumber": ["5432"], "localPortNumber": ["15432"]}}),
        ),
        "alice-1a2b3c4d5e6f",
    ));
    b.hit(started(
        req(
            "session-resume",
            2,
            "ssm",
            "ResumeSession",
            json!({"sessionId": "alice-0a1b2c3d4e5f"}),
        ),
        "alice-0a1b2c3d4e5f",
    ));
    b.miss(refused(
        req(
            "session-denied",
            3,
            "ssm",
            "StartSession",
            json!({"target": "i-0fed0987654321cba"}),
        ),
        "AccessDeniedException",
    ));
    b.miss(req(
        "session-terminate",
        4,
        "ssm",
        "TerminateSession",
        json!({"sessionId": "alice-0a1b2c3d4e5f"}),
    ));
    b.miss(req(
        "session-describe",
        5,
        "ssm",
        "DescribeSessions",
        json!({"state": "Active"}),
    ));
    b.done("ssm-session-started")
}

fn ssm_command() -> QueryCases {
    let mut b = Builder::default();
    let command = |id: &str, minute: u32, document: &str, targets: Value| {
        let mut p = json!({"documentName": document, "parameters": "HIDDEN_DUE_TO_SECURITY_REASONS", "interactive": false});
        if targets.is_array() && targets[0].is_string() {
            p["instanceIds"] = targets;
        } else {
            p["targets"] = targets;
        }
        set(
            req(id, minute, "ssm", "SendCommand", p),
            "responseElements",
            json!({"command": {"commandId": format!("cmd-{id}"), "documentName": document, "status": "Pending"}}),
        )
    };
    b.hit(command(
        "command-shell",
        0,
        "AWS-RunShellScript",
        json!(["i-0abc1234567890def"]),
    ));
    b.hit(command(
        "command-powershell-by-tag",
        1,
        "AWS-RunPowerShellScript",
        json!([{"key": "tag:Role", "values": ["web"]}]),
    ));
    b.miss(command(
        "command-patch",
        2,
        "AWS-RunPatchBaseline",
        json!(["i-0abc1234567890def"]),
    ));
    b.miss(command(
        "command-inventory",
        3,
        "AWS-GatherSoftwareInventory",
        json!(["i-0abc1234567890def"]),
    ));
    b.miss(refused(
        command(
            "command-shell-denied",
            4,
            "AWS-RunShellScript",
            json!(["i-0abc1234567890def"]),
        ),
        "AccessDeniedException",
    ));
    b.done("ssm-command-sent")
}

fn instance_connect() -> QueryCases {
    let mut b = Builder::default();
    let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtAlK45MAEWZ7MUY2QEmi3M6W+peGL3VCrc0qH54xRu";
    let pushed = |v: Value| {
        set(
            v,
            "responseElements",
            json!({"requestId": "5f3b1e4e-0000-4000-8000-000000000001", "success": true}),
        )
    };
    b.hit(pushed(req(
        "eic-ssh-key",
        0,
        "ec2-instance-connect",
        "SendSSHPublicKey",
        json!({"instanceId": "i-0abc1234567890def", "instanceOSUser": "ec2-user", "sSHPublicKey": key}),
    )));
    b.hit(pushed(req(
        "eic-serial-key",
        1,
        "ec2-instance-connect",
        "SendSerialConsoleSSHPublicKey",
        json!({"instanceId": "i-0abc1234567890def", "serialPort": 0, "sSHPublicKey": key}),
    )));
    b.miss(refused(
        req(
            "eic-ssh-key-denied",
            2,
            "ec2-instance-connect",
            "SendSSHPublicKey",
            json!({"instanceId": "i-0fed0987654321cba", "instanceOSUser": "ubuntu", "sSHPublicKey": key}),
        ),
        "AccessDeniedException",
    ));
    b.miss(req(
        "eic-endpoint-tunnel",
        3,
        "ec2-instance-connect",
        "OpenTunnel",
        json!({"instanceConnectEndpointId": "eice-0123456789abcdef0", "remotePort": 22, "privateIpAddress": "10.0.1.25"}),
    ));
    b.done("ec2-instance-connect-used")
}

fn serial_console() -> QueryCases {
    let mut b = Builder::default();
    let empty = |name: &str| json!({ format!("{name}Request"): "" });
    b.hit(set(
        req("serial-enable", 0, "ec2", "EnableSerialConsoleAccess", empty("EnableSerialConsoleAccess")),
        "responseElements",
        json!({"requestId": "0aa1b2c3-0000-4000-8000-000000000002", "serialConsoleAccessEnabled": true}),
    ));
    b.miss(refused(
        req(
            "serial-enable-denied",
            1,
            "ec2",
            "EnableSerialConsoleAccess",
            empty("EnableSerialConsoleAccess"),
        ),
        "Client.UnauthorizedOperation",
    ));
    b.miss(set(
        req("serial-disable", 2, "ec2", "DisableSerialConsoleAccess", empty("DisableSerialConsoleAccess")),
        "responseElements",
        json!({"requestId": "0aa1b2c3-0000-4000-8000-000000000003", "serialConsoleAccessEnabled": false}),
    ));
    b.miss(req(
        "serial-status",
        3,
        "ec2",
        "GetSerialConsoleAccessStatus",
        empty("GetSerialConsoleAccessStatus"),
    ));
    b.done("ec2-serial-console-enabled")
}

fn ebs_snapshot_shared() -> QueryCases {
    let mut b = Builder::default();
    let modify = |id: &str, minute: u32, change: Value| {
        set(
            req(
                id,
                minute,
                "ec2",
                "ModifySnapshotAttribute",
                json!({"snapshotId": "snap-0123456789abcdef0", "attributeType": "CREATE_VOLUME_PERMISSION", "createVolumePermission": change}),
            ),
            "responseElements",
            json!({"requestId": "1bb2c3d4-0000-4000-8000-000000000004", "_return": true}),
        )
    };
    b.hit(modify(
        "snap-shared-account",
        0,
        json!({"add": {"items": [{"userId": OTHER_ACCOUNT}]}}),
    ));
    b.hit(modify(
        "snap-made-public",
        1,
        json!({"add": {"items": [{"group": "all"}]}}),
    ));
    b.miss(modify(
        "snap-unshared",
        2,
        json!({"remove": {"items": [{"userId": OTHER_ACCOUNT}]}}),
    ));
    b.miss(refused(
        modify(
            "snap-shared-denied",
            3,
            json!({"add": {"items": [{"userId": OTHER_ACCOUNT}]}}),
        ),
        "Client.UnauthorizedOperation",
    ));
    b.miss(req(
        "snap-describe-attribute",
        4,
        "ec2",
        "DescribeSnapshotAttribute",
        json!({"snapshotId": "snap-0123456789abcdef0", "attribute": "createVolumePermission"}),
    ));
    b.done("ebs-snapshot-shared")
}

fn ami_shared() -> QueryCases {
    let mut b = Builder::default();
    let modify = |id: &str, minute: u32, change: Value| {
        req(
            id,
            minute,
            "ec2",
            "ModifyImageAttribute",
            json!({"imageId": "ami-0123456789abcdef0", "attributeType": "launchPermission", "launchPermission": change}),
        )
    };
    b.hit(modify(
        "ami-shared-account",
        0,
        json!({"add": {"items": [{"userId": OTHER_ACCOUNT}]}}),
    ));
    b.hit(modify(
        "ami-made-public",
        1,
        json!({"add": {"items": [{"group": "all"}]}}),
    ));
    b.miss(modify(
        "ami-shared-organization",
        2,
        json!({"add": {"items": [{"organizationArn": "arn:aws:organizations::111111111111:organization/o-abcdefghij"}]}}),
    ));
    b.miss(modify(
        "ami-unshared",
        3,
        json!({"remove": {"items": [{"userId": OTHER_ACCOUNT}]}}),
    ));
    b.miss(req(
        "ami-description",
        4,
        "ec2",
        "ModifyImageAttribute",
        json!({"imageId": "ami-0123456789abcdef0", "attributeType": "description", "description": {"value": "web 2024-09"}}),
    ));
    b.done("ami-shared-or-public")
}

fn rds_snapshot_shared() -> QueryCases {
    let mut b = Builder::default();
    b.hit(req(
        "rds-snapshot-shared-account",
        0,
        "rds",
        "ModifyDBSnapshotAttribute",
        json!({"dBSnapshotIdentifier": "prod-db-2024-09-01", "attributeName": "restore", "valuesToAdd": [OTHER_ACCOUNT]}),
    ));
    b.hit(req(
        "rds-cluster-snapshot-public",
        1,
        "rds",
        "ModifyDBClusterSnapshotAttribute",
        json!({"dBClusterSnapshotIdentifier": "orders-cluster-2024-09-01", "attributeName": "restore", "valuesToAdd": ["all"]}),
    ));
    b.miss(req(
        "rds-snapshot-unshared",
        2,
        "rds",
        "ModifyDBSnapshotAttribute",
        json!({"dBSnapshotIdentifier": "prod-db-2024-09-01", "attributeName": "restore", "valuesToRemove": [OTHER_ACCOUNT]}),
    ));
    b.miss(refused(
        req(
            "rds-snapshot-share-denied",
            3,
            "rds",
            "ModifyDBSnapshotAttribute",
            json!({"dBSnapshotIdentifier": "prod-db-2024-09-01", "attributeName": "restore", "valuesToAdd": [OTHER_ACCOUNT]}),
        ),
        "AccessDenied",
    ));
    b.miss(req(
        "rds-snapshot-describe-attributes",
        4,
        "rds",
        "DescribeDBSnapshotAttributes",
        json!({"dBSnapshotIdentifier": "prod-db-2024-09-01"}),
    ));
    b.done("rds-snapshot-shared")
}

fn rds_public() -> QueryCases {
    let mut b = Builder::default();
    b.hit(req(
        "rds-modify-public",
        0,
        "rds",
        "ModifyDBInstance",
        json!({"dBInstanceIdentifier": "prod-db", "publiclyAccessible": true, "applyImmediately": true}),
    ));
    b.hit(req(
        "rds-restore-public",
        1,
        "rds",
        "RestoreDBInstanceFromDBSnapshot",
        json!({"dBInstanceIdentifier": "restored-db", "dBSnapshotIdentifier": "prod-db-2024-09-01", "dBInstanceClass": "db.t3.medium",
               "publiclyAccessible": true, "vpcSecurityGroupIds": ["sg-0123456789abcdef0"]}),
    ));
    b.miss(req(
        "rds-create-private",
        2,
        "rds",
        "CreateDBInstance",
        json!({"dBInstanceIdentifier": "reports-db", "dBInstanceClass": "db.t3.medium", "engine": "postgres",
               "masterUsername": "postgres", "masterUserPassword": "HIDDEN_DUE_TO_SECURITY_REASONS", "publiclyAccessible": false}),
    ));
    b.miss(req(
        "rds-modify-class",
        3,
        "rds",
        "ModifyDBInstance",
        json!({"dBInstanceIdentifier": "prod-db", "dBInstanceClass": "db.r6g.large", "applyImmediately": false}),
    ));
    b.miss(refused(
        req(
            "rds-modify-public-denied",
            4,
            "rds",
            "ModifyDBInstance",
            json!({"dBInstanceIdentifier": "prod-db", "publiclyAccessible": true, "applyImmediately": true}),
        ),
        "AccessDenied",
    ));
    b.done("rds-instance-made-public")
}

fn rds_master_password() -> QueryCases {
    let mut b = Builder::default();
    b.hit(req(
        "rds-password-reset",
        0,
        "rds",
        "ModifyDBInstance",
        json!({"dBInstanceIdentifier": "restored-db", "masterUserPassword": "HIDDEN_DUE_TO_SECURITY_REASONS", "applyImmediately": true}),
    ));
    b.hit(req(
        "rds-cluster-password-reset",
        1,
        "rds",
        "ModifyDBCluster",
        json!({"dBClusterIdentifier": "orders-cluster", "masterUserPassword": "HIDDEN_DUE_TO_SECURITY_REASONS", "applyImmediately": true}),
    ));
    b.miss(req(
        "rds-password-managed",
        2,
        "rds",
        "ModifyDBInstance",
        json!({"dBInstanceIdentifier": "prod-db", "manageMasterUserPassword": true, "applyImmediately": true}),
    ));
    b.miss(req(
        "rds-backup-window",
        3,
        "rds",
        "ModifyDBInstance",
        json!({"dBInstanceIdentifier": "prod-db", "preferredBackupWindow": "03:00-04:00"}),
    ));
    b.miss(refused(
        req(
            "rds-password-reset-denied",
            4,
            "rds",
            "ModifyDBInstance",
            json!({"dBInstanceIdentifier": "prod-db", "masterUserPassword": "HIDDEN_DUE_TO_SECURITY_REASONS", "applyImmediately": true}),
        ),
        "AccessDenied",
    ));
    b.done("rds-master-password-changed")
}

/// A PutBucketReplication request body as CloudTrail records it (the XML turned into JSON).
fn replication(bucket: &str, destination: &str, account: Option<&str>) -> Value {
    let mut dest =
        json!({"Bucket": format!("arn:aws:s3:::{destination}"), "StorageClass": "STANDARD"});
    if let Some(a) = account {
        dest["Account"] = json!(a);
        dest["AccessControlTranslation"] = json!({"Owner": "Destination"});
    }
    json!({"bucketName": bucket, "Host": format!("{bucket}.s3.us-east-1.amazonaws.com"), "replication": "",
           "ReplicationConfiguration": {"xmlns": "http://s3.amazonaws.com/doc/2006-03-01/",
               "Role": format!("arn:aws:iam::{ACCOUNT}:role/s3-replication"),
               "Rule": {"ID": "all", "Status": "Enabled", "Priority": 1, "Filter": {"Prefix": ""},
                        "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": dest}}})
}

fn s3_replication() -> QueryCases {
    let mut b = Builder::default();
    let admin = || role_session("StorageAdmin", "ops");
    b.miss(by(
        params(
            call(
                "baseline-replication",
                BASELINE,
                "s3",
                "PutBucketReplication",
            ),
            replication("corp-data", "corp-data-dr", None),
        ),
        admin(),
    ));
    // To a bucket of another account, ownership handed over.
    b.hit(req(
        "repl-foreign-account",
        0,
        "s3",
        "PutBucketReplication",
        replication("corp-data", "exfil-drop", Some(OTHER_ACCOUNT)),
    ));
    // Bob never set replication before (the destination's account cannot be told).
    b.hit(by(
        req(
            "repl-new-principal",
            1,
            "s3",
            "PutBucketReplication",
            replication("corp-logs", "logs-mirror-7", None),
        ),
        user("bob"),
    ));
    // The storage admin, as usual, to a bucket of the account itself (Account given).
    b.miss(by(
        req(
            "repl-known-same-account",
            2,
            "s3",
            "PutBucketReplication",
            replication("corp-media", "corp-media-dr", Some(ACCOUNT)),
        ),
        admin(),
    ));
    b.miss(refused(
        req(
            "repl-foreign-denied",
            3,
            "s3",
            "PutBucketReplication",
            replication("corp-data", "exfil-drop", Some(OTHER_ACCOUNT)),
        ),
        "AccessDenied",
    ));
    b.miss(by(
        req(
            "repl-get",
            4,
            "s3",
            "GetBucketReplication",
            json!({"bucketName": "corp-data", "Host": "corp-data.s3.us-east-1.amazonaws.com", "replication": ""}),
        ),
        user("bob"),
    ));
    b.done("s3-replication-to-foreign-account")
}

fn s3_mass_deletion() -> QueryCases {
    let mut b = Builder::default();
    let delete = |id: &str, day: u32, secs: u32, who: Value| {
        by(
            s3_object_event(
                id,
                &at(day, secs),
                "DeleteObject",
                "corp-data",
                &format!("exports/{id}.csv"),
            ),
            who,
        )
    };
    let batch = |id: &str, day: u32, secs: u32, who: Value| {
        let mut e = s3_object_event(id, &at(day, secs), "DeleteObjects", "corp-data", "");
        e["requestParameters"] = json!({"bucketName": "corp-data", "Host": "corp-data.s3.us-east-1.amazonaws.com", "delete": ""});
        e["resources"][0] =
            json!({"type": "AWS::S3::Object", "ARNPrefix": "arn:aws:s3:::corp-data/"});
        by(e, who)
    };
    // 100 objects deleted one by one in 50 minutes.
    for i in 0..100u32 {
        b.hit(delete(
            &format!("delete-burst-{i:03}"),
            2,
            36000 + i * 30,
            user("mallory"),
        ));
    }
    // 20 multi-object deletes in 20 minutes.
    for i in 0..20u32 {
        b.hit(batch(
            &format!("batch-burst-{i:02}"),
            2,
            43200 + i * 60,
            user("eve"),
        ));
    }
    // 99 objects in an hour, 19 batches in an hour: below the thresholds.
    for i in 0..99u32 {
        b.miss(delete(
            &format!("delete-99-{i:03}"),
            3,
            36000 + i * 30,
            user("bob"),
        ));
    }
    for i in 0..19u32 {
        b.miss(batch(
            &format!("batch-19-{i:02}"),
            3,
            43200 + i * 60,
            user("carol"),
        ));
    }
    // 100 deletions refused.
    for i in 0..100u32 {
        b.miss(refused(
            delete(
                &format!("delete-denied-{i:03}"),
                4,
                36000 + i * 30,
                user("dave"),
            ),
            "AccessDenied",
        ));
    }
    b.done("s3-mass-object-deletion")
}

/// Delete and terminate calls of many services.
const DELETES: &[(&str, &str)] = &[
    ("ec2", "TerminateInstances"),
    ("ec2", "DeleteVolume"),
    ("ec2", "DeleteSecurityGroup"),
    ("ec2", "DeleteKeyPair"),
    ("ec2", "DeleteVpc"),
    ("rds", "DeleteDBInstance"),
    ("rds", "DeleteDBCluster"),
    ("s3", "DeleteBucket"),
    ("lambda", "DeleteFunction20150331"),
    ("logs", "DeleteLogGroup"),
    ("secretsmanager", "DeleteSecret"),
    ("dynamodb", "DeleteTable"),
    ("iam", "DeleteRole"),
    ("iam", "DeleteUser"),
    ("sns", "DeleteTopic"),
    ("sqs", "DeleteQueue"),
    ("ecr", "DeleteRepository"),
    ("eks", "DeleteCluster"),
    ("elasticloadbalancing", "DeleteLoadBalancer"),
    ("cloudfront", "DeleteDistribution"),
];

fn mass_deletion() -> QueryCases {
    let mut b = Builder::default();
    // Twenty deletions across services in 19 minutes.
    for (i, (source, name)) in DELETES.iter().enumerate() {
        let i = i as u32;
        b.hit(by(
            call(
                &format!("teardown-{i:02}"),
                &at(2, 36000 + i * 60),
                source,
                name,
            ),
            user("mallory"),
        ));
    }
    // Nineteen.
    for (i, (source, name)) in DELETES.iter().take(19).enumerate() {
        let i = i as u32;
        b.miss(by(
            call(
                &format!("nineteen-{i:02}"),
                &at(3, 36000 + i * 60),
                source,
                name,
            ),
            user("bob"),
        ));
    }
    // A CloudFormation stack deletion: the calls are made by the service on the role's behalf.
    for (i, (source, name)) in DELETES.iter().enumerate() {
        let i = i as u32;
        b.miss(by(
            call(
                &format!("stack-delete-{i:02}"),
                &at(4, 36000 + i * 5),
                source,
                name,
            ),
            service_session("Deployer", "cfn", "cloudformation.amazonaws.com"),
        ));
    }
    // Twenty refused.
    for (i, (source, name)) in DELETES.iter().enumerate() {
        let i = i as u32;
        b.miss(by(
            refused(
                call(
                    &format!("refused-{i:02}"),
                    &at(5, 36000 + i * 60),
                    source,
                    name,
                ),
                denial_code(source),
            ),
            user("carol"),
        ));
    }
    // Twenty over two hours, one every six minutes: at most eleven in any hour.
    for (i, (source, name)) in DELETES.iter().enumerate() {
        let i = i as u32;
        b.miss(by(
            call(
                &format!("cleanup-{i:02}"),
                &at(6, 36000 + i * 360),
                source,
                name,
            ),
            user("dave"),
        ));
    }
    b.done("mass-resource-deletion")
}

/// A PutObject or CopyObject data event on `bucket/key` with these encryption headers, which the
/// response repeats (S3's default encryption when there are none).
fn s3_write(
    id: &str,
    time: &str,
    name: &str,
    object: (&str, &str),
    headers: Value,
    sse: &str,
) -> Value {
    let (bucket, key) = object;
    let mut e = s3_object_event(id, time, name, bucket, key);
    let response = match &headers {
        Value::Object(h) if !h.is_empty() => headers.clone(),
        _ => json!({"x-amz-server-side-encryption": "AES256"}),
    };
    if let (Some(p), Value::Object(extra)) = (e["requestParameters"].as_object_mut(), headers) {
        p.extend(extra);
    }
    if name == "CopyObject" {
        e["requestParameters"]["x-amz-copy-source"] = json!(format!("{bucket}/{key}"));
    }
    e["responseElements"] = response;
    e["additionalEventData"] = json!({"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256", "bytesTransferredIn": 20480,
                                      "SSEApplied": sse, "AuthenticationMethod": "AuthHeader", "x-amz-id-2": "Xb3...=", "bytesTransferredOut": 0});
    e
}

fn s3_ransomware() -> QueryCases {
    let mut b = Builder::default();
    let sse_c = || json!({"x-amz-server-side-encryption-customer-algorithm": "AES256", "x-amz-server-side-encryption-customer-key-MD5": "Q2h...=="});
    // Mallory rewrites objects in place with a key only she holds.
    for i in 0..3u32 {
        let key = format!("finance/report-{i}.xlsx");
        b.hit(by(
            s3_write(
                &format!("ssec-copy-{i}"),
                &at(2, 36000 + i * 10),
                "CopyObject",
                ("corp-data", &key),
                sse_c(),
                "SSE_C",
            ),
            user("mallory"),
        ));
    }
    // Eve writes with a KMS key of another account.
    let kms = |account: &str, key: &str| {
        json!({"x-amz-server-side-encryption": "aws:kms",
               "x-amz-server-side-encryption-aws-kms-key-id": format!("arn:aws:kms:us-east-1:{account}:key/{key}")})
    };
    b.hit(by(
        s3_write(
            "kms-foreign-put",
            &at(2, 37000),
            "PutObject",
            ("corp-data", "hr/payroll.csv"),
            kms(OTHER_ACCOUNT, "1234abcd-12ab-34cd-56ef-1234567890ab"),
            "SSE_KMS",
        ),
        user("eve"),
    ));
    // The vault application has always used SSE-C on its bucket.
    let app = || role_session("VaultApp", "i-0abc1234567890def");
    b.miss(by(
        s3_write(
            "baseline-app-ssec",
            BASELINE,
            "PutObject",
            ("vault-blobs", "a/1"),
            sse_c(),
            "SSE_C",
        ),
        app(),
    ));
    b.miss(by(
        s3_write(
            "usual-app-ssec",
            &at(2, 38000),
            "PutObject",
            ("vault-blobs", "a/2"),
            sse_c(),
            "SSE_C",
        ),
        app(),
    ));
    // A KMS key of the account itself, a plain write, and a refused SSE-C write.
    b.miss(s3_write(
        "kms-own-put",
        &at(2, 38100),
        "PutObject",
        ("corp-data", "hr/roster.csv"),
        kms(ACCOUNT, "0000abcd-12ab-34cd-56ef-1234567890ab"),
        "SSE_KMS",
    ));
    b.miss(s3_write(
        "plain-put",
        &at(2, 38200),
        "PutObject",
        ("corp-data", "tmp/x.json"),
        json!({}),
        "Default_SSE_S3",
    ));
    b.miss(by(
        with(
            s3_write("ssec-denied", &at(2, 38300), "CopyObject", ("corp-data", "finance/q3.xlsx"), sse_c(), "SSE_C"),
            json!({"errorCode": "AccessDenied", "errorMessage": "Access Denied", "responseElements": null, "additionalEventData": null}),
        ),
        user("mallory"),
    ));
    b.done("ransomware-like-s3-encryption")
}

fn backups_deleted() -> QueryCases {
    let mut b = Builder::default();
    b.hit(req(
        "vault-deleted",
        0,
        "backup",
        "DeleteBackupVault",
        json!({"backupVaultName": "prod-vault"}),
    ));
    b.hit(req(
        "recovery-point-deleted",
        1,
        "backup",
        "DeleteRecoveryPoint",
        json!({"backupVaultName": "prod-vault", "recoveryPointArn": "arn:aws:ec2:us-east-1::snapshot/snap-0aaa1111bbbb2222c"}),
    ));
    b.hit(req(
        "lifecycle-shortened",
        2,
        "backup",
        "UpdateRecoveryPointLifecycle",
        json!({"backupVaultName": "prod-vault", "recoveryPointArn": "arn:aws:rds:us-east-1:111111111111:snapshot:awsbackup:job-1", "lifecycle": {"deleteAfterDays": 1}}),
    ));
    b.hit(req(
        "rds-snapshot-deleted",
        3,
        "rds",
        "DeleteDBSnapshot",
        json!({"dBSnapshotIdentifier": "prod-db-before-upgrade"}),
    ));
    // Ten EBS snapshots deleted in under twenty minutes.
    for i in 0..10u32 {
        b.hit(by(
            params(
                call(
                    &format!("ebs-bulk-{i:02}"),
                    &at(2, 39600 + i * 110),
                    "ec2",
                    "DeleteSnapshot",
                ),
                json!({"snapshotId": format!("snap-0bulk{i:012}")}),
            ),
            user("mallory"),
        ));
    }
    // Nine snapshots by one principal, one by another.
    for i in 0..9u32 {
        b.miss(by(
            params(
                call(
                    &format!("ebs-nine-{i:02}"),
                    &at(3, 36000 + i * 60),
                    "ec2",
                    "DeleteSnapshot",
                ),
                json!({"snapshotId": format!("snap-0nine{i:012}")}),
            ),
            user("carol"),
        ));
    }
    b.miss(by(
        params(
            call("ebs-single", &at(3, 43200), "ec2", "DeleteSnapshot"),
            json!({"snapshotId": "snap-0single000000001"}),
        ),
        user("bob"),
    ));
    // Data Lifecycle Manager rotating twelve snapshots.
    for i in 0..12u32 {
        b.miss(by(
            params(
                call(
                    &format!("dlm-rotation-{i:02}"),
                    &at(4, 36000 + i * 5),
                    "ec2",
                    "DeleteSnapshot",
                ),
                json!({"snapshotId": format!("snap-0dlm{i:013}")}),
            ),
            service_session(
                "AWSDataLifecycleManagerDefaultRole",
                "DLM",
                "dlm.amazonaws.com",
            ),
        ));
    }
    // AWS Backup expiring a recovery point, a refused vault deletion, a plan created.
    b.miss(with(
        req(
            "backup-retention-expiry",
            10,
            "backup",
            "DeleteRecoveryPoint",
            json!({"backupVaultName": "prod-vault", "recoveryPointArn": "arn:aws:ec2:us-east-1::snapshot/snap-0old"}),
        ),
        json!({"userIdentity": {"type": "AWSService", "invokedBy": "backup.amazonaws.com"}, "sourceIPAddress": "backup.amazonaws.com",
               "userAgent": "backup.amazonaws.com"}),
    ));
    b.miss(refused(
        req(
            "vault-delete-denied",
            11,
            "backup",
            "DeleteBackupVault",
            json!({"backupVaultName": "locked-vault"}),
        ),
        "AccessDeniedException",
    ));
    b.miss(req(
        "plan-created",
        12,
        "backup",
        "CreateBackupPlan",
        json!({"backupPlan": {"backupPlanName": "daily"}}),
    ));
    b.done("backups-deleted")
}

fn ses_setup() -> QueryCases {
    let mut b = Builder::default();
    b.hit(req(
        "ses-verify-email",
        0,
        "ses",
        "VerifyEmailIdentity",
        json!({"emailAddress": "billing@corp-example.com"}),
    ));
    b.hit(req(
        "ses-verify-domain",
        1,
        "ses",
        "VerifyDomainIdentity",
        json!({"domain": "corp-example.com"}),
    ));
    b.hit(req(
        "ses-create-identity",
        2,
        "ses",
        "CreateEmailIdentity",
        json!({"emailIdentity": "corp-example.net"}),
    ));
    b.hit(req(
        "ses-sending-enabled",
        3,
        "ses",
        "UpdateAccountSendingEnabled",
        json!({"enabled": true}),
    ));
    b.hit(req(
        "ses-production-access",
        4,
        "ses",
        "PutAccountDetails",
        json!({"mailType": "MARKETING", "websiteURL": "https://corp-example.com", "contactLanguage": "EN",
               "useCaseDescription": "HIDDEN_DUE_TO_SECURITY_REASONS", "additionalContactEmailAddresses": "HIDDEN_DUE_TO_SECURITY_REASONS",
               "productionAccessEnabled": true}),
    ));
    b.hit(refused(
        req(
            "ses-verify-denied",
            5,
            "ses",
            "VerifyEmailIdentity",
            json!({"emailAddress": "noreply@corp-example.com"}),
        ),
        "AccessDenied",
    ));
    b.miss(req(
        "ses-sending-disabled",
        6,
        "ses",
        "UpdateAccountSendingEnabled",
        json!({"enabled": false}),
    ));
    b.miss(call("ses-get-quota", &at(2, 36420), "ses", "GetSendQuota"));
    b.miss(req(
        "ses-list-identities",
        8,
        "ses",
        "ListIdentities",
        json!({"identityType": "EmailAddress", "maxItems": 100}),
    ));
    b.done("ses-abuse-setup")
}

fn bedrock() -> QueryCases {
    let mut b = Builder::default();
    let model = "anthropic.claude-3-sonnet-20240229-v1:0";
    let chat = || role_session("ChatApp", "orders-bot");
    b.miss(by(
        params(
            call("baseline-app-invoke", BASELINE, "bedrock", "InvokeModel"),
            json!({"modelId": model}),
        ),
        chat(),
    ));
    b.miss(by(
        params(
            call("app-invoke", &at(2, 36000), "bedrock", "InvokeModel"),
            json!({"modelId": model}),
        ),
        chat(),
    ));
    // Stolen keys: what models, is anything logged, does invoking work, go.
    let mallory = |v: Value| by(v, user("mallory"));
    b.hit(mallory(call(
        "llm-list-models",
        &at(2, 40000),
        "bedrock",
        "ListFoundationModels",
    )));
    b.hit(mallory(call(
        "llm-logging-check",
        &at(2, 40010),
        "bedrock",
        "GetModelInvocationLoggingConfiguration",
    )));
    b.hit(mallory(with(
        call("llm-probe-invalid", &at(2, 40020), "bedrock", "InvokeModel"),
        json!({"requestParameters": {"modelId": model}, "errorCode": "ValidationException",
               "errorMessage": "max_tokens_to_sample: range: 1..1,000,000"}),
    )));
    b.hit(mallory(params(
        call(
            "llm-use-case",
            &at(2, 40030),
            "bedrock",
            "PutUseCaseForModelAccess",
        ),
        json!({"formData": "HIDDEN_DUE_TO_SECURITY_REASONS"}),
    )));
    b.hit(mallory(params(
        call(
            "llm-invoke",
            &at(2, 40100),
            "bedrock",
            "InvokeModelWithResponseStream",
        ),
        json!({"modelId": model}),
    )));
    // The newcomer's other calls are not Bedrock.
    b.miss(mallory(call(
        "mallory-s3",
        &at(2, 40200),
        "s3",
        "ListBuckets",
    )));
    b.done("bedrock-llmjacking")
}

fn quota_increase() -> QueryCases {
    let mut b = Builder::default();
    let quota = |id: &str, minute: u32, service: &str, code: &str, value: f64| {
        set(
            req(
                id,
                minute,
                "servicequotas",
                "RequestServiceQuotaIncrease",
                json!({"serviceCode": service, "quotaCode": code, "desiredValue": value}),
            ),
            "responseElements",
            json!({"requestedQuota": {"id": format!("req-{id}"), "serviceCode": service, "quotaCode": code, "desiredValue": value, "status": "PENDING"}}),
        )
    };
    b.hit(quota("quota-ec2-standard", 0, "ec2", "L-1216C47A", 2000.0));
    b.hit(quota("quota-ec2-gpu", 1, "ec2", "L-DB2E81BA", 512.0));
    b.hit(quota("quota-bedrock", 2, "bedrock", "L-254CACF4", 10000.0));
    b.hit(refused(
        quota("quota-ec2-denied", 3, "ec2", "L-417A185B", 384.0),
        "AccessDeniedException",
    ));
    b.miss(quota("quota-dynamodb", 4, "dynamodb", "L-F98FE922", 5000.0));
    b.miss(req(
        "quota-list",
        5,
        "servicequotas",
        "ListServiceQuotas",
        json!({"serviceCode": "ec2"}),
    ));
    b.miss(req(
        "quota-get",
        6,
        "servicequotas",
        "GetServiceQuota",
        json!({"serviceCode": "ec2", "quotaCode": "L-1216C47A"}),
    ));
    b.done("service-quota-increase-requested")
}

fn domain_transfer() -> QueryCases {
    let mut b = Builder::default();
    let domain = || json!({"domainName": "corp-example.com"});
    b.hit(set(
        req(
            "domain-lock-disabled",
            0,
            "route53domains",
            "DisableDomainTransferLock",
            domain(),
        ),
        "responseElements",
        json!({"operationId": "0d1e2f3a-0000-4000-8000-000000000005"}),
    ));
    b.hit(set(
        req(
            "domain-auth-code",
            1,
            "route53domains",
            "RetrieveDomainAuthCode",
            domain(),
        ),
        "responseElements",
        json!({"authCode": "HIDDEN_DUE_TO_SECURITY_REASONS"}),
    ));
    b.hit(set(
        req(
            "domain-to-other-account",
            2,
            "route53domains",
            "TransferDomainToAnotherAwsAccount",
            json!({"domainName": "corp-example.com", "accountId": OTHER_ACCOUNT}),
        ),
        "responseElements",
        json!({"operationId": "0d1e2f3a-0000-4000-8000-000000000006", "password": "HIDDEN_DUE_TO_SECURITY_REASONS"}),
    ));
    b.hit(refused(
        req(
            "domain-auth-code-denied",
            3,
            "route53domains",
            "RetrieveDomainAuthCode",
            json!({"domainName": "corp-example.org"}),
        ),
        "AccessDeniedException",
    ));
    b.miss(req(
        "domain-lock-enabled",
        4,
        "route53domains",
        "EnableDomainTransferLock",
        domain(),
    ));
    b.miss(req(
        "domain-detail",
        5,
        "route53domains",
        "GetDomainDetail",
        domain(),
    ));
    b.miss(req(
        "domain-transfer-in",
        6,
        "route53domains",
        "TransferDomain",
        json!({"domainName": "acquired-example.com", "durationInYears": 1, "authCode": "HIDDEN_DUE_TO_SECURITY_REASONS"}),
    ));
    b.done("route53-domain-transferred")
}
