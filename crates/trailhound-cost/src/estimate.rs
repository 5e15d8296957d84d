//! From measured volumes to a monthly bill.
//!
//! - The period analysed is the time window intersected with the whole UTC days the data covers
//!   (first event's day to last event's day); every figure is scaled by `30 / days` to a 30-day
//!   month.
//! - A log file's compressed size under a selector set is its real gzipped size times the share of
//!   its JSON bytes the set keeps; a file keeping no event is not delivered at all.
//! - S3 storage is the steady-state monthly bill: once the lifecycle is full, each month pays for
//!   one month's deliveries over their whole life (e.g. 30 days in STANDARD, then STANDARD_IA until
//!   day 365). Each file pays its PUT, its transitions, minimum sizes and durations, and files below
//!   the transition minimum stay where they are.
//! - CloudWatch Logs (when the trail also sends there): ingestion of the uncompressed bytes, and
//!   storage of the compressed bytes for the retention period.

use serde::Serialize;
use trailhound_model::window::TimeWindow;

use crate::error::{Error, Result};
use crate::pricing::Pricing;
use crate::scan::{Measurement, Volume};

const DAY_US: i64 = trailhound_model::time::DAY_MICROS;
/// AWS bills storage per GB-month: 2^30 bytes for 730 hours.
const GB: f64 = (1u64 << 30) as f64;
const MONTH_DAYS: f64 = 730.0 / 24.0;
/// Figures are projected to a month of this many days.
pub const PROJECTED_DAYS: f64 = 30.0;

/// Whether the trail is the account's first copy of management events (free) or an extra one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ManagementCopy {
    #[default]
    First,
    Additional,
}

/// Storage classes an object passes through, with the days spent in each; deleted after the last.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lifecycle {
    pub stages: Vec<(String, u32)>,
}

impl Lifecycle {
    /// The usual CloudTrail bucket rule: STANDARD for 30 days, STANDARD_IA until day 365, deleted.
    pub const DEFAULT: &'static str = "STANDARD:30,STANDARD_IA:335";

