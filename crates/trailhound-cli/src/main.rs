//! The `trailhound` binary: clap subcommands over the library crates, one clear error line and an
//! exit code (0 done, 1 error, 2 findings, 3 done but something was quarantined; the README's
//! table says which command returns which).

mod args;
mod cluster;
mod commands;
mod config;
mod context;
mod convert;
mod cost;
mod ddl;
mod lookup;
mod metric_filter;
mod output;
mod printer;
mod progress;
mod repl;
mod saved;
mod sql;
mod timeline;
mod verify;
mod watch;

use std::process::ExitCode;

use clap::Parser;

// The converter allocates many small values per event and frees hundreds of MB of buffered
// rows at each flush; mimalloc (v3) keeps freed memory for reuse for a second before returning
// it to the OS (measured faster than glibc's malloc, and than jemalloc for less build time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // clap exits 2 on a usage error, which here means "findings": a cron job must not take a
    // mistyped flag for an alert. Usage errors are errors (1); --help and --version are done (0).
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let printer = printer::Printer::new(cli.quiet, cli.verbose);
    match commands::run(cli, &printer) {
        Ok(code) => code,
        Err(e) => {
            // `| head` closing the pipe is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            printer.error(format_args!("{e:#}"));
            ExitCode::FAILURE
        }
    }
}
