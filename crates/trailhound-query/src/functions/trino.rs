//! Trino functions used by Athena and CloudTrail Lake queries, so that queries brought from
//! there run with only the table name changed:
//! - `json_extract_scalar(json, path)`, `json_extract(json, path)` on the JSON-text columns;
//! - `element_at(requestParameters, 'bucketName')` (Lake's payload columns are maps) and
//!   `element_at(resources, 1)` (arrays, 1-based);
//! - `from_iso8601_timestamp`, `to_iso8601`, `date_format` (MySQL-style patterns), `year`,
//!   `month`, `day`, `hour`, `minute`, `second`, `day_of_week`/`dow` (1 = Monday), `day_of_year`;
//! - `replace(s, search)` with two arguments (removes `search`).

use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Int64Array, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, TimeUnit, TimestampMicrosecondType};
use datafusion::common::{exec_err, plan_err, DataFusionError, Result, ScalarValue};
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use super::jsonpath;
use super::{array_udf, map_arrays};

/// The Trino shims.
pub fn udfs() -> Vec<Arc<ScalarUDF>> {
    let mut v = vec![
        Arc::new(ScalarUDF::from(JsonExtract::new(true))),
        Arc::new(ScalarUDF::from(JsonExtract::new(false))),
        Arc::new(ScalarUDF::from(ElementAt::new())),
        Arc::new(ScalarUDF::from(FromIso8601::new())),
        to_iso8601_udf(),
        array_udf(
            "date_format",
            Signature::exact(vec![utc_micros(), DataType::Utf8], Volatility::Immutable),
            DataType::Utf8,
            date_format,
        ),
        Arc::new(ScalarUDF::from(Replace::new())),
    ];
    for part in [
        TimePart::Year,
        TimePart::Month,
        TimePart::Day,
        TimePart::Hour,
        TimePart::Minute,
        TimePart::Second,
        TimePart::DayOfWeek,
        TimePart::DayOfYear,
        TimePart::Quarter,
    ] {
        v.push(Arc::new(ScalarUDF::from(TimePartFn::new(part))));
    }
    v
}

fn utc_micros() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
}

/// Casts string-like or null arguments to Utf8 so kernels see one type.
fn cast_utf8(a: &ArrayRef) -> Result<ArrayRef> {
    Ok(datafusion::arrow::compute::cast(a, &DataType::Utf8)?)
}

/// `json_extract_scalar` (scalar values as text) and `json_extract` (any value as JSON text).
#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonExtract {
    scalar: bool,
    signature: Signature,
}