    /// `CLASS:DAYS,CLASS:DAYS,…`, e.g. `STANDARD:30,STANDARD_IA:60,GLACIER:275`.
    pub fn parse(spec: &str, pricing: &Pricing) -> Result<Self> {
        let err = |m: String| Error::Lifecycle {
            spec: spec.to_string(),
            message: m,
        };
        let mut stages = Vec::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (class, days) = part
                .split_once(':')
                .ok_or_else(|| err(format!("{part:?} is not CLASS:DAYS")))?;
            let class = class.trim().to_ascii_uppercase();
            if pricing.class(&class).is_none() {
                return Err(err(format!(
                    "unknown storage class {class}; the pricing file has {}",
                    pricing
                        .s3
                        .classes
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            let days: u32 = days
                .trim()
                .parse()
                .ok()
                // A century at most: longer than any retention rule, and sums cannot overflow.
                .filter(|d| (1..=36_500).contains(d))
                .ok_or_else(|| err(format!("{days:?} is not a number of days from 1 to 36500")))?;
            stages.push((class, days));
        }
        if stages.is_empty() {
            return Err(err("no stages".into()));
        }
        Ok(Self { stages })
    }

    pub fn total_days(&self) -> u32 {
        self.stages.iter().map(|(_, d)| d).sum()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Options {
    pub management_copy: ManagementCopy,
    /// CloudWatch Logs retention in days, when the trail also delivers there.
    pub cloudwatch_retention_days: Option<u32>,
    pub lifecycle: Lifecycle,
    /// How many event sources and names to rank.
    pub top: usize,
    /// The requested window, to intersect with the data (the engine's own window: the
    /// command line parses it once for both). In JSON as `window_from`/`window_until` (µs).
    #[serde(flatten, serialize_with = "window_fields")]
    pub window: TimeWindow,
}

/// The period analysed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    pub from: Option<String>,
    pub until: Option<String>,
    pub days: f64,
    pub first_event: Option<String>,
    pub last_event: Option<String>,
}

/// Counts for the period or the month.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    pub events: f64,
    pub management_events: f64,
    pub data_events: f64,
    pub network_activity_events: f64,
    pub uncompressed_bytes: f64,
    pub compressed_bytes: f64,
    pub objects: f64,
}

/// Monthly dollars.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Dollars {
    pub management_events: f64,
    pub data_events: f64,
    pub network_activity_events: f64,
    pub s3_storage: f64,
    pub s3_requests: f64,
    pub cloudwatch_logs: f64,
    pub total: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    pub name: String,
    pub period: Counts,
    pub month: Counts,
    pub dollars_month: Dollars,
    /// Against everything: monthly dollars and share.
    pub saving_month: f64,
    pub saving_share: f64,
    /// Events and JSON bytes per UTC day of the period, as measured (not projected).
    pub daily: Vec<DailyVolume>,
    /// The bucket filling up under the lifecycle from its first delivery at this configuration's
    /// daily rate: bytes per storage class every 7 days to day 365, and the storage bill then.
    pub storage_curve: Vec<StoragePoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DailyVolume {
    pub day: String,
    pub events: u64,
    pub uncompressed_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoragePoint {
    pub day: u32,
    /// Bytes stored per class, in [`Estimate::storage_classes`] order.
    pub bytes: Vec<f64>,
    /// Monthly storage dollars for those bytes (without minimum sizes and durations).
    pub dollars_month: f64,
}

/// What leaving out one event source or event name would save, against everything.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exclusion {
    pub event_source: String,
    pub event_name: Option<String>,
    pub events_month: f64,
    pub uncompressed_bytes_month: f64,
    pub byte_share: f64,
    pub saving_month: f64,
    /// How a trail could leave it out, if it can.
    pub how: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    pub period: Period,
    pub pricing_version: String,
    pub pricing_region: String,
    pub options: Options,
    /// Whether compressed sizes come from the manifest (else from an assumed ratio).
    pub sizes_measured: bool,
    pub scenarios: Vec<Scenario>,
    pub top_sources: Vec<Exclusion>,
    pub top_names: Vec<Exclusion>,
    /// The lifecycle's storage classes, in order: the columns of each storage curve.
    pub storage_classes: Vec<String>,
}

/// Compressed/JSON ratio assumed for log files the manifest does not know.
const ASSUMED_RATIO: f64 = 0.1;

struct Model<'a> {
    m: &'a Measurement,
    pricing: &'a Pricing,
    opts: &'a Options,
    scale: f64,
}

impl Model<'_> {
    /// Estimated compressed sizes of the files a volume would deliver.
    fn object_sizes<'v>(&'v self, v: &'v Volume) -> impl Iterator<Item = f64> + 'v {
        v.object_bytes
            .iter()
            .filter(|(_, b)| **b > 0)
            .map(|(obj, b)| {
                let o = &self.m.objects[*obj as usize];
                let share = *b as f64 / o.event_bytes.max(1) as f64;
                match o.compressed {
                    Some(c) => c as f64 * share,
                    None => *b as f64 * ASSUMED_RATIO,
                }
            })
    }

    fn counts(&self, v: &Volume, factor: f64) -> Counts {
        let compressed: f64 = self.object_sizes(v).sum();
        let objects = v.object_bytes.values().filter(|b| **b > 0).count() as f64;
        Counts {
            events: v.total_events() as f64 * factor,
            management_events: v.events[0] as f64 * factor,
            data_events: v.events[1] as f64 * factor,
            network_activity_events: v.events[2] as f64 * factor,
            uncompressed_bytes: v.event_bytes as f64 * factor,
            compressed_bytes: compressed * factor,
            objects: objects * factor,
        }
    }

    /// The classes an object of `size` bytes stays in, with days, and its transition dollars.
    /// Stages it cannot enter (too small to transition) merge into the one before.
    fn residencies(&self, size: f64) -> (Vec<(&str, u32)>, f64) {
        let s3 = &self.pricing.s3;
        let mut residencies: Vec<(&str, u32)> = Vec::new();
        let mut transitions = 0.0;
        for (i, (class, days)) in self.opts.lifecycle.stages.iter().enumerate() {
            let moves = i > 0 && size >= s3.min_transition_bytes as f64;
            match residencies.last_mut() {
                Some(last) if !moves || last.0 == class.as_str() => {
                    last.1 = last.1.saturating_add(*days)
                }
                _ => {
                    if i > 0 {
                        transitions += self
                            .pricing
                            .class(class)
                            .map_or(0.0, |c| c.transition_per_1000 / 1000.0);
                    }
                    residencies.push((class, *days));
                }
            }
        }
        (residencies, transitions)
    }

    /// Bytes per class and monthly storage dollars on days 0, 7, …, 365 of a bucket receiving
    /// `v`'s files at the period's daily rate from day 0.
    fn storage_curve(&self, v: &Volume, classes: &[String], days: f64) -> Vec<StoragePoint> {
        if days <= 0.0 {
            return Vec::new();
        }
        // Files of a size follow one residency pattern: sum their daily bytes per pattern.
        let mut patterns: Vec<(Vec<(&str, u32)>, f64)> = Vec::new();
        for size in self.object_sizes(v) {
            let (res, _) = self.residencies(size);
            match patterns.iter_mut().find(|(r, _)| *r == res) {
                Some((_, bytes)) => *bytes += size / days,
                None => patterns.push((res, size / days)),
            }
        }
        let mut points: Vec<u32> = (0..=365).step_by(7).collect();
        points.push(365);
        points.dedup();
        points
            .into_iter()
            .map(|day| {
                let mut bytes = vec![0.0; classes.len()];
                for (res, per_day) in &patterns {
                    let mut start = 0u32;
                    for (class, stay) in res {
                        // Deliveries of the last `day + 1` days aged [start, start + stay).
                        let end = start.saturating_add(*stay);
                        let overlap = end.min(day + 1).saturating_sub(start);
                        if let Some(i) = classes.iter().position(|c| c == class) {
                            bytes[i] += per_day * overlap as f64;
                        }
                        start = end;
                    }
                }
                let dollars_month = classes
                    .iter()
                    .zip(&bytes)
                    .map(|(c, b)| b / GB * self.pricing.class(c).map_or(0.0, |p| p.gb_month))
                    .sum();
                StoragePoint {
                    day,
                    bytes,
                    dollars_month,
                }
            })
            .collect()
    }

    /// Lifetime storage and transition cost of one object of `size` bytes.
    fn object_lifetime(&self, size: f64) -> (f64, f64) {
        let (residencies, transitions) = self.residencies(size);
        let standard = self.pricing.class("STANDARD").map_or(0.0, |c| c.gb_month);
        let mut storage = 0.0;
        for (class, days) in residencies {
            let Some(c) = self.pricing.class(class) else {
                continue;
            };
            let months = days.max(c.min_days) as f64 / MONTH_DAYS;
            let billable = size.max(c.min_billable_bytes as f64) + c.overhead_bytes as f64;
            storage += billable / GB * c.gb_month * months;
            storage += c.overhead_standard_bytes as f64 / GB * standard * months;
        }
        (storage, transitions)
    }

    fn dollars(&self, v: &Volume) -> Dollars {
        let ct = &self.pricing.cloudtrail;
        let f = self.scale;
        let mgmt_price = match self.opts.management_copy {
            ManagementCopy::First => 0.0,
            ManagementCopy::Additional => ct.management_additional_copy_per_100k / 1e5,
        };
        let mut d = Dollars {
            management_events: v.events[0] as f64 * f * mgmt_price,
            data_events: v.events[1] as f64 * f * ct.data_events_per_100k / 1e5,
            network_activity_events: v.events[2] as f64 * f * ct.network_activity_events_per_100k
                / 1e5,
            ..Default::default()
        };
        let mut objects = 0.0;
        let mut compressed = 0.0;
        for size in self.object_sizes(v) {
            let (storage, transitions) = self.object_lifetime(size);
            d.s3_storage += storage * f;
            d.s3_requests += transitions * f;
            objects += 1.0;
            compressed += size;
        }
        d.s3_requests += objects * f * self.pricing.s3.put_per_1000 / 1000.0;
        if let Some(days) = self.opts.cloudwatch_retention_days {
            let cw = &self.pricing.cloudwatch_logs;
            d.cloudwatch_logs = v.event_bytes as f64 * f / GB * cw.ingest_per_gb
                + compressed * f / GB * cw.storage_gb_month * (days as f64 / MONTH_DAYS);
        }
        d.total = d.management_events
            + d.data_events
            + d.network_activity_events
            + d.s3_storage
            + d.s3_requests
            + d.cloudwatch_logs;
        d
    }
}

fn iso(us: i64) -> String {
    trailhound_model::time::format_event_time(us)
}

fn window_fields<S: serde::Serializer>(w: &TimeWindow, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(2))?;
    m.serialize_entry("window_from", &w.from)?;
    m.serialize_entry("window_until", &w.until)?;
    m.end()
}

