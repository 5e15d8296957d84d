//! The progress bar of `convert`: on stderr, drawn only when the [`crate::printer::Printer`]
//! says so (a terminal, no `-q`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use trailhound_convert::Progress;

pub struct Bar {
    bar: ProgressBar,
    events: AtomicU64,
    json: AtomicU64,
    started: Instant,
}

impl Bar {
    pub fn new(hidden: bool) -> Self {
        let target = if hidden {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(None, target);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} files  {msg}  ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Self {
            bar,
            events: AtomicU64::new(0),
            json: AtomicU64::new(0),
            started: Instant::now(),
        }
    }
}

impl Progress for Bar {
    fn start(&self, objects: u64, _bytes: u64) {
        self.bar.set_length(objects);
    }

    fn object_done(&self, _bytes: u64, json_bytes: u64, events: u64) {
        let e = self.events.fetch_add(events, Ordering::Relaxed) + events;
        let j = self.json.fetch_add(json_bytes, Ordering::Relaxed) + json_bytes;
        let secs = self.started.elapsed().as_secs_f64().max(1e-3);
        self.bar
            .set_message(format!("{e} events  {:.0} MB/s", j as f64 / 1e6 / secs));
        self.bar.inc(1);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
