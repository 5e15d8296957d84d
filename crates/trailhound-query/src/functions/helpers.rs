//! CloudTrail helpers:
//! - `arn_partition(arn)`, `arn_service(arn)`, `arn_region(arn)`, `arn_account(arn)`,
//!   `arn_resource(arn)`: the parts of an ARN (`arn:partition:service:region:account:resource`),
//!   NULL when the text is not an ARN;
//! - `ip_in_cidr(ip, cidr)`: whether an IPv4/IPv6 address lies in a network; false for
//!   `sourceipaddress` values that are service names (`ec2.amazonaws.com`, `AWS Internal`);
//! - `user_display_name(useridentity)`: who acted, as a person reads it: the IAM user name,
//!   `role/session` for assumed roles, `root`, the service for AWS services.

use std::net::IpAddr;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringArray, StructArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, plan_err, Result};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use super::{array_udf, map_arrays};

/// The helpers.
pub fn udfs() -> Vec<Arc<ScalarUDF>> {
    let mut v: Vec<Arc<ScalarUDF>> = [
        ArnPart::Partition,
        ArnPart::Service,
        ArnPart::Region,
        ArnPart::Account,
        ArnPart::Resource,
    ]
    .into_iter()
    .map(|p| Arc::new(ScalarUDF::from(ArnFn::new(p))))
    .collect();
    v.push(array_udf(
        "ip_in_cidr",
        Signature::string(2, Volatility::Immutable),
        DataType::Boolean,
        ip_in_cidr,
    ));
    v.push(Arc::new(ScalarUDF::from(UserDisplayName {
        signature: Signature::any(1, Volatility::Immutable),
    })));
    v
}

/// The part of an ARN, or None when `arn` is not one.
pub fn arn_part(arn: &str, part: ArnPart) -> Option<&str> {
    let mut it = arn.splitn(6, ':');
    if it.next()? != "arn" {
        return None;
    }
    let parts: [&str; 5] = [it.next()?, it.next()?, it.next()?, it.next()?, it.next()?];
    Some(parts[part as usize])
}

/// A part of an ARN (its index after the `arn:` prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArnPart {
    Partition = 0,
    Service = 1,
    Region = 2,
    Account = 3,
    Resource = 4,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct ArnFn {
    part: ArnPart,
    signature: Signature,
}

