//! Selector semantics (every field and operator, AWS's edge cases) and validation messages.

use trailhound_cost::selectors::{EventView, Resource};
use trailhound_cost::Selectors;

fn mgmt(source: &'static str, read_only: Option<bool>) -> EventView<'static> {
    EventView {
        category: Some("Management"),
        management_event: Some(true),
        event_source: Some(source),
        event_name: Some("DescribeInstances"),
        event_type: Some("AwsApiCall"),
        read_only,
        user_arn: Some("arn:aws:iam::111122223333:user/alice"),
        ..Default::default()
    }
}

fn s3_data(arn: &'static str, name: &'static str, read_only: bool) -> EventView<'static> {
    EventView {
        category: Some("Data"),
        management_event: Some(false),
        event_source: Some("s3.amazonaws.com"),
        event_name: Some(name),
        event_type: Some("AwsApiCall"),
        read_only: Some(read_only),
        session_credential_from_console: Some("true"),
        user_arn: Some("arn:aws:sts::111122223333:assumed-role/etl/job"),
        resources: vec![
            Resource {
                kind: Some("AWS::S3::Object"),
                arn: Some(arn),
            },
            Resource {
                kind: Some("AWS::S3::Bucket"),
                arn: Some("arn:aws:s3:::bucket-a"),
            },
        ],
        ..Default::default()
    }
}

