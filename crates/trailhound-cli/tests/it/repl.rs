//! The interactive shell in a real pseudo-terminal: history across sessions, multi-line
//! statements, completion of a column name, Ctrl-C during a long query, the meta commands.

use rexpect::session::PtySession;

use crate::sample_lake;

/// Types a line and presses Enter (a terminal sends a carriage return).
fn enter(p: &mut PtySession, line: &str) {
    p.send(&format!("{line}\r")).unwrap();
    p.flush().unwrap();
}

fn shell(history: &std::path::Path) -> PtySession {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_trailhound"));
    cmd.arg("sql")
        .arg(sample_lake())
        .env("TRAILHOUND_HISTORY", history)
        .env("TRAILHOUND_CONFIG", crate::NO_CONFIG)
        .env_remove("TRAILHOUND_LAKE")
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    let mut p = rexpect::session::spawn_command(cmd, Some(30_000)).unwrap();
    p.exp_string("\\? for help").unwrap();
    p
}

#[test]
fn multi_line_statements_and_history_across_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history");
    let mut p = shell(&history);
    enter(&mut p, "SELECT count(*) AS total_events");
    enter(&mut p, "FROM cloudtrail");
    enter(&mut p, ";");
    p.exp_string("3013").unwrap();
    p.exp_string("(1 row)").unwrap();
    enter(&mut p, "\\q");
    p.exp_eof().unwrap();
    let saved = std::fs::read_to_string(&history).unwrap();
    assert!(saved.contains("total_events"), "{saved}");

    // A new session finds the statement with the up arrow.
    let mut p = shell(&history);
    p.send("\x1b[A").unwrap();
    p.flush().unwrap();
    enter(&mut p, "");
    p.exp_string("3013").unwrap();
    p.send_control('d').unwrap();
    p.exp_eof().unwrap();
}

#[test]
fn tab_completes_a_nested_column() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = shell(&dir.path().join("history"));
    p.send("SELECT count(DISTINCT useridentity.sessioncontext.sessioniss")
        .unwrap();
    p.flush().unwrap();
    p.send("\t").unwrap();
    p.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send(".ar\t").unwrap();
    p.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    enter(&mut p, ") AS roles FROM cloudtrail;");
    p.exp_string("roles").unwrap();
    p.exp_string("(1 row)").unwrap();
    enter(&mut p, "\\d cloudtrail");
    p.exp_string("useridentity.sessioncontext.sessionissuer.arn")
        .unwrap();
    enter(&mut p, "\\q");
    p.exp_eof().unwrap();
}

#[test]
fn ctrl_c_cancels_the_query_and_keeps_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = shell(&dir.path().join("history"));
    enter(&mut p, "SELECT count(*) FROM range(100000000000) a;");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    p.send_control('c').unwrap();
    p.exp_string("query cancelled").unwrap();
    enter(&mut p, "SELECT 40 + 2 AS answer;");
    p.exp_string("42").unwrap();
    enter(&mut p, "\\x");
    p.exp_string("Expanded display is on").unwrap();
    enter(&mut p, "SELECT 1 AS a, 'b' AS b;");
    p.exp_string("-[ RECORD 1 ]").unwrap();
    enter(&mut p, "\\q");
    p.exp_eof().unwrap();
}

#[test]
fn run_a_saved_query_completed_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = shell(&dir.path().join("history"));
    p.send("\\run cis-4.10-secu").unwrap();
    p.flush().unwrap();
    p.send("\t").unwrap();
    p.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    enter(&mut p, " from=2024-07-01 until=2024-08-10");
    p.exp_string("(45 rows)").unwrap();
    enter(&mut p, "\\run principal-activity");
    p.exp_string("needs --param principal=<string>").unwrap();
    enter(&mut p, "\\q");
    p.exp_eof().unwrap();
}

/// `\?`, `\timing` and `\format`. The line editor shows what is typed, so every check is on
/// text only the output has.
#[test]
fn help_timing_and_format() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = shell(&dir.path().join("history"));
    enter(&mut p, "\\?");
    p.exp_string("Meta commands:").unwrap();
    for line in [
        "\\d             list tables",
        "\\timing        show how long each query takes",
        "\\format FMT    result format: table, csv",
        "\\x             expanded rows",
        "\\q             quit",
    ] {
        p.exp_string(line).unwrap();
    }

    enter(&mut p, "\\timing");
    p.exp_string("Timing is on.").unwrap();
    enter(&mut p, "SELECT 40 + 2 AS answer;");
    p.exp_string("42").unwrap();
    p.exp_regex(r"Time: \d+\.\d{3} s").unwrap();
    enter(&mut p, "\\timing");
    p.exp_string("Timing is off.").unwrap();

    // CSV: the header line, then the value on the next line; a table would box both.
    enter(&mut p, "\\format csv");
    p.exp_string("Format is Csv.").unwrap();
    enter(&mut p, "SELECT count(*) FROM cloudtrail;");
    let (before, _) = p.exp_regex(r"count\(\*\)\r?\n3013\r?\n").unwrap();
    assert!(!before.contains("+--"), "{before}");
    // The format stays, and with timing off no Time line follows the result.
    enter(&mut p, "\\format");
    let before = p.exp_string("Format is Csv.").unwrap();
    assert!(!before.contains("Time:"), "{before}");
    enter(&mut p, "\\q");
    p.exp_eof().unwrap();
}

#[test]
fn sigma_rules_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let rule = dir.path().join("stop.yml");
    std::fs::write(
        &rule,
        "title: Trail logging stopped\nlevel: high\nlogsource: {product: aws, service: cloudtrail}\n\
         detection:\n  sel: {eventName: stoplogging}\n  condition: sel\n",
    )
    .unwrap();
    let mut p = shell(&dir.path().join("history"));
    enter(&mut p, "\\format csv");
    p.exp_string("Format is Csv.").unwrap();
    enter(
        &mut p,
        &format!("\\sigma {} from=2024-07-01", rule.display()),
    );
    p.exp_string("Trail logging stopped,high,2024-08-02T10:00:00Z,lake-stop-logging")
        .unwrap();
    enter(&mut p, "\\sigma /nonexistent/rules");
    p.exp_string("no such file or folder").unwrap();
    enter(&mut p, "\\q");
    p.exp_eof().unwrap();
}
