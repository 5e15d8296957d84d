//! Cases for the threat detections of this group (see the module's queries in `queries/threats`):
//! defense evasion (security tooling, logs and guardrails turned off) and credential access
//! (secrets harvested, tokens minted, passwords guessed).

use super::*;

/// This group's cases.
pub(super) fn all() -> Vec<QueryCases> {
    vec![
        guardduty_suppressed(),
        config_rules_deleted(),
        flow_logs_deleted(),
        logs_deleted(),
        alarms_disabled(),
        eventbridge_rules(),
        macie_inspector(),
        bedrock_guardrails(),
        ebs_encryption(),
        versioning_suspended(),
        bucket_logging(),
        dns_logging(),
        org_guardrails(),
        kms_policy_opened(),
        waf_removed(),
        nacl_open(),
        secrets_bulk(),
        ssm_bulk(),
        password_data(),
        session_token(),
        federation_signin(),
        saml_oidc(),
        password_policy(),
        brute_force_success(),
    ]
}

/// A call by alice with these request parameters.
fn req(id: &str, time: &str, source: &str, name: &str, params: Value) -> Value {
    set(call(id, time, source, name), "requestParameters", params)
}

/// The event, refused with `code`.
fn refused(v: Value, code: &str) -> Value {
    set(v, "errorCode", json!(code))
}

/// 2024-09-02 10:`m`.
fn at(m: u32) -> String {
    t(2, 10, m, 0)
}

/// The event as made by an AWS service through its service-linked role (invokedBy set).
fn by_service(v: Value, role: &str, session: &str, service: &str) -> Value {
    let identity = with(role_session(role, session), json!({"invokedBy": service}));
    with(
        v,
        json!({"userIdentity": identity, "sourceIPAddress": service, "userAgent": service}),
    )
}

const DETECTOR: &str = "12abc34d567e8fa901bc2d34e56789f0";

fn guardduty_suppressed() -> QueryCases {
    let gd =
        |id: &str, m: u32, name: &str, params: Value| req(id, &at(m), "guardduty", name, params);
    cases(
        "guardduty-findings-suppressed",
        vec![
            gd(
                "filter-archive",
                0,
                "CreateFilter",
                json!({"detectorId": DETECTOR, "name": "quiet-recon", "action": "ARCHIVE", "rank": 1,
                       "findingCriteria": {"criterion": {"type": {"eq": ["Recon:EC2/PortProbeUnprotectedPort",
                           "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS"]}}}}),
            ),
            gd(
                "filter-update-archive",
                1,
                "UpdateFilter",
                json!({"detectorId": DETECTOR, "filterName": "known-scanners", "action": "ARCHIVE",
                       "findingCriteria": {"criterion": {"severity": {"gte": 1}}}}),
            ),
            gd(
                "ipset-trusted",
                2,
                "CreateIPSet",
                json!({"detectorId": DETECTOR, "name": "office", "format": "TXT",
                       "location": "https://s3.amazonaws.com/ops-tmp-1a2b/trusted.txt", "activate": true}),
            ),
            gd(
                "ipset-updated",
                3,
                "UpdateIPSet",
                json!({"detectorId": DETECTOR, "ipSetId": "0cb0141ab9fbde177613ab9436212e90",
                       "location": "https://s3.amazonaws.com/ops-tmp-1a2b/trusted-v2.txt", "activate": true}),
            ),
            gd(
                "filter-noop",
                4,
                "CreateFilter",
                json!({"detectorId": DETECTOR, "name": "high-severity-view", "action": "NOOP", "rank": 2,
                       "findingCriteria": {"criterion": {"severity": {"gte": 7}}}}),
            ),
            gd(
                "ipset-deactivated",
                5,
                "UpdateIPSet",
                json!({"detectorId": DETECTOR, "ipSetId": "0cb0141ab9fbde177613ab9436212e90", "activate": false}),
            ),
            refused(
                gd(
                    "ipset-denied",
                    6,
                    "CreateIPSet",
                    json!({"detectorId": DETECTOR, "name": "office", "format": "TXT",
                           "location": "https://s3.amazonaws.com/ops-tmp-1a2b/trusted.txt", "activate": true}),
                ),
                "AccessDeniedException",
            ),
            gd(
                "threat-list-created",
                7,
                "CreateThreatIntelSet",
                json!({"detectorId": DETECTOR, "name": "bad-ips", "format": "TXT",
                       "location": "https://s3.amazonaws.com/sec-feeds/bad.txt", "activate": true}),
            ),
        ],
        &[
            "filter-archive",
            "filter-update-archive",
            "ipset-trusted",
            "ipset-updated",
        ],
        &[
            "filter-noop",
            "ipset-deactivated",
            "ipset-denied",
            "threat-list-created",
        ],
    )
}

fn config_rules_deleted() -> QueryCases {
    let cfg = |id: &str, m: u32, name: &str, params: Value| req(id, &at(m), "config", name, params);
    cases(
        "config-rules-deleted",
        vec![
            cfg(
                "rule-deleted",
                0,
                "DeleteConfigRule",
                json!({"configRuleName": "s3-bucket-public-read-prohibited"}),
            ),
            cfg(
                "pack-deleted",
                1,
                "DeleteConformancePack",
                json!({"conformancePackName": "Operational-Best-Practices-for-CIS"}),
            ),
            cfg(
                "org-rule-deleted",
                2,
                "DeleteOrganizationConfigRule",
                json!({"organizationConfigRuleName": "cloudtrail-enabled"}),
            ),
            cfg(
                "remediation-exception",
                3,
                "PutRemediationExceptions",
                json!({"configRuleName": "restricted-ssh", "message": "temporary access",
                       "resourceKeys": [{"resourceType": "AWS::EC2::SecurityGroup", "resourceId": "sg-0a1b2c3d"}]}),
            ),
            by_service(
                cfg(
                    "securityhub-rule-cleanup",
                    4,
                    "DeleteConfigRule",
                    json!({"configRuleName": "securityhub-cloudtrail-enabled-1a2b3c"}),
                ),
                "AWSServiceRoleForSecurityHub",
                "securityhub",
                "securityhub.amazonaws.com",
            ),
            cfg(
                "rule-put",
                5,
                "PutConfigRule",
                json!({"configRule": {"configRuleName": "restricted-ssh",
                       "source": {"owner": "AWS", "sourceIdentifier": "INCOMING_SSH_DISABLED"}}}),
            ),
            refused(
                cfg(
                    "rule-delete-denied",
                    6,
                    "DeleteConfigRule",
                    json!({"configRuleName": "iam-root-access-key-check"}),
                ),
                "AccessDeniedException",
            ),
        ],
        &[
            "rule-deleted",
            "pack-deleted",
            "org-rule-deleted",
            "remediation-exception",
        ],
        &["securityhub-rule-cleanup", "rule-put", "rule-delete-denied"],
    )
}

