//! Filter patterns on real lakes: every operator with a match and a near miss on crafted events,
//! and the CIS AWS Foundations patterns against the saved queries of the same controls.

use std::collections::BTreeMap;
use std::io::Write;

use trailhound_alert::metric::matching_events;
use trailhound_rules::catalog::Catalog;
use trailhound_rules::pattern::parse;

use crate::{converted, engine, real_lake, repo_root, sample_lake};

const FROM: i64 = 0;
const UNTIL: i64 = 4_102_444_800_000_000; // 2100-01-01

fn crafted_lake() -> std::path::PathBuf {
    let events = serde_json::json!({"Records": [
        {"eventVersion": "1.08", "eventTime": "2024-03-01T10:00:00Z", "eventSource": "ec2.amazonaws.com",
         "eventName": "RunInstances", "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7",
         "errorCode": "Client.UnauthorizedOperation", "readOnly": false, "eventType": "AwsApiCall",
         "userIdentity": {"type": "AssumedRole", "sessionContext": {"sessionIssuer": {"userName": "role-admin"}}},
         "requestParameters": {"instanceType": "t3.micro", "count": 5, "flag": true, "nothing": null,
                               "nested": {"list": [{"v": 1.5}, {"v": "x"}]}},
         "resources": [{"ARN": "arn:aws:ec2:us-east-1:111122223333:instance/i-1", "type": "AWS::EC2::Instance"}],
         "recipientAccountId": "111122223333", "eventID": "e1"},
        {"eventVersion": "1.08", "eventTime": "2024-03-01T10:01:00Z", "eventSource": "signin.amazonaws.com",
         "eventName": "ConsoleLogin", "awsRegion": "us-east-1", "sourceIPAddress": "203.0.113.9",
         "readOnly": true, "eventType": "AwsConsoleSignIn", "errorMessage": "Failed authentication",
         "userIdentity": {"type": "IAMUser", "userName": "alice", "invokedBy": "signin.amazonaws.com"},
         "additionalEventData": {"MFAUsed": "No"}, "responseElements": {"ConsoleLogin": "Failure"},
         "recipientAccountId": "111122223333", "eventID": "e2"},
        {"eventVersion": "1.08", "eventTime": "2024-03-01T10:02:00Z", "eventSource": "s3.amazonaws.com",
         "eventName": "GetObject", "awsRegion": "us-east-1", "sourceIPAddress": "delivery.logs.amazonaws.com",
         "errorCode": null, "readOnly": true, "customKey": 42,
         "userIdentity": {"type": "AWSService", "invokedBy": "delivery.logs.amazonaws.com"},
         "requestParameters": {"count": "5", "bucketName": "logs*bucket"},
         "recipientAccountId": "111122223333", "eventID": "e3"}
    ]});
    let dir = tempfile::tempdir().unwrap().keep();
    let src = dir.join("AWSLogs/111122223333/CloudTrail/us-east-1/2024/03/01");
    std::fs::create_dir_all(&src).unwrap();
    let file = std::fs::File::create(
        src.join("111122223333_CloudTrail_us-east-1_20240301T1005Z_crafted.json.gz"),
    )
    .unwrap();
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    gz.write_all(events.to_string().as_bytes()).unwrap();
    gz.finish().unwrap();
    converted(&dir)
}

