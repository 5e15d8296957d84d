//! `trailhound ddl`: the statement with which Athena or Trino reads the lake in place. The
//! projection's accounts, regions and first day come from the lake's own partition folders.

use std::process::ExitCode;

use anyhow::{bail, Result};
use trailhound_model::ddl::{create_table, DdlEngine, DdlTarget};
use trailhound_model::lake::{Dataset, UNKNOWN_DATE};
use trailhound_store::location::block_on;
use trailhound_store::{Location, Locator};

use crate::args::{DdlArgs, DdlEngineArg};
use crate::context::lake;

pub fn run_ddl(a: DdlArgs) -> Result<ExitCode> {
    let at = lake(a.lake_pos.clone(), a.lake.clone())?;
    let root = match (&a.location, &at) {
        (Some(l), _) => match Locator::parse(l)? {
            Locator::S3(s3) => s3.url(),
            Locator::Local(_) => bail!("--location {l}: Athena and Trino read the lake from S3: give s3://bucket/prefix"),
        },
        (None, Locator::S3(s3)) => s3.url(),
        (None, Locator::Local(p)) => bail!(
            "{}: the lake is on this machine; give --location s3://bucket/prefix where it is copied to",
            p.display()
        ),
    };
    let dataset = if a.insights {
        Dataset::Insights
    } else {
        Dataset::Events
    };
    let loc = at.open(&a.s3.options(), false)?;
    let (accounts, regions, days) = partitions(&loc, dataset)?;
    let Some(first_day) = days.iter().find(|d| d.as_str() != UNKNOWN_DATE) else {
        bail!(
            "{at}: no {} partitions with a date yet (convert some logs first)",
            dataset.dir()
        );
    };
    let table = a.table.clone().unwrap_or_else(|| dataset.dir().to_string());
    let engine = match a.engine {
        DdlEngineArg::Athena => DdlEngine::Athena,
        DdlEngineArg::Trino => DdlEngine::Trino,
    };
    print!(
        "{}",
        create_table(
            engine,
            &DdlTarget {
                table: &table,
                root: &root,
                dataset,
                accounts: &accounts,
                regions: &regions,
                first_day,
            },
        )
    );
    Ok(ExitCode::SUCCESS)
}

/// The dataset's accounts, regions and days, sorted, from its `key=value` folders.
fn partitions(loc: &Location, dataset: Dataset) -> Result<(Vec<String>, Vec<String>, Vec<String>)> {
    let values = |rel: &str, key: &str| -> Result<Vec<(String, String)>> {
        let (_, dirs) = block_on(loc.list_dir(rel))?;
        Ok(dirs
            .iter()
            .filter_map(|d| {
                let name = d.trim_end_matches('/').rsplit('/').next()?;
                let v = name.strip_prefix(&format!("{key}="))?;
                Some((
                    format!("{}/{name}", rel.trim_end_matches('/')),
                    v.to_string(),
                ))
            })
            .collect())
    };
    let (mut accounts, mut regions, mut days) = (Vec::new(), Vec::new(), Vec::new());
    for (a_dir, account) in values(dataset.dir(), "account")? {
        accounts.push(account);
        for (r_dir, region) in values(&a_dir, "region")? {
            regions.push(region);
            days.extend(values(&r_dir, "date")?.into_iter().map(|(_, d)| d));
        }
    }
    for v in [&mut accounts, &mut regions, &mut days] {
        v.sort();
        v.dedup();
    }
    Ok((accounts, regions, days))
}
