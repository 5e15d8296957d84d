//! `trailhound-synth DIR [EVENTS] [EVENTS_PER_FILE] [SEED] [DAYS]`: writes a synthetic CloudTrail archive.
//! `trailhound-synth lake-samples DIR`: adds the events the CloudTrail Lake samples look for to a
//! trail (`testdata/sample-trail`).

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("lake-samples") {
        let Some(dir) = args.get(2) else {
            eprintln!("usage: trailhound-synth lake-samples DIR");
            std::process::exit(2);
        };
        match trailhound_synth::lake_samples::write_all(std::path::Path::new(dir)) {
            Ok(n) => println!("{n} files of CloudTrail Lake sample events in {dir}"),
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        }
        return;
    }
    let Some(dir) = args.get(1) else {
        eprintln!("usage: trailhound-synth DIR [EVENTS] [EVENTS_PER_FILE] [SEED] [DAYS]");
        std::process::exit(2);
    };
    let num = |i: usize, d: u64| {
        args.get(i)
            .map(|s| s.parse::<u64>())
            .transpose()
            .unwrap_or_else(|e| {
                eprintln!("error: argument {i}: {e}");
                std::process::exit(2)
            })
            .unwrap_or(d)
    };
    let opts = trailhound_synth::SynthOptions {
        events: num(2, 10_000),
        events_per_file: num(3, 300),
        seed: num(4, 42),
        days: num(5, 30) as i64,
        ..Default::default()
    };
    match trailhound_synth::generate(std::path::Path::new(dir), &opts) {
        Ok(s) => println!(
            "{} files, {} events, {} bytes of JSON, {} bytes gzipped",
            s.files, s.events, s.json_bytes, s.gz_bytes
        ),
        Err(e) => {
            eprintln!("error: {dir}: {e}");
            std::process::exit(1);
        }
    }
}
