//! `json_values(json, 'a.b.c')`: every scalar value at a dotted path of a JSON text, reaching
//! into arrays wherever the path meets one (`requestParameters.containerDefinitions.command`
//! gives each container's each argument), as one text with the values separated by U+001F;
//! NULL when the path reaches no string, number or boolean. A key that itself holds dots is
//! found whole first. This is how a Sigma field (dotted, with no array indexes) is read from
//! the payload columns: any element matching is a match.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{ScalarUDF, Signature, Volatility};
use serde_json::Value;

use super::array_udf;

/// The separator between values.
pub const SEPARATOR: char = '\u{1f}';

pub fn udf() -> Arc<ScalarUDF> {
    array_udf(
        "json_values",
        Signature::string(2, Volatility::Immutable),
        DataType::Utf8,
        json_values_kernel,
    )
}

/// Appends the scalar values at `path` below `v`.
fn collect(v: &Value, path: &[&str], out: &mut Vec<String>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| collect(i, path, out)),
        Value::Object(m) if !path.is_empty() => {
            // A key holding dots (`"cluster.name"`) is taken whole before the path is split.
            for n in (1..=path.len()).rev() {
                if let Some(child) = m.get(&path[..n].join(".")) {
                    collect(child, &path[n..], out);
                    return;
                }
            }
        }
        Value::String(s) if path.is_empty() => out.push(s.clone()),
        Value::Number(n) if path.is_empty() => out.push(n.to_string()),
        Value::Bool(b) if path.is_empty() => out.push(b.to_string()),
        _ => {}
    }
}

/// The values at `path` (dotted) in `json`, joined; `None` when there are none.
pub fn values(json: &str, path: &str) -> Option<String> {
    // Most documents do not hold the path at all: its last key (which a whole dotted key holds
    // too) must appear in the text, a far cheaper test than parsing it.
    let last = path.rsplit('.').next().unwrap_or(path);
    if !last.is_empty() && !last.contains(['"', '\\']) && !json.contains(last) {
        return None;
    }
    let v: Value = serde_json::from_str(json).ok()?;
    let steps: Vec<&str> = if path.is_empty() {
        Vec::new()
    } else {
        path.split('.').collect()
    };
    let mut out = Vec::new();
    collect(&v, &steps, &mut out);
    (!out.is_empty()).then(|| out.join(&SEPARATOR.to_string()))
}

/// `json_values(json, path)`: the values of [`values`], row by row.
fn json_values_kernel(a: &[ArrayRef]) -> Result<ArrayRef> {
    let docs = datafusion::arrow::compute::cast(&a[0], &DataType::Utf8)?;
    let docs = docs.as_string::<i32>();
    let paths = datafusion::arrow::compute::cast(&a[1], &DataType::Utf8)?;
    let paths = paths.as_string::<i32>();
    let mut out = StringBuilder::with_capacity(docs.len(), docs.len() * 8);
    for i in 0..docs.len() {
        if docs.is_null(i) || paths.is_null(i) {
            out.append_null();
            continue;
        }
        match values(docs.value(i), paths.value(i)) {
            Some(s) => out.append_value(s),
            None => out.append_null(),
        }
    }
    Ok(Arc::new(out.finish()) as ArrayRef)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_fan_out_over_arrays() {
        let doc = r#"{"containerDefinitions":[{"command":["sh","-c","curl x"]},{"command":"id"}],
                      "cluster.name":"c1","n":{"x":1,"y":true,"z":null,"o":{}}}"#;
        let s = SEPARATOR;
        assert_eq!(
            values(doc, "containerDefinitions.command").unwrap(),
            format!("sh{s}-c{s}curl x{s}id")
        );
        assert_eq!(values(doc, "cluster.name").unwrap(), "c1");
        assert_eq!(values(doc, "n.x").unwrap(), "1");
        assert_eq!(values(doc, "n.y").unwrap(), "true");
        assert_eq!(values(doc, "n.z"), None);
        assert_eq!(values(doc, "n.o"), None);
        assert_eq!(values(doc, "missing"), None);
        assert_eq!(values("not json", "a"), None);
    }
}
