//! Pages people look at: one self-contained HTML file per report, cost estimate or investigation
//! timeline, with SVG charts inline, no script and no network (a Content-Security-Policy forbids
//! both), a print stylesheet for A4.
//!
//! Event fields are attacker-controlled text: every value reaches the page through a template
//! with HTML escaping on (minijinja escapes `.html` templates), and chart labels through
//! [`charts::escape`] or plotters' own escaping. Only the SVG charts are inserted unescaped.

pub mod charts;
mod cost_page;
mod report_page;
mod timeline_page;

pub use cost_page::cost;
pub use report_page::report;
pub use timeline_page::timeline;

/// What can go wrong drawing a page.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("drawing a chart: {0}")]
    Chart(String),
    #[error("{0}")]
    Data(String),
    #[error("rendering the page template {name}: {message}")]
    Template { name: String, message: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// When a page says it was generated: `SOURCE_DATE_EPOCH` (seconds) when set, as reproducible
/// builds use it, else now.
pub fn generated_at() -> String {
    let micros = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .map(|s| s * 1_000_000)
        .unwrap_or_else(trailhound_model::window::now_micros);
    let t = trailhound_model::time::format_event_time(micros - micros % 1_000_000);
    t.replace('T', " ").replace('Z', " UTC")
}

const TEMPLATES: [(&str, &str); 4] = [
    ("base.html", include_str!("../templates/base.html")),
    ("report.html", include_str!("../templates/report.html")),
    ("cost.html", include_str!("../templates/cost.html")),
    ("timeline.html", include_str!("../templates/timeline.html")),
];

/// Renders template `name` with `ctx`.
fn render(name: &str, ctx: minijinja::Value) -> Result<String> {
    let fail = |e: minijinja::Error| Error::Template {
        name: name.to_string(),
        message: e.to_string(),
    };
    let mut env = minijinja::Environment::new();
    for (n, t) in TEMPLATES {
        env.add_template(n, t).map_err(fail)?;
    }
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(fail)
}

/// `1,234,567` (the cost report's own formatting).
pub fn count(n: u64) -> String {
    trailhound_cost::report::count(n as f64)
}

/// A chart axis value: `950`, `12k`, `3.4M`.
pub fn compact(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 10.0 || a == 0.0 || (v.fract() == 0.0) {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}
