"""Latency of typical investigations over the same Parquet lake, four ways:

- trailhound process: `trailhound sql LAKE --format csv -c SQL`, the whole process timed (start,
  catalog listing, planning, the scan, CSV output);
- trailhound warm REPL: one `trailhound sql LAKE --format csv` shell in a pseudo-terminal for the
  whole run, `\\timing` on; each query sent once to warm up, then RUNS times, each timed by the
  shell's own `Time: X.XXX s` line (planning, the scan and printing the CSV; not start-up);
- DuckDB CLI process: `duckdb -csv -c SQL` over `read_parquet(…, hive_partitioning = true)`, the
  whole process timed;
- chDB warm: ClickHouse in-process (PyPI `chdb`) in one long-lived Python process with one session,
  each query run once to warm up, then RUNS times, timed around `session.query(SQL, "CSVWithNames")`
  in that process (its best case: no start-up, no pipe), over `file(…/*.parquet, Parquet)`.

Runs alternate round by round (trailhound process, DuckDB, REPL, chDB) so that machine noise hits
them alike; medians are reported with the ratios DuckDB / trailhound process and chDB warm /
trailhound warm (above 1: trailhound faster). Every engine's row count is checked against
trailhound's. Then the raw-log query (`--raw`, the `.json.gz` archive) against DuckDB's JSON
reader, whole processes. Run by query.sh.
"""
import argparse, csv, datetime, fcntl, io, json, os, re, select, shutil, statistics, struct, subprocess, sys
import tempfile, termios, time

p = argparse.ArgumentParser()
p.add_argument("--lake", required=True)
p.add_argument("--archive", required=True)
p.add_argument("--runs", type=int, default=7)
p.add_argument("--raw-runs", type=int, default=3)
a = p.parse_args()

TH = os.environ.get("TRAILHOUND_BIN", "./target/release/trailhound")
PARQUET = f"read_parquet('{a.lake}/cloudtrail/*/*/*/*.parquet', hive_partitioning = true)"
# chDB: the same files; nested structs are named tuples (useridentity.sessioncontext.… reads the
# element), eventtime is DateTime64(6, 'UTC'). The queries need no partition column, so Hive
# partitioning is off (it would infer date=… as Date, which a date=unknown partition breaks).
CH = f"file('{os.path.abspath(a.lake)}/cloudtrail/*/*/*/*.parquet', Parquet)"
CH_SETTINGS = " SETTINGS session_timezone = 'UTC', use_hive_partitioning = 0"