impl JsonExtract {
    fn new(scalar: bool) -> Self {
        Self {
            scalar,
            signature: Signature::string(2, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for JsonExtract {
    fn name(&self) -> &str {
        if self.scalar {
            "json_extract_scalar"
        } else {
            "json_extract"
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = self.scalar;
        map_arrays(&args.args, args.number_rows, |a| {
            let docs = cast_utf8(&a[0])?;
            let docs = docs.as_string::<i32>();
            let paths = cast_utf8(&a[1])?;
            let paths = paths.as_string::<i32>();
            let mut parsed: Option<(String, Vec<jsonpath::Step>)> = None;
            let mut out = Vec::with_capacity(docs.len());
            for i in 0..docs.len() {
                if docs.is_null(i) || paths.is_null(i) {
                    out.push(None);
                    continue;
                }
                let p = paths.value(i);
                if parsed.as_ref().is_none_or(|(s, _)| s != p) {
                    let steps = jsonpath::parse(p).map_err(DataFusionError::Execution)?;
                    parsed = Some((p.to_string(), steps));
                }
                let steps = parsed.as_ref().map(|(_, s)| s.as_slice()).unwrap_or(&[]);
                // Not JSON (a truncated or odd payload): NULL, as Trino does.
                let Ok(doc) = serde_json::from_str::<serde_json::Value>(docs.value(i)) else {
                    out.push(None);
                    continue;
                };
                let v = jsonpath::lookup(&doc, steps);
                out.push(if scalar {
                    v.and_then(jsonpath::scalar_text)
                } else {
                    v.map(|v| v.to_string())
                });
            }
            Ok(Arc::new(StringArray::from(out)) as ArrayRef)
        })
    }
}

/// `element_at(container, key)`: on a JSON object's text, the value under `key` as text (what
/// Lake's `map<string,string>` columns give); on an array, the element at a 1-based index.
/// Rewritten at planning into `json_as_text` or `array_element`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct ElementAt {
    signature: Signature,
}

impl ElementAt {
    fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
    fn target(container: &DataType) -> Result<ScalarUDF> {
        if matches!(
            container,
            DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..)
        ) {
            Ok(datafusion::functions_nested::extract::array_element_udf()
                .as_ref()
                .clone())
        } else if is_string(container) || container.is_null() {
            Ok(datafusion_functions_json::udfs::json_as_text_udf()
                .as_ref()
                .clone())
        } else {
            plan_err!("element_at takes an array or the JSON text of an object, not {container}")
        }
    }
}

impl ScalarUDFImpl for ElementAt {
    fn name(&self) -> &str {
        "element_at"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        let [c, _] = t else {
            return plan_err!("element_at takes two arguments");
        };
        if is_string(c) || c.is_null() {
            Ok(vec![DataType::Utf8, DataType::Utf8])
        } else {
            Ok(vec![c.clone(), DataType::Int64])
        }
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        plan_err!("element_at: return_field_from_args is used")
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let t = args.arg_fields[0].data_type();
        let dt = match t {
            DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
                f.data_type().clone()
            }
            _ if is_string(t) || t.is_null() => DataType::Utf8,
            _ => {
                return plan_err!(
                    "element_at takes an array or the JSON text of an object, not {t}"
                )
            }
        };
        Ok(Arc::new(Field::new("element_at", dt, true)))
    }
    fn simplify(&self, args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        let t = info.get_data_type(&args[0])?;
        Ok(ExprSimplifyResult::Simplified(Self::target(&t)?.call(args)))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let t = args.arg_fields[0].data_type().clone();
        Self::target(&t)?.invoke_with_args(args)
    }
}

/// Parses ISO-8601 times as Trino does: with an offset or `Z`, without one (UTC), or a date.
fn parse_iso8601(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_micros());
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M%#z"] {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Some(t.timestamp_micros());
        }
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc().timestamp_micros());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_micros())
}

/// `from_iso8601_timestamp(text)`: Athena keeps `eventtime` as text and parses it with this; on
/// our (already typed) `eventtime` it is the identity.
#[derive(Debug, PartialEq, Eq, Hash)]
struct FromIso8601 {
    signature: Signature,
}