fn flow_logs_deleted() -> QueryCases {
    let delete = json!({"DeleteFlowLogsRequest": {"FlowLogId": {"content": "fl-0a1b2c3d4e5f60718", "tag": 1}}});
    cases(
        "vpc-flow-logs-deleted",
        vec![
            req(
                "flowlogs-deleted",
                &at(0),
                "ec2",
                "DeleteFlowLogs",
                delete.clone(),
            ),
            req(
                "flowlogs-created",
                &at(1),
                "ec2",
                "CreateFlowLogs",
                json!({"CreateFlowLogsRequest": {"ResourceId": {"content": "vpc-0a1b2c3d", "tag": 1},
                       "ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs",
                       "LogGroupName": "/aws/vpc/flow-logs"}}),
            ),
            refused(
                req(
                    "flowlogs-delete-denied",
                    &at(2),
                    "ec2",
                    "DeleteFlowLogs",
                    delete,
                ),
                "Client.UnauthorizedOperation",
            ),
            call("flowlogs-described", &at(3), "ec2", "DescribeFlowLogs"),
        ],
        &["flowlogs-deleted"],
        &[
            "flowlogs-created",
            "flowlogs-delete-denied",
            "flowlogs-described",
        ],
    )
}

fn logs_deleted() -> QueryCases {
    let logs = |id: &str, m: u32, name: &str, params: Value| req(id, &at(m), "logs", name, params);
    let retention = |id: &str, m: u32, days: u32| {
        logs(
            id,
            m,
            "PutRetentionPolicy",
            json!({"logGroupName": "aws-cloudtrail-logs", "retentionInDays": days}),
        )
    };
    cases(
        "cloudwatch-logs-deleted-or-shortened",
        vec![
            logs(
                "log-group-deleted",
                0,
                "DeleteLogGroup",
                json!({"logGroupName": "/aws/vpc/flow-logs"}),
            ),
            logs(
                "log-stream-deleted",
                1,
                "DeleteLogStream",
                json!({"logGroupName": "/var/log/secure", "logStreamName": "i-0a1b2c3d4e5f67890"}),
            ),
            logs(
                "subscription-deleted",
                2,
                "DeleteSubscriptionFilter",
                json!({"logGroupName": "aws-cloudtrail-logs", "filterName": "to-siem"}),
            ),
            logs(
                "metric-filter-deleted",
                3,
                "DeleteMetricFilter",
                json!({"logGroupName": "aws-cloudtrail-logs", "filterName": "RootAccountUsage"}),
            ),
            retention("retention-1-day", 4, 1),
            retention("retention-365-days", 5, 365),
            retention("retention-30-days", 6, 30),
            refused(
                logs(
                    "log-group-delete-missing",
                    7,
                    "DeleteLogGroup",
                    json!({"logGroupName": "/aws/lambda/gone"}),
                ),
                "ResourceNotFoundException",
            ),
            logs(
                "log-group-created",
                8,
                "CreateLogGroup",
                json!({"logGroupName": "/aws/lambda/new"}),
            ),
        ],
        &[
            "log-group-deleted",
            "log-stream-deleted",
            "subscription-deleted",
            "metric-filter-deleted",
            "retention-1-day",
        ],
        &[
            "retention-365-days",
            "retention-30-days",
            "log-group-delete-missing",
            "log-group-created",
        ],
    )
}

fn alarms_disabled() -> QueryCases {
    let cw =
        |id: &str, m: u32, name: &str, params: Value| req(id, &at(m), "monitoring", name, params);
    let alarm = |id: &str, m: u32, enabled: bool| {
        cw(
            id,
            m,
            "PutMetricAlarm",
            json!({"alarmName": "cloudtrail-changes", "actionsEnabled": enabled, "metricName": "CloudTrailEventCount",
                   "namespace": "LogMetrics", "statistic": "Sum", "period": 300, "evaluationPeriods": 1, "threshold": 1.0,
                   "comparisonOperator": "GreaterThanOrEqualToThreshold",
                   "alarmActions": [format!("arn:aws:sns:us-east-1:{ACCOUNT}:security-alerts")]}),
        )
    };
    cases(
        "cloudwatch-alarms-disabled",
        vec![
            cw(
                "alarm-deleted",
                0,
                "DeleteAlarms",
                json!({"alarmNames": ["root-account-usage"]}),
            ),
            cw(
                "alarm-actions-disabled",
                1,
                "DisableAlarmActions",
                json!({"alarmNames": ["unauthorized-api-calls", "console-without-mfa"]}),
            ),
            alarm("alarm-silenced", 2, false),
            alarm("alarm-written", 3, true),
            by_service(
                cw(
                    "target-tracking-cleanup",
                    4,
                    "DeleteAlarms",
                    json!({"alarmNames": ["TargetTracking-table/orders-AlarmHigh-6b2f4c1e"]}),
                ),
                "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable",
                "AutoScaling",
                "application-autoscaling.amazonaws.com",
            ),
            cw(
                "alarm-actions-enabled",
                5,
                "EnableAlarmActions",
                json!({"alarmNames": ["root-account-usage"]}),
            ),
            refused(
                cw(
                    "alarm-delete-denied",
                    6,
                    "DeleteAlarms",
                    json!({"alarmNames": ["root-account-usage"]}),
                ),
                "AccessDenied",
            ),
        ],
        &["alarm-deleted", "alarm-actions-disabled", "alarm-silenced"],
        &[
            "alarm-written",
            "target-tracking-cleanup",
            "alarm-actions-enabled",
            "alarm-delete-denied",
        ],
    )
}

fn eventbridge_rules() -> QueryCases {
    let ev = |id: &str, m: u32, name: &str, params: Value| req(id, &at(m), "events", name, params);
    cases(
        "eventbridge-rules-disabled",
        vec![
            ev(
                "rule-disabled",
                0,
                "DisableRule",
                json!({"name": "guardduty-findings-to-slack", "eventBusName": "default"}),
            ),
            ev(
                "rule-deleted",
                1,
                "DeleteRule",
                json!({"name": "securityhub-auto-remediate"}),
            ),
            ev(
                "targets-removed",
                2,
                "RemoveTargets",
                json!({"rule": "guardduty-findings-to-slack", "ids": ["sns-security"]}),
            ),
            ev(
                "rule-enabled",
                3,
                "EnableRule",
                json!({"name": "guardduty-findings-to-slack"}),
            ),
            by_service(
                ev(
                    "managed-rule-deleted",
                    4,
                    "DeleteRule",
                    json!({"name": "AutoScalingManagedRule", "force": true}),
                ),
                "AWSServiceRoleForAutoScaling",
                "AutoScaling",
                "autoscaling.amazonaws.com",
            ),
            refused(
                ev(
                    "rule-delete-denied",
                    5,
                    "DeleteRule",
                    json!({"name": "guardduty-findings-to-slack"}),
                ),
                "AccessDeniedException",
            ),
        ],
        &["rule-disabled", "rule-deleted", "targets-removed"],
        &["rule-enabled", "managed-rule-deleted", "rule-delete-denied"],
    )
}

