//! The decoder's fast scanner against serde_json (the general path): on every real log they
//! give the same batch, and on thousands of damaged copies the scanner never accepts what
//! serde_json refuses, nor decodes anything differently.

use trailhound_model::decode::decode_both_paths;
use trailhound_model::layout::LogKind;
use trailhound_model::Projection;

use crate::roundtrip::{gunzip, walk};

fn real_logs() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    walk(&crate::real_logs_dir(), &mut files);
    files.sort();
    files
        .into_iter()
        .filter(|f| LogKind::of_key(&f.to_string_lossy()) == LogKind::Events)
        .map(|f| (f.to_string_lossy().into_owned(), gunzip(&f)))
        .collect()
}

#[test]
fn the_fast_path_decodes_real_logs_as_serde_json_does() {
    let logs = real_logs();
    let mut fast = 0;
    for (name, json) in &logs {
        let (quick, general) = decode_both_paths(json, &Projection::all());
        let general = general.unwrap_or_else(|e| panic!("{name}: {e}"));
        if let Some(quick) = quick {
            let quick = quick.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(quick, general, "{name}");
            fast += 1;
        }
    }
    // The one declined is pretty-printed (a quirk of the corpus): serde_json reads it.
    assert_eq!(
        (logs.len(), fast),
        (137, 136),
        "logs, and those the fast path took"
    );
}

/// A small deterministic generator (xorshift), so a failure names a reproducible case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One random damage: a byte deleted, inserted or replaced (by one that matters to JSON), a
/// cut, or a slice repeated.
fn damage(json: &[u8], rng: &mut Rng) -> Vec<u8> {
    const BYTES: &[u8] = b"\"\\{}[],: 0123456789-+.eEtrufalsn/\x01\x1fx";
    let mut out = json.to_vec();
    let at = rng.below(out.len());
    let byte = BYTES[rng.below(BYTES.len())];
    match rng.below(5) {
        0 => {
            out.remove(at);
        }
        1 => out.insert(at, byte),
        2 => out[at] = byte,
        3 => out.truncate(at),
        _ => {
            let len = rng.below(16).min(out.len() - at);
            let piece = out[at..at + len].to_vec();
            out.splice(at..at, piece);
        }
    }
    out
}

#[test]
fn damaged_logs_are_never_accepted_by_the_fast_path_alone() {
    let logs = real_logs();
    let mut projection = Projection::none();
    projection.columns[0] = true;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut cases, mut both_accept, mut both_refuse) = (0, 0, 0);
    for (name, json) in logs.iter().filter(|(_, j)| j.len() < 64 << 10) {
        for round in 0..60 {
            let bad = damage(json, &mut rng);
            let p = if round % 2 == 0 {
                Projection::all()
            } else {
                projection.clone()
            };
            let (quick, general) = decode_both_paths(&bad, &p);
            cases += 1;
            match (quick, general) {
                (Some(Ok(q)), Ok(g)) => {
                    assert_eq!(q, g, "{name}, round {round}");
                    both_accept += 1;
                }
                (Some(Ok(_)), Err(e)) => panic!(
                    "{name}, round {round}: the fast path accepted what serde_json refuses ({e}): {}",
                    String::from_utf8_lossy(&bad)
                ),
                (Some(Err(e)), _) => panic!("{name}, round {round}: {e}"),
                (None, Err(_)) => both_refuse += 1,
                (None, Ok(_)) => {}
            }
        }
    }
    // Both outcomes are exercised: damage inside strings keeps a log valid, most does not.
    assert!(cases > 5000, "{cases} cases");
    assert!(
        both_accept > cases / 20,
        "{both_accept} of {cases} accepted"
    );
    assert!(both_refuse > cases / 4, "{both_refuse} of {cases} refused");
}