impl FromIso8601 {
    fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for FromIso8601 {
    fn name(&self) -> &str {
        "from_iso8601_timestamp"
    }
    fn aliases(&self) -> &[String] {
        static A: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        A.get_or_init(|| vec!["from_iso8601_date".into()])
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        match t {
            [DataType::Timestamp(..) | DataType::Date32 | DataType::Date64] => {
                Ok(vec![utc_micros()])
            }
            [x] if is_string(x) || x.is_null() => Ok(vec![DataType::Utf8]),
            _ => plan_err!("from_iso8601_timestamp takes one text or timestamp argument"),
        }
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(utc_micros())
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        map_arrays(&args.args, args.number_rows, |a| {
            if let DataType::Timestamp(..) = a[0].data_type() {
                return Ok(datafusion::arrow::compute::cast(&a[0], &utc_micros())?);
            }
            let s = cast_utf8(&a[0])?;
            let s = s.as_string::<i32>();
            let mut out = Vec::with_capacity(s.len());
            for v in s.iter() {
                out.push(match v {
                    None => None,
                    Some(v) => match parse_iso8601(v) {
                        Some(t) => Some(t),
                        None => {
                            return exec_err!(
                                "from_iso8601_timestamp: {v:?} is not an ISO-8601 time"
                            )
                        }
                    },
                });
            }
            Ok(Arc::new(TimestampMicrosecondArray::from(out).with_timezone("UTC")) as ArrayRef)
        })
    }
}

/// Time arguments are coerced to UTC microseconds; these read them.
fn micros_arg(a: &ArrayRef) -> Result<ArrayRef> {
    Ok(datafusion::arrow::compute::cast(a, &utc_micros())?)
}

fn to_datetime(us: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(us)
}

/// `to_iso8601(ts)`: CloudTrail's own spelling, `2024-08-01T12:00:00Z`.
fn to_iso8601(a: &[ArrayRef]) -> Result<ArrayRef> {
    let t = micros_arg(&a[0])?;
    let t = t.as_primitive::<TimestampMicrosecondType>();
    let out: StringArray = t
        .iter()
        .map(|v| v.map(trailhound_model::time::format_event_time))
        .collect();
    Ok(Arc::new(out) as ArrayRef)
}

/// Translates a MySQL/Trino `date_format` pattern into chrono's.
fn mysql_to_chrono(fmt: &str) -> Result<String> {
    let mut out = String::with_capacity(fmt.len() + 8);
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(spec) = chars.next() else {
            return exec_err!("date_format: pattern {fmt:?} ends with a lone %");
        };
        out.push_str(match spec {
            'Y' => "%Y",
            'y' => "%y",
            'm' => "%m",
            'c' => "%-m",
            'd' => "%d",
            'e' => "%-d",
            'H' => "%H",
            'k' => "%-H",
            'h' | 'I' => "%I",
            'l' => "%-I",
            'i' => "%M",
            's' | 'S' => "%S",
            'f' => "%6f",
            'p' => "%p",
            'j' => "%j",
            'M' => "%B",
            'b' => "%b",
            'W' => "%A",
            'a' => "%a",
            'T' => "%H:%M:%S",
            'r' => "%I:%M:%S %p",
            'v' => "%V",
            'x' => "%G",
            '%' => "%%",
            other => return exec_err!("date_format: %{other} is not supported in pattern {fmt:?}"),
        });
    }
    Ok(out)
}

