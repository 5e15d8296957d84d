//! Resource and trust policies as CloudTrail records them (a JSON object, or a JSON string holding
//! one), judged statement by statement:
//! - `policy_is_public(policy)`: some `Allow` statement grants the `*` principal and no condition of
//!   that statement pins the caller to fixed values (account, organisation, VPC, endpoint, source
//!   ARN or a network narrower than /8), the rule S3's Block Public Access applies;
//! - `policy_foreign_accounts(policy, account)`: the other AWS accounts an `Allow` statement names as
//!   principals (account ids and ARNs), comma-separated, NULL when none.
//!
//! Both are NULL when the text is not a policy. Deny statements never open anything.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use serde_json::Value;

use super::map_arrays;

pub fn udfs() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::from(PolicyFn {
            foreign: false,
            signature: Signature::string(1, Volatility::Immutable),
        })),
        Arc::new(ScalarUDF::from(PolicyFn {
            foreign: true,
            signature: Signature::string(2, Volatility::Immutable),
        })),
    ]
}

/// The policy document of `text`: an object, or a string holding one (trust policies, key
/// policies and Lambda's are recorded as strings).
fn document(text: &str) -> Option<Value> {
    match serde_json::from_str::<Value>(text).ok()? {
        Value::String(inner) => serde_json::from_str::<Value>(&inner)
            .ok()
            .filter(Value::is_object),
        v @ Value::Object(_) => Some(v),
        _ => None,
    }
}

/// The `Allow` statements of a document.
fn allow_statements(doc: &Value) -> Vec<&Value> {
    let list = match doc.get("Statement") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    };
    list.into_iter()
        .filter(|s| {
            s.get("Effect")
                .and_then(Value::as_str)
                .is_some_and(|e| e.eq_ignore_ascii_case("allow"))
        })
        .collect()
}

/// The AWS principals a statement names (`"*"` for the public principal).
fn aws_principals(statement: &Value) -> Vec<&str> {
    fn strings(v: &Value) -> Vec<&str> {
        match v {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }
    match statement.get("Principal") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Object(o)) => o
            .iter()
            .filter(|(k, _)| {
                k.eq_ignore_ascii_case("aws") || k.eq_ignore_ascii_case("canonicaluser")
            })
            .flat_map(|(_, v)| strings(v))
            .collect(),
        _ => Vec::new(),
    }
}

/// Condition keys that, set to fixed values, keep a `*` grant from being public.
const PINNING_KEYS: &[&str] = &[
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:userid",
    "aws:resourceaccount",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
    "kms:calleraccount",
    "lambda:functionurlauthtype",
];

