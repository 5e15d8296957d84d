//! The interactive SQL shell: rustyline with persistent history, multi-line statements ended by
//! `;`, completion of keywords, tables, columns (nested fields too), functions and meta commands,
//! keyword highlighting, and psql-style meta commands. Ctrl-C cancels the running query and
//! keeps the session; Ctrl-D leaves.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use datafusion_arrow::{ArrayRef, DataType, Field, Fields, RecordBatch, Schema, StringArray};
use rustyline::completion::Completer;
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{CompletionType, Config, Context, Editor, Helper};
use trailhound_query::output::Format;
use trailhound_query::{Engine, QueryOutput};

use crate::output::ResultSink;
use crate::printer::Printer;

mod datafusion_arrow {
    pub use trailhound_query::arrow::array::{ArrayRef, RecordBatch, StringArray};
    pub use trailhound_query::arrow::datatypes::{DataType, Field, Fields, Schema};
}

const PROMPT: &str = "trailhound> ";

const META_HELP: &str = "\
Meta commands:
  \\d             list tables
  \\d TABLE       describe a table (nested fields too)
  \\timing        show how long each query takes (on/off)
  \\format FMT    result format: table, csv, tsv, json, ndjson
  \\x             expanded rows: one line per column (on/off)
  \\queries       list the saved queries
  \\run NAME [since=7d|from=T] [until=T] [PARAM=VALUE …]
                 run a saved query (the last 7 days unless told)
  \\sigma PATH [since=7d|from=T] [until=T]
                 run Sigma rules (a file or folder) over the lake
  \\?             this help
  \\q             quit (or Ctrl-D)
End statements with ; (they may span lines). Ctrl-C cancels a running query.
Tables: cloudtrail, insights (the lake), cloudtrail_raw (with --raw).";

const META_COMMANDS: &[&str] = &[
    "\\d",
    "\\timing",
    "\\format",
    "\\x",
    "\\queries",
    "\\run",
    "\\sigma",
    "\\?",
    "\\q",
];

/// Keywords shown in bold when typed.
const HIGHLIGHT_KEYWORDS: &[&str] = &[
    "select",
    "from",
    "where",
    "group",
    "by",
    "order",
    "limit",
    "and",
    "or",
    "not",
    "as",
    "on",
    "join",
    "left",
    "right",
    "inner",
    "outer",
    "cross",
    "union",
    "all",
    "distinct",
    "having",
    "with",
    "case",
    "when",
    "then",
    "else",
    "end",
    "in",
    "is",
    "null",
    "like",
    "ilike",
    "between",
    "asc",
    "desc",
    "count",
    "create",
    "view",
    "explain",
    "analyze",
    "interval",
    "over",
    "partition",
    "unnest",
    "true",
    "false",
    "exists",
    "show",
    "describe",
    "set",
];

/// Where the history lives: `$TRAILHOUND_HISTORY`, else the user's state directory.
fn history_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TRAILHOUND_HISTORY") {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(base.join("trailhound/history"))
}

struct SqlHelper {
    /// Completion words, lowercase, sorted.
    words: Vec<String>,
    /// Highlighting on (a terminal, no `NO_COLOR`).
    colour: bool,
}

impl SqlHelper {
    fn new(engine: &Engine, rt: &tokio::runtime::Runtime, saved: &[String], colour: bool) -> Self {
        let mut words: BTreeSet<String> = BTreeSet::new();
        words.extend(saved.iter().cloned());
        for k in datafusion_keywords() {
            words.insert(k.to_ascii_lowercase());
        }
        let state = engine.context().state();
        words.extend(state.scalar_functions().keys().cloned());
        words.extend(state.aggregate_functions().keys().cloned());
        words.extend(state.window_functions().keys().cloned());
        for m in META_COMMANDS {
            words.insert((*m).to_string());
        }
        for t in table_names(engine, rt) {
            if let Ok(Some(p)) = rt
                .block_on(engine.context().table_provider(t.as_str()))
                .map(Some)
            {
                column_paths("", p.schema().fields(), &mut words);
            }
            words.insert(t);
        }
        Self {
            words: words.into_iter().collect(),
            colour,
        }
    }
}

