//! Kernel benchmarks: gzip inflate, a plain serde_json parse (the machine's limit), our decoder
//! into Arrow, and the JSON rebuild. `cargo bench -p trailhound-benches`.

use std::hint::black_box;
use std::io::Read;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use trailhound_model::decode::decode_general;
use trailhound_model::schema::RECORD;
use trailhound_model::{decode_log, decode_log_projected, Projection, Rebuilder};

fn field_index(key: &str) -> usize {
    RECORD
        .iter()
        .position(|f| f.key == key)
        .expect("a column of the schema")
}

fn kernels(c: &mut Criterion) {
    let (gz, json) = trailhound_benches::log_file(300);
    let mut g = c.benchmark_group("log_file_300_events");
    g.throughput(Throughput::Bytes(json.len() as u64));
    g.bench_function("inflate", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(json.len());
            flate2::read::GzDecoder::new(black_box(&gz[..]))
                .read_to_end(&mut out)
                .expect("valid gzip");
            out
        })
    });
    g.bench_function("serde_json_value_parse", |b| {
        b.iter(|| {
            serde_json::from_slice::<serde_json::Value>(black_box(&json)).expect("valid json")
        })
    });
    g.bench_function("decode_to_arrow", |b| {
        b.iter(|| decode_log(black_box(&json), "bench").expect("valid log"))
    });
    let text = std::str::from_utf8(&json).expect("UTF-8");
    g.bench_function("decode_to_arrow_serde_json_path", |b| {
        b.iter(|| decode_general(black_box(text), "bench", &Projection::all()).expect("valid log"))
    });
    // What `cloudtrail_raw` decodes for a query on event names: four columns of forty.
    let mut names = Projection::none();
    for key in ["eventName", "eventTime", "awsRegion", "recipientAccountId"] {
        names.columns[field_index(key)] = true;
    }
    g.bench_function("decode_event_names", |b| {
        b.iter(|| decode_log_projected(black_box(&json), "bench", &names).expect("valid log"))
    });
    g.bench_function("decode_event_names_serde_json_path", |b| {
        b.iter(|| decode_general(black_box(text), "bench", &names).expect("valid log"))
    });
    let batch = decode_log(&json, "bench").expect("valid log");
    g.bench_function("rebuild_json", |b| {
        b.iter(|| {
            let r = Rebuilder::new(&batch).expect("record schema");
            let mut out = Vec::with_capacity(json.len());
            for row in 0..batch.num_rows() {
                r.write_row(row, &mut out).expect("rebuilds");
            }
            out
        })
    });
    g.finish();
}

criterion_group!(benches, kernels);
criterion_main!(benches);
