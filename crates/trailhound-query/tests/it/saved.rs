//! The saved-query catalog: every built-in query parses, is bounded by the time window and names
//! the events behind its findings; on its crafted cases (`testdata/cases/<query>/`, read as data
//! by the test kit) each names every event of `found.json`, none of `near-misses.json`, and
//! returns exactly the rows of `expected.csv` (`TRAILHOUND_BLESS=1` rewrites those files).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use datafusion::arrow::array::{Array, AsArray};
use trailhound_model::window::parse_instant;
use trailhound_query::output::{write_text, Format, TableStyle};
use trailhound_query::QueryOutput;
use trailhound_rules::catalog::{Catalog, SavedQuery};
use trailhound_synth::lake_samples;
use trailhound_testkit::cases::{self, Case};

/// Event ids a result names: its `eventid`, `eventids` and `example_eventids` columns.
pub(crate) fn named_ids(out: &QueryOutput) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    for b in &out.batches {
        for (i, f) in b.schema().fields().iter().enumerate() {
            let col = b.column(i);
            match f.name().as_str() {
                "eventid" => {
                    let c = datafusion::arrow::compute::cast(
                        col,
                        &datafusion::arrow::datatypes::DataType::Utf8,
                    )
                    .unwrap();
                    let s = c.as_string::<i32>();
                    ids.extend(
                        (0..s.len())
                            .filter(|r| s.is_valid(*r))
                            .map(|r| s.value(r).to_string()),
                    );
                }
                "eventids" | "example_eventids" => {
                    let l = col.as_list::<i32>();
                    for r in 0..l.len() {
                        let v = datafusion::arrow::compute::cast(
                            &l.value(r),
                            &datafusion::arrow::datatypes::DataType::Utf8,
                        )
                        .unwrap();
                        let s = v.as_string::<i32>();
                        ids.extend((0..s.len()).map(|k| s.value(k).to_string()));
                    }
                }
                _ => {}
            }
        }
    }
    ids
}

#[test]
fn every_builtin_query_is_documented_bounded_and_tested() {
    let cat = Catalog::builtin().unwrap();
    let all = cat.all();
    assert!(all.len() >= 40, "{} saved queries", all.len());
    let all_cases = cases::all();
    let tested: BTreeSet<&str> = all_cases.iter().map(|c| c.query.as_str()).collect();
    for q in &all {
        assert!(
            q.sql.contains("$from") && q.sql.contains("$until"),
            "{} is not bounded by the window",
            q.name
        );
        assert!(
            tested.contains(q.name.as_str()),
            "{} has no cases in testdata/cases",
            q.name
        );
        assert!(
            !q.title.is_empty() && !q.description.is_empty() && !q.references.is_empty(),
            "{}",
            q.name
        );
    }
    assert_eq!(
        tested.len(),
        all.len(),
        "cases for queries that do not exist"
    );
    for n in 1..=15 {
        let prefix = format!("cis-4.{n:02}-");
        assert!(
            all.iter()
                .any(|q| q.name.starts_with(&prefix) && q.category == "compliance"),
            "CIS 4.{n}"
        );
    }
    let cats: BTreeSet<String> = cat.categories().into_iter().collect();
    assert_eq!(
        cats,
        ["compliance", "cost", "investigate", "threats"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
}

#[test]
fn the_lake_sample_events_on_disk_are_the_generators() {
    let trail = crate::sample_trail();
    let files = lake_samples::files();
    assert!(!files.is_empty());
    for (key, json) in files {
        let path = trail.join(&key);
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run trailhound-synth lake-samples testdata/sample-trail)",
                path.display()
            )
        }))
        .read_to_string(&mut text)
        .unwrap();
        assert_eq!(text, json, "{} differs from the generator", path.display());
    }
}

