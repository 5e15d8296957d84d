//! The principal a finding prints is one an investigator can search by: `root` (what
//! `user_display_name` shows for the root user) finds the root user's events in the timeline and
//! in `principal-activity`, on the real corpus (three root console sign-ins among them).

use std::collections::BTreeMap;

use trailhound_model::window::parse_instant;
use trailhound_model::TimeWindow;
use trailhound_query::timeline::{timeline, Subject};
use trailhound_rules::catalog::Catalog;

#[tokio::test]
async fn root_as_printed_finds_the_root_users_events() {
    let engine = crate::engine(crate::real_lake());
    let expected = crate::scalar(
        &engine,
        "SELECT count(*) FROM cloudtrail WHERE useridentity.type = 'Root'",
    )
    .await;
    assert_ne!(expected, "0");

    let t = timeline(
        &engine,
        &Subject::Principal("root".into()),
        &TimeWindow::default(),
        1000,
    )
    .await
    .unwrap();
    assert_eq!(t.total.to_string(), expected);

    let cat = Catalog::builtin().unwrap();
    let q = cat.get("principal-activity").unwrap();
    let given = BTreeMap::from([("principal".to_string(), "root".to_string())]);
    let values = q
        .bind(
            &given,
            parse_instant("2000-01-01").unwrap(),
            parse_instant("2100-01-01").unwrap(),
            30,
        )
        .unwrap();
    let out = engine.run_bound(&q.sql, values).await.unwrap();
    let rows = trailhound_query::output::text_rows(&out.batches).unwrap();
    assert_eq!(rows.len().to_string(), expected);
    assert!(rows.iter().all(|r| r[4] == "root"), "{rows:?}");
}
