//! The plan codec every role shares: Ballista's own nodes (shuffles) go to Ballista's codec; the
//! raw-log scan travels as the objects it reads (root, keys, projection) and the non-secret S3
//! settings, never as credentials; trailhound's functions travel tagged with our version, so an
//! executor that is not this trailhound (a stock Ballista executor, whose `element_at` and
//! `replace` are DataFusion's and would silently answer differently) refuses the plan instead.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use ballista_core::serde::BallistaPhysicalExtensionCodec;
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::{SessionStateBuilder, TaskContext};
use datafusion::logical_expr::ScalarUDF;
use datafusion::physical_plan::ExecutionPlan;
use datafusion_proto::physical_plan::{PhysicalExtensionCodec, PhysicalProtoConverterExtension};
use serde_json::{json, Value};
use trailhound_query::raw_table::{RawScan, RawScanExec};
use trailhound_store::{Locator, S3Options, SourceObject};

/// What starts every node and function this codec writes: a stock codec never reads it as its
/// own, and a trailhound of another version is told which.
const TAG: &str = concat!("trailhound/", env!("CARGO_PKG_VERSION"));
const RAW_SCAN: &[u8] = b"trailhound-raw-scan\n";

/// Encodes and decodes trailhound's plan nodes and functions; everything else is Ballista's.
#[derive(Debug)]
pub struct TrailhoundCodec {
    inner: BallistaPhysicalExtensionCodec,
    /// trailhound's functions by name (ours, the JSON family, and our replacements of built-ins).
    functions: HashMap<String, Arc<ScalarUDF>>,
}

impl TrailhoundCodec {
    /// The codec, with trailhound's functions as `state` has them registered.
    pub fn new(state: &datafusion::execution::SessionState) -> Self {
        // A function is ours when DataFusion's own session lacks it or has another one of
        // that name (`element_at`, `replace`).
        let stock = SessionStateBuilder::new().with_default_features().build();
        let mut ours: HashSet<String> = trailhound_query::functions::all_udfs()
            .iter()
            .map(|f| f.name().to_string())
            .collect();
        for (name, f) in state.scalar_functions() {
            match stock.scalar_functions().get(name) {
                Some(g) if g.name() == f.name() && !ours.contains(f.name()) => {}
                _ => {
                    ours.insert(name.clone());
                }
            }
        }
        let functions = state
            .scalar_functions()
            .iter()
            .filter(|(name, _)| ours.contains(*name))
            .map(|(name, f)| (name.clone(), f.clone()))
            .collect();
        Self {
            inner: BallistaPhysicalExtensionCodec::default(),
            functions,
        }
    }
}

impl PhysicalExtensionCodec for TrailhoundCodec {
    fn try_decode(
        &self,
        buf: &[u8],
        inputs: &[Arc<dyn ExecutionPlan>],
        ctx: &TaskContext,
        converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        match buf.strip_prefix(RAW_SCAN) {
            Some(body) => Ok(Arc::new(RawScanExec::new(decode_raw_scan(body)?, None)?)),
            None => self.inner.try_decode(buf, inputs, ctx, converter),
        }
    }

    fn try_encode(
        &self,
        node: Arc<dyn ExecutionPlan>,
        buf: &mut Vec<u8>,
        converter: &dyn PhysicalProtoConverterExtension,
    ) -> Result<()> {
        match node.downcast_ref::<RawScanExec>() {
            Some(raw) => {
                buf.extend_from_slice(RAW_SCAN);
                buf.extend_from_slice(encode_raw_scan(raw.scan()).to_string().as_bytes());
                Ok(())
            }
            None => self.inner.try_encode(node, buf, converter),
        }
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        let tag = String::from_utf8_lossy(buf);
        if tag != TAG {
            return Err(DataFusionError::Plan(format!(
                "function {name} comes from {tag}, this executor is {TAG}: run the same trailhound build on the client, scheduler and executors"
            )));
        }
        self.functions
            .get(name)
            .cloned()
            .ok_or_else(|| DataFusionError::Plan(format!("function {name} is not one of {TAG}'s")))
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        if self.functions.contains_key(node.name()) {
            buf.extend_from_slice(TAG.as_bytes());
        }
        Ok(())
    }
}

