//! `lookup`: the attribute lookups of `aws cloudtrail lookup-events` (EventId, EventName,
//! ReadOnly, Username, ResourceType, ResourceName, EventSource, AccessKeyId; start and end
//! time; max results), answered from the lake with no 90-day limit, in the AWS CLI's shape.
//! Values are compared as literals built with the expression API, never spliced into SQL.

use std::str::FromStr;

use datafusion::arrow::array::{Array, AsArray, RecordBatch, StructArray};
use datafusion::arrow::datatypes::TimestampMicrosecondType;
use datafusion::common::ScalarValue;
use std::sync::Arc;

use datafusion::arrow::array::BooleanArray;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result as DFResult;
use datafusion::functions::core::expr_fn::coalesce;
use datafusion::functions::core::expr_fn::get_field;
use datafusion::logical_expr::{
    col, lit, when, ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use trailhound_model::rebuild::Rebuilder;
use trailhound_model::schema::COL_SOURCE;

use crate::engine::Engine;
use crate::error::{QueryError, Result};

/// The attribute keys `lookup-events` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeKey {
    EventId,
    EventName,
    ReadOnly,
    Username,
    ResourceType,
    ResourceName,
    EventSource,
    AccessKeyId,
}

impl FromStr for AttributeKey {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "EventId" => Self::EventId,
            "EventName" => Self::EventName,
            "ReadOnly" => Self::ReadOnly,
            "Username" => Self::Username,
            "ResourceType" => Self::ResourceType,
            "ResourceName" => Self::ResourceName,
            "EventSource" => Self::EventSource,
            "AccessKeyId" => Self::AccessKeyId,
            other => return Err(format!(
                "unknown AttributeKey {other:?}: use EventId, EventName, ReadOnly, Username, ResourceType, ResourceName, EventSource or AccessKeyId"
            )),
        })
    }
}

/// Parses `AttributeKey=EventName,AttributeValue=RunInstances` (the AWS CLI's shorthand).
pub fn parse_attribute(s: &str) -> Result<(AttributeKey, String), String> {
    let (mut key, mut value) = (None, None);
    // The value may itself hold commas: everything after `AttributeValue=` up to a following
    // `,AttributeKey=` is the value.
    let mut rest = s.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("AttributeKey=") {
            let end = r.find(',').unwrap_or(r.len());
            key = Some(r[..end].trim().to_string());
            rest = r[end..].trim_start_matches(',');
        } else if let Some(r) = rest.strip_prefix("AttributeValue=") {
            let end = r.find(",AttributeKey=").unwrap_or(r.len());
            value = Some(r[..end].to_string());
            rest = r[end..].trim_start_matches(',');
        } else {
            return Err(format!(
                "{s:?}: write lookup attributes as AttributeKey=EventName,AttributeValue=RunInstances"
            ));
        }
    }
    match (key, value) {
        (Some(k), Some(v)) => Ok((k.parse()?, v)),
        _ => Err(format!(
            "{s:?}: both AttributeKey= and AttributeValue= are needed"
        )),
    }
}

/// Which events a lookup sees. CloudTrail's event history holds management events; Insights
/// events are asked for by category; data events only here, when asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Category {
    #[default]
    Management,
    ManagementAndData,
    Insight,
}

/// A lookup: all attributes must match (the AWS API takes one; more narrow further).
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    pub attributes: Vec<(AttributeKey, String)>,
    /// Inclusive bounds in microseconds, as `--start-time` / `--end-time`.
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub category: Category,
    /// At most this many events; when more match, the page carries a token for the rest.
    pub max_items: Option<usize>,
    /// Where an earlier page of this same lookup stopped.
    pub starting_token: Option<String>,
}

/// One page of a lookup, newest events first.
#[derive(Debug)]
pub struct LookupPage {
    pub batches: Vec<RecordBatch>,
    /// Present when more events match: pass it as `starting_token` for the next page.
    pub next_token: Option<String>,
}

/// Where a page stopped: the sort key of its last event (time, eventID, source object), and
/// how many events with exactly that key were returned (ties are rare but possible).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Cursor {
    /// The lookup this token belongs to: attributes, times and category.
    q: String,
    t: Option<i64>,
    id: String,
    s: String,
    k: u64,
}

impl Cursor {
    fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        json.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn decode(token: &str) -> Option<Cursor> {
        let bytes: Option<Vec<u8>> = (0..token.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok())
            .collect();
        serde_json::from_slice(&bytes?).ok()
    }
}