fn macie_inspector() -> QueryCases {
    cases(
        "macie-or-inspector-disabled",
        vec![
            call("macie-disabled", &at(0), "macie2", "DisableMacie"),
            req(
                "macie-paused",
                &at(1),
                "macie2",
                "UpdateMacieSession",
                json!({"status": "PAUSED"}),
            ),
            req(
                "inspector-disabled",
                &at(2),
                "inspector2",
                "Disable",
                json!({"accountIds": [ACCOUNT], "resourceTypes": ["EC2", "ECR", "LAMBDA"]}),
            ),
            req(
                "detective-graph-deleted",
                &at(3),
                "detective",
                "DeleteGraph",
                json!({"graphArn": format!("arn:aws:detective:us-east-1:{ACCOUNT}:graph:0123456789abcdef")}),
            ),
            req(
                "analyzer-deleted",
                &at(4),
                "access-analyzer",
                "DeleteAnalyzer",
                json!({"analyzerName": "ConsoleAnalyzer-1a2b3c4d"}),
            ),
            req(
                "macie-frequency",
                &at(5),
                "macie2",
                "UpdateMacieSession",
                json!({"findingPublishingFrequency": "SIX_HOURS"}),
            ),
            req(
                "macie-resumed",
                &at(6),
                "macie2",
                "UpdateMacieSession",
                json!({"status": "ENABLED"}),
            ),
            req(
                "inspector-enabled",
                &at(7),
                "inspector2",
                "Enable",
                json!({"accountIds": [ACCOUNT], "resourceTypes": ["EC2"]}),
            ),
            refused(
                req(
                    "analyzer-delete-denied",
                    &at(8),
                    "access-analyzer",
                    "DeleteAnalyzer",
                    json!({"analyzerName": "ConsoleAnalyzer-1a2b3c4d"}),
                ),
                "AccessDeniedException",
            ),
        ],
        &[
            "macie-disabled",
            "macie-paused",
            "inspector-disabled",
            "detective-graph-deleted",
            "analyzer-deleted",
        ],
        &[
            "macie-frequency",
            "macie-resumed",
            "inspector-enabled",
            "analyzer-delete-denied",
        ],
    )
}

fn bedrock_guardrails() -> QueryCases {
    let br = |id: &str, m: u32, name: &str, params: Value| req(id, &at(m), "bedrock", name, params);
    let logging = |id: &str, m: u32, text: bool| {
        br(
            id,
            m,
            "PutModelInvocationLoggingConfiguration",
            json!({"loggingConfig": {"s3Config": {"bucketName": "bedrock-invocation-logs", "keyPrefix": "invocations"},
                   "textDataDeliveryEnabled": text, "imageDataDeliveryEnabled": text, "embeddingDataDeliveryEnabled": text}}),
        )
    };
    cases(
        "bedrock-guardrails-or-logging-removed",
        vec![
            br(
                "guardrail-deleted",
                0,
                "DeleteGuardrail",
                json!({"guardrailIdentifier": "gr1a2b3c4d5e"}),
            ),
            br(
                "guardrail-updated",
                1,
                "UpdateGuardrail",
                json!({"guardrailIdentifier": "gr1a2b3c4d5e", "name": "support-bot",
                       "blockedInputMessaging": "HIDDEN_DUE_TO_SECURITY_REASONS", "blockedOutputsMessaging": "HIDDEN_DUE_TO_SECURITY_REASONS",
                       "contentPolicyConfig": {"filtersConfig": [{"type": "PROMPT_ATTACK", "inputStrength": "NONE", "outputStrength": "NONE"}]}}),
            ),
            call(
                "invocation-logging-deleted",
                &at(2),
                "bedrock",
                "DeleteModelInvocationLoggingConfiguration",
            ),
            logging("invocation-logging-no-text", 3, false),
            logging("invocation-logging-on", 4, true),
            br(
                "guardrail-created",
                5,
                "CreateGuardrail",
                json!({"name": "support-bot-v2", "blockedInputMessaging": "HIDDEN_DUE_TO_SECURITY_REASONS",
                       "blockedOutputsMessaging": "HIDDEN_DUE_TO_SECURITY_REASONS"}),
            ),
            refused(
                br(
                    "guardrail-delete-denied",
                    6,
                    "DeleteGuardrail",
                    json!({"guardrailIdentifier": "gr1a2b3c4d5e"}),
                ),
                "AccessDeniedException",
            ),
            call(
                "invocation-logging-read",
                &at(7),
                "bedrock",
                "GetModelInvocationLoggingConfiguration",
            ),
        ],
        &[
            "guardrail-deleted",
            "guardrail-updated",
            "invocation-logging-deleted",
            "invocation-logging-no-text",
        ],
        &[
            "invocation-logging-on",
            "guardrail-created",
            "guardrail-delete-denied",
            "invocation-logging-read",
        ],
    )
}

fn ebs_encryption() -> QueryCases {
    let key = |id: &str, m: u32, key: &str| {
        req(
            id,
            &at(m),
            "ec2",
            "ModifyEbsDefaultKmsKeyId",
            json!({"ModifyEbsDefaultKmsKeyIdRequest": {"KmsKeyId": key}}),
        )
    };
    let disable = |id: &str, m: u32| {
        req(
            id,
            &at(m),
            "ec2",
            "DisableEbsEncryptionByDefault",
            json!({"DisableEbsEncryptionByDefaultRequest": ""}),
        )
    };
    cases(
        "ebs-default-encryption-disabled",
        vec![
            disable("ebs-default-off", 0),
            key(
                "ebs-key-foreign",
                1,
                &format!("arn:aws:kms:us-east-1:{OTHER_ACCOUNT}:key/6f1c2b3a-0d4e-4f5a-9b8c-7d6e5f4a3b2c"),
            ),
            key(
                "ebs-key-own-arn",
                2,
                &format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e"),
            ),
            key("ebs-key-alias", 3, "alias/ebs-default"),
            req(
                "ebs-default-on",
                &at(4),
                "ec2",
                "EnableEbsEncryptionByDefault",
                json!({"EnableEbsEncryptionByDefaultRequest": ""}),
            ),
            refused(
                disable("ebs-default-off-denied", 5),
                "Client.UnauthorizedOperation",
            ),
        ],
        &["ebs-default-off", "ebs-key-foreign"],
        &[
            "ebs-key-own-arn",
            "ebs-key-alias",
            "ebs-default-on",
            "ebs-default-off-denied",
        ],
    )
}

