//! `lookup`: the AWS CLI's attribute lookups, answered from the lake.

use trailhound_query::lookup::{lookup, parse_attribute, to_aws_events, Category, Lookup};

use crate::{engine, real_lake, sample_lake, scalar};

async fn count(attr: &str, category: Category) -> usize {
    let e = engine(sample_lake());
    let l = Lookup {
        attributes: vec![parse_attribute(attr).unwrap()],
        category,
        ..Default::default()
    };
    rows(&e, &l).await.len()
}

/// The eventIDs of one lookup page, in order.
async fn rows(e: &trailhound_query::Engine, l: &Lookup) -> Vec<String> {
    let page = lookup(e, l).await.unwrap();
    to_aws_events(&page.batches)
        .unwrap()
        .events
        .into_iter()
        .map(|ev| ev.event_id.unwrap_or_default())
        .collect()
}

/// The management-event rule on every combination of the two fields that carry it: newer
/// records have `eventCategory`, older ones only `managementEvent`, the oldest neither.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn management_events_only_by_default_as_cloudtrails_event_history() {
    let e = engine(sample_lake());
    assert_eq!(
        count(
            "AttributeKey=EventName,AttributeValue=GetObject",
            Category::Management
        )
        .await,
        0
    );
    assert_eq!(
        count(
            "AttributeKey=EventName,AttributeValue=GetObject",
            Category::ManagementAndData
        )
        .await,
        306
    );
    let all = rows(&e, &Lookup::default()).await.len();
    let management: usize = scalar(
        &e,
        "SELECT count(*) FROM cloudtrail WHERE eventcategory = 'Management'",
    )
    .await
    .parse()
    .unwrap();
    assert_eq!((all, management), (2568, 2568));
    let everything = Lookup {
        category: Category::ManagementAndData,
        ..Default::default()
    };
    assert_eq!(rows(&e, &everything).await.len(), 3013);
    // The real corpus has records without eventCategory (and some with only managementEvent).
    let real = engine(real_lake());
    let want: usize = scalar(
        &real,
        "SELECT count(*) FROM cloudtrail WHERE coalesce(eventcategory, CASE WHEN managementevent = false THEN 'Data' ELSE 'Management' END) = 'Management'",
    )
    .await
    .parse()
    .unwrap();
    let untagged: usize = scalar(&real, "SELECT count(*) FROM cloudtrail WHERE eventcategory IS NULL AND coalesce(managementevent, true)")
        .await
        .parse()
        .unwrap();
    assert!(untagged > 0, "the corpus has untagged management events");
    assert_eq!(rows(&real, &Lookup::default()).await.len(), want);
    // Insights events, by category only.
    let insights = Lookup {
        category: Category::Insight,
        ..Default::default()
    };
    let want: usize = scalar(&real, "SELECT count(*) FROM insights")
        .await
        .parse()
        .unwrap();
    assert!(want > 0);
    assert_eq!(rows(&real, &insights).await.len(), want);
}

/// Paging as the AWS CLI does it: every event exactly once, in the unpaged order, and a token
/// only good for its own lookup.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_return_every_event_once_in_order() {
    let e = engine(sample_lake());
    let base = Lookup {
        attributes: vec![parse_attribute("AttributeKey=ReadOnly,AttributeValue=true").unwrap()],
        ..Default::default()
    };
    let unpaged = rows(&e, &base).await;
    assert!(unpaged.len() > 100);
    let mut paged = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let l = Lookup {
            max_items: Some(37),
            starting_token: token.clone(),
            ..base.clone()
        };
        let page = lookup(&e, &l).await.unwrap();
        let ids = to_aws_events(&page.batches).unwrap().events;
        assert!(ids.len() <= 37);
        paged.extend(ids.into_iter().map(|ev| ev.event_id.unwrap_or_default()));
        pages += 1;
        match page.next_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert_eq!(pages, unpaged.len().div_ceil(37));
    assert_eq!(paged, unpaged);
    // A token of another lookup, or a damaged one, is refused.
    let other = Lookup {
        starting_token: token.clone().or(Some("7b7d".into())),
        ..Default::default()
    };
    let first = Lookup {
        max_items: Some(5),
        ..base.clone()
    };
    let t = lookup(&e, &first).await.unwrap().next_token.unwrap();
    for bad in [t[..t.len() - 4].to_string(), "garbage".into()] {
        let l = Lookup {
            starting_token: Some(bad),
            ..base.clone()
        };
        assert!(lookup(&e, &l).await.is_err());
    }
    let l = Lookup {
        starting_token: Some(t),
        ..other
    };
    let err = lookup(&e, &l).await.unwrap_err().to_string();
    assert!(err.contains("not a token of this lookup"), "{err}");
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
        assert_eq!(count(attr, Category::ManagementAndData).await, expected, "{attr}");
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
        max_items: Some(5),
        ..Default::default()
    };
    let r = to_aws_events(&lookup(&e, &l).await.unwrap().batches).unwrap();
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
        max_items: Some(3),
        start: Some(trailhound_model::window::parse_instant("2024-08-02").unwrap()),
        end: Some(trailhound_model::window::parse_instant("2024-08-03").unwrap()),
        ..Default::default()
    };
    let r = to_aws_events(&lookup(&e, &l).await.unwrap().batches).unwrap();
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