/// Names one lookup's question (FNV-1a over its description): a token is only good for it.
fn lookup_id(l: &Lookup) -> String {
    let text = format!(
        "{:?}|{:?}|{:?}|{:?}",
        l.attributes, l.start, l.end, l.category
    );
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

pub(crate) fn time_lit(t: i64) -> Expr {
    lit(ScalarValue::TimestampMicrosecond(
        Some(t),
        Some("UTC".into()),
    ))
}

pub(crate) fn user(field: &str) -> Expr {
    get_field(col("useridentity"), field)
}

fn condition(key: AttributeKey, v: &str) -> Expr {
    match key {
        AttributeKey::EventId => col("eventid").eq(lit(v)),
        AttributeKey::EventName => col("eventname").eq(lit(v)),
        AttributeKey::EventSource => col("eventsource").eq(lit(v)),
        AttributeKey::ReadOnly => col("readonly").eq(lit(v.eq_ignore_ascii_case("true"))),
        AttributeKey::AccessKeyId => user("accesskeyid").eq(lit(v)),
        // As CloudTrail's console shows it: the IAM user name, the role session name, `root`.
        AttributeKey::Username => user("username").eq(lit(v)).or(user("type")
            .eq(lit("AssumedRole"))
            .and(user("arn").like(lit(format!("%/{}", like_escape(v)))))
            .or(user("type").eq(lit("Root")).and(lit(v == "root")))),
        AttributeKey::ResourceType => resource_match(ResourceField::Type, v),
        AttributeKey::ResourceName => resource_match(ResourceField::Name, v),
    }
}

pub(crate) fn like_escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Whether an element of `resources` is named `value` (its ARN or the ARN's resource part).
pub(crate) fn resource_name_match(value: &str) -> Expr {
    resource_match(ResourceField::Name, value)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ResourceField {
    Type,
    Name,
}

/// Whether any element of `resources` has this type, or this name: its ARN, or the ARN's last
/// `/` or `:` segment (`i-0abc`, a bucket name).
fn resource_match(field: ResourceField, value: &str) -> Expr {
    let udf = ScalarUDF::from(ResourceMatch {
        field,
        value: value.to_string(),
        signature: Signature::any(1, Volatility::Immutable),
    });
    udf.call(vec![col("resources")])
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct ResourceMatch {
    field: ResourceField,
    value: String,
    signature: Signature,
}

impl ResourceMatch {
    fn matches(&self, arn: Option<&str>, kind: Option<&str>) -> bool {
        match self.field {
            ResourceField::Type => kind == Some(self.value.as_str()),
            ResourceField::Name => arn.is_some_and(|a| {
                a == self.value
                    || a.rsplit(['/', ':']).next() == Some(self.value.as_str())
                    || crate::functions::helpers::arn_part(
                        a,
                        crate::functions::helpers::ArnPart::Resource,
                    ) == Some(self.value.as_str())
            }),
        }
    }
}

impl ScalarUDFImpl for ResourceMatch {
    fn name(&self) -> &str {
        "lookup_resource_match"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> DFResult<DataType> {
        Ok(DataType::Boolean)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DFResult<ColumnarValue> {
        let list = args.args[0].to_array(args.number_rows)?;
        let list = list.as_list::<i32>();
        let mut out = Vec::with_capacity(list.len());
        for row in 0..list.len() {
            if list.is_null(row) {
                out.push(false);
                continue;
            }
            let items = list.value(row);
            let Some(s) = items.as_any().downcast_ref::<StructArray>() else {
                out.push(false);
                continue;
            };
            let arns = s
                .column_by_name("arn")
                .and_then(|c| c.as_string_opt::<i32>());
            let types = s
                .column_by_name("type")
                .and_then(|c| c.as_string_opt::<i32>());
            fn get(c: Option<&datafusion::arrow::array::StringArray>, i: usize) -> Option<&str> {
                c.filter(|c| c.is_valid(i)).map(|c| c.value(i))
            }
            out.push((0..s.len()).any(|i| self.matches(get(arns, i), get(types, i))));
        }
        Ok(ColumnarValue::Array(Arc::new(BooleanArray::from(out))))
    }
}

/// The management-event rule of CloudTrail (and of `trailhound cost`): `eventCategory`, else,
/// for records older than that field, data when `managementEvent` is false.
fn is_management() -> Expr {
    coalesce(vec![
        col("eventcategory"),
        when(col("managementevent").eq(lit(false)), lit("Data"))
            .otherwise(lit("Management"))
            .unwrap_or_else(|_| lit("Management")),
    ])
    .eq(lit("Management"))
}

/// The sort key, newest first: time, then eventID and source object so that the order is
/// total and pages never overlap.
fn sort_key() -> [Expr; 3] {
    [
        col("eventtime"),
        coalesce(vec![col("eventid"), lit("")]),
        coalesce(vec![col(COL_SOURCE), lit("")]),
    ]
}

/// Runs a lookup: management events (or as `category` says), newest first, one page of
/// `max_items` when set.
pub async fn lookup(engine: &Engine, l: &Lookup) -> Result<LookupPage> {
    let table = match l.category {
        Category::Insight => trailhound_model::lake::Dataset::Insights.dir(),
        _ => trailhound_model::lake::Dataset::Events.dir(),
    };
    let mut df = engine.context().table(table).await?;
    let mut cond = lit(true);
    if l.category == Category::Management {
        cond = cond.and(is_management());
    }
    for (k, v) in &l.attributes {
        cond = cond.and(condition(*k, v));
    }
    if let Some(s) = l.start {
        cond = cond.and(col("eventtime").gt_eq(time_lit(s)));
    }
    if let Some(e) = l.end {
        cond = cond.and(col("eventtime").lt_eq(time_lit(e)));
    }
    let id = lookup_id(l);
    let cursor = match &l.starting_token {
        None => None,
        Some(token) => match Cursor::decode(token.trim()) {
            Some(c) if c.q == id => Some(c),
            _ => {
                return Err(QueryError::Output(
                    "--starting-token: not a token of this lookup (the attributes, times or category differ, or it was cut)".into(),
                ))
            }
        },
    };
    let [t, eid, src] = sort_key();
    if let Some(c) = &cursor {
        // Everything at or after the cursor's key in the order; the `k` events with exactly
        // its key were returned already and are skipped below.
        let same_time_on = eid.clone().lt(lit(c.id.clone())).or(eid
            .clone()
            .eq(lit(c.id.clone()))
            .and(src.clone().lt_eq(lit(c.s.clone()))));
        cond = cond.and(match c.t {
            Some(tv) => t
                .clone()
                .lt(time_lit(tv))
                .or(t.clone().is_null())
                .or(t.clone().eq(time_lit(tv)).and(same_time_on)),
            None => t.clone().is_null().and(same_time_on),
        });
    }
    df = df.filter(cond)?.sort(vec![
        t.sort(false, false),
        eid.sort(false, false),
        src.sort(false, false),
    ])?;
    let skip = cursor.as_ref().map_or(0, |c| c.k as usize);
    if let Some(n) = l.max_items {
        df = df.limit(0, Some(skip + n + 1))?;
    }
    let batches = engine.collect(df).await?;
    // Nothing to cut: the whole answer as it came, without copying it into one batch.
    let schema = match batches.first() {
        Some(b) if l.max_items.is_some() || skip > 0 => b.schema(),
        _ => {
            return Ok(LookupPage {
                batches,
                next_token: None,
            })
        }
    };
    let all = datafusion::arrow::compute::concat_batches(&schema, &batches)?;
    let rows = all.num_rows().saturating_sub(skip);
    let take = l.max_items.map_or(rows, |n| n.min(rows));
    let page = all.slice(skip.min(all.num_rows()), take);
    let next_token = match l.max_items {
        Some(n) if rows > n && take > 0 => {
            let key = |row: usize| row_key(&page, row);
            let last = key(take - 1);
            let mut k = (0..take).rev().take_while(|&r| key(r) == last).count() as u64;
            // Ties that began on earlier pages (the cursor's key sorts first on this one).
            if let Some(c) = cursor
                .as_ref()
                .filter(|c| (c.t, c.id.clone(), c.s.clone()) == last)
            {
                k += c.k;
            }
            let (t, eid, s) = last;
            Some(
                Cursor {
                    q: id,
                    t,
                    id: eid,
                    s,
                    k,
                }
                .encode(),
            )
        }
        _ => None,
    };
    Ok(LookupPage {
        batches: vec![page],
        next_token,
    })
}

/// The sort key of one row of a lookup's result.
fn row_key(b: &RecordBatch, row: usize) -> (Option<i64>, String, String) {
    let t = b
        .column_by_name("eventtime")
        .and_then(|c| c.as_primitive_opt::<TimestampMicrosecondType>())
        .filter(|c| c.is_valid(row))
        .map(|c| c.value(row));
    let text = |name: &str| {
        b.column_by_name(name)
            .and_then(|c| c.as_string_opt::<i32>())
            .filter(|c| c.is_valid(row))
            .map(|c| c.value(row).to_string())
            .unwrap_or_default()
    };
    (t, text("eventid"), text(COL_SOURCE))
}

/// `aws cloudtrail lookup-events`'s answer, with its key order.
#[derive(Debug, serde::Serialize)]
pub struct LookupResponse {
    #[serde(rename = "Events")]
    pub events: Vec<AwsEvent>,
    #[serde(rename = "NextToken", skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// One event as `lookup-events` gives it.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsEvent {
    pub event_id: Option<String>,
    pub event_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_time: Option<String>,
    pub event_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    pub resources: Vec<AwsResource>,
    /// The original event as JSON text.
    pub cloud_trail_event: String,
}

#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AwsResource {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_name: Option<String>,
}

/// The events as `aws cloudtrail lookup-events` prints them, the original event rebuilt as the
/// `CloudTrailEvent` string.
pub fn to_aws_events(batches: &[RecordBatch]) -> Result<LookupResponse> {
    let mut events = Vec::new();
    for b in batches {
        let err = |e: datafusion::arrow::error::ArrowError| QueryError::Output(e.to_string());
        let rebuild = Rebuilder::new(b).map_err(err)?;
        let text = |name: &str, row: usize| -> Option<String> {
            let c = b.column_by_name(name)?;
            let c = c.as_string_opt::<i32>()?;
            c.is_valid(row).then(|| c.value(row).to_string())
        };
        let times = b
            .column_by_name("eventtime")
            .and_then(|c| c.as_primitive_opt::<TimestampMicrosecondType>().cloned());
        let ui = b
            .column_by_name("useridentity")
            .and_then(|c| c.as_any().downcast_ref::<StructArray>().cloned());
        let readonly = b
            .column_by_name("readonly")
            .and_then(|c| c.as_boolean_opt().cloned());
        for row in 0..b.num_rows() {
            let ui_field = |f: &str| -> Option<String> {
                let s = ui.as_ref()?;
                if s.is_null(row) {
                    return None;
                }
                let c = s.column_by_name(f)?.as_string_opt::<i32>()?;
                c.is_valid(row).then(|| c.value(row).to_string())
            };
            let username = ui_field("username").or_else(|| match ui_field("type").as_deref() {
                Some("AssumedRole") => {
                    ui_field("arn").and_then(|a| a.rsplit('/').next().map(str::to_string))
                }
                Some("Root") => Some("root".to_string()),
                _ => None,
            });
            events.push(AwsEvent {
                event_id: text("eventid", row),
                event_name: text("eventname", row),
                read_only: readonly
                    .as_ref()
                    .filter(|r| r.is_valid(row))
                    .map(|r| r.value(row).to_string()),
                access_key_id: ui_field("accesskeyid"),
                // The AWS CLI prints times with an offset.
                event_time: times.as_ref().filter(|t| t.is_valid(row)).map(|t| {
                    let s = trailhound_model::time::format_event_time(t.value(row));
                    format!("{}+00:00", s.trim_end_matches('Z'))
                }),
                event_source: text("eventsource", row),
                username,
                resources: resources(b, row),
                cloud_trail_event: rebuild.row_json(row).map_err(err)?,
            });
        }
    }
    Ok(LookupResponse {
        events,
        next_token: None,
    })
}

fn resources(b: &RecordBatch, row: usize) -> Vec<AwsResource> {
    let Some(list) = b
        .column_by_name("resources")
        .and_then(|c| c.as_list_opt::<i32>().cloned())
    else {
        return Vec::new();
    };
    if list.is_null(row) {
        return Vec::new();
    }
    let items = list.value(row);
    let Some(s) = items.as_any().downcast_ref::<StructArray>() else {
        return Vec::new();
    };
    let get = |f: &str, i: usize| -> Option<String> {
        let c = s.column_by_name(f)?.as_string_opt::<i32>()?;
        c.is_valid(i).then(|| c.value(i).to_string())
    };
    (0..s.len())
        .map(|i| AwsResource {
            resource_type: get("type", i),
            resource_name: get("arn", i),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_aws_shorthand() {
        assert_eq!(
            parse_attribute("AttributeKey=EventName,AttributeValue=RunInstances").unwrap(),
            (AttributeKey::EventName, "RunInstances".to_string())
        );
        assert_eq!(
            parse_attribute("AttributeValue=a,b,AttributeKey=ResourceName").unwrap(),
            (AttributeKey::ResourceName, "a,b".to_string())
        );
        assert!(parse_attribute("AttributeKey=Colour,AttributeValue=x").is_err());
        assert!(parse_attribute("EventName=x").is_err());
        assert!(parse_attribute("AttributeKey=EventName").is_err());
    }
}