/// The scan as JSON. Only the settings that locate the objects travel: credentials are the
/// executor's own (its environment, profile or instance role).
fn encode_raw_scan(scan: &RawScan) -> Value {
    let s3 = &scan.s3;
    json!({
        "root": scan.root.to_string(),
        "s3": {
            "profile": s3.profile,
            "region": s3.region,
            "endpoint_url": s3.endpoint_url,
            "max_retries": s3.max_retries,
        },
        "parts": scan.parts.iter().map(|p| p.iter().map(|o| json!([o.key, o.size, o.version])).collect::<Vec<_>>()).collect::<Vec<_>>(),
        "projection": scan.projection,
        "limit": scan.limit,
        "merged": scan.merged,
    })
}

fn decode_raw_scan(body: &[u8]) -> Result<RawScan> {
    let bad = |why: String| DataFusionError::Plan(format!("raw-log scan in the plan: {why}"));
    let v: Value = serde_json::from_slice(body).map_err(|e| bad(e.to_string()))?;
    let text = |v: &Value| v.as_str().map(str::to_string);
    let root = v["root"]
        .as_str()
        .ok_or_else(|| bad("no root".into()))
        .and_then(|r| Locator::parse(r).map_err(|e| bad(e.to_string())))?;
    let s3 = S3Options {
        profile: text(&v["s3"]["profile"]),
        region: text(&v["s3"]["region"]),
        endpoint_url: text(&v["s3"]["endpoint_url"]),
        max_retries: v["s3"]["max_retries"].as_u64().map(|n| n as usize),
        ..Default::default()
    };
    let object = |o: &Value| -> Result<SourceObject> {
        match (o[0].as_str(), o[1].as_u64(), o[2].as_str()) {
            (Some(key), Some(size), Some(version)) => Ok(SourceObject {
                key: key.to_string(),
                size,
                version: version.to_string(),
            }),
            _ => Err(bad(format!("bad object {o}"))),
        }
    };
    let parts = v["parts"]
        .as_array()
        .ok_or_else(|| bad("no parts".into()))?
        .iter()
        .map(|p| {
            p.as_array()
                .ok_or_else(|| bad("bad part".into()))?
                .iter()
                .map(object)
                .collect::<Result<Vec<_>>>()
        })
        .collect::<Result<Vec<_>>>()?;
    let projection = match &v["projection"] {
        Value::Null => None,
        p => Some(
            p.as_array()
                .ok_or_else(|| bad("bad projection".into()))?
                .iter()
                .map(|i| i.as_u64().map(|i| i as usize))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad("bad projection".into()))?,
        ),
    };
    Ok(RawScan {
        root,
        s3,
        parts,
        projection,
        limit: v["limit"].as_u64().map(|n| n as usize),
        merged: v["merged"].as_bool().unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_scans_travel_without_credentials() {
        let scan = RawScan {
            root: Locator::parse("s3://trail/AWSLogs").unwrap(),
            s3: S3Options {
                region: Some("eu-west-1".into()),
                endpoint_url: Some("http://127.0.0.1:9".into()),
                access_key_id: Some("AKIDEXAMPLE".into()),
                secret_access_key: Some("very-secret".into()),
                ..Default::default()
            },
            parts: vec![vec![SourceObject {
                key: "a.json.gz".into(),
                size: 7,
                version: "e1".into(),
            }]],
            projection: Some(vec![3, 1]),
            limit: Some(5),
            merged: true,
        };
        let text = encode_raw_scan(&scan).to_string();
        assert!(!text.contains("very-secret") && !text.contains("AKIDEXAMPLE"));
        let back = decode_raw_scan(text.as_bytes()).unwrap();
        assert_eq!(back.root, scan.root);
        assert_eq!(back.s3.region.as_deref(), Some("eu-west-1"));
        assert_eq!(back.s3.secret_access_key, None);
        assert_eq!(back.parts[0][0].key, "a.json.gz");
        assert_eq!(back.projection, Some(vec![3, 1]));
        assert_eq!(back.limit, Some(5));
        assert!(back.merged);
        assert!(decode_raw_scan(b"{\"root\": 3}").is_err());
    }
}
