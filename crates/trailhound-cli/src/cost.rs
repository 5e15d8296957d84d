//! `trailhound cost`: price the archive's events, logging everything and with each selector file.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use trailhound_cost::report::{self, Format};
use trailhound_cost::{Lifecycle, ManagementCopy, Options, Pricing, Selectors};

use crate::args::{CostArgs, CostFormat};
use crate::context::{lake, open_engine, runtime, window};
use crate::printer::Printer;

pub fn run_cost(a: CostArgs, printer: &Printer) -> Result<ExitCode> {
    let lake = lake(a.lake_pos.clone(), a.lake.clone())?;
    if lake.local_path().is_some_and(|p| !p.is_dir()) {
        bail!("{lake}: no such lake (a folder written by `trailhound convert`)");
    }
    // Everything the user wrote is checked before the archive is read.
    let pricing = match &a.pricing {
        Some(p) => Pricing::from_file(p)?,
        None => Pricing::builtin()?,
    };
    let mut sets = Vec::new();
    for path in &a.selectors {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        sets.push((name, Selectors::from_file(path)?));
    }
    let w = window(&a.window)?;
    let opts = Options {
        management_copy: if a.additional_copy {
            ManagementCopy::Additional
        } else {
            ManagementCopy::First
        },
        cloudwatch_retention_days: a.cloudwatch_retention,
        lifecycle: Lifecycle::parse(&a.lifecycle, &pricing)?,
        top: a.top,
        window: w,
    };
    let rt = runtime()?;
    let _guard = rt.enter();
    let engine = open_engine(Some(lake), None, w, &a.engine, printer)?;
    let est = rt.block_on(trailhound_cost::run(&engine, &sets, &pricing, &opts))?;
    let format = match a.format {
        CostFormat::Table => Format::Table,
        CostFormat::Json => Format::Json,
        CostFormat::Md => Format::Markdown,
        CostFormat::Html => {
            let page = trailhound_pages::cost(&est)?;
            crate::output::write_document(a.output.as_deref(), &page)?;
            return Ok(ExitCode::SUCCESS);
        }
    };
    match &a.output {
        Some(path) => {
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?,
            );
            report::write(&est, format, &mut f)?;
            std::io::Write::flush(&mut f)?;
        }
        None => report::write(&est, format, &mut std::io::stdout().lock())?,
    }
    Ok(ExitCode::SUCCESS)
}