fn datafusion_keywords() -> impl Iterator<Item = &'static str> {
    trailhound_query::sqlparser_keywords().iter().copied()
}

/// `useridentity`, `useridentity.arn`, `useridentity.sessioncontext.sessionissuer.arn`, …
fn column_paths(prefix: &str, fields: &Fields, out: &mut BTreeSet<String>) {
    for f in fields {
        let path = format!("{prefix}{}", f.name());
        if let DataType::Struct(children) = f.data_type() {
            column_paths(&format!("{path}."), children, out);
        }
        out.insert(path);
    }
}

fn table_names(engine: &Engine, rt: &tokio::runtime::Runtime) -> Vec<String> {
    let sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name";
    let mut names = Vec::new();
    if let Ok(results) = rt.block_on(engine.run(sql)) {
        for r in results {
            for b in r.batches {
                if let Some(c) = b.column(0).as_any().downcast_ref::<StringArray>() {
                    names.extend(c.iter().flatten().map(str::to_string));
                } else if let Ok(c) =
                    trailhound_query::arrow::compute::cast(b.column(0), &DataType::Utf8)
                {
                    if let Some(c) = c.as_any().downcast_ref::<StringArray>() {
                        names.extend(c.iter().flatten().map(str::to_string));
                    }
                }
            }
        }
    }
    names
}

impl Completer for SqlHelper {
    type Candidate = String;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let before = &line[..pos];
        // Saved query names (after `\run`) have dashes; SQL words do not.
        let run = before.trim_start().starts_with("\\run ");
        let start = before
            .char_indices()
            .rev()
            .find(|(_, c)| {
                !(c.is_alphanumeric() || matches!(c, '_' | '.' | '\\') || (run && *c == '-'))
            })
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(0);
        let word = &before[start..];
        if word.is_empty() {
            return Ok((pos, Vec::new()));
        }
        let lower = word.to_ascii_lowercase();
        let upper = word.chars().any(|c| c.is_ascii_uppercase()) && !word.contains('.');
        let candidates = self
            .words
            .iter()
            .filter(|w| w.starts_with(&lower) && w.as_str() != lower)
            .map(|w| {
                if upper {
                    w.to_ascii_uppercase()
                } else {
                    w.clone()
                }
            })
            .collect();
        Ok((start, candidates))
    }
}

impl Hinter for SqlHelper {
    type Hint = String;
}

impl Highlighter for SqlHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if self.colour {
            Cow::Owned(highlight_sql(line))
        } else {
            Cow::Borrowed(line)
        }
    }
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        _default: bool,
    ) -> Cow<'b, str> {
        if self.colour {
            Cow::Owned(format!("\x1b[1;36m{prompt}\x1b[0m"))
        } else {
            Cow::Borrowed(prompt)
        }
    }
    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.colour
    }
}

/// Keywords bold blue, string literals green, comments grey.
fn highlight_sql(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 16);
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '\'' {
                j += 1;
            }
            let end = (j + 1).min(chars.len());
            out.push_str("\x1b[32m");
            out.extend(&chars[i..end]);
            out.push_str("\x1b[0m");
            i = end;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            out.push_str("\x1b[90m");
            out.extend(&chars[i..]);
            out.push_str("\x1b[0m");
            break;
        } else if c.is_alphanumeric() || c == '_' {
            let mut j = i;
            while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            let word: String = chars[i..j].iter().collect();
            if HIGHLIGHT_KEYWORDS.contains(&word.to_ascii_lowercase().as_str()) {
                out.push_str("\x1b[1;34m");
                out.push_str(&word);
                out.push_str("\x1b[0m");
            } else {
                out.push_str(&word);
            }
            i = j;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

impl Validator for SqlHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        let input = ctx.input().trim();
        if input.is_empty() || input.starts_with('\\') || ends_statement(input) {
            Ok(ValidationResult::Valid(None))
        } else {
            Ok(ValidationResult::Incomplete)
        }
    }
}