fn network(error: Option<&'static str>) -> EventView<'static> {
    EventView {
        category: Some("NetworkActivity"),
        event_source: Some("kms.amazonaws.com"),
        event_name: Some("Decrypt"),
        error_code: error,
        vpc_endpoint_id: Some("vpce-0abc"),
        user_arn: Some("arn:aws:iam::111122223333:role/app"),
        ..Default::default()
    }
}

fn adv(fields: &str) -> Selectors {
    Selectors::parse(&format!(r#"[{{"Name":"t","FieldSelectors":[{fields}]}}]"#))
        .unwrap_or_else(|e| panic!("{fields}: {e}"))
}

fn err(json: &str) -> String {
    Selectors::parse(json).unwrap_err().to_string()
}

#[test]
fn basic_management_read_write_and_exclusions() {
    let s = Selectors::parse(
        r#"{"TrailARN":"arn:aws:cloudtrail:us-east-1:111122223333:trail/t","EventSelectors":[{"ReadWriteType":"WriteOnly","IncludeManagementEvents":true,"DataResources":[],"ExcludeManagementEventSources":["kms.amazonaws.com"]}]}"#,
    )
    .unwrap();
    assert!(s.matches(&mgmt("ec2.amazonaws.com", Some(false))));
    assert!(!s.matches(&mgmt("ec2.amazonaws.com", Some(true))));
    // readOnly missing counts as a write.
    assert!(s.matches(&mgmt("signin.amazonaws.com", None)));
    assert!(!s.matches(&mgmt("kms.amazonaws.com", Some(false))));
    // No data resources: no data events; basic selectors never record network activity.
    assert!(!s.matches(&s3_data("arn:aws:s3:::bucket-a/k", "PutObject", false)));
    assert!(!s.matches(&network(None)));

    let ro = Selectors::parse(r#"[{"ReadWriteType":"ReadOnly"}]"#).unwrap();
    assert!(ro.matches(&mgmt("ec2.amazonaws.com", Some(true))));
    assert!(!ro.matches(&mgmt("ec2.amazonaws.com", None)));
    let none = Selectors::parse(r#"[{"IncludeManagementEvents":false}]"#).unwrap();
    assert!(!none.matches(&mgmt("ec2.amazonaws.com", Some(true))));
}

#[test]
fn basic_data_resources_match_by_arn_prefix_and_type() {
    let s = Selectors::parse(
        r#"[{"ReadWriteType":"All","IncludeManagementEvents":false,"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::bucket-a/logs/"]},{"Type":"AWS::Lambda::Function","Values":["arn:aws:lambda"]}]}]"#,
    )
    .unwrap();
    assert!(s.matches(&s3_data(
        "arn:aws:s3:::bucket-a/logs/x.gz",
        "GetObject",
        true
    )));
    assert!(!s.matches(&s3_data(
        "arn:aws:s3:::bucket-a/other/x.gz",
        "GetObject",
        true
    )));
    assert!(!s.matches(&mgmt("ec2.amazonaws.com", Some(true))));
    let all_s3 = Selectors::parse(
        r#"[{"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3"]}]}]"#,
    )
    .unwrap();
    assert!(all_s3.matches(&s3_data("arn:aws:s3:::any/k", "PutObject", false)));
    // The bucket resource of an object event is not an S3::Object: a prefix on it alone is not enough.
    let bucket_only = Selectors::parse(
        r#"[{"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::bucket-b"]}]}]"#,
    )
    .unwrap();
    assert!(!bucket_only.matches(&s3_data("arn:aws:s3:::bucket-a/k", "PutObject", false)));
    // Basic selectors are ORed.
    let two = Selectors::parse(
        r#"[{"IncludeManagementEvents":false,"DataResources":[{"Type":"AWS::S3::Object","Values":["arn:aws:s3:::bucket-a/"]}]},{"ReadWriteType":"ReadOnly"}]"#,
    )
    .unwrap();
    assert!(two.matches(&s3_data("arn:aws:s3:::bucket-a/k", "PutObject", false)));
    assert!(two.matches(&mgmt("ec2.amazonaws.com", Some(true))));
    assert!(!two.matches(&mgmt("ec2.amazonaws.com", Some(false))));
}

#[test]
fn advanced_every_operator() {
    let d = s3_data("arn:aws:s3:::bucket-a/logs/2024/x.json", "PutObject", false);
    let base = r#"{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]}"#;
    let cases = [
        (
            r#"{"Field":"eventName","Equals":["PutObject","DeleteObject"]}"#,
            true,
        ),
        (r#"{"Field":"eventName","Equals":["GetObject"]}"#, false),
        (
            r#"{"Field":"eventName","NotEquals":["GetObject","HeadObject"]}"#,
            true,
        ),
        (r#"{"Field":"eventName","NotEquals":["PutObject"]}"#, false),
        (
            r#"{"Field":"resources.ARN","StartsWith":["arn:aws:s3:::bucket-a/logs/"]}"#,
            true,
        ),
        (
            r#"{"Field":"resources.ARN","StartsWith":["arn:aws:s3:::bucket-b/"]}"#,
            false,
        ),
        (
            r#"{"Field":"resources.ARN","NotStartsWith":["arn:aws:s3:::bucket-a/"]}"#,
            false,
        ),
        (
            r#"{"Field":"resources.ARN","NotStartsWith":["arn:aws:s3:::bucket-b/"]}"#,
            true,
        ),
        (
            r#"{"Field":"resources.ARN","EndsWith":[".json",".csv"]}"#,
            true,
        ),
        (
            r#"{"Field":"resources.ARN","EndsWith":[".parquet"]}"#,
            false,
        ),
        (
            r#"{"Field":"resources.ARN","NotEndsWith":[".json"]}"#,
            false,
        ),
        (
            r#"{"Field":"resources.ARN","NotEndsWith":[".parquet"]}"#,
            true,
        ),
        // Operators of one field selector are ANDed.
        (
            r#"{"Field":"resources.ARN","StartsWith":["arn:aws:s3:::bucket-a/"],"NotStartsWith":["arn:aws:s3:::bucket-a/logs/"]}"#,
            false,
        ),
        (r#"{"Field":"readOnly","Equals":["false"]}"#, true),
        (r#"{"Field":"readOnly","Equals":["true"]}"#, false),
        (
            r#"{"Field":"eventSource","Equals":["s3.amazonaws.com"]}"#,
            true,
        ),
        (r#"{"Field":"eventType","Equals":["AwsApiCall"]}"#, true),
        (r#"{"Field":"eventType","NotEquals":["AwsApiCall"]}"#, false),
        (
            r#"{"Field":"sessionCredentialFromConsole","Equals":["true"]}"#,
            true,
        ),
        (
            r#"{"Field":"sessionCredentialFromConsole","Equals":["false"]}"#,
            false,
        ),
        (
            r#"{"Field":"userIdentity.arn","StartsWith":["arn:aws:sts::111122223333:assumed-role/etl/"]}"#,
            true,
        ),
        (
            r#"{"Field":"userIdentity.arn","NotEndsWith":["/job"]}"#,
            false,
        ),
    ];
    for (field, expect) in cases {
        let s = adv(&format!("{base},{field}"));
        assert_eq!(s.matches(&d), expect, "{field}");
    }
    // The category and resource type gate everything.
    assert!(!adv(base).matches(&mgmt("s3.amazonaws.com", Some(false))));
    let lambda = adv(
        r#"{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::Lambda::Function"]}"#,
    );
    assert!(!lambda.matches(&d));
}

#[test]
fn advanced_missing_fields_and_or_across_selectors() {
    // NotEquals on a field the event lacks matches; Equals does not.
    let net_ok = r#"{"Field":"eventCategory","Equals":["NetworkActivity"]},{"Field":"eventSource","Equals":["kms.amazonaws.com"]}"#;
    assert!(adv(&format!(
        r#"{net_ok},{{"Field":"errorCode","Equals":["VpceAccessDenied"]}}"#
    ))
    .matches(&network(Some("VpceAccessDenied"))));
    assert!(!adv(&format!(
        r#"{net_ok},{{"Field":"errorCode","Equals":["VpceAccessDenied"]}}"#
    ))
    .matches(&network(None)));
    assert!(adv(&format!(
        r#"{net_ok},{{"Field":"vpcEndpointId","NotEquals":["vpce-999"]}}"#
    ))
    .matches(&network(None)));
    assert!(adv(&format!(
        r#"{net_ok},{{"Field":"eventName","Equals":["Decrypt"]}}"#
    ))
    .matches(&network(None)));
    let mut no_arn = s3_data("arn:aws:s3:::bucket-a/k", "GetObject", true);
    no_arn.user_arn = None;
    let data = r#"{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]}"#;
    assert!(adv(&format!(
        r#"{data},{{"Field":"userIdentity.arn","NotEquals":["x"]}}"#
    ))
    .matches(&no_arn));
    assert!(adv(&format!(
        r#"{data},{{"Field":"userIdentity.arn","NotStartsWith":["x"]}}"#
    ))
    .matches(&no_arn));
    assert!(!adv(&format!(
        r#"{data},{{"Field":"userIdentity.arn","StartsWith":["arn"]}}"#
    ))
    .matches(&no_arn));
    assert!(!adv(&format!(
        r#"{data},{{"Field":"userIdentity.arn","EndsWith":["job"]}}"#
    ))
    .matches(&no_arn));

    // Management exclusions; an event with no eventCategory (before 2021) is a management event
    // unless managementEvent says false.
    let m = adv(
        r#"{"Field":"eventCategory","Equals":["Management"]},{"Field":"eventSource","NotEquals":["kms.amazonaws.com","rdsdata.amazonaws.com"]}"#,
    );
    assert!(m.matches(&mgmt("ec2.amazonaws.com", Some(true))));
    assert!(!m.matches(&mgmt("kms.amazonaws.com", Some(true))));
    let mut old = mgmt("ec2.amazonaws.com", Some(true));
    old.category = None;
    old.management_event = None;
    assert!(m.matches(&old));
    old.management_event = Some(false);
    assert!(!m.matches(&old));

    // Selectors are ORed.
    let both = Selectors::parse(
        r#"{"AdvancedEventSelectors":[
            {"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"readOnly","Equals":["false"]}]},
            {"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"eventName","Equals":["DeleteObject"]}]}]}"#,
    )
    .unwrap();
    assert!(both.matches(&mgmt("iam.amazonaws.com", Some(false))));
    assert!(!both.matches(&mgmt("iam.amazonaws.com", Some(true))));
    assert!(both.matches(&s3_data("arn:aws:s3:::b/k", "DeleteObject", false)));
    assert!(!both.matches(&s3_data("arn:aws:s3:::b/k", "PutObject", false)));
}

#[test]
fn invalid_selectors_say_what_and_where() {
    let cases: &[(&str, &str)] = &[
        ("{", "not valid JSON"),
        (r#"{"EventSelectors":[{"ReadWriteType":"All"}],"AdvancedEventSelectors":[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]}]}]}"#, "cannot be used together"),
        (r#"{"Selectors":[]}"#, "unknown field Selectors"),
        (r#"[{"ReadWriteType":"Some"}]"#, "EventSelectors[0].ReadWriteType: \"Some\" is not one of"),
        (r#"[{"ReadWriteType":"All","Foo":1}]"#, "EventSelectors[0]: unknown field Foo"),
        (r#"[{"ExcludeManagementEventSources":["ec2.amazonaws.com"]}]"#, "\"ec2.amazonaws.com\" cannot be excluded"),
        (r#"[{},{},{},{},{},{}]"#, "6 event selectors given; a trail takes at most 5"),
        (r#"[{"DataResources":[{"Type":"AWS::SNS::Topic","Values":["arn:aws:sns"]}]}]"#, "EventSelectors[0].DataResources[0].Type: \"AWS::SNS::Topic\" is not a resource type basic"),
        (r#"[{"DataResources":[{"Type":"AWS::S3::Object","Values":[]}]}]"#, "DataResources[0].Values: needs at least one value"),
        (r#"[{"DataResources":[{"Type":"AWS::S3::Object","Values":["bucket/"]}]}]"#, "must start with \"arn:aws:s3\""),
        (r#"[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"readOnly","NotEquals":["true"]}]}]"#, "AdvancedEventSelectors[0].FieldSelectors[1].NotEquals: operator NotEquals is not allowed on readOnly; only Equals is"),
        (r#"[{"FieldSelectors":[{"Field":"eventCategory","StartsWith":["Data"]}]}]"#, "not allowed on eventCategory"),
        (r#"[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","EndsWith":["Object"]}]}]"#, "not allowed on resources.type"),
        (r#"[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"eventName","Equals":["PutObject"]}]}]"#, "field eventName is not allowed for eventCategory Management (only event data stores take it, not trails)"),
        (r#"[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"eventSource","Equals":["ec2.amazonaws.com"]}]}]"#, "eventSource only as NotEquals"),
        (r#"[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]}]}]"#, "resources.type is required for eventCategory Data"),
        (r#"[{"FieldSelectors":[{"Field":"eventCategory","Equals":["NetworkActivity"]}]}]"#, "eventSource is required for eventCategory NetworkActivity"),
        (r#"[{"FieldSelectors":[{"Field":"eventCategory","Equals":["NetworkActivity"]},{"Field":"eventSource","Equals":["s3.amazonaws.com"]},{"Field":"errorCode","Equals":["AccessDenied"]}]}]"#, "errorCode takes only Equals VpceAccessDenied"),
        (r#"[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"vpcEndpointId","Equals":["vpce-1"]}]}]"#, "field vpcEndpointId is not allowed for eventCategory Data"),
        (r#"[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"eventName","Equals":[]}]}]"#, "FieldSelectors[2].Equals: needs at least one value"),
        (r#"[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"eventName","Like":["Put%"]}]}]"#, "unknown operator Like"),
        (r#"[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"eventname","Equals":["x"]}]}]"#, "unknown field \"eventname\""),
        (r#"[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"eventName"}]}]"#, "has no operator"),
        (r#"[{"FieldSelectors":[{"Field":"readOnly","Equals":["true"]}]}]"#, "eventCategory is required"),
        (r#"[{"FieldSelectors":[{"Field":"eventCategory","Equals":["Mgmt"]}]}]"#, "eventCategory \"Mgmt\" is not one of"),
        (r#"[{"FieldSelectors":[]}]"#, "needs at least one field selector"),
        (r#"[{"Name":"x","FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]},{"Field":"eventName","Equals":["a"]},{"Field":"eventName","Equals":["b"]}]}]"#, "appears twice"),
        (r#"{}"#, "no EventSelectors or AdvancedEventSelectors"),
    ];
    for (json, want) in cases {
        let e = err(json);
        assert!(e.starts_with("InvalidEventSelectorsException: "), "{e}");
        assert!(e.contains(want), "{json}\n  gave: {e}\n  want: {want}");
    }
    // Limits: 250 data resources, 500 values.
    let values: Vec<String> = (0..251)
        .map(|i| format!("\"arn:aws:s3:::b{i}/\""))
        .collect();
    let e = err(&format!(
        r#"[{{"DataResources":[{{"Type":"AWS::S3::Object","Values":[{}]}}]}}]"#,
        values.join(",")
    ));
    assert!(
        e.contains("251 data resources given; a trail takes at most 250"),
        "{e}"
    );
    let names: Vec<String> = (0..500).map(|i| format!("\"Op{i}\"")).collect();
    let e = err(&format!(
        r#"[{{"FieldSelectors":[{{"Field":"eventCategory","Equals":["Data"]}},{{"Field":"resources.type","Equals":["AWS::S3::Object"]}},{{"Field":"eventName","Equals":[{}]}}]}}]"#,
        names.join(",")
    ));
    assert!(
        e.contains("502 values given; a trail takes at most 500"),
        "{e}"
    );
}

#[test]
fn shipped_examples_are_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/selectors");
    for f in ["basic.json", "production.json"] {
        Selectors::from_file(&dir.join(f)).unwrap();
    }
    let e = Selectors::from_file(&dir.join("missing.json")).unwrap_err();
    assert!(e.to_string().contains("missing.json"), "{e}");
}
