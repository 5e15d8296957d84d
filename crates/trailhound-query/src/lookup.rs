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
use datafusion::functions::core::expr_fn::get_field;
use datafusion::logical_expr::{
    col, lit, ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use trailhound_model::rebuild::Rebuilder;

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

/// A lookup: all attributes must match (the AWS API takes one; more narrow further).
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    pub attributes: Vec<(AttributeKey, String)>,
    /// Inclusive bounds in microseconds, as `--start-time` / `--end-time`.
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub max_results: Option<usize>,
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

/// Runs a lookup against the engine's `cloudtrail` table: newest events first.
pub async fn lookup(engine: &Engine, l: &Lookup) -> Result<Vec<RecordBatch>> {
    let mut df = engine
        .context()
        .table(trailhound_model::lake::Dataset::Events.dir())
        .await?;
    let mut cond = lit(true);
    for (k, v) in &l.attributes {
        cond = cond.and(condition(*k, v));
    }
    if let Some(s) = l.start {
        cond = cond.and(col("eventtime").gt_eq(time_lit(s)));
    }
    if let Some(e) = l.end {
        cond = cond.and(col("eventtime").lt_eq(time_lit(e)));
    }
    df = df
        .filter(cond)?
        .sort(vec![col("eventtime").sort(false, true)])?;
    if let Some(n) = l.max_results {
        df = df.limit(0, Some(n))?;
    }
    Ok(df.collect().await?)
}

/// `aws cloudtrail lookup-events`'s answer, with its key order.
#[derive(Debug, serde::Serialize)]
pub struct LookupResponse {
    #[serde(rename = "Events")]
    pub events: Vec<AwsEvent>,
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
    Ok(LookupResponse { events })
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
