//! CloudTrail event selectors: read the JSON `aws cloudtrail get-event-selectors` prints (or the
//! arrays `put-event-selectors` takes), validate it the way CloudTrail does for a trail, and decide
//! which events a configuration records.
//!
//! Semantics (CloudTrail user guide and API reference):
//! - basic selectors are ORed; a management event is recorded by a selector that includes
//!   management events, whose `ReadWriteType` admits it and whose `ExcludeManagementEventSources`
//!   does not name its source; a data event by a selector with a `DataResources` entry of the
//!   event's resource type whose value is a prefix of the resource's ARN. Basic selectors never
//!   record network activity events.
//! - advanced selectors are ORed, their field selectors ANDed, and the operators of one field
//!   selector ANDed; a positive operator (`Equals`, `StartsWith`, `EndsWith`) holds when one of its
//!   values matches, a negative one (`Not…`) when none does.
//! - a field an event lacks (no `errorCode`, no `userIdentity.arn`) fails every positive operator
//!   and passes every negative one: `NotEquals` on a missing field matches.
//! - `readOnly` missing from an event counts as a write (CloudTrail omits it on some write events).
//! - `resources.ARN` looks at the event's resources of the type the selector names in
//!   `resources.type` (all resources when it names none): a positive operator needs one of them to
//!   match, a negative one needs all of them to.

use std::collections::HashSet;
use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// The event categories selectors speak about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Management,
    Data,
    NetworkActivity,
    /// Insight, ConfigurationItem, … (never in a trail's log files).
    Other,
}

impl Category {
    /// The category of an event: its `eventCategory`, or for records older than that field (before
    /// 2021) its `managementEvent` flag.
    pub fn of(event_category: Option<&str>, management_event: Option<bool>) -> Self {
        match event_category {
            Some("Management") => Self::Management,
            Some("Data") => Self::Data,
            Some("NetworkActivity") => Self::NetworkActivity,
            Some(_) => Self::Other,
            None if management_event == Some(false) => Self::Data,
            None => Self::Management,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Management => "Management",
            Self::Data => "Data",
            Self::NetworkActivity => "NetworkActivity",
            Self::Other => "Other",
        }
    }
}

/// One resource of an event, as selectors see it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Resource<'a> {
    pub kind: Option<&'a str>,
    /// The ARN, or the `ARNPrefix` of a listing.
    pub arn: Option<&'a str>,
}

/// The fields of an event selectors can test.
#[derive(Debug, Clone, Default)]
pub struct EventView<'a> {
    pub category: Option<&'a str>,
    pub management_event: Option<bool>,
    pub event_source: Option<&'a str>,
    pub event_name: Option<&'a str>,
    pub event_type: Option<&'a str>,
    pub read_only: Option<bool>,
    pub session_credential_from_console: Option<&'a str>,
    pub user_arn: Option<&'a str>,
    pub error_code: Option<&'a str>,
    pub vpc_endpoint_id: Option<&'a str>,
    pub resources: Vec<Resource<'a>>,
}

impl EventView<'_> {
    pub fn category(&self) -> Category {
        Category::of(self.category, self.management_event)
    }
}