# (name, trailhound SQL, DuckDB SQL, chDB SQL): the same question in each engine's spelling
# (5-minute bins: date_bin, time_bucket, toStartOfInterval; time literals).
QUERIES = [
    ("top event names",
     "SELECT eventname, count(*) AS n FROM cloudtrail GROUP BY 1 ORDER BY 2 DESC LIMIT 10",
     f"SELECT eventname, count(*) AS n FROM {PARQUET} GROUP BY 1 ORDER BY 2 DESC LIMIT 10",
     f"SELECT eventname, count(*) AS n FROM {CH} GROUP BY 1 ORDER BY 2 DESC LIMIT 10"),
    ("failed logins per IP, 5-minute windows",
     "SELECT sourceipaddress, date_bin(INTERVAL '5 minutes', eventtime) AS w, count(*) AS n FROM cloudtrail "
     "WHERE eventname = 'ConsoleLogin' AND responseelements LIKE '%Failure%' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 20",
     f"SELECT sourceipaddress, time_bucket(INTERVAL '5 minutes', eventtime) AS w, count(*) AS n FROM {PARQUET} "
     "WHERE eventname = 'ConsoleLogin' AND responseelements LIKE '%Failure%' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 20",
     f"SELECT sourceipaddress, toStartOfInterval(eventtime, INTERVAL 5 MINUTE) AS w, count(*) AS n FROM {CH} "
     "WHERE eventname = 'ConsoleLogin' AND responseelements LIKE '%Failure%' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 20"),
    ("one principal over 3 days, requestparameters substring",
     "SELECT eventtime, eventname, requestparameters FROM cloudtrail WHERE useridentity.sessioncontext.sessionissuer.arn LIKE '%role/ci-deploy' "
     "AND eventtime >= TIMESTAMP '{d1}' AND eventtime < TIMESTAMP '{d2}' AND requestparameters LIKE '%orders%' ORDER BY eventtime",
     "SELECT eventtime, eventname, requestparameters FROM " + PARQUET + " WHERE useridentity.sessioncontext.sessionissuer.arn LIKE '%role/ci-deploy' "
     "AND eventtime >= TIMESTAMPTZ '{d1}' AND eventtime < TIMESTAMPTZ '{d2}' AND requestparameters LIKE '%orders%' ORDER BY eventtime",
     "SELECT eventtime, eventname, requestparameters FROM " + CH + " WHERE useridentity.sessioncontext.sessionissuer.arn LIKE '%role/ci-deploy' "
     "AND eventtime >= parseDateTime64BestEffort('{d1}', 6, 'UTC') AND eventtime < parseDateTime64BestEffort('{d2}', 6, 'UTC') "
     "AND requestparameters LIKE '%orders%' ORDER BY eventtime"),
    ("one day, events by source",
     "SELECT eventsource, count(*) AS n FROM cloudtrail WHERE eventtime >= TIMESTAMP '{d1}' AND eventtime < TIMESTAMP '{d1}' + INTERVAL '1 day' GROUP BY 1 ORDER BY 2 DESC",
     "SELECT eventsource, count(*) AS n FROM " + PARQUET + " WHERE eventtime >= TIMESTAMPTZ '{d1}' AND eventtime < TIMESTAMPTZ '{d1}' + INTERVAL '1 day' GROUP BY 1 ORDER BY 2 DESC",
     "SELECT eventsource, count(*) AS n FROM " + CH + " WHERE eventtime >= parseDateTime64BestEffort('{d1}', 6, 'UTC') "
     "AND eventtime < parseDateTime64BestEffort('{d1}', 6, 'UTC') + INTERVAL 1 DAY GROUP BY 1 ORDER BY 2 DESC"),
]


def timed(cmd):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {r.stderr.decode()[:500]}")
    return dt, r.stdout


def rows(out):
    """Data rows of CSV output with a header (quoted fields may hold newlines)."""
    text = out.decode() if isinstance(out, bytes) else out
    return max(0, sum(1 for r in csv.reader(io.StringIO(text)) if r) - 1)


# The chDB side: a long-lived Python process with one session, driven over pipes (one JSON line
# per query each way), so that its memory and threads stay out of this process. The time is taken
# around the query in that process, CSV result included; the rows are counted after.
CHDB_DRIVER = r"""
import csv, io, json, sys, time
import chdb
from chdb import session
s = session.Session()
print(json.dumps({"version": f"chDB {chdb.__version__}, ClickHouse " + s.query("SELECT version()", "TSV").bytes().decode().strip()}), flush=True)
for line in sys.stdin:
    sql = json.loads(line)
    try:
        t = time.perf_counter()
        out = s.query(sql, "CSVWithNames").bytes()
        dt = time.perf_counter() - t
        n = max(0, sum(1 for r in csv.reader(io.StringIO(out.decode())) if r) - 1)
        reply = {"t": dt, "rows": n}
    except Exception as e:
        reply = {"error": str(e)}
    print(json.dumps(reply), flush=True)
"""


class Chdb:
    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-c", CHDB_DRIVER], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.version = json.loads(self.proc.stdout.readline() or '{"version": "chDB did not start"}')["version"]

    def query(self, sql):
        self.proc.stdin.write(json.dumps(sql + CH_SETTINGS) + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline() or '{"error": "chDB driver exited"}')
        if "error" in reply:
            raise SystemExit(f"chDB failed: {reply['error'][:500]}\n{sql}")
        return reply["t"], reply["rows"]

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.wait()


