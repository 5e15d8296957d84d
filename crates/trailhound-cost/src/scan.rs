//! One pass over the lake's events: for "everything" and for each selector set, how many events
//! of each category it records, their JSON bytes, and those bytes per source object (log file);
//! plus the same per event source and per event name, for the exclusion ranking.
//!
//! Only the columns selectors test are read, and each event is judged by every set in Rust.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int64Array, StringArray, UInt64Array};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use futures::StreamExt;
use trailhound_query::Engine;

use crate::error::{Error, Result};
use crate::selectors::{Category, EventView, Resource, Selectors};

/// Category slots in [`Volume::events`].
pub const CATEGORIES: [Category; 4] = [
    Category::Management,
    Category::Data,
    Category::NetworkActivity,
    Category::Other,
];

fn slot(c: Category) -> usize {
    match c {
        Category::Management => 0,
        Category::Data => 1,
        Category::NetworkActivity => 2,
        Category::Other => 3,
    }
}

/// What one configuration records in the period analysed.
#[derive(Debug, Clone, Default)]
pub struct Volume {
    /// Events per category, in [`CATEGORIES`] order.
    pub events: [u64; 4],
    /// JSON bytes of those events.
    pub event_bytes: u64,
    /// JSON bytes per source object (index into [`Measurement::objects`]); ordered, so sums are
    /// the same from run to run.
    pub object_bytes: BTreeMap<u32, u64>,
    /// Events and JSON bytes per UTC day (days since the epoch); kept for everything and the
    /// selector sets (the daily chart), not for the per-source groups.
    pub per_day: BTreeMap<i64, (u64, u64)>,
}

impl Volume {
    fn add(&mut self, cat: Category, bytes: u64, obj: u32) {
        self.events[slot(cat)] += 1;
        self.event_bytes += bytes;
        *self.object_bytes.entry(obj).or_default() += bytes;
    }

    fn add_dated(&mut self, cat: Category, bytes: u64, obj: u32, day: Option<i64>) {
        self.add(cat, bytes, obj);
        if let Some(d) = day {
            let e = self.per_day.entry(d).or_default();
            e.0 += 1;
            e.1 += bytes;
        }
    }

    pub fn total_events(&self) -> u64 {
        self.events.iter().sum()
    }

    /// This volume without `other`'s events (which must be part of it).
    pub fn minus(&self, other: &Volume) -> Volume {
        let mut v = self.clone();
        // Groups keep no days, so the difference has none either.
        v.per_day.clear();
        for (a, b) in v.events.iter_mut().zip(other.events) {
            *a -= b;
        }
        v.event_bytes -= other.event_bytes;
        for (obj, b) in &other.object_bytes {
            if let Some(x) = v.object_bytes.get_mut(obj) {
                *x -= b;
                if *x == 0 {
                    v.object_bytes.remove(obj);
                }
            }
        }
        v
    }
}

/// A source object (log file) the analysed events came from.
#[derive(Debug, Clone)]
pub struct SourceObject {
    pub key: String,
    /// Its size as stored (gzipped), when the lake's manifest knows it.
    pub compressed: Option<u64>,
    /// JSON bytes of all its events in the lake (what `compressed` holds).
    pub event_bytes: u64,
}

/// Events of one event source, or of one event name of a source.
#[derive(Debug, Clone, Default)]
pub struct Group {
    pub source: String,
    /// Empty for a whole source.
    pub name: String,
    pub volume: Volume,
}

/// Everything the estimate needs from the archive.
#[derive(Debug, Clone, Default)]
pub struct Measurement {
    pub objects: Vec<SourceObject>,
    pub everything: Volume,
    /// One per selector set, in the order given.
    pub sets: Vec<Volume>,
    pub by_source: Vec<Group>,
    pub by_name: Vec<Group>,
    /// First and last event time (µs since the epoch).
    pub first_event: Option<i64>,
    pub last_event: Option<i64>,
}