/// Whether the input ends with `;` outside a string literal or a trailing `--` comment.
fn ends_statement(input: &str) -> bool {
    let mut in_string = false;
    let mut last_significant = None;
    for line in input.lines() {
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if in_string {
                if c == '\'' {
                    in_string = false;
                }
                last_significant = Some(c);
                continue;
            }
            match c {
                '\'' => {
                    in_string = true;
                    last_significant = Some(c);
                }
                '-' if chars.peek() == Some(&'-') => break,
                c if c.is_whitespace() => {}
                c => last_significant = Some(c),
            }
        }
    }
    !in_string && last_significant == Some(';')
}

impl Helper for SqlHelper {}

struct Session {
    sink: ResultSink,
    timing: bool,
    catalog: trailhound_rules::catalog::Catalog,
}

pub fn run(
    rt: tokio::runtime::Runtime,
    engine: Engine,
    sink: ResultSink,
    timing: bool,
    printer: &Printer,
) -> Result<ExitCode> {
    let config = Config::builder()
        .history_ignore_space(true)
        .max_history_size(10_000)?
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        .build();
    let mut rl: Editor<SqlHelper, rustyline::history::DefaultHistory> =
        Editor::with_config(config)?;
    // A broken user query file is reported once; the shell still starts with the others.
    let catalog = crate::context::catalog(&Default::default()).unwrap_or_else(|e| {
        printer.warn(format_args!("saved queries: {e:#}"));
        trailhound_rules::catalog::Catalog::builtin().unwrap_or_default()
    });
    let saved: Vec<String> = catalog.all().iter().map(|q| q.name.clone()).collect();
    let colour = crate::printer::colour_wanted(std::io::stdout().is_terminal());
    rl.set_helper(Some(SqlHelper::new(&engine, &rt, &saved, colour)));
    let history = history_path();
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    let mut session = Session {
        sink,
        timing,
        catalog,
    };
    println!(
        "trailhound {} — SQL over CloudTrail. \\? for help, \\q to quit.",
        env!("CARGO_PKG_VERSION")
    );
    loop {
        match rl.readline(PROMPT) {
            Ok(line) => {
                let text = line.trim();
                if text.is_empty() {
                    continue;
                }
                // Leaving is not worth recalling.
                let quit = matches!(text, "\\q" | "\\quit");
                if !quit {
                    let _ = rl.add_history_entry(text);
                }
                if let Some(h) = history.as_ref().filter(|_| !quit) {
                    if let Some(dir) = h.parent() {
                        let _ = std::fs::create_dir_all(dir);
                    }
                    let _ = rl.save_history(h);
                }
                if let Some(meta) = text.strip_prefix('\\') {
                    if !meta_command(meta, &engine, &rt, &mut session) {
                        break;
                    }
                    continue;
                }
                run_statements(text, &engine, &rt, &mut session);
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs what was typed; errors are shown and the session goes on.
fn run_statements(sql: &str, engine: &Engine, rt: &tokio::runtime::Runtime, s: &mut Session) {
    let width = terminal_size::terminal_size().map(|(w, _)| w.0 as usize);
    s.sink.style.terminal_width = width;
    let start = Instant::now();
    let sink = &s.sink;
    let outcome = rt.block_on(async {
        tokio::select! {
            r = async {
                for df in engine.plan(sql).await? {
                    let schema = Arc::new(df.schema().as_arrow().clone());
                    let batches = engine.collect(df).await?;
                    sink.print(&QueryOutput { schema, batches })?;
                }
                anyhow::Ok(())
            } => Some(r),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    match outcome {
        None => eprintln!("query cancelled"),
        Some(Err(e)) => eprintln!("error: {e:#}"),
        Some(Ok(())) => {}
    }
    if s.timing {
        println!("Time: {:.3} s", start.elapsed().as_secs_f64());
    }
}

/// Runs a meta command; false means quit.
fn meta_command(
    meta: &str,
    engine: &Engine,
    rt: &tokio::runtime::Runtime,
    s: &mut Session,
) -> bool {
    let mut parts = meta.split_whitespace();
    let cmd = parts.next().unwrap_or("");
    let arg = parts.next();
    match (cmd, arg) {
        ("q" | "quit", _) => return false,
        ("?" | "h" | "help", _) => println!("{META_HELP}"),
        ("timing", _) => {
            s.timing = !s.timing;
            println!("Timing is {}.", if s.timing { "on" } else { "off" });
        }
        ("x", _) => {
            s.sink.style.expanded = !s.sink.style.expanded;
            println!(
                "Expanded display is {}.",
                if s.sink.style.expanded { "on" } else { "off" }
            );
        }
        ("format", None) => println!("Format is {:?}.", s.sink.format),
        ("format", Some(f)) => match f.parse::<Format>() {
            Ok(Format::Parquet) => eprintln!("error: parquet needs a file: use trailhound sql -c … --format parquet --output FILE"),
            Ok(fmt) => {
                s.sink.format = fmt;
                println!("Format is {fmt:?}.");
            }
            Err(e) => eprintln!("error: {e}"),
        },
        ("d", None) => {
            let names = table_names(engine, rt);
            let out = string_table(&["table"], vec![names]);
            if let Err(e) = s.sink.print(&out) {
                eprintln!("error: {e:#}");
            }
        }
        ("d", Some(t)) => describe(t, engine, rt, s),
        ("queries", _) => {
            for q in s.catalog.all() {
                println!("{:40} {:11} {:8} {}", q.name, q.category, q.severity, q.title);
            }
        }
        ("run", None) => eprintln!("error: \\run NAME [since=7d] [PARAM=VALUE …]; \\queries lists them"),
        ("run", Some(name)) => {
            let rest: Vec<&str> = parts.collect();
            if let Err(e) = run_saved(name, &rest, engine, rt, s) {
                eprintln!("error: {e:#}");
            }
        }
        ("sigma", None) => eprintln!("error: \\sigma PATH [since=7d] (a rule file or a folder)"),
        ("sigma", Some(path)) => {
            let rest: Vec<&str> = parts.collect();
            if let Err(e) = run_sigma(path, &rest, engine, rt, s) {
                eprintln!("error: {e:#}");
            }
        }
        _ => eprintln!("error: unknown command \\{cmd}; \\? lists them"),
    }
    true
}

/// `\run NAME [since=…] [from=…] [until=…] [PARAM=VALUE …]`.
fn run_saved(
    name: &str,
    args: &[&str],
    engine: &Engine,
    rt: &tokio::runtime::Runtime,
    s: &mut Session,
) -> Result<()> {
    let q = s.catalog.get(name)?.clone();
    let mut window = crate::args::WindowArgs::default();
    let mut given = std::collections::BTreeMap::new();
    for a in args {
        let Some((k, v)) = a.split_once('=') else {
            anyhow::bail!("{a:?}: expected NAME=VALUE");
        };
        match k {
            "since" => window.since = Some(v.to_string()),
            "from" => window.from = Some(v.to_string()),
            "until" => window.until = Some(v.to_string()),
            _ => {
                given.insert(k.to_string(), v.to_string());
            }
        }
    }
    let (from, until, lookback) = crate::context::bounds(&window, "30d")?;
    let values = q.bind(&given, from, until, lookback)?;
    let start = Instant::now();
    let sink = &s.sink;
    let outcome = rt.block_on(async {
        tokio::select! {
            r = engine.run_bound(&q.sql, values) => Some(r),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    match outcome {
        None => eprintln!("query cancelled"),
        Some(r) => sink.print(&r?)?,
    }
    if s.timing {
        println!("Time: {:.3} s", start.elapsed().as_secs_f64());
    }
    Ok(())
}

/// `\sigma PATH [since=…] [from=…] [until=…]`: Sigma rules, as `run --sigma` runs them.
fn run_sigma(
    path: &str,
    args: &[&str],
    engine: &Engine,
    rt: &tokio::runtime::Runtime,
    s: &mut Session,
) -> Result<()> {
    let mut window = crate::args::WindowArgs::default();
    for a in args {
        match a.split_once('=') {
            Some(("since", v)) => window.since = Some(v.to_string()),
            Some(("from", v)) => window.from = Some(v.to_string()),
            Some(("until", v)) => window.until = Some(v.to_string()),
            _ => anyhow::bail!("{a:?}: expected since=, from= or until="),
        }
    }
    let set = trailhound_rules::sigma::load(&[std::path::PathBuf::from(path)])?;
    for k in set
        .skipped
        .iter()
        .filter(|k| !k.reason.starts_with("logsource"))
    {
        eprintln!("warning: {}: {}: {}", k.file, k.rule, k.reason);
    }
    if set.rules.is_empty() {
        anyhow::bail!("no Sigma rule for AWS CloudTrail in {path}");
    }
    let (from, until, _) = crate::context::bounds(&window, "30d")?;
    let start = Instant::now();
    let outcome = rt.block_on(async {
        tokio::select! {
            r = trailhound_query::sigma::run(engine, &set.rules, from, until) => Some(r),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    match outcome {
        None => eprintln!("query cancelled"),
        Some(r) => s.sink.print(&r?)?,
    }
    if s.timing {
        println!("Time: {:.3} s", start.elapsed().as_secs_f64());
    }
    Ok(())
}

/// `\d TABLE`: every column and nested field with its type.
fn describe(table: &str, engine: &Engine, rt: &tokio::runtime::Runtime, s: &mut Session) {
    let provider = match rt.block_on(engine.context().table_provider(table)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {}", trailhound_query::error::describe(&e));
            return;
        }
    };
    let mut names = Vec::new();
    let mut types = Vec::new();
    fn walk(prefix: &str, fields: &Fields, names: &mut Vec<String>, types: &mut Vec<String>) {
        for f in fields {
            let path = format!("{prefix}{}", f.name());
            match f.data_type() {
                DataType::Struct(c) => {
                    names.push(path.clone());
                    types.push("struct".into());
                    walk(&format!("{path}."), c, names, types);
                }
                DataType::List(item) => {
                    names.push(path.clone());
                    types.push("list".into());
                    if let DataType::Struct(c) = item.data_type() {
                        walk(&format!("{path}[]."), c, names, types);
                    }
                }
                t => {
                    names.push(path);
                    types.push(type_name(t));
                }
            }
        }
    }
    walk("", provider.schema().fields(), &mut names, &mut types);
    let out = string_table(&["column", "type"], vec![names, types]);
    if let Err(e) = s.sink.print(&out) {
        eprintln!("error: {e:#}");
    }
}

fn type_name(t: &DataType) -> String {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => "text".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Int64 => "bigint".into(),
        DataType::Timestamp(_, Some(_)) => "timestamp (UTC)".into(),
        other => other.to_string().to_ascii_lowercase(),
    }
}

fn string_table(names: &[&str], columns: Vec<Vec<String>>) -> QueryOutput {
    let schema = Arc::new(Schema::new(
        names
            .iter()
            .map(|n| Field::new(*n, DataType::Utf8, false))
            .collect::<Vec<_>>(),
    ));
    let arrays: Vec<ArrayRef> = columns
        .into_iter()
        .map(|c| Arc::new(StringArray::from(c)) as ArrayRef)
        .collect();
    let batch = RecordBatch::try_new(schema.clone(), arrays).ok();
    QueryOutput {
        schema,
        batches: batch.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_end_with_a_semicolon_outside_strings_and_comments() {
        assert!(ends_statement("select 1;"));
        assert!(ends_statement("select 1; -- done"));
        assert!(!ends_statement("select ';'"));
        assert!(!ends_statement("select 1 -- ;"));
        assert!(ends_statement("select\n 1\n;"));
    }

    #[test]
    fn highlights_keywords_and_strings() {
        let h = highlight_sql("select 'a' from t");
        assert!(h.contains("\x1b[1;34mselect\x1b[0m"));
        assert!(h.contains("\x1b[32m'a'\x1b[0m"));
    }
}