/// PutBucketVersioning on corp-backups with this configuration.
fn versioning(id: &str, m: u32, config: Value) -> Value {
    req(
        id,
        &at(m),
        "s3",
        "PutBucketVersioning",
        json!({"bucketName": "corp-backups", "Host": "corp-backups.s3.us-east-1.amazonaws.com", "versioning": "",
               "VersioningConfiguration": config}),
    )
}

fn versioning_suspended() -> QueryCases {
    let xmlns = "http://s3.amazonaws.com/doc/2006-03-01/";
    cases(
        "s3-bucket-versioning-suspended",
        vec![
            versioning(
                "versioning-suspended",
                0,
                json!({"Status": "Suspended", "xmlns": xmlns}),
            ),
            set(
                versioning(
                    "mfa-delete-off",
                    1,
                    json!({"Status": "Enabled", "MfaDelete": "Disabled", "xmlns": xmlns}),
                ),
                "userIdentity",
                root(),
            ),
            versioning(
                "versioning-enabled",
                2,
                json!({"Status": "Enabled", "xmlns": xmlns}),
            ),
            // A script enabling versioning that also states MfaDelete Disabled: not the root
            // user, so MFA delete is not changed.
            versioning(
                "versioning-enabled-mfa-stated",
                4,
                json!({"Status": "Enabled", "MfaDelete": "Disabled", "xmlns": xmlns}),
            ),
            refused(
                versioning(
                    "versioning-suspend-denied",
                    3,
                    json!({"Status": "Suspended", "xmlns": xmlns}),
                ),
                "AccessDenied",
            ),
        ],
        &["versioning-suspended", "mfa-delete-off"],
        &[
            "versioning-enabled",
            "versioning-enabled-mfa-stated",
            "versioning-suspend-denied",
        ],
    )
}

fn bucket_logging() -> QueryCases {
    let logging = |id: &str, m: u32, status: Value| {
        req(
            id,
            &at(m),
            "s3",
            "PutBucketLogging",
            json!({"bucketName": "shop-assets", "Host": "shop-assets.s3.us-east-1.amazonaws.com", "logging": "",
                   "BucketLoggingStatus": status}),
        )
    };
    let xmlns = "http://s3.amazonaws.com/doc/2006-03-01/";
    cases(
        "s3-bucket-logging-disabled",
        vec![
            logging("logging-off", 0, json!({"xmlns": xmlns})),
            logging(
                "logging-on",
                1,
                json!({"LoggingEnabled": {"TargetBucket": "access-logs-111111111111", "TargetPrefix": "shop-assets/"},
                       "xmlns": xmlns}),
            ),
            refused(
                logging("logging-off-denied", 2, json!({"xmlns": xmlns})),
                "AccessDenied",
            ),
            req(
                "logging-read",
                &at(3),
                "s3",
                "GetBucketLogging",
                json!({"bucketName": "shop-assets", "logging": ""}),
            ),
        ],
        &["logging-off"],
        &["logging-on", "logging-off-denied", "logging-read"],
    )
}

fn dns_logging() -> QueryCases {
    let resolver = |id: &str, m: u32, name: &str, params: Value| {
        req(id, &at(m), "route53resolver", name, params)
    };
    cases(
        "dns-query-logging-removed",
        vec![
            resolver(
                "resolver-logging-deleted",
                0,
                "DeleteResolverQueryLogConfig",
                json!({"resolverQueryLogConfigId": "rqlc-8ca61fe7c055415a"}),
            ),
            resolver(
                "resolver-logging-detached",
                1,
                "DisassociateResolverQueryLogConfig",
                json!({"resolverQueryLogConfigId": "rqlc-8ca61fe7c055415a", "resourceId": "vpc-0a1b2c3d"}),
            ),
            req(
                "zone-logging-deleted",
                &at(2),
                "route53",
                "DeleteQueryLoggingConfig",
                json!({"id": "87b05d2f-2b6d-4f3e-9a1c-0e5d7c3b2a19"}),
            ),
            resolver(
                "resolver-logging-attached",
                3,
                "AssociateResolverQueryLogConfig",
                json!({"resolverQueryLogConfigId": "rqlc-8ca61fe7c055415a", "resourceId": "vpc-0e9f8a7b"}),
            ),
            req(
                "zone-logging-created",
                &at(4),
                "route53",
                "CreateQueryLoggingConfig",
                json!({"hostedZoneId": "Z1D633PJN98FT9",
                       "cloudWatchLogsLogGroupArn": format!("arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/route53/example.com")}),
            ),
            refused(
                resolver(
                    "resolver-delete-denied",
                    5,
                    "DeleteResolverQueryLogConfig",
                    json!({"resolverQueryLogConfigId": "rqlc-8ca61fe7c055415a"}),
                ),
                "AccessDeniedException",
            ),
        ],
        &[
            "resolver-logging-deleted",
            "resolver-logging-detached",
            "zone-logging-deleted",
        ],
        &[
            "resolver-logging-attached",
            "zone-logging-created",
            "resolver-delete-denied",
        ],
    )
}

fn org_guardrails() -> QueryCases {
    let org = |id: &str, m: u32, name: &str, params: Value| {
        req(id, &at(m), "organizations", name, params)
    };
    cases(
        "organization-guardrails-removed",
        vec![
            call("org-left", &at(0), "organizations", "LeaveOrganization"),
            org(
                "scp-detached",
                1,
                "DetachPolicy",
                json!({"policyId": "p-1a2b3c4d", "targetId": "ou-ab12-cdefgh34"}),
            ),
            org(
                "scp-type-disabled",
                2,
                "DisablePolicyType",
                json!({"rootId": "r-ab12", "policyType": "SERVICE_CONTROL_POLICY"}),
            ),
            org(
                "account-removed",
                3,
                "RemoveAccountFromOrganization",
                json!({"accountId": OTHER_ACCOUNT}),
            ),
            org(
                "full-access-detached",
                4,
                "DetachPolicy",
                json!({"policyId": "p-FullAWSAccess", "targetId": "ou-ab12-sandbox1"}),
            ),
            org(
                "scp-attached",
                5,
                "AttachPolicy",
                json!({"policyId": "p-1a2b3c4d", "targetId": "ou-ab12-cdefgh34"}),
            ),
            refused(
                call(
                    "org-leave-denied",
                    &at(6),
                    "organizations",
                    "LeaveOrganization",
                ),
                "AccessDeniedException",
            ),
        ],
        &[
            "org-left",
            "scp-detached",
            "scp-type-disabled",
            "account-removed",
        ],
        &["full-access-detached", "scp-attached", "org-leave-denied"],
    )
}

/// A key policy (as KMS records it: a JSON string) giving the account's root full control, plus
/// `extra` statements.
fn key_policy(extra: Vec<Value>) -> String {
    let mut statements = vec![
        json!({"Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"}),
    ];
    statements.extend(extra);
    json!({"Version": "2012-10-17", "Id": "key-policy", "Statement": statements}).to_string()
}