/// A trail's selector configuration.
#[derive(Debug, Clone, PartialEq)]
pub enum Selectors {
    /// No selectors: everything the archive holds.
    Everything,
    Basic(Vec<BasicSelector>),
    Advanced(Vec<AdvancedSelector>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadWrite {
    All,
    ReadOnly,
    WriteOnly,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BasicSelector {
    pub read_write: ReadWrite,
    pub include_management: bool,
    pub data_resources: Vec<DataResource>,
    pub exclude_management_sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DataResource {
    pub kind: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AdvancedSelector {
    pub name: Option<String>,
    pub fields: Vec<FieldSelector>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldSelector {
    pub field: Field,
    pub conditions: Vec<(Operator, Vec<String>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    EventCategory,
    EventSource,
    EventName,
    EventType,
    ReadOnly,
    ResourcesType,
    ResourcesArn,
    SessionCredentialFromConsole,
    UserIdentityArn,
    ErrorCode,
    VpcEndpointId,
}

const FIELDS: &[(&str, Field)] = &[
    ("eventCategory", Field::EventCategory),
    ("eventSource", Field::EventSource),
    ("eventName", Field::EventName),
    ("eventType", Field::EventType),
    ("readOnly", Field::ReadOnly),
    ("resources.type", Field::ResourcesType),
    ("resources.ARN", Field::ResourcesArn),
    (
        "sessionCredentialFromConsole",
        Field::SessionCredentialFromConsole,
    ),
    ("userIdentity.arn", Field::UserIdentityArn),
    ("errorCode", Field::ErrorCode),
    ("vpcEndpointId", Field::VpcEndpointId),
];

impl Field {
    pub fn name(self) -> &'static str {
        FIELDS
            .iter()
            .find(|(_, f)| *f == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    Equals,
    NotEquals,
    StartsWith,
    NotStartsWith,
    EndsWith,
    NotEndsWith,
}

const OPERATORS: &[(&str, Operator)] = &[
    ("Equals", Operator::Equals),
    ("NotEquals", Operator::NotEquals),
    ("StartsWith", Operator::StartsWith),
    ("NotStartsWith", Operator::NotStartsWith),
    ("EndsWith", Operator::EndsWith),
    ("NotEndsWith", Operator::NotEndsWith),
];

impl Operator {
    fn test(self, value: &str, pattern: &str) -> bool {
        match self {
            Self::Equals | Self::NotEquals => value == pattern,
            Self::StartsWith | Self::NotStartsWith => value.starts_with(pattern),
            Self::EndsWith | Self::NotEndsWith => value.ends_with(pattern),
        }
    }

    fn negative(self) -> bool {
        matches!(
            self,
            Self::NotEquals | Self::NotStartsWith | Self::NotEndsWith
        )
    }

    /// Whether this operator holds for a field whose values (none when missing) are `values`:
    /// a positive operator needs one value to match one pattern, a negative one no value to match
    /// any pattern.
    fn holds<'v>(self, patterns: &[String], mut values: impl Iterator<Item = &'v str>) -> bool {
        if self.negative() {
            values.all(|v| !patterns.iter().any(|p| self.test(v, p)))
        } else {
            values.any(|v| patterns.iter().any(|p| self.test(v, p)))
        }
    }
}

/// Management event sources a trail may exclude.
pub const EXCLUDABLE_SOURCES: &[&str] = &["kms.amazonaws.com", "rdsdata.amazonaws.com"];
/// Resource types basic selectors can log data events for.
const BASIC_DATA_TYPES: &[(&str, &str)] = &[
    ("AWS::S3::Object", "arn:aws:s3"),
    ("AWS::Lambda::Function", "arn:aws:lambda"),
    ("AWS::DynamoDB::Table", "arn:aws:dynamodb"),
];
const CATEGORIES: &[&str] = &[
    "Management",
    "Data",
    "NetworkActivity",
    "Insight",
    "ConfigurationItem",
    "ActivityAuditLog",
];
const MAX_BASIC_SELECTORS: usize = 5;
const MAX_DATA_RESOURCES: usize = 250;
const MAX_VALUES: usize = 500;
const MAX_VALUE_LEN: usize = 2048;

impl Selectors {
    /// Reads and validates a selectors file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text).map_err(|e| e.in_file(path))
    }

    /// Parses and validates selectors: `get-event-selectors` output (`{"EventSelectors": …}` or
    /// `{"AdvancedEventSelectors": …}`, `TrailARN` allowed) or a bare array of either kind.
    pub fn parse(text: &str) -> Result<Self> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| invalid("", format!("not valid JSON: {e}")))?;
        match value {
            Value::Array(items) => {
                let advanced = items
                    .first()
                    .and_then(Value::as_object)
                    .is_some_and(|o| o.contains_key("FieldSelectors"));
                if advanced {
                    parse_advanced(&items, "AdvancedEventSelectors")
                } else {
                    parse_basic(&items, "EventSelectors")
                }
            }
            Value::Object(obj) => {
                for key in obj.keys() {
                    if !["TrailARN", "EventSelectors", "AdvancedEventSelectors"]
                        .contains(&key.as_str())
                    {
                        return Err(invalid(
                            "",
                            format!("unknown field {key}; expected TrailARN, EventSelectors or AdvancedEventSelectors"),
                        ));
                    }
                }
                let list = |k: &str| -> Result<Option<&Vec<Value>>> {
                    match obj.get(k) {
                        None | Some(Value::Null) => Ok(None),
                        Some(Value::Array(a)) if a.is_empty() => Ok(None),
                        Some(Value::Array(a)) => Ok(Some(a)),
                        Some(_) => Err(invalid(k, "must be an array")),
                    }
                };
                match (list("EventSelectors")?, list("AdvancedEventSelectors")?) {
                    (Some(_), Some(_)) => Err(invalid(
                        "",
                        "EventSelectors and AdvancedEventSelectors cannot be used together on a trail",
                    )),
                    (Some(b), None) => parse_basic(b, "EventSelectors"),
                    (None, Some(a)) => parse_advanced(a, "AdvancedEventSelectors"),
                    (None, None) => Err(invalid(
                        "",
                        "no EventSelectors or AdvancedEventSelectors given",
                    )),
                }
            }
            _ => Err(invalid(
                "",
                "expected a JSON object or array of event selectors",
            )),
        }
    }

    /// Whether a trail with these selectors records the event.
    pub fn matches(&self, e: &EventView<'_>) -> bool {
        match self {
            Self::Everything => true,
            Self::Basic(sels) => sels.iter().any(|s| s.matches(e)),
            Self::Advanced(sels) => sels.iter().any(|s| s.matches(e)),
        }
    }
}

impl BasicSelector {
    pub fn matches(&self, e: &EventView<'_>) -> bool {
        let rw_ok = match self.read_write {
            ReadWrite::All => true,
            ReadWrite::ReadOnly => e.read_only == Some(true),
            ReadWrite::WriteOnly => e.read_only != Some(true),
        };
        if !rw_ok {
            return false;
        }
        match e.category() {
            Category::Management => {
                self.include_management
                    && !e
                        .event_source
                        .is_some_and(|s| self.exclude_management_sources.iter().any(|x| x == s))
            }
            Category::Data => self.data_resources.iter().any(|d| {
                e.resources.iter().any(|r| {
                    r.kind == Some(d.kind.as_str())
                        && r.arn
                            .is_some_and(|arn| d.values.iter().any(|v| arn.starts_with(v.as_str())))
                })
            }),
            Category::NetworkActivity | Category::Other => false,
        }
    }
}

impl AdvancedSelector {
    pub fn matches(&self, e: &EventView<'_>) -> bool {
        let types: Vec<&str> = self
            .fields
            .iter()
            .filter(|f| f.field == Field::ResourcesType)
            .flat_map(|f| f.conditions.iter().flat_map(|(_, v)| v.iter()))
            .map(String::as_str)
            .collect();
        self.fields.iter().all(|f| f.matches(e, &types))
    }
}

impl FieldSelector {
    fn matches(&self, e: &EventView<'_>, selected_types: &[&str]) -> bool {
        self.conditions.iter().all(|(op, patterns)| {
            let scalar = |v: Option<&str>| op.holds(patterns, v.into_iter());
            match self.field {
                Field::EventCategory => scalar(Some(e.category().name())),
                Field::EventSource => scalar(e.event_source),
                Field::EventName => scalar(e.event_name),
                Field::EventType => scalar(e.event_type),
                Field::ReadOnly => scalar(Some(if e.read_only == Some(true) {
                    "true"
                } else {
                    "false"
                })),
                Field::SessionCredentialFromConsole => scalar(e.session_credential_from_console),
                Field::UserIdentityArn => scalar(e.user_arn),
                Field::ErrorCode => scalar(e.error_code),
                Field::VpcEndpointId => scalar(e.vpc_endpoint_id),
                Field::ResourcesType => {
                    op.holds(patterns, e.resources.iter().filter_map(|r| r.kind))
                }
                Field::ResourcesArn => op.holds(
                    patterns,
                    e.resources
                        .iter()
                        .filter(|r| {
                            selected_types.is_empty()
                                || r.kind.is_some_and(|k| selected_types.contains(&k))
                        })
                        .filter_map(|r| r.arn),
                ),
            }
        })
    }
}

fn invalid(path: &str, msg: impl Into<String>) -> Error {
    Error::Selectors {
        file: None,
        path: path.to_string(),
        message: msg.into(),
    }
}

fn object<'v>(v: &'v Value, path: &str) -> Result<&'v Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| invalid(path, "must be a JSON object"))
}

fn check_keys(obj: &Map<String, Value>, path: &str, allowed: &[&str]) -> Result<()> {
    for k in obj.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(invalid(
                path,
                format!("unknown field {k}; expected one of {}", allowed.join(", ")),
            ));
        }
    }
    Ok(())
}