/// The period analysed: the window cut to the whole days the data covers.
pub fn period(m: &Measurement, opts: &Options) -> Period {
    let (Some(first), Some(last)) = (m.first_event, m.last_event) else {
        return Period {
            from: opts.window.from.map(iso),
            until: opts.window.until.map(iso),
            days: 0.0,
            first_event: None,
            last_event: None,
        };
    };
    let data_from = first.div_euclid(DAY_US) * DAY_US;
    let data_until = (last.div_euclid(DAY_US) + 1) * DAY_US;
    let from = opts.window.from.map_or(data_from, |w| w.max(data_from));
    let until = opts.window.until.map_or(data_until, |w| w.min(data_until));
    Period {
        from: Some(iso(from)),
        until: Some(iso(until)),
        days: (until - from).max(0) as f64 / DAY_US as f64,
        first_event: Some(iso(first)),
        last_event: Some(iso(last)),
    }
}

/// Prices every selector set (named `names`, in the order measured) against everything.
pub fn estimate(m: &Measurement, names: &[String], pricing: &Pricing, opts: &Options) -> Estimate {
    let period = period(m, opts);
    let scale = if period.days > 0.0 {
        PROJECTED_DAYS / period.days
    } else {
        0.0
    };
    let model = Model {
        m,
        pricing,
        opts,
        scale,
    };
    let base = model.dollars(&m.everything);
    let mut classes: Vec<String> = Vec::new();
    for (class, _) in &opts.lifecycle.stages {
        if !classes.contains(class) {
            classes.push(class.clone());
        }
    }
    let scenario = |name: &str, v: &Volume| {
        let d = model.dollars(v);
        let saving = base.total - d.total;
        Scenario {
            daily: v
                .per_day
                .iter()
                .map(|(day, (events, bytes))| DailyVolume {
                    day: trailhound_model::time::date_of(day * DAY_US),
                    events: *events,
                    uncompressed_bytes: *bytes,
                })
                .collect(),
            storage_curve: model.storage_curve(v, &classes, period.days),
            name: name.to_string(),
            period: model.counts(v, 1.0),
            month: model.counts(v, scale),
            saving_month: saving,
            saving_share: if base.total > 0.0 {
                saving / base.total
            } else {
                0.0
            },
            dollars_month: d,
        }
    };
    let mut scenarios = vec![scenario("everything", &m.everything)];
    for (name, v) in names.iter().zip(&m.sets) {
        scenarios.push(scenario(name, v));
    }
    let rank = |groups: &[crate::scan::Group]| -> Vec<Exclusion> {
        let mut order: Vec<&crate::scan::Group> = groups.iter().collect();
        order.sort_by(|a, b| {
            b.volume
                .event_bytes
                .cmp(&a.volume.event_bytes)
                .then_with(|| a.source.cmp(&b.source))
                .then_with(|| a.name.cmp(&b.name))
        });
        order
            .into_iter()
            .take(opts.top)
            .map(|g| {
                let without = m.everything.minus(&g.volume);
                let saving = base.total - model.dollars(&without).total;
                Exclusion {
                    event_source: g.source.clone(),
                    event_name: (!g.name.is_empty()).then(|| g.name.clone()),
                    events_month: g.volume.total_events() as f64 * scale,
                    uncompressed_bytes_month: g.volume.event_bytes as f64 * scale,
                    byte_share: g.volume.event_bytes as f64
                        / m.everything.event_bytes.max(1) as f64,
                    saving_month: saving,
                    how: how_to_exclude(g),
                }
            })
            .collect()
    };
    Estimate {
        period,
        pricing_version: pricing.version.clone(),
        pricing_region: pricing.region.clone(),
        options: opts.clone(),
        sizes_measured: m.objects.iter().all(|o| o.compressed.is_some()),
        scenarios,
        top_sources: rank(&m.by_source),
        top_names: rank(&m.by_name),
        storage_classes: classes,
    }
}

/// How a trail's selectors can leave a group out.
fn how_to_exclude(g: &crate::scan::Group) -> String {
    let [mgmt, data, net, _] = g.volume.events;
    let whole_source = g.name.is_empty();
    let mut ways = Vec::new();
    if mgmt > 0 {
        if whole_source && crate::selectors::EXCLUDABLE_SOURCES.contains(&g.source.as_str()) {
            ways.push(format!("ExcludeManagementEventSources {}", g.source));
        } else {
            ways.push("management: not on a trail (event data stores only)".to_string());
        }
    }
    if data > 0 {
        ways.push(if whole_source {
            "data: advanced selector eventSource NotEquals".to_string()
        } else {
            "data: advanced selector eventName NotEquals".to_string()
        });
    }
    if net > 0 {
        ways.push("network activity: drop its eventSource selector".to_string());
    }
    ways.join("; ")
}