async fn run_case(c: &Case, q: &SavedQuery) -> QueryOutput {
    let lake = trailhound_testkit::converted(&c.archive());
    let engine = trailhound_testkit::engine(&lake);
    let values = q
        .bind(
            &c.params,
            parse_instant(cases::FROM).unwrap(),
            parse_instant(cases::UNTIL).unwrap(),
            30,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", c.dir.display()));
    engine
        .run_bound(&q.sql, values)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", q.name))
}

/// Every case folder, one generic test: the query names each event of `found.json` and none of
/// `near-misses.json`, and its rows as CSV are `expected.csv`'s.
#[tokio::test]
async fn each_query_finds_its_cases_and_no_near_miss() {
    let cat = Catalog::builtin().unwrap();
    let bless = std::env::var_os("TRAILHOUND_BLESS").is_some();
    let mut failures = Vec::new();
    for c in cases::all() {
        let Ok(q) = cat.get(&c.query) else {
            failures.push(format!("{}: no saved query of that name", c.dir.display()));
            continue;
        };
        if c.found.is_empty() || c.near_misses.is_empty() {
            failures.push(format!("{}: needs both kinds of case", c.dir.display()));
        }
        let out = run_case(&c, q).await;
        let named = named_ids(&out);
        let found: BTreeSet<String> = c.found_ids().into_iter().collect();
        let missed: Vec<String> = c
            .near_miss_ids()
            .into_iter()
            .filter(|m| named.contains(m))
            .collect();
        if !found.is_subset(&named) || !missed.is_empty() {
            failures.push(format!(
                "{}: missing {:?}, near misses found {:?}",
                c.query,
                found.difference(&named).collect::<Vec<_>>(),
                missed
            ));
        }
        let mut csv = Vec::new();
        write_text(&mut csv, &out, Format::Csv, &TableStyle::default()).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        let path = c.expected_path();
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        if csv.trim_end() != expected.trim_end() {
            if bless {
                std::fs::write(&path, &csv).unwrap();
            } else {
                failures.push(format!(
                    "{}: rows differ (TRAILHOUND_BLESS=1 rewrites it)\n--- expected\n{}\n--- got\n{}",
                    path.display(),
                    expected.trim_end(),
                    csv.trim_end()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Bound parameters are literals by the time the scan is planned: a saved query over one day of
/// the sample lake opens that day's files only (the sample has 30 files over 7 days).
#[tokio::test]
async fn a_saved_query_prunes_to_its_window() {
    let cat = Catalog::builtin().unwrap();
    let q = cat.get("cis-4.10-security-group-changes").unwrap();
    let engine = crate::engine(crate::sample_lake());
    let day = q
        .bind(
            &BTreeMap::new(),
            parse_instant("2024-08-02").unwrap(),
            parse_instant("2024-08-03").unwrap(),
            30,
        )
        .unwrap();
    let all = q
        .bind(
            &BTreeMap::new(),
            parse_instant("2024-07-01").unwrap(),
            parse_instant("2024-09-01").unwrap(),
            30,
        )
        .unwrap();
    let one = engine.scan_stats_bound(&q.sql, day).await.unwrap();
    let every = engine.scan_stats_bound(&q.sql, all).await.unwrap();
    // (A file may be read as several byte ranges, each counted as an opening.)
    assert!(every.files_opened >= 30, "{every:?}");
    assert!(
        one.files_opened > 0 && one.files_opened * 4 < every.files_opened,
        "{one:?} vs {every:?}"
    );
    assert!(one.rows > 0 && one.rows < every.rows);
}

/// Every framework control names queries of the built-in catalog, states its requirement, and
/// either has queries or says why CloudTrail alone cannot evidence it; detections carry ATT&CK ids.
#[test]
fn frameworks_map_to_existing_queries_and_detections_to_attack() {
    use trailhound_rules::frameworks::{framework, FRAMEWORKS};
    let cat = Catalog::builtin().unwrap();
    assert_eq!(
        FRAMEWORKS.iter().map(|f| f.name).collect::<Vec<_>>(),
        ["pci-dss", "soc2", "hipaa"]
    );
    for f in FRAMEWORKS {
        for c in f.controls {
            assert!(!c.title.is_empty() && !c.text.is_empty(), "{}", c.id);
            assert!(
                c.queries.is_empty() == c.not_evidenced.is_some(),
                "{} {}: queries or a reason, not both",
                f.name,
                c.id
            );
            for (q, _) in c.queries {
                assert!(cat.get(q).is_ok(), "{} {} names {q}", f.name, c.id);
            }
        }
    }
    assert_eq!(framework("PCI").map(|f| f.name), Some("pci-dss"));
    assert_eq!(framework("soc-2").map(|f| f.name), Some("soc2"));
    assert!(framework("cis").is_none());

    let mapped: Vec<_> = cat
        .all()
        .into_iter()
        .filter(|q| !q.attack.is_empty())
        .collect();
    assert!(
        mapped.len() >= 100,
        "{} detections with ATT&CK ids",
        mapped.len()
    );
    for q in cat.category("threats") {
        assert!(!q.attack.is_empty(), "{} has no attack: header", q.name);
    }
    // `T1562` names its sub-techniques too; `T156` names nothing.
    let evasion = cat.technique("T1562");
    assert!(evasion.iter().any(|q| q.name == "cloudtrail-tampering"));
    assert!(cat.technique("T156").is_empty());
}

#[test]
fn attack_ids_are_checked() {
    let bad = "-- title: x\n-- severity: low\n-- description: d\n-- attack: T1098.1\nSELECT 1";
    let err = SavedQuery::parse("threats/x.sql", bad, "x.sql").unwrap_err();
    assert!(
        err.to_string()
            .contains("\"T1098.1\" is not an ATT&CK technique id"),
        "{err}"
    );
    let good =
        "-- title: x\n-- severity: low\n-- description: d\n-- attack: T1098.001; T1078\nSELECT 1";
    let q = SavedQuery::parse("threats/x.sql", good, "x.sql").unwrap();
    assert_eq!(q.attack, ["T1098.001", "T1078"]);
}