const SQL: &str = "SELECT eventcategory, managementevent, eventsource, eventname, eventtype, \
    readonly, sessioncredentialfromconsole, get_field(useridentity, 'arn') AS user_arn, errorcode, \
    vpcendpointid, resources, _event_bytes, _source, \
    CAST(eventtime AS BIGINT) AS t FROM cloudtrail";

/// Reads the `cloudtrail` table of `engine` (its time window applies) and judges every event by
/// each selector set. `sizes` maps a source key to its compressed size (from the manifest).
pub async fn measure(
    engine: &Engine,
    sets: &[Selectors],
    sizes: &HashMap<String, u64>,
) -> Result<Measurement> {
    let df = engine.context().sql(SQL).await?;
    let mut stream = engine.stream(df).await?;
    let mut m = Measurement {
        sets: vec![Volume::default(); sets.len()],
        ..Default::default()
    };
    let mut object_ids: HashMap<String, u32> = HashMap::new();
    let mut source_ids: HashMap<String, (usize, HashMap<String, usize>)> = HashMap::new();
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        let text = |i: usize| -> Result<StringArray> {
            Ok(cast(batch.column(i), &DataType::Utf8)?
                .as_string::<i32>()
                .clone())
        };
        let (category, source, name, etype) = (text(0)?, text(2)?, text(3)?, text(4)?);
        let (console, user_arn, error, vpce, key) =
            (text(6)?, text(7)?, text(8)?, text(9)?, text(12)?);
        let management = boolean(batch.column(1))?;
        let read_only = boolean(batch.column(5))?;
        let bytes = cast(batch.column(11), &DataType::UInt64)?;
        let bytes: &UInt64Array = bytes.as_primitive();
        let times = cast(batch.column(13), &DataType::Int64)?;
        let times: &Int64Array = times.as_primitive();
        let resources = batch.column(10).as_list::<i32>();
        let res_values = resources.values().as_struct();
        let res_field = |name: &str| -> Result<StringArray> {
            let (fields, columns) = (res_values.fields(), res_values.columns());
            let col = fields
                .iter()
                .position(|f| f.name().eq_ignore_ascii_case(name))
                .map(|i| &columns[i])
                .ok_or_else(|| Error::Read(format!("resources has no field {name}")))?;
            Ok(cast(col, &DataType::Utf8)?.as_string::<i32>().clone())
        };
        let (res_type, res_arn, res_prefix) = (
            res_field("type")?,
            res_field("ARN")?,
            res_field("ARNPrefix")?,
        );

        for i in 0..batch.num_rows() {
            let mut view = EventView {
                category: get(&category, i),
                management_event: management.is_valid(i).then(|| management.value(i)),
                event_source: get(&source, i),
                event_name: get(&name, i),
                event_type: get(&etype, i),
                read_only: read_only.is_valid(i).then(|| read_only.value(i)),
                session_credential_from_console: get(&console, i),
                user_arn: get(&user_arn, i),
                error_code: get(&error, i),
                vpc_endpoint_id: get(&vpce, i),
                resources: Vec::new(),
            };
            if resources.is_valid(i) {
                let offs = resources.value_offsets();
                for j in offs[i] as usize..offs[i + 1] as usize {
                    view.resources.push(Resource {
                        kind: get(&res_type, j),
                        arn: get(&res_arn, j).or_else(|| get(&res_prefix, j)),
                    });
                }
            }
            let cat = view.category();
            let b = if bytes.is_valid(i) { bytes.value(i) } else { 0 };
            let obj_key = get(&key, i).unwrap_or("");
            let obj = match object_ids.get(obj_key) {
                Some(&id) => id,
                None => {
                    let id = m.objects.len() as u32;
                    object_ids.insert(obj_key.to_string(), id);
                    m.objects.push(SourceObject {
                        key: obj_key.to_string(),
                        compressed: sizes.get(obj_key).copied(),
                        event_bytes: 0,
                    });
                    id
                }
            };
            m.objects[obj as usize].event_bytes += b;
            let day = times.is_valid(i).then(|| {
                times
                    .value(i)
                    .div_euclid(trailhound_model::time::DAY_MICROS)
            });
            if times.is_valid(i) {
                let t = times.value(i);
                m.first_event = Some(m.first_event.map_or(t, |f| f.min(t)));
                m.last_event = Some(m.last_event.map_or(t, |l| l.max(t)));
            }
            m.everything.add_dated(cat, b, obj, day);
            for (set, vol) in sets.iter().zip(m.sets.iter_mut()) {
                if set.matches(&view) {
                    vol.add_dated(cat, b, obj, day);
                }
            }
            let src = view.event_source.unwrap_or("(none)");
            let (sidx, names) = match source_ids.get_mut(src) {
                Some(x) => x,
                None => {
                    m.by_source.push(Group {
                        source: src.to_string(),
                        ..Default::default()
                    });
                    source_ids
                        .entry(src.to_string())
                        .or_insert((m.by_source.len() - 1, HashMap::new()))
                }
            };
            m.by_source[*sidx].volume.add(cat, b, obj);
            let nm = view.event_name.unwrap_or("(none)");
            let nidx = match names.get(nm) {
                Some(&n) => n,
                None => {
                    m.by_name.push(Group {
                        source: src.to_string(),
                        name: nm.to_string(),
                        ..Default::default()
                    });
                    names.insert(nm.to_string(), m.by_name.len() - 1);
                    m.by_name.len() - 1
                }
            };
            m.by_name[nidx].volume.add(cat, b, obj);
        }
    }
    renumber_by_key(&mut m);
    Ok(m)
}