/// `date_format(ts, '%Y-%m-%d %H:%i')`, with MySQL-style patterns as in Trino.
fn date_format(a: &[ArrayRef]) -> Result<ArrayRef> {
    let t = micros_arg(&a[0])?;
    let t = t.as_primitive::<TimestampMicrosecondType>();
    let f = cast_utf8(&a[1])?;
    let f = f.as_string::<i32>();
    let mut cached: Option<(String, String)> = None;
    let mut out = Vec::with_capacity(t.len());
    for i in 0..t.len() {
        if t.is_null(i) || f.is_null(i) {
            out.push(None);
            continue;
        }
        if cached.as_ref().is_none_or(|(m, _)| m != f.value(i)) {
            cached = Some((f.value(i).to_string(), mysql_to_chrono(f.value(i))?));
        }
        let pattern = cached.as_ref().map(|(_, c)| c.as_str()).unwrap_or("");
        out.push(to_datetime(t.value(i)).map(|d| d.format(pattern).to_string()));
    }
    Ok(Arc::new(StringArray::from(out)) as ArrayRef)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum TimePart {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    DayOfWeek,
    DayOfYear,
    Quarter,
}

/// `year(ts)`, `hour(ts)`, `day_of_week(ts)` (ISO: Monday = 1 … Sunday = 7) and the like.
#[derive(Debug, PartialEq, Eq, Hash)]
struct TimePartFn {
    part: TimePart,
    aliases: Vec<String>,
    signature: Signature,
}

impl TimePartFn {
    fn new(part: TimePart) -> Self {
        let aliases: &[&str] = match part {
            TimePart::DayOfWeek => &["dow"],
            TimePart::DayOfYear => &["doy"],
            TimePart::Day => &["day_of_month"],
            _ => &[],
        };
        Self {
            part,
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            signature: Signature::exact(vec![utc_micros()], Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for TimePartFn {
    fn name(&self) -> &str {
        match self.part {
            TimePart::Year => "year",
            TimePart::Month => "month",
            TimePart::Day => "day",
            TimePart::Hour => "hour",
            TimePart::Minute => "minute",
            TimePart::Second => "second",
            TimePart::DayOfWeek => "day_of_week",
            TimePart::DayOfYear => "day_of_year",
            TimePart::Quarter => "quarter",
        }
    }
    fn aliases(&self) -> &[String] {
        &self.aliases
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let part = self.part;
        map_arrays(&args.args, args.number_rows, |a| {
            let t = micros_arg(&a[0])?;
            let t = t.as_primitive::<TimestampMicrosecondType>();
            let out: Int64Array = t
                .iter()
                .map(|v| {
                    let d = to_datetime(v?)?;
                    Some(i64::from(match part {
                        TimePart::Year => d.year(),
                        TimePart::Month => d.month() as i32,
                        TimePart::Day => d.day() as i32,
                        TimePart::Hour => d.hour() as i32,
                        TimePart::Minute => d.minute() as i32,
                        TimePart::Second => d.second() as i32,
                        TimePart::DayOfWeek => d.weekday().number_from_monday() as i32,
                        TimePart::DayOfYear => d.ordinal() as i32,
                        TimePart::Quarter => (d.month0() / 3 + 1) as i32,
                    }))
                })
                .collect();
            Ok(Arc::new(out) as ArrayRef)
        })
    }
}

/// `replace(s, search[, with])`: Trino's two-argument form removes `search`. Rewritten into the
/// built-in three-argument `replace`.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Replace {
    signature: Signature,
}

impl Replace {
    fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
    fn builtin() -> Arc<ScalarUDF> {
        datafusion::functions::string::replace()
    }
}

impl ScalarUDFImpl for Replace {
    fn name(&self) -> &str {
        "replace"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        if !(2..=3).contains(&t.len()) {
            return plan_err!("replace takes 2 or 3 arguments");
        }
        Ok(vec![DataType::Utf8; t.len()])
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn simplify(&self, mut args: Vec<Expr>, _: &SimplifyContext) -> Result<ExprSimplifyResult> {
        if args.len() == 2 {
            args.push(Expr::Literal(ScalarValue::Utf8(Some(String::new())), None));
        }
        Ok(ExprSimplifyResult::Simplified(Self::builtin().call(args)))
    }
    fn invoke_with_args(&self, mut args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if args.args.len() == 2 {
            args.args.push(ColumnarValue::Scalar(ScalarValue::Utf8(
                Some(String::new()),
            )));
            args.arg_fields
                .push(Arc::new(Field::new("with", DataType::Utf8, false)));
        }
        Self::builtin().invoke_with_args(args)
    }
}

/// `to_iso8601`, for rewriting time arguments as CloudTrail's text.
pub fn to_iso8601_udf() -> Arc<ScalarUDF> {
    array_udf(
        "to_iso8601",
        Signature::exact(vec![utc_micros()], Volatility::Immutable),
        DataType::Utf8,
        to_iso8601,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso8601_spellings() {
        let t = |s| parse_iso8601(s).map(trailhound_model::time::format_event_time);
        assert_eq!(
            t("2024-08-01T12:00:00Z").as_deref(),
            Some("2024-08-01T12:00:00Z")
        );
        assert_eq!(
            t("2024-08-01T14:00:00+02:00").as_deref(),
            Some("2024-08-01T12:00:00Z")
        );
        assert_eq!(
            t("2024-08-01T12:00:00").as_deref(),
            Some("2024-08-01T12:00:00Z")
        );
        assert_eq!(t("2024-08-01").as_deref(), Some("2024-08-01T00:00:00Z"));
        assert_eq!(t("yesterday"), None);
    }

    #[test]
    fn mysql_patterns() {
        assert_eq!(
            mysql_to_chrono("%Y-%m-%d %H:%i:%s").unwrap(),
            "%Y-%m-%d %H:%M:%S"
        );
        assert_eq!(mysql_to_chrono("%W %%").unwrap(), "%A %%");
        assert!(mysql_to_chrono("%Q").is_err());
        assert!(mysql_to_chrono("%").is_err());
    }
}
