//! One object decides what the user sees besides results: status lines, `-v` detail, warnings,
//! the progress bar and colour. Results go to standard output (or `--output`) through
//! [`crate::output::ResultSink`]; everything here goes to standard error.
//!
//! `-q` keeps standard error to warnings and errors; `-v` adds what was resolved (lake,
//! window, counts). Colour only on a terminal, and never with `NO_COLOR` set (no-color.org)
//! or `TERM=dumb`.

use std::fmt::Display;
use std::io::IsTerminal;

use crate::progress::Bar;

/// How much goes to standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

#[derive(Debug, Clone, Copy)]
pub struct Printer {
    verbosity: Verbosity,
    colour: bool,
}

impl Printer {
    pub fn new(quiet: bool, verbose: bool) -> Printer {
        let verbosity = match (quiet, verbose) {
            (true, _) => Verbosity::Quiet,
            (false, true) => Verbosity::Verbose,
            (false, false) => Verbosity::Normal,
        };
        Printer {
            verbosity,
            colour: colour_wanted(std::io::stderr().is_terminal()),
        }
    }

    pub fn is_verbose(&self) -> bool {
        self.verbosity == Verbosity::Verbose
    }

    /// What a command did, for people watching (`exported 120 events`); hidden by `-q`.
    pub fn status(&self, msg: impl Display) {
        if self.verbosity >= Verbosity::Normal {
            eprintln!("{msg}");
        }
    }

    /// Detail shown with `-v`.
    pub fn detail(&self, msg: impl Display) {
        if self.verbosity == Verbosity::Verbose {
            eprintln!("{msg}");
        }
    }

    /// Something the user should act on; shown even with `-q`.
    pub fn warn(&self, msg: impl Display) {
        eprintln!("{}{msg}", self.paint("warning: ", "33"));
    }

    /// A line the user must see whatever the verbosity (what failed and what to do next).
    pub fn important(&self, msg: impl Display) {
        eprintln!("{msg}");
    }

    /// A line naming one object a command could not handle (`failed: KEY: why`); always shown.
    pub fn problem(&self, label: &str, msg: impl Display) {
        eprintln!("{}{msg}", self.paint(&format!("{label}: "), "31"));
    }

    /// The one line of a command that failed.
    pub fn error(&self, msg: impl Display) {
        eprintln!("{}{msg}", self.paint("error: ", "1;31"));
    }

    /// A progress bar on standard error, drawn only on a terminal and without `-q`.
    pub fn progress(&self) -> Bar {
        Bar::new(self.verbosity == Verbosity::Quiet || !std::io::stderr().is_terminal())
    }

    fn paint(&self, text: &str, sgr: &str) -> String {
        if self.colour {
            format!("\x1b[{sgr}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Colour on a terminal unless `NO_COLOR` is set to anything non-empty or `TERM` is `dumb`.
pub fn colour_wanted(terminal: bool) -> bool {
    colour_from(
        terminal,
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("TERM").as_deref(),
    )
}

fn colour_from(
    terminal: bool,
    no_color: Option<&std::ffi::OsStr>,
    term: Option<&std::ffi::OsStr>,
) -> bool {
    let no_color = no_color.is_some_and(|v| !v.is_empty());
    let dumb = term.is_some_and(|t| t == "dumb");
    terminal && !no_color && !dumb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_and_paint() {
        assert_eq!(Printer::new(true, true).verbosity, Verbosity::Quiet);
        assert!(Printer::new(false, true).is_verbose());
        let p = Printer {
            verbosity: Verbosity::Normal,
            colour: true,
        };
        assert_eq!(p.paint("error: ", "31"), "\x1b[31merror: \x1b[0m");
        let p = Printer { colour: false, ..p };
        assert_eq!(p.paint("error: ", "31"), "error: ");
        assert!(!colour_wanted(false));
        let os = |s: &'static str| Some(std::ffi::OsStr::new(s));
        assert!(colour_from(true, None, os("xterm")));
        assert!(
            colour_from(true, os(""), None),
            "an empty NO_COLOR is unset"
        );
        assert!(!colour_from(true, os("1"), os("xterm")));
        assert!(!colour_from(true, None, os("dumb")));
        assert!(!colour_from(false, None, None));
    }
}