/// Numbers the objects in key order: batches arrive in any order, and float sums over objects
/// must not change from run to run.
fn renumber_by_key(m: &mut Measurement) {
    let mut order: Vec<u32> = (0..m.objects.len() as u32).collect();
    order.sort_by(|a, b| m.objects[*a as usize].key.cmp(&m.objects[*b as usize].key));
    let mut new_id = vec![0u32; order.len()];
    for (new, old) in order.iter().enumerate() {
        new_id[*old as usize] = new as u32;
    }
    m.objects = order
        .iter()
        .map(|o| m.objects[*o as usize].clone())
        .collect();
    let remap = |v: &mut Volume| {
        v.object_bytes = v
            .object_bytes
            .iter()
            .map(|(o, b)| (new_id[*o as usize], *b))
            .collect();
    };
    remap(&mut m.everything);
    m.sets.iter_mut().for_each(remap);
    m.by_source.iter_mut().for_each(|g| remap(&mut g.volume));
    m.by_name.iter_mut().for_each(|g| remap(&mut g.volume));
}

fn get(a: &StringArray, i: usize) -> Option<&str> {
    a.is_valid(i).then(|| a.value(i))
}

fn boolean(a: &ArrayRef) -> Result<BooleanArray> {
    Ok(cast(a, &DataType::Boolean)?.as_boolean().clone())
}

/// Compressed sizes of the lake's source objects, from the engine's `sources` table (the
/// manifest, local or in S3; empty for a Parquet dataset trailhound did not write).
pub async fn source_sizes(engine: &Engine) -> Result<Arc<HashMap<String, u64>>> {
    let out = engine.run("SELECT key, size FROM sources").await?;
    let mut sizes = HashMap::new();
    for batch in out.iter().flat_map(|o| &o.batches) {
        let keys = batch.column(0).as_string::<i32>();
        let size = batch
            .column(1)
            .as_any()
            .downcast_ref::<UInt64Array>()
            .ok_or_else(|| Error::Read("sources.size is not UInt64".into()))?;
        for i in 0..batch.num_rows() {
            sizes.insert(keys.value(i).to_string(), size.value(i));
        }
    }
    Ok(Arc::new(sizes))
}
