//! SQL functions trailhound adds to DataFusion, all plain scalar UDFs so that any DataFusion-based
//! engine (Ballista included) can register them too:
//! - JSON access on the JSON-text columns from datafusion-functions-json (`json_get_str`, `->>`…);
//! - Trino/Athena/CloudTrail Lake shims ([`trino`]) so that queries brought from there run as is;
//! - CloudTrail helpers ([`helpers`]): ARN parts, IP in CIDR, a principal's display name;
//! - [`json_values`]: every scalar at a dotted path of a JSON text, through arrays (Sigma fields);
//! - [`policy`]: IAM policy documents judged per statement (public grants, foreign accounts).

pub mod helpers;
pub mod json_values;
pub mod jsonpath;
pub mod policy;
pub mod trino;

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue};
use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
};

/// Registers every trailhound function (and the JSON library's) into a registry.
pub fn register_all(registry: &mut dyn FunctionRegistry) -> Result<()> {
    datafusion_functions_json::register_all(registry)?;
    for udf in all_udfs() {
        registry.register_udf(udf)?;
    }
    Ok(())
}

/// trailhound's own functions, for registering elsewhere.
pub fn all_udfs() -> Vec<Arc<ScalarUDF>> {
    let mut v = trino::udfs();
    v.extend(helpers::udfs());
    v.push(json_values::udf());
    v.extend(policy::udfs());
    v
}

/// A function with a fixed signature and return type whose body is an array kernel over its
/// arguments: declared with [`array_udf`] in one call, not a struct and trait impl each.
#[derive(Debug)]
pub(crate) struct ArrayUdf {
    name: &'static str,
    signature: Signature,
    returns: DataType,
    kernel: fn(&[ArrayRef]) -> Result<ArrayRef>,
}

// Equal when name, signature and return type are: a name is one function (comparing the kernels'
// addresses would mean nothing).
impl PartialEq for ArrayUdf {
    fn eq(&self, other: &Self) -> bool {
        (self.name, &self.signature, &self.returns)
            == (other.name, &other.signature, &other.returns)
    }
}

impl Eq for ArrayUdf {}

impl std::hash::Hash for ArrayUdf {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.name, &self.signature, &self.returns).hash(state);
    }
}

impl ScalarUDFImpl for ArrayUdf {
    fn name(&self) -> &str {
        self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(self.returns.clone())
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        map_arrays(&args.args, args.number_rows, self.kernel)
    }
}

/// The function `name(…)`: `kernel` applied to its arguments as arrays (a call on literals
/// answers a scalar).
pub(crate) fn array_udf(
    name: &'static str,
    signature: Signature,
    returns: DataType,
    kernel: fn(&[ArrayRef]) -> Result<ArrayRef>,
) -> Arc<ScalarUDF> {
    Arc::new(ScalarUDF::from(ArrayUdf {
        name,
        signature,
        returns,
        kernel,
    }))
}

/// Applies an array kernel to a function's arguments, keeping a scalar result scalar.
pub(crate) fn map_arrays(
    args: &[ColumnarValue],
    rows: usize,
    f: impl FnOnce(&[ArrayRef]) -> Result<ArrayRef>,
) -> Result<ColumnarValue> {
    let all_scalar = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
    let arrays: Vec<ArrayRef> = args
        .iter()
        .map(|a| a.to_array(if all_scalar { 1 } else { rows }))
        .collect::<Result<_>>()?;
    let out = f(&arrays)?;
    if all_scalar && out.len() == 1 {
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
    } else {
        Ok(ColumnarValue::Array(out))
    }
}
