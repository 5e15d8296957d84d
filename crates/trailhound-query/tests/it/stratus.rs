//! Real attacks written by others: Stratus Red Team's published detonations (35 AWS techniques,
//! `../shared/stratus-red-team`, each event's technique in `EXPECTED.jsonl`). Every technique must
//! be named by a threat detection that looks at what was done; the user-agent detection
//! (`offensive-tool-user-agents`) does not count, since a real attacker does not announce the tool.
//! Which detections name which technique is kept in `testdata/stratus-coverage.csv`
//! (`TRAILHOUND_BLESS=1` rewrites it), the table the README shows.

use std::collections::{BTreeMap, BTreeSet};

use trailhound_model::window::parse_instant;
use trailhound_rules::catalog::Catalog;

const USER_AGENT_DETECTION: &str = "offensive-tool-user-agents";

#[tokio::test]
async fn every_stratus_technique_is_detected_by_behaviour() {
    let dir = trailhound_testkit::stratus_dir();
    let mut technique_of: BTreeMap<String, String> = BTreeMap::new();
    let expected = std::fs::read_to_string(dir.join("EXPECTED.jsonl")).unwrap();
    for (n, line) in expected.lines().enumerate() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("EXPECTED.jsonl:{}: {e}", n + 1));
        technique_of.insert(
            v["eventID"].as_str().unwrap().to_string(),
            v["technique"].as_str().unwrap().to_string(),
        );
    }
    let techniques: BTreeSet<String> = technique_of.values().cloned().collect();
    assert!(techniques.len() >= 35, "{} techniques", techniques.len());

    let lake = trailhound_testkit::converted(&dir);
    let engine = trailhound_testkit::engine(&lake);
    let cat = Catalog::builtin().unwrap();
    // technique -> the detections naming one of its events
    let mut by: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for q in cat.category("threats") {
        let values = q
            .bind(
                &BTreeMap::new(),
                parse_instant("2000-01-01").unwrap(),
                parse_instant("2100-01-01").unwrap(),
                30,
            )
            .unwrap_or_else(|e| panic!("{}: {e}", q.name));
        let out = engine
            .run_bound(&q.sql, values)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", q.name));
        for id in crate::saved::named_ids(&out) {
            if let Some(t) = technique_of.get(&id) {
                by.entry(t.clone()).or_default().insert(q.name.clone());
            }
        }
    }
    let mut table = String::from("technique,detections\n");
    let mut missed = Vec::new();
    for t in &techniques {
        let found = by.get(t).cloned().unwrap_or_default();
        let behaviour: Vec<&String> = found
            .iter()
            .filter(|d| *d != USER_AGENT_DETECTION)
            .collect();
        if behaviour.is_empty() {
            missed.push(format!(
                "{t}: {}",
                if found.is_empty() {
                    "no detection"
                } else {
                    "only the user agent"
                }
            ));
        }
        let names: Vec<&str> = found.iter().map(String::as_str).collect();
        table.push_str(&format!("{t},{}\n", names.join(" ")));
    }
    assert!(
        missed.is_empty(),
        "techniques not detected by behaviour:\n{}",
        missed.join("\n")
    );
    let path = trailhound_testkit::repo_root().join("testdata/stratus-coverage.csv");
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    if kept != table {
        if std::env::var_os("TRAILHOUND_BLESS").is_some() {
            std::fs::write(&path, &table).unwrap();
        } else {
            panic!(
                "{} differs from what the catalog detects (TRAILHOUND_BLESS=1 rewrites it):\n{table}",
                path.display()
            );
        }
    }
}
