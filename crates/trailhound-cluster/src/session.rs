//! What the scheduler and executors run plans with: trailhound's session (functions, coercions,
//! settings) and object stores each role builds for itself: local files read in place, and a
//! store per S3 bucket made on first use from this process's own credential chain.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use ballista_core::extension::SessionConfigExt;
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::execution::SessionState;
use datafusion::prelude::SessionConfig;
use object_store::ObjectStore;
use trailhound_query::{Engine, EngineOptions};
use trailhound_store::{S3Location, S3Options};
use url::Url;

/// The settings a cluster session starts from: Ballista's, which the client's settings then
/// override key by key as each job arrives.
pub fn config() -> SessionConfig {
    SessionConfig::new_with_ballista()
}

/// trailhound's session over `runtime`: every function (ours replacing DataFusion's built-ins
/// of the same name) and the dialect's coercions, as the engine registers them.
pub fn state(config: SessionConfig, runtime: Arc<RuntimeEnv>) -> Result<SessionState> {
    let engine = Engine::new(&EngineOptions::default()).map_err(|e| {
        DataFusionError::Execution(format!("cannot set up trailhound's session: {e}"))
    })?;
    let base = engine.context().state();
    Ok(
        datafusion::execution::SessionStateBuilder::new_from_existing(base)
            .with_config(config)
            .with_runtime_env(runtime)
            .build(),
    )
}

/// A runtime whose stores this process makes for itself (see [`Stores`]); spills go to
/// `work_dir` when given.
pub fn runtime(stores: Arc<Stores>, work_dir: Option<&str>) -> Result<Arc<RuntimeEnv>> {
    let mut b = RuntimeEnvBuilder::new().with_object_store_registry(stores);
    if let Some(dir) = work_dir {
        b = b.with_temp_file_path(dir);
    }
    b.build_arc()
}

/// Object stores by URL: `file://` read in place, `s3://bucket` built on first use with this
/// process's S3 settings and credentials (environment, profile, instance role); nothing secret
/// comes with a plan.
#[derive(Debug)]
pub struct Stores {
    s3: S3Options,
    made: Mutex<HashMap<String, Arc<dyn ObjectStore>>>,
}

impl Stores {
    pub fn new(s3: S3Options) -> Arc<Self> {
        Arc::new(Self {
            s3,
            made: Mutex::new(HashMap::new()),
        })
    }

    fn key(url: &Url) -> String {
        format!("{}://{}", url.scheme(), url.host_str().unwrap_or(""))
    }
}

impl ObjectStoreRegistry for Stores {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        let mut made = self.made.lock().unwrap_or_else(|p| p.into_inner());
        made.insert(Self::key(url), store)
    }

    fn deregister_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        let mut made = self.made.lock().unwrap_or_else(|p| p.into_inner());
        made.remove(&Self::key(url))
            .ok_or_else(|| DataFusionError::Execution(format!("no object store for {url}")))
    }

    fn get_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        let key = Self::key(url);
        let mut made = self.made.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(store) = made.get(&key) {
            return Ok(store.clone());
        }
        let store: Arc<dyn ObjectStore> = match url.scheme() {
            "file" => trailhound_query::local_file_store(),
            "s3" => {
                let loc = S3Location::parse(&key).ok_or_else(|| {
                    DataFusionError::Execution(format!("{url}: not an S3 bucket URL"))
                })?;
                trailhound_store::s3::s3_store(&loc, &self.s3)
                    .map_err(|e| DataFusionError::Execution(e.to_string()))?
            }
            other => {
                return Err(DataFusionError::Execution(format!(
                    "{url}: trailhound's executors read local files and s3:// only, not {other}://"
                )))
            }
        };
        made.insert(key, store.clone());
        Ok(store)
    }
}
