//! `lookup`: the AWS CLI's attribute lookups, answered from the lake.

use trailhound_query::lookup::{lookup, parse_attribute, to_aws_events, Lookup};

use crate::{engine, sample_lake, scalar};

async fn count(attr: &str) -> usize {
    let e = engine(sample_lake());
    let l = Lookup {
        attributes: vec![parse_attribute(attr).unwrap()],
        ..Default::default()
    };
    lookup(&e, &l)
        .await
        .unwrap()
        .iter()
        .map(|b| b.num_rows())
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_attribute_matches_what_sql_counts() {
    let e = engine(sample_lake());
    let sql = |w: &str| format!("SELECT count(*) FROM cloudtrail WHERE {w}");
    for (attr, cond) in [
        ("AttributeKey=EventName,AttributeValue=PutObject", "eventname = 'PutObject'"),
        ("AttributeKey=EventSource,AttributeValue=kms.amazonaws.com", "eventsource = 'kms.amazonaws.com'"),
        ("AttributeKey=ReadOnly,AttributeValue=false", "readonly = false"),
        (
            "AttributeKey=ResourceType,AttributeValue=AWS::S3::Bucket",
            "eventid IN (SELECT eventid FROM (SELECT eventid, unnest(resources) AS r FROM cloudtrail) WHERE get_field(r, 'type') = 'AWS::S3::Bucket')",
        ),
    ] {
        let expected: usize = scalar(&e, &sql(cond)).await.parse().unwrap();
        assert!(expected > 0, "{cond}");
        assert_eq!(count(attr).await, expected, "{attr}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_is_shaped_like_the_aws_cli() {
    let e = engine(sample_lake());
    let id = scalar(
        &e,
        "SELECT min(eventid) FROM cloudtrail WHERE eventname = 'RunInstances'",
    )
    .await;
    let l = Lookup {
        attributes: vec![
            parse_attribute(&format!("AttributeKey=EventId,AttributeValue={id}")).unwrap(),
        ],
        max_results: Some(5),
        ..Default::default()
    };
    let r = to_aws_events(&lookup(&e, &l).await.unwrap()).unwrap();
    assert_eq!(r.events.len(), 1);
    let v = serde_json::to_value(&r).unwrap();
    let ev = &v["Events"][0];
    assert_eq!(ev["EventId"], id.as_str());
    assert_eq!(ev["EventName"], "RunInstances");
    assert!(ev["EventTime"].as_str().unwrap().ends_with("+00:00"));
    let original: serde_json::Value =
        serde_json::from_str(ev["CloudTrailEvent"].as_str().unwrap()).unwrap();
    assert_eq!(original["eventID"], id.as_str());
    let text = serde_json::to_string(&r).unwrap();
    assert!(text.find("\"EventId\"").unwrap() < text.find("\"CloudTrailEvent\"").unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newest_first_and_bounded() {
    let e = engine(sample_lake());
    let l = Lookup {
        attributes: vec![parse_attribute("AttributeKey=EventName,AttributeValue=Decrypt").unwrap()],
        max_results: Some(3),
        start: Some(trailhound_model::window::parse_instant("2024-08-02").unwrap()),
        end: Some(trailhound_model::window::parse_instant("2024-08-03").unwrap()),
    };
    let r = to_aws_events(&lookup(&e, &l).await.unwrap()).unwrap();
    assert_eq!(r.events.len(), 3);
    let times: Vec<&str> = r
        .events
        .iter()
        .map(|e| e.event_time.as_deref().unwrap())
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(times, sorted);
    assert!(times.iter().all(|t| t.starts_with("2024-08-02")));
}