PROMPT = b"trailhound> "
TIME = re.compile(rb"Time: (\d+\.\d+) s\r?\n")


class Repl:
    """`trailhound sql LAKE --format csv` in a pseudo-terminal (so that it runs its shell), with
    HOME and the history in a temporary folder. TERM=dumb: the line editor reads plain lines
    (the shell times from the statement's start, so the editor is not in the time either way)."""

    def __init__(self, lake):
        self.home = tempfile.mkdtemp(prefix="trailhound-bench-home-")
        master, slave = os.openpty()
        # Wide, so that nothing is wrapped or cut to the terminal.
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 200, 4000, 0, 0))
        env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
        env.update(HOME=self.home, TRAILHOUND_HISTORY=os.path.join(self.home, "history"), TERM="dumb", NO_COLOR="1")
        self.proc = subprocess.Popen([TH, "sql", lake, "--format", "csv"], stdin=slave, stdout=slave, stderr=slave,
                                     env=env, start_new_session=True, close_fds=True)
        os.close(slave)
        self.fd = master
        self.buf = b""
        self.expect(re.compile(re.escape(PROMPT)))
        self.send("\\timing")
        self.expect(re.compile(rb"Timing is on\."))
        self.expect(re.compile(re.escape(PROMPT)))

    def send(self, line):
        os.write(self.fd, line.encode() + b"\n")

    def expect(self, pattern, timeout=900):
        """Reads until pattern matches; returns (text before it, match) and drops both."""
        deadline = time.monotonic() + timeout
        while True:
            m = pattern.search(self.buf)
            if m:
                before, self.buf = self.buf[:m.start()], self.buf[m.end():]
                return before, m
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                raise SystemExit(f"trailhound shell: no {pattern.pattern!r} in time; output so far:\n{self.buf[-2000:].decode(errors='replace')}")
            try:
                chunk = os.read(self.fd, 1 << 16)
            except OSError:  # EIO: the shell has gone
                chunk = b""
            if not chunk:
                raise SystemExit(f"trailhound shell exited; output so far:\n{self.buf[-2000:].decode(errors='replace')}")
            self.buf += chunk

    def query(self, sql):
        """Runs one statement; its time by the shell's own clock, and the rows it printed."""
        line = sql + ";"
        self.send(line)
        before, m = self.expect(TIME)
        self.expect(re.compile(re.escape(PROMPT)))
        text = before.replace(b"\r\n", b"\n").decode(errors="replace")
        # What the terminal echoed of the statement comes first, then the CSV (or an error).
        echoed = text.find(line)
        result = text[echoed + len(line):].lstrip("\n")
        if echoed < 0 or result.startswith(("error:", "query cancelled")):
            raise SystemExit(f"trailhound shell: {text[-2000:]}")
        return float(m.group(1)), rows(result)

    def close(self):
        try:
            self.send("\\q")
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        os.close(self.fd)
        shutil.rmtree(self.home, ignore_errors=True)


# A day in the middle of the archive's range.
out = subprocess.run([TH, "sql", a.lake, "--format", "csv", "-c",
                      "SELECT min(date) FROM cloudtrail WHERE date <> 'unknown'"],
                     capture_output=True, check=True).stdout.decode().split()
first = out[1]
start = datetime.date.fromisoformat(first)
d1 = f"{start + datetime.timedelta(days=10)}T00:00:00Z"
d2 = f"{start + datetime.timedelta(days=13)}T00:00:00Z"

repl, ch = Repl(a.lake), Chdb()
versions = [subprocess.run([TH, "--version"], capture_output=True, text=True).stdout.strip(),
            "DuckDB CLI " + subprocess.run(["duckdb", "--version"], capture_output=True, text=True).stdout.strip(), ch.version]
print("; ".join(versions))
print(f"lake {a.lake}, {a.runs} alternating runs per query (medians, ms); process: whole-process wall time; "
      f"warm: in a long-lived session after one warm-up run, the engine's own clock")
