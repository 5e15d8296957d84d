"""Whole-process latency of typical investigations: trailhound vs the DuckDB CLI on the same
Parquet files, alternating runs, medians and ratios. Run by query.sh."""
import argparse, datetime, os, statistics, subprocess, time

p = argparse.ArgumentParser()
p.add_argument("--lake", required=True)
p.add_argument("--archive", required=True)
p.add_argument("--runs", type=int, default=7)
p.add_argument("--raw-runs", type=int, default=3)
a = p.parse_args()

TH = os.environ.get("TRAILHOUND_BIN", "./target/release/trailhound")
PARQUET = f"read_parquet('{a.lake}/cloudtrail/*/*/*/*.parquet', hive_partitioning = true)"

# (name, trailhound SQL, DuckDB SQL): the same question, each engine's spelling of 5-minute bins.
QUERIES = [
    ("top event names",
     "SELECT eventname, count(*) AS n FROM cloudtrail GROUP BY 1 ORDER BY 2 DESC LIMIT 10",
     f"SELECT eventname, count(*) AS n FROM {PARQUET} GROUP BY 1 ORDER BY 2 DESC LIMIT 10"),
    ("failed logins per IP, 5-minute windows",
     "SELECT sourceipaddress, date_bin(INTERVAL '5 minutes', eventtime) AS w, count(*) AS n FROM cloudtrail "
     "WHERE eventname = 'ConsoleLogin' AND responseelements LIKE '%Failure%' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 20",
     f"SELECT sourceipaddress, time_bucket(INTERVAL '5 minutes', eventtime) AS w, count(*) AS n FROM {PARQUET} "
     "WHERE eventname = 'ConsoleLogin' AND responseelements LIKE '%Failure%' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 20"),
    ("one principal over 3 days, requestparameters substring",
     "SELECT eventtime, eventname, requestparameters FROM cloudtrail WHERE useridentity.sessioncontext.sessionissuer.arn LIKE '%role/ci-deploy' "
     "AND eventtime >= TIMESTAMP '{d1}' AND eventtime < TIMESTAMP '{d2}' AND requestparameters LIKE '%orders%' ORDER BY eventtime",
     "SELECT eventtime, eventname, requestparameters FROM " + PARQUET + " WHERE useridentity.sessioncontext.sessionissuer.arn LIKE '%role/ci-deploy' "
     "AND eventtime >= TIMESTAMPTZ '{d1}' AND eventtime < TIMESTAMPTZ '{d2}' AND requestparameters LIKE '%orders%' ORDER BY eventtime"),
    ("one day, events by source",
     "SELECT eventsource, count(*) AS n FROM cloudtrail WHERE eventtime >= TIMESTAMP '{d1}' AND eventtime < TIMESTAMP '{d1}' + INTERVAL '1 day' GROUP BY 1 ORDER BY 2 DESC",
     "SELECT eventsource, count(*) AS n FROM " + PARQUET + " WHERE eventtime >= TIMESTAMPTZ '{d1}' AND eventtime < TIMESTAMPTZ '{d1}' + INTERVAL '1 day' GROUP BY 1 ORDER BY 2 DESC"),
]


def timed(cmd):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {r.stderr.decode()[:500]}")
    return dt, r.stdout


def rows(out):
    return max(0, len(out.decode().strip().splitlines()) - 1)


# A day in the middle of the archive's range.
out = subprocess.run([TH, "sql", a.lake, "--format", "csv", "-c",
                      "SELECT min(date) FROM cloudtrail WHERE date <> 'unknown'"],
                     capture_output=True, check=True).stdout.decode().split()
first = out[1]
start = datetime.date.fromisoformat(first)
d1 = f"{start + datetime.timedelta(days=10)}T00:00:00Z"
d2 = f"{start + datetime.timedelta(days=13)}T00:00:00Z"

print(f"lake {a.lake}, {a.runs} alternating runs per query, whole-process wall time (medians)")
print(f"{'query':58} {'trailhound':>11} {'duckdb':>9} {'ratio':>7}  rows")
for name, th_sql, dd_sql in QUERIES:
    th_sql = th_sql.format(d1=d1, d2=d2)
    dd_sql = dd_sql.format(d1=d1, d2=d2)
    ts, ds = [], []
    for _ in range(a.runs):
        t, th_out = timed([TH, "sql", a.lake, "--format", "csv", "-c", th_sql])
        ts.append(t)
        t, dd_out = timed(["duckdb", "-csv", "-c", "SET TimeZone = 'UTC'; " + dd_sql])
        ds.append(t)
    mt, md = statistics.median(ts), statistics.median(ds)
    rt, rd = rows(th_out), rows(dd_out)
    assert rt == rd, f"{name}: trailhound {rt} rows, duckdb {rd}"
    print(f"{name:58} {mt * 1000:9.0f}ms {md * 1000:7.0f}ms {md / mt:6.2f}x  {rt}")

raw_th = "SELECT eventname, count(*) AS n FROM cloudtrail_raw GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10"
raw_dd = (f"SELECT r.eventName AS eventname, count(*) AS n FROM (SELECT unnest(Records) AS r FROM "
          f"read_json('{a.archive}/**/*.json.gz')) GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10")
ts, ds = [], []
for _ in range(a.raw_runs):
    t, th_out = timed([TH, "sql", "--raw", a.archive, "--format", "csv", "-c", raw_th])
    ts.append(t)
    t, dd_out = timed(["duckdb", "-csv", "-c", raw_dd])
    ds.append(t)
assert th_out.decode().split() == dd_out.decode().split(), (th_out[:300], dd_out[:300])
mt, md = statistics.median(ts), statistics.median(ds)
print(f"{'raw .json.gz, top event names (' + str(a.raw_runs) + ' runs)':58} {mt * 1000:9.0f}ms {md * 1000:7.0f}ms {md / mt:6.2f}x  10")