fn strings(v: &Value, path: &str) -> Result<Vec<String>> {
    let arr = v
        .as_array()
        .ok_or_else(|| invalid(path, "must be an array of strings"))?;
    arr.iter()
        .enumerate()
        .map(|(i, s)| {
            s.as_str()
                .map(str::to_string)
                .ok_or_else(|| invalid(&format!("{path}[{i}]"), "must be a string"))
        })
        .collect()
}

fn parse_basic(items: &[Value], root: &str) -> Result<Selectors> {
    if items.len() > MAX_BASIC_SELECTORS {
        return Err(invalid(
            root,
            format!(
                "{} event selectors given; a trail takes at most {MAX_BASIC_SELECTORS}",
                items.len()
            ),
        ));
    }
    let mut out = Vec::new();
    let mut resources = 0;
    for (i, item) in items.iter().enumerate() {
        let path = format!("{root}[{i}]");
        let obj = object(item, &path)?;
        check_keys(
            obj,
            &path,
            &[
                "ReadWriteType",
                "IncludeManagementEvents",
                "DataResources",
                "ExcludeManagementEventSources",
            ],
        )?;
        let read_write = match obj.get("ReadWriteType") {
            None => ReadWrite::All,
            Some(Value::String(s)) => match s.as_str() {
                "All" => ReadWrite::All,
                "ReadOnly" => ReadWrite::ReadOnly,
                "WriteOnly" => ReadWrite::WriteOnly,
                other => {
                    return Err(invalid(
                        &format!("{path}.ReadWriteType"),
                        format!("{other:?} is not one of ReadOnly, WriteOnly, All"),
                    ))
                }
            },
            Some(_) => {
                return Err(invalid(
                    &format!("{path}.ReadWriteType"),
                    "must be a string",
                ))
            }
        };
        let include_management = match obj.get("IncludeManagementEvents") {
            None => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(invalid(
                    &format!("{path}.IncludeManagementEvents"),
                    "must be true or false",
                ))
            }
        };
        let exclude_management_sources = match obj.get("ExcludeManagementEventSources") {
            None => Vec::new(),
            Some(v) => {
                let p = format!("{path}.ExcludeManagementEventSources");
                let list = strings(v, &p)?;
                for s in &list {
                    if !EXCLUDABLE_SOURCES.contains(&s.as_str()) {
                        return Err(invalid(
                            &p,
                            format!(
                                "{s:?} cannot be excluded; only {} can",
                                EXCLUDABLE_SOURCES.join(" and ")
                            ),
                        ));
                    }
                }
                list
            }
        };
        let mut data_resources = Vec::new();
        if let Some(v) = obj.get("DataResources") {
            let p = format!("{path}.DataResources");
            let arr = v
                .as_array()
                .ok_or_else(|| invalid(&p, "must be an array"))?;
            for (j, d) in arr.iter().enumerate() {
                let dp = format!("{p}[{j}]");
                let dobj = object(d, &dp)?;
                check_keys(dobj, &dp, &["Type", "Values"])?;
                let kind = dobj
                    .get("Type")
                    .and_then(Value::as_str)
                    .ok_or_else(|| invalid(&format!("{dp}.Type"), "is required (a string)"))?;
                let Some((_, arn_prefix)) = BASIC_DATA_TYPES.iter().find(|(t, _)| *t == kind)
                else {
                    return Err(invalid(
                        &format!("{dp}.Type"),
                        format!(
                            "{kind:?} is not a resource type basic event selectors support ({}); use advanced event selectors",
                            BASIC_DATA_TYPES.iter().map(|(t, _)| *t).collect::<Vec<_>>().join(", ")
                        ),
                    ));
                };
                let values = match dobj.get("Values") {
                    Some(v) => strings(v, &format!("{dp}.Values"))?,
                    None => Vec::new(),
                };
                if values.is_empty() {
                    return Err(invalid(&format!("{dp}.Values"), "needs at least one value"));
                }
                for v in &values {
                    if !v.starts_with(arn_prefix) {
                        return Err(invalid(
                            &format!("{dp}.Values"),
                            format!("{v:?} is not an ARN (prefix) of type {kind}: it must start with {arn_prefix:?}"),
                        ));
                    }
                }
                resources += values.len();
                data_resources.push(DataResource {
                    kind: kind.to_string(),
                    values,
                });
            }
        }
        out.push(BasicSelector {
            read_write,
            include_management,
            data_resources,
            exclude_management_sources,
        });
    }
    if resources > MAX_DATA_RESOURCES {
        return Err(invalid(
            root,
            format!("{resources} data resources given; a trail takes at most {MAX_DATA_RESOURCES}"),
        ));
    }
    Ok(Selectors::Basic(out))
}