print(f"{'query':58} {'th process':>10} {'th warm REPL':>12} {'DuckDB CLI':>10} {'chDB warm':>9} "
      f"{'DuckDB/th':>9} {'chDB/th warm':>12}  rows")
summary = []
try:
    for name, th_sql, dd_sql, ch_sql in QUERIES:
        th_sql, dd_sql, ch_sql = (s.format(d1=d1, d2=d2) for s in (th_sql, dd_sql, ch_sql))
        repl.query(th_sql)  # warm-up runs, not counted
        ch.query(ch_sql)
        ts, ds, ws, cs = [], [], [], []
        counts = set()
        for _ in range(a.runs):
            t, th_out = timed([TH, "sql", a.lake, "--format", "csv", "-c", th_sql])
            ts.append(t)
            t, dd_out = timed(["duckdb", "-csv", "-c", "SET TimeZone = 'UTC'; " + dd_sql])
            ds.append(t)
            t, n = repl.query(th_sql)
            ws.append(t)
            counts.add(("trailhound warm REPL", n))
            t, n = ch.query(ch_sql)
            cs.append(t)
            counts.add(("chDB", n))
        rt = rows(th_out)
        counts.add(("DuckDB", rows(dd_out)))
        wrong = sorted((engine, n) for engine, n in counts if n != rt)
        assert not wrong, f"{name}: trailhound {rt} rows, {wrong}"
        mt, mw, md, mc = (statistics.median(x) * 1000 for x in (ts, ws, ds, cs))
        summary.append({"query": name, "trailhound_process_ms": round(mt, 1), "trailhound_warm_repl_ms": round(mw, 1),
                        "duckdb_cli_ms": round(md, 1), "chdb_warm_ms": round(mc, 2), "rows": rt,
                        "runs_ms": {"trailhound_process": [round(x * 1000, 1) for x in ts],
                                    "trailhound_warm_repl": [round(x * 1000, 1) for x in ws],
                                    "duckdb_cli": [round(x * 1000, 1) for x in ds],
                                    "chdb_warm": [round(x * 1000, 2) for x in cs]}})
        print(f"{name:58} {mt:8.0f}ms {mw:10.0f}ms {md:8.0f}ms {mc:7.1f}ms {md / mt:8.2f}x {mc / max(mw, 0.5):11.2f}x  {rt}")
finally:
    repl.close()
    ch.close()
print("(the shell prints its time in whole ms; a warm time under 0.5 ms counts as 0.5 ms in the ratio)")

raw_th = "SELECT eventname, count(*) AS n FROM cloudtrail_raw GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10"
raw_dd = (f"SELECT r.eventName AS eventname, count(*) AS n FROM (SELECT unnest(Records) AS r FROM "
          f"read_json('{a.archive}/**/*.json.gz')) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10")
raw = None
if a.raw_runs:  # --raw-runs 0 skips the raw-log query
    ts, ds = [], []
    for _ in range(a.raw_runs):
        t, th_out = timed([TH, "sql", "--raw", a.archive, "--format", "csv", "-c", raw_th])
        ts.append(t)
        t, dd_out = timed(["duckdb", "-csv", "-c", raw_dd])
        ds.append(t)
    assert th_out.decode().split() == dd_out.decode().split(), (th_out[:300], dd_out[:300])
    mt, md = statistics.median(ts), statistics.median(ds)
    print(f"\n{'raw .json.gz, top event names (' + str(a.raw_runs) + ' runs), whole processes':58} {'th process':>10} {'DuckDB CLI':>10} {'DuckDB/th':>9}")
    print(f"{'':58} {mt * 1000:8.0f}ms {md * 1000:8.0f}ms {md / mt:8.2f}x  10")
    raw = {"runs": a.raw_runs, "trailhound_process_ms": round(mt * 1000, 1), "duckdb_cli_ms": round(md * 1000, 1)}
print("\n" + json.dumps({"lake": a.lake, "runs": a.runs, "versions": versions, "queries": summary,
                         "raw": raw}))