#[tokio::test]
async fn every_operator_matches_and_misses_as_cloudwatch_does() {
    let e = engine(&crafted_lake());
    let cases: &[(&str, &[&str])] = &[
        ("{ $.eventName = RunInstances }", &["e1"]),
        ("{ $.eventName = runinstances }", &[]),
        ("{ $.eventName != RunInstances }", &["e2", "e3"]),
        ("{ $.errorCode = \"*UnauthorizedOperation\" }", &["e1"]),
        ("{ $.errorCode = \"UnauthorizedOperation\" }", &[]),
        ("{ $.errorCode = Client.* }", &["e1"]),
        ("{ $.errorCode = Client.*Operation }", &[]),
        // `!=` needs a value there: e2 has no errorCode, e3's is null.
        ("{ $.errorCode != \"x\" }", &["e1"]),
        ("{ $.errorCode IS NULL }", &["e3"]),
        ("{ $.requestParameters.nothing IS NULL }", &["e1"]),
        ("{ $.requestParameters.count = 5 }", &["e1", "e3"]),
        ("{ $.requestParameters.count != 5 }", &[]),
        ("{ $.requestParameters.count != 6 }", &["e1", "e3"]),
        ("{ $.requestParameters.count > 4 }", &["e1"]),
        ("{ $.requestParameters.count > 5 }", &[]),
        ("{ $.requestParameters.count >= 5 }", &["e1"]),
        ("{ $.requestParameters.count < 5.5 }", &["e1"]),
        ("{ $.requestParameters.count <= 4.9 }", &[]),
        ("{ $.requestParameters.count <= 5e0 }", &["e1"]),
        ("{ $.requestParameters.nested.list[0].v = 1.5 }", &["e1"]),
        ("{ $.requestParameters.nested.list[1].v = \"x\" }", &["e1"]),
        ("{ $.requestParameters.nested.list[2].v = \"x\" }", &[]),
        // A selector on an object never matches.
        ("{ $.requestParameters.nested = * }", &[]),
        ("{ $.requestParameters.instanceType = * }", &["e1"]),
        ("{ $.requestParameters.flag IS TRUE }", &["e1"]),
        ("{ $.requestParameters.flag IS FALSE }", &[]),
        ("{ $.readOnly IS TRUE }", &["e2", "e3"]),
        ("{ $.readOnly IS FALSE }", &["e1"]),
        ("{ $.userIdentity.invokedBy NOT EXISTS }", &["e1"]),
        (
            "{ $.userIdentity.sessionContext.sessionIssuer.userName = \"role-*\" }",
            &["e1"],
        ),
        (
            "{ $.userIdentity.sessionContext.sessionIssuer.userName = \"role\" }",
            &[],
        ),
        ("{ $.resources[0].ARN = \"*:instance/i-1\" }", &["e1"]),
        ("{ $.resources[1].ARN = * }", &[]),
        ("{ $.additionalEventData.MFAUsed != \"Yes\" }", &["e2"]),
        ("{ $.customKey = 42 }", &["e3"]),
        ("{ $.customKey > 41 && $.customKey < 43 }", &["e3"]),
        ("{ $.customKey NOT EXISTS }", &["e1", "e2"]),
        (
            "{ $.requestParameters.bucketName = \"logs*bucket\" }",
            &["e3"],
        ),
        ("{ $.eventName = %^(Run|Get)% }", &["e1", "e3"]),
        ("{ $.eventName != %Login$% }", &["e1", "e3"]),
        ("{ $.eventTime = \"2024-03-01T10:01:00Z\" }", &["e2"]),
        // && binds tighter than ||.
        (
            "{ $.eventName = GetObject || $.eventName = ConsoleLogin && $.readOnly IS FALSE }",
            &["e3"],
        ),
        (
            "{ ($.eventName = GetObject || $.eventName = ConsoleLogin) && $.readOnly IS TRUE }",
            &["e2", "e3"],
        ),
    ];
    let mut wrong = Vec::new();
    for (pattern, want) in cases {
        let p = parse(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        let got = matching_events(&e, &p, FROM, UNTIL).await.unwrap();
        if got != *want {
            wrong.push(format!("{pattern}: got {got:?}, want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The CIS AWS Foundations monitoring patterns (v3.0 text; 4.1 with its intended grouping,
/// 4.2 the Security Hub variant the saved query follows) select the same events as the saved
/// query of the control. 4.4's pattern names IAM actions without IAM's event source, so it also
/// matches Auto Scaling's `CreatePolicy` (8 events in the sample trail); the saved query does not:
/// the pattern restricted to IAM must find exactly the query's events, and the raw pattern only
/// more from other services.
#[tokio::test]
async fn cis_patterns_find_what_the_saved_queries_find() {
    let cat = Catalog::load(&[repo_root().join("queries")]).unwrap();
    let cases = [
        ("cis-4.01-unauthorized-api-calls", r#"{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }"#),
        ("cis-4.02-console-login-without-mfa", r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") && ($.userIdentity.type = "IAMUser") && ($.responseElements.ConsoleLogin = "Success") }"#),
        ("cis-4.03-root-usage", r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#),
        ("cis-4.04-iam-policy-changes", "{($.eventName=DeleteGroupPolicy)||($.eventName=DeleteRolePolicy)||($.eventName=DeleteUserPolicy)||($.eventName=PutGroupPolicy)||($.eventName=PutRolePolicy)||($.eventName=PutUserPolicy)||($.eventName=CreatePolicy)||($.eventName=DeletePolicy)||($.eventName=CreatePolicyVersion)||($.eventName=DeletePolicyVersion)||($.eventName=AttachRolePolicy)||($.eventName=DetachRolePolicy)||($.eventName=AttachUserPolicy)||($.eventName=DetachUserPolicy)||($.eventName=AttachGroupPolicy)||($.eventName=DetachGroupPolicy)}"),
        ("cis-4.05-cloudtrail-changes", "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }"),
        ("cis-4.06-console-auth-failures", r#"{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }"#),
        ("cis-4.07-cmk-disabled-or-deleted", "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"),
        ("cis-4.08-s3-bucket-policy-changes", "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketAcl) || ($.eventName = PutBucketPolicy) || ($.eventName = PutBucketCors) || ($.eventName = PutBucketLifecycle) || ($.eventName = PutBucketReplication) || ($.eventName = DeleteBucketPolicy) || ($.eventName = DeleteBucketCors) || ($.eventName = DeleteBucketLifecycle) || ($.eventName = DeleteBucketReplication)) }"),
        ("cis-4.09-config-changes", "{($.eventSource = config.amazonaws.com) && (($.eventName=StopConfigurationRecorder)||($.eventName=DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($.eventName=PutConfigurationRecorder))}"),
        ("cis-4.10-security-group-changes", "{($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }"),
        ("cis-4.11-nacl-changes", "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || ($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || ($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }"),
        ("cis-4.12-network-gateway-changes", "{ ($.eventName = CreateCustomerGateway) || ($.eventName = DeleteCustomerGateway) || ($.eventName = AttachInternetGateway) || ($.eventName = CreateInternetGateway) || ($.eventName = DeleteInternetGateway) || ($.eventName = DetachInternetGateway) }"),
        ("cis-4.13-route-table-changes", "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }"),
        ("cis-4.14-vpc-changes", "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || ($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || ($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || ($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || ($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }"),
        ("cis-4.15-organizations-changes", r#"{ ($.eventSource = organizations.amazonaws.com) && (($.eventName = "AcceptHandshake") || ($.eventName = "AttachPolicy") || ($.eventName = "CreateAccount") || ($.eventName = "CreateOrganizationalUnit") || ($.eventName = "CreatePolicy") || ($.eventName = "DeclineHandshake") || ($.eventName = "DeleteOrganization") || ($.eventName = "DeleteOrganizationalUnit") || ($.eventName = "DeletePolicy") || ($.eventName = "DetachPolicy") || ($.eventName = "DisablePolicyType") || ($.eventName = "EnablePolicyType") || ($.eventName = "InviteAccountToOrganization") || ($.eventName = "LeaveOrganization") || ($.eventName = "MoveAccount") || ($.eventName = "RemoveAccountFromOrganization") || ($.eventName = "UpdatePolicy") || ($.eventName = "UpdateOrganizationalUnit")) }"#),
    ];
    let mut found = std::collections::BTreeSet::new();
    let mut wrong = Vec::new();
    for (lake, extra_createpolicy) in [(sample_lake(), 8), (real_lake(), 0)] {
        let e = engine(lake);
        for (name, pattern) in cases {
            let q = cat.get(name).unwrap();
            let values = q.bind(&BTreeMap::new(), FROM, UNTIL, 30).unwrap();
            let out = e.run_bound(&q.sql, values).await.unwrap();
            let mut want: Vec<String> = trailhound_query::output::text_rows(&out.batches)
                .unwrap()
                .into_iter()
                .map(|r| r[0].clone())
                .collect();
            want.sort();
            let got = matching_events(&e, &parse(pattern).unwrap(), FROM, UNTIL)
                .await
                .unwrap();
            if name == "cis-4.04-iam-policy-changes" {
                let iam = format!(
                    "{{ $.eventSource = iam.amazonaws.com && ({}) }}",
                    &pattern[1..pattern.len() - 1]
                );
                let only_iam = matching_events(&e, &parse(&iam).unwrap(), FROM, UNTIL)
                    .await
                    .unwrap();
                assert_eq!(only_iam, want, "{name} restricted to IAM");
                let not_iam = format!(
                    "{{ $.eventSource != iam.amazonaws.com && ({}) }}",
                    &pattern[1..pattern.len() - 1]
                );
                let others = matching_events(&e, &parse(&not_iam).unwrap(), FROM, UNTIL)
                    .await
                    .unwrap();
                assert_eq!(got.len(), want.len() + others.len(), "{name}");
                assert_eq!(
                    others.len(),
                    extra_createpolicy,
                    "{name}: Auto Scaling's CreatePolicy"
                );
                if !got.is_empty() {
                    found.insert(name);
                }
                continue;
            }
            if got != want {
                wrong.push(format!(
                    "{name}: pattern {} events, query {}",
                    got.len(),
                    want.len()
                ));
            }
            if !got.is_empty() {
                found.insert(name);
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The sample trail exercises most controls: a pattern that found nothing proves little.
    assert!(
        found.len() >= 10,
        "only {found:?} of 15 CIS patterns found events"
    );
}

/// `$.eventName = X` reaches the scan as a predicate it prunes with (counted from the plan's
/// metrics), and finds what the plain comparison finds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_name_condition_prunes_row_groups() {
    let e = engine(crate::small_row_groups());
    let p = trailhound_rules::compile::to_sql(
        &parse("{ ($.eventName = StopLogging) || ($.eventName = DeleteTrail) }").unwrap(),
    );
    let s = e
        .scan_stats(&format!("SELECT count(*) FROM cloudtrail WHERE {p}"))
        .await
        .unwrap();
    assert!(s.row_groups_pruned > s.row_groups_matched, "{s:?}");
    assert_eq!(
        crate::scalar(&e, &format!("SELECT count(*) FROM cloudtrail WHERE {p}")).await,
        crate::scalar(
            &e,
            "SELECT count(*) FROM cloudtrail WHERE eventname IN ('StopLogging', 'DeleteTrail')"
        )
        .await
    );
}