/// Whether a statement's `Condition` pins the caller to fixed values.
fn pinned(statement: &Value) -> bool {
    let Some(Value::Object(ops)) = statement.get("Condition") else {
        return false;
    };
    ops.iter().any(|(op, keys)| {
        let op = op
            .trim_start_matches("ForAnyValue:")
            .trim_start_matches("ForAllValues:");
        let fixed_op = matches!(
            op,
            "StringEquals"
                | "StringEqualsIgnoreCase"
                | "StringLike"
                | "ArnEquals"
                | "ArnLike"
                | "IpAddress"
        );
        let Value::Object(keys) = keys else {
            return false;
        };
        fixed_op
            && keys.iter().any(|(key, values)| {
                let key = key.to_ascii_lowercase();
                let values: Vec<&str> = match values {
                    Value::String(s) => vec![s.as_str()],
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                PINNING_KEYS.contains(&key.as_str())
                    && !values.is_empty()
                    && values.iter().all(|v| {
                        if key == "aws:sourceip" {
                            narrow_network(v)
                        } else {
                            !v.trim().is_empty() && v.trim_matches('*').len() > 1
                        }
                    })
            })
    })
}

/// A network of at least a /8 (IPv4) or /32 (IPv6): a fixed range, not the Internet.
fn narrow_network(cidr: &str) -> bool {
    let (addr, len) = cidr.split_once('/').unwrap_or((cidr, ""));
    let v6 = addr.contains(':');
    let len = if len.is_empty() {
        if v6 {
            128
        } else {
            32
        }
    } else {
        match len.parse::<u32>() {
            Ok(l) => l,
            Err(_) => return false,
        }
    };
    if v6 {
        len >= 32
    } else {
        len >= 8
    }
}

/// Whether some statement of the policy is public; None when `text` is not a policy.
pub fn is_public(text: &str) -> Option<bool> {
    let doc = document(text)?;
    Some(
        allow_statements(&doc)
            .into_iter()
            .any(|s| aws_principals(s).contains(&"*") && !pinned(s)),
    )
}

/// The accounts other than `account` that the policy's `Allow` statements name; None when `text`
/// is not a policy.
pub fn foreign_accounts(text: &str, account: &str) -> Option<Vec<String>> {
    let doc = document(text)?;
    let mut out: Vec<String> = Vec::new();
    for s in allow_statements(&doc) {
        for p in aws_principals(s) {
            let id = if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
                Some(p)
            } else {
                super::helpers::arn_part(p, super::helpers::ArnPart::Account)
                    .filter(|a| !a.is_empty())
            };
            if let Some(id) = id {
                if id != account && !out.iter().any(|o| o == id) {
                    out.push(id.to_string());
                }
            }
        }
    }
    Some(out)
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct PolicyFn {
    foreign: bool,
    signature: Signature,
}

impl ScalarUDFImpl for PolicyFn {
    fn name(&self) -> &str {
        if self.foreign {
            "policy_foreign_accounts"
        } else {
            "policy_is_public"
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(if self.foreign {
            DataType::Utf8
        } else {
            DataType::Boolean
        })
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let foreign = self.foreign;
        map_arrays(&args.args, args.number_rows, |a| {
            let text = datafusion::arrow::compute::cast(&a[0], &DataType::Utf8)?;
            let text = text.as_string::<i32>();
            if foreign {
                let account = datafusion::arrow::compute::cast(&a[1], &DataType::Utf8)?;
                let account = account.as_string::<i32>();
                let out: StringArray = (0..text.len())
                    .map(|i| {
                        if text.is_null(i) {
                            return None;
                        }
                        let acct = if account.is_null(i) {
                            ""
                        } else {
                            account.value(i)
                        };
                        foreign_accounts(text.value(i), acct)
                            .filter(|v| !v.is_empty())
                            .map(|v| v.join(","))
                    })
                    .collect();
                Ok(Arc::new(out) as ArrayRef)
            } else {
                let out: BooleanArray = (0..text.len())
                    .map(|i| {
                        (!text.is_null(i))
                            .then(|| is_public(text.value(i)))
                            .flatten()
                    })
                    .collect();
                Ok(Arc::new(out) as ArrayRef)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stmt(principal: &str, condition: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"s3:GetObject","Resource":"*"{condition}}}]}}"#
        )
    }

    #[test]
    fn public_is_judged_per_statement() {
        assert_eq!(is_public(&stmt(r#""*""#, "")), Some(true));
        assert_eq!(is_public(&stmt(r#"{"AWS":["*"]}"#, "")), Some(true));
        // Allow in one statement and `*` in another (a Deny) is not public.
        let split = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"*"},{"Effect":"Deny","Principal":"*","Action":"*"}]}"#;
        assert_eq!(is_public(split), Some(false));
        // Pinned to an account, an organisation, a VPC endpoint or a /16: not public.
        for c in [
            r#","Condition":{"StringEquals":{"aws:SourceAccount":"111111111111"}}"#,
            r#","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#,
            r#","Condition":{"StringEquals":{"aws:SourceVpce":["vpce-1a2b"]}}"#,
            r#","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
        ] {
            assert_eq!(is_public(&stmt(r#""*""#, c)), Some(false), "{c}");
        }
        // Conditions that pin nothing: still public.
        for c in [
            r#","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}"#,
            r#","Condition":{"StringNotEquals":{"aws:SourceAccount":"111111111111"}}"#,
            r#","Condition":{"StringLike":{"aws:PrincipalArn":"*"}}"#,
            r#","Condition":{"Bool":{"aws:SecureTransport":"true"}}"#,
        ] {
            assert_eq!(is_public(&stmt(r#""*""#, c)), Some(true), "{c}");
        }
        // A policy recorded as a JSON string.
        let quoted = serde_json::to_string(&stmt(r#""*""#, "")).unwrap();
        assert_eq!(is_public(&quoted), Some(true));
        assert_eq!(is_public("not json"), None);
        assert_eq!(is_public(r#"{"Statement":[]}"#), Some(false));
    }

    #[test]
    fn foreign_accounts_are_named_once() {
        let p = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:root","333333333333","arn:aws:iam::111111111111:role/x","arn:aws:iam::222222222222:user/y"]},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        assert_eq!(
            foreign_accounts(p, "111111111111"),
            Some(vec!["222222222222".to_string(), "333333333333".to_string()])
        );
        let deny =
            r#"{"Statement":[{"Effect":"Deny","Principal":{"AWS":"222222222222"},"Action":"*"}]}"#;
        assert_eq!(foreign_accounts(deny, "111111111111"), Some(vec![]));
    }
}