fn parse_advanced(items: &[Value], root: &str) -> Result<Selectors> {
    let mut out = Vec::new();
    let mut total_values = 0;
    for (i, item) in items.iter().enumerate() {
        let path = format!("{root}[{i}]");
        let obj = object(item, &path)?;
        check_keys(obj, &path, &["Name", "FieldSelectors"])?;
        let name = match obj.get("Name") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.len() <= 1000 => Some(s.clone()),
            Some(_) => {
                return Err(invalid(
                    &format!("{path}.Name"),
                    "must be a string of at most 1000 characters",
                ))
            }
        };
        let fp = format!("{path}.FieldSelectors");
        let arr = obj
            .get("FieldSelectors")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid(&fp, "is required (an array)"))?;
        if arr.is_empty() {
            return Err(invalid(&fp, "needs at least one field selector"));
        }
        let mut fields = Vec::new();
        let mut seen = HashSet::new();
        for (j, f) in arr.iter().enumerate() {
            let p = format!("{fp}[{j}]");
            let fobj = object(f, &p)?;
            let field_name = fobj
                .get("Field")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid(&format!("{p}.Field"), "is required (a string)"))?;
            let Some((_, field)) = FIELDS.iter().find(|(n, _)| *n == field_name) else {
                return Err(invalid(
                    &format!("{p}.Field"),
                    format!(
                        "unknown field {field_name:?}; expected one of {}",
                        FIELDS
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            };
            if !seen.insert(*field) {
                return Err(invalid(
                    &p,
                    format!("field {field_name} appears twice in one advanced event selector"),
                ));
            }
            let mut conditions = Vec::new();
            for (k, v) in fobj {
                if k == "Field" {
                    continue;
                }
                let Some((_, op)) = OPERATORS.iter().find(|(n, _)| n == k) else {
                    return Err(invalid(
                        &p,
                        format!(
                            "unknown operator {k}; expected one of {}",
                            OPERATORS
                                .iter()
                                .map(|(n, _)| *n)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                };
                let vp = format!("{p}.{k}");
                let values = strings(v, &vp)?;
                if values.is_empty() {
                    return Err(invalid(&vp, "needs at least one value"));
                }
                for val in &values {
                    if val.is_empty() || val.len() > MAX_VALUE_LEN {
                        return Err(invalid(
                            &vp,
                            format!("values must be 1 to {MAX_VALUE_LEN} characters long"),
                        ));
                    }
                }
                if matches!(
                    field,
                    Field::ReadOnly | Field::EventCategory | Field::ResourcesType
                ) && *op != Operator::Equals
                {
                    return Err(invalid(
                        &vp,
                        format!("operator {k} is not allowed on {field_name}; only Equals is"),
                    ));
                }
                total_values += values.len();
                conditions.push((*op, values));
            }
            if conditions.is_empty() {
                return Err(invalid(
                    &p,
                    format!(
                        "field {field_name} has no operator (Equals, NotEquals, StartsWith, …)"
                    ),
                ));
            }
            fields.push(FieldSelector {
                field: *field,
                conditions,
            });
        }
        check_advanced(&fields, &path)?;
        out.push(AdvancedSelector { name, fields });
    }
    if total_values > MAX_VALUES {
        return Err(invalid(
            root,
            format!("{total_values} values given; a trail takes at most {MAX_VALUES} across all selectors"),
        ));
    }
    Ok(Selectors::Advanced(out))
}

/// The per-category rules of a trail's advanced selector.
fn check_advanced(fields: &[FieldSelector], path: &str) -> Result<()> {
    let get = |f: Field| fields.iter().find(|s| s.field == f);
    let Some(cat) = get(Field::EventCategory) else {
        return Err(invalid(
            path,
            "eventCategory is required in every advanced event selector",
        ));
    };
    let values = &cat.conditions[0].1;
    for v in values {
        if !CATEGORIES.contains(&v.as_str()) {
            return Err(invalid(
                path,
                format!(
                    "eventCategory {v:?} is not one of {}",
                    CATEGORIES.join(", ")
                ),
            ));
        }
    }
    if values.len() != 1 {
        return Err(invalid(
            path,
            "eventCategory takes exactly one value per advanced event selector",
        ));
    }
    let category = values[0].as_str();
    let allowed: &[Field] = match category {
        "Management" => &[Field::EventCategory, Field::EventSource, Field::ReadOnly],
        "Data" => &[
            Field::EventCategory,
            Field::ResourcesType,
            Field::EventName,
            Field::EventSource,
            Field::EventType,
            Field::ReadOnly,
            Field::ResourcesArn,
            Field::SessionCredentialFromConsole,
            Field::UserIdentityArn,
        ],
        "NetworkActivity" => &[
            Field::EventCategory,
            Field::EventSource,
            Field::EventName,
            Field::ErrorCode,
            Field::VpcEndpointId,
            Field::UserIdentityArn,
        ],
        _ => &[Field::EventCategory],
    };
    for f in fields {
        if !allowed.contains(&f.field) {
            let hint = if category == "Management"
                && matches!(
                    f.field,
                    Field::EventName
                        | Field::EventType
                        | Field::SessionCredentialFromConsole
                        | Field::UserIdentityArn
                ) {
                " (only event data stores take it, not trails)"
            } else {
                ""
            };
            return Err(invalid(
                path,
                format!(
                    "field {} is not allowed for eventCategory {category}{hint}; allowed: {}",
                    f.field.name(),
                    allowed
                        .iter()
                        .map(|f| f.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    if category == "Management" {
        if let Some(src) = get(Field::EventSource) {
            let only_excludable = src.conditions.iter().all(|(op, vals)| {
                *op == Operator::NotEquals
                    && vals
                        .iter()
                        .all(|v| EXCLUDABLE_SOURCES.contains(&v.as_str()))
            });
            if !only_excludable {
                return Err(invalid(
                    path,
                    format!(
                        "on management events a trail takes eventSource only as NotEquals {}",
                        EXCLUDABLE_SOURCES.join(" or ")
                    ),
                ));
            }
        }
    }
    if category == "Data" && get(Field::ResourcesType).is_none() {
        return Err(invalid(
            path,
            "resources.type is required for eventCategory Data",
        ));
    }
    if category == "NetworkActivity" {
        if get(Field::EventSource).is_none() {
            return Err(invalid(
                path,
                "eventSource is required for eventCategory NetworkActivity",
            ));
        }
        if let Some(ec) = get(Field::ErrorCode) {
            let ok = ec.conditions.iter().all(|(op, v)| {
                *op == Operator::Equals && v.iter().all(|x| x == "VpceAccessDenied")
            });
            if !ok {
                return Err(invalid(
                    path,
                    "errorCode takes only Equals VpceAccessDenied",
                ));
            }
        }
    }
    Ok(())
}