impl ArnFn {
    fn new(part: ArnPart) -> Self {
        Self {
            part,
            signature: Signature::string(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for ArnFn {
    fn name(&self) -> &str {
        match self.part {
            ArnPart::Partition => "arn_partition",
            ArnPart::Service => "arn_service",
            ArnPart::Region => "arn_region",
            ArnPart::Account => "arn_account",
            ArnPart::Resource => "arn_resource",
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let idx = self.part;
        map_arrays(&args.args, args.number_rows, |a| {
            let s = datafusion::arrow::compute::cast(&a[0], &DataType::Utf8)?;
            let out: StringArray = s
                .as_string::<i32>()
                .iter()
                .map(|v| v.and_then(|v| arn_part(v, idx)))
                .collect();
            Ok(Arc::new(out) as ArrayRef)
        })
    }
}

/// A parsed network: address and prefix length.
fn parse_cidr(cidr: &str) -> Option<(IpAddr, u8)> {
    let (addr, len) = match cidr.split_once('/') {
        Some((a, l)) => (a.trim(), l.trim().parse::<u8>().ok()?),
        None => {
            let a: IpAddr = cidr.trim().parse().ok()?;
            return Some((a, if a.is_ipv4() { 32 } else { 128 }));
        }
    };
    let a: IpAddr = addr.parse().ok()?;
    let max = if a.is_ipv4() { 32 } else { 128 };
    (len <= max).then_some((a, len))
}

/// Whether `ip` lies in `net/len`. An IPv4-mapped IPv6 address matches IPv4 networks.
pub fn ip_in_network(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// `ip_in_cidr(ip, network)`: whether an address lies in an IPv4 or IPv6 network.
fn ip_in_cidr(a: &[ArrayRef]) -> Result<ArrayRef> {
    let ips = datafusion::arrow::compute::cast(&a[0], &DataType::Utf8)?;
    let ips = ips.as_string::<i32>();
    let nets = datafusion::arrow::compute::cast(&a[1], &DataType::Utf8)?;
    let nets = nets.as_string::<i32>();
    let mut cached: Option<(String, (IpAddr, u8))> = None;
    let mut out = Vec::with_capacity(ips.len());
    for i in 0..ips.len() {
        if ips.is_null(i) || nets.is_null(i) {
            out.push(None);
            continue;
        }
        let n = nets.value(i);
        if cached.as_ref().is_none_or(|(s, _)| s != n) {
            let Some(net) = parse_cidr(n) else {
                return exec_err!(
                        "ip_in_cidr: {n:?} is not a network (write it like 10.0.0.0/8 or 2001:db8::/32)"
                    );
            };
            cached = Some((n.to_string(), net));
        }
        let Some((_, (net, len))) = cached else {
            continue;
        };
        // Service names and "AWS Internal" are not addresses: not in any network.
        out.push(Some(
            ips.value(i)
                .trim()
                .parse::<IpAddr>()
                .is_ok_and(|ip| ip_in_network(ip, net, len)),
        ));
    }
    Ok(Arc::new(BooleanArray::from(out)) as ArrayRef)
}

/// The display name of one `useridentity`, from its fields.
pub fn display_name(
    kind: Option<&str>,
    user_name: Option<&str>,
    arn: Option<&str>,
    principal_id: Option<&str>,
    invoked_by: Option<&str>,
    account_id: Option<&str>,
) -> Option<String> {
    let arn_tail = arn.and_then(|a| arn_part(a, ArnPart::Resource));
    match kind {
        Some("Root") => Some("root".to_string()),
        Some("AssumedRole") => arn_tail
            .and_then(|t| t.strip_prefix("assumed-role/"))
            .map(str::to_string)
            .or_else(|| principal_id.map(str::to_string)),
        Some("FederatedUser") => arn_tail
            .and_then(|t| t.strip_prefix("federated-user/"))
            .map(str::to_string)
            .or_else(|| user_name.map(str::to_string)),
        Some("AWSService") => invoked_by.map(str::to_string),
        Some("AWSAccount") => account_id.or(principal_id).map(|a| format!("account {a}")),
        _ => user_name
            .map(str::to_string)
            .or_else(|| arn_tail.map(|t| t.rsplit('/').next().unwrap_or(t).to_string()))
            .or_else(|| principal_id.map(str::to_string))
            .or_else(|| invoked_by.map(str::to_string)),
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct UserDisplayName {
    signature: Signature,
}

impl ScalarUDFImpl for UserDisplayName {
    fn name(&self) -> &str {
        "user_display_name"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, t: &[DataType]) -> Result<DataType> {
        match t {
            [DataType::Struct(_)] | [DataType::Null] => Ok(DataType::Utf8),
            _ => plan_err!("user_display_name takes the useridentity column"),
        }
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        map_arrays(&args.args, args.number_rows, |a| {
            let Some(s) = a[0].as_any().downcast_ref::<StructArray>() else {
                return Ok(Arc::new(StringArray::new_null(a[0].len())) as ArrayRef);
            };
            let field = |name: &str| -> Result<Option<ArrayRef>> {
                match s.column_by_name(name) {
                    None => Ok(None),
                    Some(c) => Ok(Some(datafusion::arrow::compute::cast(c, &DataType::Utf8)?)),
                }
            };
            let cols = [
                field("type")?,
                field("username")?,
                field("arn")?,
                field("principalid")?,
                field("invokedby")?,
                field("accountid")?,
            ];
            let get = |c: usize, row: usize| -> Option<&str> {
                let col = cols[c].as_ref()?.as_string::<i32>();
                col.is_valid(row).then(|| col.value(row))
            };
            let out: StringArray = (0..s.len())
                .map(|r| {
                    if s.is_null(r) {
                        return None;
                    }
                    display_name(
                        get(0, r),
                        get(1, r),
                        get(2, r),
                        get(3, r),
                        get(4, r),
                        get(5, r),
                    )
                })
                .collect();
            Ok(Arc::new(out) as ArrayRef)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_parts() {
        let a = "arn:aws:sts::123456789012:assumed-role/Admin/alice";
        assert_eq!(arn_part(a, ArnPart::Service), Some("sts"));
        assert_eq!(arn_part(a, ArnPart::Region), Some(""));
        assert_eq!(arn_part(a, ArnPart::Account), Some("123456789012"));
        assert_eq!(
            arn_part(a, ArnPart::Resource),
            Some("assumed-role/Admin/alice")
        );
        assert_eq!(
            arn_part("arn:aws:s3:::bucket/key:with:colons", ArnPart::Resource),
            Some("bucket/key:with:colons")
        );
        assert_eq!(arn_part("not an arn", ArnPart::Service), None);
        assert_eq!(arn_part("arn:aws:s3", ArnPart::Service), None);
    }

    #[test]
    fn cidr_matching() {
        let m = |ip: &str, net: &str| {
            let (n, l) = parse_cidr(net).unwrap();
            ip_in_network(ip.parse().unwrap(), n, l)
        };
        assert!(m("10.1.2.3", "10.0.0.0/8"));
        assert!(!m("11.1.2.3", "10.0.0.0/8"));
        assert!(m("1.2.3.4", "0.0.0.0/0"));
        assert!(m("192.0.2.7", "192.0.2.7"));
        assert!(m("::ffff:10.0.0.1", "10.0.0.0/8"));
        assert!(m("2001:db8::1", "2001:db8::/32"));
        assert!(!m("2001:db9::1", "2001:db8::/32"));
        assert!(!m("10.0.0.1", "::/0"));
        assert!(parse_cidr("10.0.0.0/33").is_none());
        assert!(parse_cidr("banana").is_none());
    }

    #[test]
    fn display_names() {
        assert_eq!(
            display_name(Some("Root"), None, None, None, None, None).as_deref(),
            Some("root")
        );
        assert_eq!(
            display_name(
                Some("AssumedRole"),
                None,
                Some("arn:aws:sts::1:assumed-role/Admin/alice"),
                Some("AROA:alice"),
                None,
                None
            )
            .as_deref(),
            Some("Admin/alice")
        );
        assert_eq!(
            display_name(Some("IAMUser"), Some("bob"), None, None, None, None).as_deref(),
            Some("bob")
        );
        assert_eq!(
            display_name(
                Some("AWSService"),
                None,
                None,
                None,
                Some("ec2.amazonaws.com"),
                None
            )
            .as_deref(),
            Some("ec2.amazonaws.com")
        );
    }
}
