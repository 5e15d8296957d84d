//! `trailhound verify`: the archive's digests checked offline, as a table or JSON.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use trailhound_store::Source;

use crate::args::{VerifyArgs, VerifyFormat};
use crate::context::{locator, window};
use crate::printer::Printer;

/// Exit code of a verification that found something wrong.
const FINDINGS: u8 = 2;

pub fn run_verify(a: VerifyArgs, printer: &Printer) -> Result<ExitCode> {
    let keys = trailhound_verify::PublicKeys::load(&a.public_keys)?;
    let opts = trailhound_verify::VerifyOptions {
        window: window(&a.window)?,
    };
    let src = Source::open(&locator(&a.src)?, &a.s3.options())?;
    let report = trailhound_verify::verify_at(&src, &keys, &opts)?;
    let mut out = std::io::stdout().lock();
    match a.format {
        VerifyFormat::Table => report.write_table(&mut out, printer.is_verbose())?,
        VerifyFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
    }
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FINDINGS)
    })
}
