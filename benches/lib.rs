//! Inputs shared by the kernel benchmarks.

use std::io::Write;

use rand::SeedableRng;

/// One synthetic CloudTrail log file of `events` events: (gzipped bytes, JSON bytes).
pub fn log_file(events: usize) -> (Vec<u8>, Vec<u8>) {
    let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
    let mut json = String::from(r#"{"Records":["#);
    for i in 0..events {
        if i > 0 {
            json.push(',');
        }
        json.push_str(&trailhound_synth::event(
            &mut rng,
            "111122223333",
            "us-east-1",
            1_722_375_065_000_000 + i as i64 * 1_000_000,
        ));
    }
    json.push_str("]}");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    gz.write_all(json.as_bytes()).expect("writes to memory");
    (gz.finish().expect("writes to memory"), json.into_bytes())
}
