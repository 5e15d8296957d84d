//! Dispatch: each subcommand to the module that runs it, with the one [`Printer`] the global
//! `-q`/`-v` flags made.

use std::process::ExitCode;

use anyhow::Result;

use crate::args::{Cli, Command};
use crate::printer::Printer;

pub fn run(cli: Cli, printer: &Printer) -> Result<ExitCode> {
    match cli.command {
        Command::Convert(a) => crate::convert::run_convert(a, printer),
        Command::Compact(a) => crate::convert::run_compact(a, printer),
        Command::Export(a) => crate::convert::run_export(a, printer),
        Command::Sql(a) => crate::sql::run_sql(a, printer),
        Command::Lookup(a) => crate::lookup::run_lookup(a, printer),
        Command::Verify(a) => crate::verify::run_verify(a, printer),
        Command::Cost(a) => crate::cost::run_cost(a, printer),
        Command::Queries(a) => crate::saved::run_queries(a),
        Command::Run(a) => crate::saved::run_run(a, printer),
        Command::Report(a) => crate::saved::run_report(a, printer),
        Command::Timeline(a) => crate::timeline::run_timeline(a, printer),
        Command::MetricFilter(a) => crate::metric_filter::run_metric_filter(a, printer),
        Command::Watch(a) => crate::watch::run_watch(a, printer),
        Command::Ddl(a) => crate::ddl::run_ddl(a),
        Command::Scheduler(a) => crate::cluster::run_scheduler(a, printer),
        Command::Executor(a) => crate::cluster::run_executor(a, printer),
    }
}