fn kms_policy_opened() -> QueryCases {
    let key_id = "1234abcd-12ab-34cd-56ef-1234567890ab";
    let put = |id: &str, m: u32, policy: String| {
        req(
            id,
            &at(m),
            "kms",
            "PutKeyPolicy",
            json!({"keyId": key_id, "policyName": "default", "policy": policy, "bypassPolicyLockoutSafetyCheck": false}),
        )
    };
    let use_key = ["kms:Decrypt", "kms:DescribeKey", "kms:CreateGrant"];
    let public = key_policy(vec![json!({"Sid": "Allow everyone", "Effect": "Allow",
        "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"})]);
    let foreign = key_policy(vec![json!({"Sid": "Allow partner", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{OTHER_ACCOUNT}:root")}, "Action": use_key, "Resource": "*"})]);
    // The statement KMS writes for EBS: `*`, pinned to the account and the service.
    let ebs = key_policy(vec![
        json!({"Sid": "Allow access through EBS for all principals in the account", "Effect": "Allow",
        "Principal": {"AWS": "*"}, "Action": use_key, "Resource": "*",
        "Condition": {"StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": "ec2.us-east-1.amazonaws.com"}}}),
    ]);
    let deny = key_policy(vec![
        json!({"Sid": "Deny outside the organization", "Effect": "Deny",
        "Principal": "*", "Action": "kms:*", "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}),
    ]);
    let create = |id: &str, m: u32, policy: Option<String>| {
        let mut params = json!({"description": "exports", "keyUsage": "ENCRYPT_DECRYPT", "keySpec": "SYMMETRIC_DEFAULT",
                                "origin": "AWS_KMS", "bypassPolicyLockoutSafetyCheck": false});
        if let (Some(p), Some(o)) = (policy, params.as_object_mut()) {
            o.insert("policy".into(), json!(p));
        }
        with(
            req(id, &at(m), "kms", "CreateKey", params),
            json!({"responseElements": {"keyMetadata": {"AWSAccountId": ACCOUNT, "keyId": "9f8e7d6c-5b4a-3c2d-1e0f-a9b8c7d6e5f4",
                   "arn": format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/9f8e7d6c-5b4a-3c2d-1e0f-a9b8c7d6e5f4"),
                   "keyState": "Enabled", "keyManager": "CUSTOMER"}}}),
        )
    };
    cases(
        "kms-key-policy-opened",
        vec![
            put("key-policy-public", 0, public),
            put("key-policy-foreign", 1, foreign.clone()),
            create("key-created-foreign", 2, Some(foreign.clone())),
            put("key-policy-ebs", 3, ebs),
            put("key-policy-deny-star", 4, deny),
            refused(
                put("key-policy-foreign-denied", 5, foreign),
                "AccessDeniedException",
            ),
            create("key-created-default", 6, None),
        ],
        &[
            "key-policy-public",
            "key-policy-foreign",
            "key-created-foreign",
        ],
        &[
            "key-policy-ebs",
            "key-policy-deny-star",
            "key-policy-foreign-denied",
            "key-created-default",
        ],
    )
}

fn waf_removed() -> QueryCases {
    let acl_id = "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111";
    let waf = |id: &str, m: u32, name: &str, params: Value| req(id, &at(m), "wafv2", name, params);
    let update = |id: &str, m: u32, default_action: Value, rules: Value| {
        waf(
            id,
            m,
            "UpdateWebACL",
            json!({"name": "shop-acl", "scope": "REGIONAL", "id": acl_id, "defaultAction": default_action, "rules": rules,
                   "visibilityConfig": {"sampledRequestsEnabled": true, "cloudWatchMetricsEnabled": true, "metricName": "shop-acl"},
                   "lockToken": "2ad8e3a7-1a2b-4c5d-9e8f-0a1b2c3d4e5f"}),
        )
    };
    let rule = json!([{"name": "AWS-AWSManagedRulesCommonRuleSet", "priority": 0,
        "statement": {"managedRuleGroupStatement": {"vendorName": "AWS", "name": "AWSManagedRulesCommonRuleSet"}},
        "overrideAction": {"none": {}},
        "visibilityConfig": {"sampledRequestsEnabled": true, "cloudWatchMetricsEnabled": true, "metricName": "common"}}]);
    let alb = format!(
        "arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/app/shop/50dc6c495c0c9188"
    );
    cases(
        "waf-protections-removed",
        vec![
            waf(
                "webacl-deleted",
                0,
                "DeleteWebACL",
                json!({"name": "shop-acl", "scope": "REGIONAL", "id": acl_id, "lockToken": "2ad8e3a7-1a2b-4c5d-9e8f-0a1b2c3d4e5f"}),
            ),
            waf(
                "webacl-disassociated",
                1,
                "DisassociateWebACL",
                json!({"resourceArn": alb}),
            ),
            update("webacl-emptied", 2, json!({"allow": {}}), json!([])),
            req(
                "classic-webacl-deleted",
                &at(3),
                "waf-regional",
                "DeleteWebACL",
                json!({"webACLId": "c2d3e4f5-a6b7-4c8d-9e0f-1a2b3c4d5e6f", "changeToken": "abcd1234-5678-90ef-abcd-1234567890ab"}),
            ),
            update("webacl-rule-edit", 4, json!({"allow": {}}), rule),
            update("webacl-block-all", 5, json!({"block": {}}), json!([])),
            waf(
                "webacl-associated",
                6,
                "AssociateWebACL",
                json!({"webACLArn": format!("arn:aws:wafv2:us-east-1:{ACCOUNT}:regional/webacl/shop-acl/{acl_id}"), "resourceArn": alb}),
            ),
            refused(
                waf(
                    "webacl-delete-stale",
                    7,
                    "DeleteWebACL",
                    json!({"name": "shop-acl", "scope": "REGIONAL", "id": acl_id, "lockToken": "0000"}),
                ),
                "WAFOptimisticLockException",
            ),
        ],
        &[
            "webacl-deleted",
            "webacl-disassociated",
            "webacl-emptied",
            "classic-webacl-deleted",
        ],
        &[
            "webacl-rule-edit",
            "webacl-block-all",
            "webacl-associated",
            "webacl-delete-stale",
        ],
    )
}

/// A network ACL entry on acl-0prod: an inbound allow rule for every protocol ("-1") unless
/// `changes` say otherwise; `changes` also give the CIDR (cidrBlock or ipv6CidrBlock).
fn nacl_entry(id: &str, m: u32, name: &str, changes: Value) -> Value {
    let base = json!({"networkAclId": "acl-0prod", "ruleNumber": 90, "egress": false, "ruleAction": "allow",
                      "icmpTypeCode": {}, "portRange": {}, "aclProtocol": "-1"});
    req(id, &at(m), "ec2", name, with(base, changes))
}

fn nacl_open() -> QueryCases {
    let create = "CreateNetworkAclEntry";
    let world = |changes: Value| with(json!({"cidrBlock": "0.0.0.0/0"}), changes);
    cases(
        "nacl-allow-all-ingress",
        vec![
            nacl_entry("nacl-allow-all-v4", 0, create, world(json!({}))),
            nacl_entry(
                "nacl-replace-all-v6",
                1,
                "ReplaceNetworkAclEntry",
                json!({"ipv6CidrBlock": "::/0"}),
            ),
            nacl_entry("nacl-egress", 2, create, world(json!({"egress": true}))),
            nacl_entry(
                "nacl-private",
                3,
                create,
                json!({"cidrBlock": "10.0.0.0/16"}),
            ),
            nacl_entry(
                "nacl-https",
                4,
                create,
                world(json!({"aclProtocol": "6", "portRange": {"from": 443, "to": 443}})),
            ),
            nacl_entry("nacl-deny", 5, create, world(json!({"ruleAction": "deny"}))),
            refused(
                nacl_entry("nacl-denied", 6, create, world(json!({}))),
                "Client.UnauthorizedOperation",
            ),
            // A new ACL being built by infrastructure code: created, then its entries added.
            with(
                req(
                    "nacl-created",
                    &at(7),
                    "ec2",
                    "CreateNetworkAcl",
                    json!({"vpcId": "vpc-0a1b2c3d"}),
                ),
                json!({"responseElements": {"requestId": "req-nacl-created", "networkAcl": {"networkAclId": "acl-0new",
                       "vpcId": "vpc-0a1b2c3d", "default": false, "entrySet": {}, "associationSet": {}, "tagSet": {}, "ownerId": ACCOUNT}}}),
            ),
            nacl_entry(
                "nacl-new-acl-entry",
                8,
                create,
                world(json!({"networkAclId": "acl-0new"})),
            ),
        ],
        &["nacl-allow-all-v4", "nacl-replace-all-v6"],
        &[
            "nacl-egress",
            "nacl-private",
            "nacl-https",
            "nacl-deny",
            "nacl-denied",
            "nacl-created",
            "nacl-new-acl-entry",
        ],
    )
}

/// GetSecretValue by `who` at 2024-09-02 `h`:`m`.
fn secret_read(id: &str, h: u32, m: u32, who: &str, secret: &str) -> Value {
    with(
        call(id, &t(2, h, m, 0), "secretsmanager", "GetSecretValue"),
        json!({"userIdentity": user(who), "requestParameters": {"secretId": secret}}),
    )
}

fn secrets_bulk() -> QueryCases {
    let mut events = Vec::new();
    let mut found = Vec::new();
    let mut missed = Vec::new();
    // Ten secrets within forty-five minutes, one of them refused: a harvest.
    for i in 0..10 {
        let id = format!("harvest-{i:02}");
        let mut e = secret_read(
            &id,
            10,
            i * 5,
            "mallory",
            &format!("prod/service{i}/credentials"),
        );
        if i == 7 {
            e = refused(e, "AccessDeniedException");
        }
        events.push(e);
        found.push(id);
    }
    // An application reading its three secrets again and again.
    for i in 0..12 {
        let id = format!("app-reread-{i:02}");
        events.push(secret_read(
            &id,
            11,
            i * 4,
            "app",
            &format!("prod/app/secret{}", i % 3),
        ));
        missed.push(id);
    }
    // Nine distinct secrets in an hour: one short.
    for i in 0..9 {
        let id = format!("nine-{i:02}");
        events.push(secret_read(
            &id,
            12,
            i * 6,
            "nina",
            &format!("prod/team{i}/token"),
        ));
        missed.push(id);
    }
    // Ten distinct secrets over two hours, five in each.
    for i in 0..10 {
        let id = format!("spread-{i:02}");
        events.push(secret_read(
            &id,
            13 + i / 5,
            (i % 5) * 10,
            "sam",
            &format!("prod/db{i}/password"),
        ));
        missed.push(id);
    }
    QueryCases {
        query: "secrets-bulk-retrieval",
        params: Vec::new(),
        events,
        found,
        missed,
    }
}

/// An SSM call by `who` at 2024-09-02 `h`:`m`.
fn ssm_read(id: &str, h: u32, m: u32, who: &str, name: &str, params: Value) -> Value {
    with(
        call(id, &t(2, h, m, 0), "ssm", name),
        json!({"userIdentity": user(who), "requestParameters": params}),
    )
}

fn ssm_bulk() -> QueryCases {
    let mut events = vec![
        // A path, four names in one call and five single names, all decrypted: ten.
        ssm_read(
            "bulk-by-path",
            10,
            0,
            "mallory",
            "GetParametersByPath",
            json!({"path": "/prod/", "recursive": true, "withDecryption": true}),
        ),
        ssm_read(
            "bulk-names",
            10,
            1,
            "mallory",
            "GetParameters",
            json!({"names": ["/prod/db/password", "/prod/api/key", "/prod/stripe/secret", "/prod/smtp/password"],
                   "withDecryption": true}),
        ),
    ];
    let mut found = ids(&["bulk-by-path", "bulk-names"]);
    let mut missed = Vec::new();
    for i in 0..5 {
        let id = format!("bulk-single-{i}");
        events.push(ssm_read(
            &id,
            10,
            2 + i,
            "mallory",
            "GetParameter",
            json!({"name": format!("/prod/svc{i}/token"), "withDecryption": true}),
        ));
        found.push(id);
    }
    // One parameter read fifteen times.
    for i in 0..15 {
        let id = format!("same-param-{i:02}");
        events.push(ssm_read(
            &id,
            11,
            i * 3,
            "app",
            "GetParameter",
            json!({"name": "/prod/app/db-password", "withDecryption": true}),
        ));
        missed.push(id);
    }
    // Twelve names without decryption.
    let plain: Vec<String> = (0..12).map(|i| format!("/prod/flags/flag{i}")).collect();
    events.push(ssm_read(
        "plain-names",
        12,
        0,
        "flags",
        "GetParameters",
        json!({"names": plain, "withDecryption": false}),
    ));
    missed.push("plain-names".to_string());
    // Nine names decrypted in an hour: one short.
    for i in 0..9 {
        let id = format!("nine-params-{i}");
        events.push(ssm_read(
            &id,
            13,
            i * 5,
            "nina",
            "GetParameter",
            json!({"name": format!("/prod/team{i}/key"), "withDecryption": true}),
        ));
        missed.push(id);
    }
    QueryCases {
        query: "ssm-parameters-decrypted-in-bulk",
        params: Vec::new(),
        events,
        found,
        missed,
    }
}

fn password_data() -> QueryCases {
    let get = |id: &str, m: u32| {
        req(
            id,
            &at(m),
            "ec2",
            "GetPasswordData",
            json!({"instanceId": "i-0a1b2c3d4e5f67890"}),
        )
    };
    cases(
        "ec2-password-data-retrieved",
        vec![
            get("password-data", 0),
            refused(
                get("password-data-denied", 1),
                "Client.UnauthorizedOperation",
            ),
            call("instances-described", &at(2), "ec2", "DescribeInstances"),
        ],
        &["password-data"],
        &["password-data-denied", "instances-described"],
    )
}

const CLI: &str = "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64";
const BOTO3: &str = "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.11.6 Botocore/1.34.0";

/// GetSessionToken by IAM user `who` from `ip` with `agent`; `mfa` adds the device's serial.
fn session_token_call(id: &str, time: &str, who: &str, ip: &str, agent: &str, mfa: bool) -> Value {
    let mut params = json!({"durationSeconds": 129600});
    if mfa {
        if let Some(o) = params.as_object_mut() {
            o.insert(
                "serialNumber".into(),
                json!(format!("arn:aws:iam::{ACCOUNT}:mfa/{who}")),
            );
        }
    }
    with(
        call(id, time, "sts", "GetSessionToken"),
        json!({"userIdentity": with(user(who), json!({"accessKeyId": format!("AKIA{}", who.to_uppercase())})),
               "sourceIPAddress": ip, "userAgent": agent, "requestParameters": params,
               "responseElements": {"credentials": {"accessKeyId": format!("ASIA{}TEMP", who.to_uppercase()),
                                                    "expiration": "Sep 4, 2024, 10:00:00 PM"}}}),
    )
}

fn session_token() -> QueryCases {
    let other_call = |id: &str, time: &str, who: &str, ip: &str, agent: &str| {
        with(
            call(id, time, "ec2", "DescribeInstances"),
            json!({"userIdentity": user(who), "sourceIPAddress": ip, "userAgent": agent}),
        )
    };
    let go =
        "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/sts#1.30.3";
    cases(
        "get-session-token-misuse",
        vec![
            // Look-back: carol takes tokens from .30 with the CLI and uses Boto3 from .31; dave
            // never takes any.
            session_token_call(
                "baseline-carol-token",
                "2024-08-20T10:00:00Z",
                "carol",
                "198.51.100.30",
                CLI,
                false,
            ),
            other_call(
                "baseline-carol-boto3",
                "2024-08-21T10:00:00Z",
                "carol",
                "198.51.100.31",
                BOTO3,
            ),
            other_call(
                "baseline-dave-call",
                "2024-08-20T11:00:00Z",
                "dave",
                "198.51.100.40",
                CLI,
            ),
            session_token_call(
                "carol-usual-token",
                &at(0),
                "carol",
                "198.51.100.30",
                CLI,
                false,
            ),
            session_token_call(
                "carol-known-ip-and-client",
                &at(1),
                "carol",
                "198.51.100.31",
                BOTO3,
                false,
            ),
            session_token_call(
                "carol-token-new-ip",
                &at(2),
                "carol",
                "203.0.113.44",
                CLI,
                false,
            ),
            session_token_call(
                "carol-token-new-client",
                &at(3),
                "carol",
                "198.51.100.30",
                go,
                false,
            ),
            session_token_call(
                "dave-first-token",
                &at(4),
                "dave",
                "198.51.100.40",
                CLI,
                false,
            ),
            session_token_call("erin-token-mfa", &at(5), "erin", "198.51.100.50", CLI, true),
            refused(
                session_token_call(
                    "dave-token-denied",
                    &at(6),
                    "dave",
                    "203.0.113.45",
                    BOTO3,
                    false,
                ),
                "AccessDenied",
            ),
        ],
        &[
            "carol-token-new-ip",
            "carol-token-new-client",
            "dave-first-token",
        ],
        &[
            "baseline-carol-token",
            "baseline-carol-boto3",
            "baseline-dave-call",
            "carol-usual-token",
            "carol-known-ip-and-client",
            "erin-token-mfa",
            "dave-token-denied",
        ],
    )
}

/// GetSigninToken on the federation endpoint by `identity`.
fn signin_token(id: &str, time: &str, identity: Value, agent: &str) -> Value {
    let mut v = with(
        call(id, time, "signin", "GetSigninToken"),
        json!({"userIdentity": identity, "userAgent": agent, "responseElements": {"GetSigninToken": "Success"},
               "additionalEventData": {"MobileVersion": "No"}}),
    );
    if let Some(o) = v.as_object_mut() {
        o.remove("requestParameters");
    }
    v
}

fn federation_signin() -> QueryCases {
    let federated = json!({"type": "FederatedUser", "principalId": format!("{ACCOUNT}:consoler"),
        "arn": format!("arn:aws:sts::{ACCOUNT}:federated-user/consoler"), "accountId": ACCOUNT, "accessKeyId": "ASIAFEDERATED",
        "sessionContext": {"sessionIssuer": {"type": "IAMUser", "principalId": "AIDAALICE",
                           "arn": format!("arn:aws:iam::{ACCOUNT}:user/alice"), "accountId": ACCOUNT, "userName": "alice"},
                           "attributes": {"creationDate": "2024-09-02T10:00:00Z", "mfaAuthenticated": "false"}}});
    let everything = json!({"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    .to_string();
    let federation = |id: &str, m: u32| {
        req(
            id,
            &at(m),
            "sts",
            "GetFederationToken",
            json!({"name": "consoler", "policy": everything, "durationSeconds": 43200}),
        )
    };
    cases(
        "get-federation-token-or-signin-token",
        vec![
            signin_token(
                "baseline-dev-signin",
                "2024-08-20T09:00:00Z",
                role_session("Developer", "dev"),
                "Go-http-client/1.1",
            ),
            federation("federation-token", 0),
            signin_token("signin-token", &at(1), federated, "python-requests/2.31.0"),
            signin_token(
                "dev-signin-again",
                &at(2),
                role_session("Developer", "dev"),
                "Go-http-client/1.1",
            ),
            refused(federation("federation-token-denied", 3), "AccessDenied"),
            call("caller-identity", &at(4), "sts", "GetCallerIdentity"),
        ],
        &["federation-token", "signin-token", "dev-signin-again"],
        &[
            "baseline-dev-signin",
            "federation-token-denied",
            "caller-identity",
        ],
    )
}

fn saml_oidc() -> QueryCases {
    let iam = |id: &str, m: u32, name: &str, params: Value| req(id, &at(m), "iam", name, params);
    let metadata = "<EntityDescriptor xmlns=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"http://idp.example.net/\">...</EntityDescriptor>";
    let github =
        format!("arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com");
    cases(
        "saml-oidc-provider-changed",
        vec![
            with(
                iam(
                    "saml-created",
                    0,
                    "CreateSAMLProvider",
                    json!({"sAMLMetadataDocument": metadata, "name": "sso-backup"}),
                ),
                json!({"responseElements": {"sAMLProviderArn": format!("arn:aws:iam::{ACCOUNT}:saml-provider/sso-backup")}}),
            ),
            iam(
                "saml-updated",
                1,
                "UpdateSAMLProvider",
                json!({"sAMLMetadataDocument": metadata, "sAMLProviderArn": format!("arn:aws:iam::{ACCOUNT}:saml-provider/Okta")}),
            ),
            iam(
                "oidc-created",
                2,
                "CreateOpenIDConnectProvider",
                json!({"url": "https://token.idp.example.net", "clientIDList": ["sts.amazonaws.com"],
                       "thumbprintList": ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]}),
            ),
            iam(
                "oidc-client-added",
                3,
                "AddClientIDToOpenIDConnectProvider",
                json!({"openIDConnectProviderArn": github, "clientID": "my-other-audience"}),
            ),
            iam(
                "oidc-thumbprint",
                4,
                "UpdateOpenIDConnectProviderThumbprint",
                json!({"openIDConnectProviderArn": github, "thumbprintList": ["0123456789abcdef0123456789abcdef01234567"]}),
            ),
            iam(
                "saml-read",
                5,
                "GetSAMLProvider",
                json!({"sAMLProviderArn": format!("arn:aws:iam::{ACCOUNT}:saml-provider/Okta")}),
            ),
            iam(
                "oidc-tagged",
                6,
                "TagOpenIDConnectProvider",
                json!({"openIDConnectProviderArn": github, "tags": [{"key": "team", "value": "platform"}]}),
            ),
            refused(
                iam(
                    "saml-create-denied",
                    7,
                    "CreateSAMLProvider",
                    json!({"sAMLMetadataDocument": metadata, "name": "sso-backup"}),
                ),
                "AccessDenied",
            ),
        ],
        &[
            "saml-created",
            "saml-updated",
            "oidc-created",
            "oidc-client-added",
            "oidc-thumbprint",
        ],
        &["saml-read", "oidc-tagged", "saml-create-denied"],
    )
}

fn password_policy() -> QueryCases {
    // Every setting strong (CIS: 14 characters, 24 remembered), then one changed.
    let strong = json!({"minimumPasswordLength": 14, "requireSymbols": true, "requireNumbers": true,
        "requireUppercaseCharacters": true, "requireLowercaseCharacters": true, "allowUsersToChangePassword": true,
        "maxPasswordAge": 90, "passwordReusePrevention": 24});
    let update = |id: &str, m: u32, changes: Value| {
        req(
            id,
            &at(m),
            "iam",
            "UpdateAccountPasswordPolicy",
            with(strong.clone(), changes),
        )
    };
    let mut reuse_off = update("policy-reuse-off", 3, json!({"minimumPasswordLength": 16}));
    if let Some(p) = reuse_off
        .get_mut("requestParameters")
        .and_then(Value::as_object_mut)
    {
        p.remove("passwordReusePrevention");
    }
    cases(
        "password-policy-weakened",
        vec![
            call(
                "policy-deleted",
                &at(0),
                "iam",
                "DeleteAccountPasswordPolicy",
            ),
            update("policy-short", 1, json!({"minimumPasswordLength": 8})),
            update("policy-no-symbols", 2, json!({"requireSymbols": false})),
            reuse_off,
            update("policy-strong", 4, json!({})),
            call("policy-read", &at(5), "iam", "GetAccountPasswordPolicy"),
            refused(
                call(
                    "policy-delete-denied",
                    &at(6),
                    "iam",
                    "DeleteAccountPasswordPolicy",
                ),
                "AccessDenied",
            ),
        ],
        &[
            "policy-deleted",
            "policy-short",
            "policy-no-symbols",
            "policy-reuse-off",
        ],
        &["policy-strong", "policy-read", "policy-delete-denied"],
    )
}

fn brute_force_success() -> QueryCases {
    let mut events = Vec::new();
    let mut found = Vec::new();
    let mut missed = Vec::new();
    let mut login = |id: String, time: String, identity: Value, ok: bool, ip: &str, hit: bool| {
        events.push(console_login(&id, &time, identity, ok, "No", ip));
        if hit {
            found.push(id);
        } else {
            missed.push(id);
        }
    };
    // bob: six failures, then in: found (for the user and for the address).
    for i in 0..6 {
        login(
            format!("bob-fail-{i}"),
            t(2, 2, i, 0),
            user("bob"),
            false,
            "203.0.113.80",
            true,
        );
    }
    login(
        "bob-in".into(),
        t(2, 2, 10, 0),
        user("bob"),
        true,
        "203.0.113.80",
        true,
    );
    // carol: four failures, then in: below the threshold.
    for i in 0..4 {
        login(
            format!("carol-fail-{i}"),
            t(2, 3, i, 0),
            user("carol"),
            false,
            "203.0.113.81",
            false,
        );
    }
    login(
        "carol-in".into(),
        t(2, 3, 5, 0),
        user("carol"),
        true,
        "203.0.113.81",
        false,
    );
    // dave: five failures, in ninety minutes later.
    for i in 0..5 {
        login(
            format!("dave-fail-{i}"),
            t(2, 4, i, 0),
            user("dave"),
            false,
            "203.0.113.82",
            false,
        );
    }
    login(
        "dave-in-later".into(),
        t(2, 5, 30, 0),
        user("dave"),
        true,
        "203.0.113.82",
        false,
    );
    // erin: five failures and no success.
    for i in 0..5 {
        login(
            format!("erin-fail-{i}"),
            t(2, 6, i, 0),
            user("erin"),
            false,
            "203.0.113.83",
            false,
        );
    }
    // frank: in first, five failures after.
    login(
        "frank-in-first".into(),
        t(2, 7, 0, 0),
        user("frank"),
        true,
        "203.0.113.84",
        false,
    );
    for i in 0..5 {
        login(
            format!("frank-fail-{i}"),
            t(2, 7, 1 + i, 0),
            user("frank"),
            false,
            "203.0.113.84",
            false,
        );
    }
    // One address spraying five users, then in as a sixth: found for the address.
    for i in 0..5 {
        login(
            format!("spray-fail-{i}"),
            t(2, 8, i, 0),
            user(&format!("spray{i}")),
            false,
            "198.18.7.7",
            true,
        );
    }
    login(
        "spray-in".into(),
        t(2, 8, 10, 0),
        user("gina"),
        true,
        "198.18.7.7",
        true,
    );
    // The root user failing from five addresses, then in from a sixth: found for the root user.
    for i in 0..5 {
        login(
            format!("root-fail-{i}"),
            t(2, 9, i, 0),
            root(),
            false,
            &format!("192.0.2.{}", 10 + i),
            true,
        );
    }
    login(
        "root-in".into(),
        t(2, 9, 20, 0),
        root(),
        true,
        "192.0.2.99",
        true,
    );
    QueryCases {
        query: "console-login-brute-force-success",
        params: Vec::new(),
        events,
        found,
        missed,
    }
}
