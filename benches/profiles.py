"""Build profiles side by side: the same conversion and queries with one `trailhound` binary per
profile (e.g. `release` and `dist`), interleaved round by round so machine noise hits all alike;
medians and each profile's time relative to the first. Run by profiles.sh."""
import argparse, os, shutil, statistics, subprocess, tempfile, time

p = argparse.ArgumentParser()
p.add_argument("--archive", required=True)
p.add_argument("--runs", type=int, default=5)
p.add_argument("--no-catalog", action="store_true", help="skip the threat catalog (25 s a run at 2M events)")
p.add_argument("bins", nargs="+", help="NAME=PATH of a trailhound binary; the first is the baseline")
a = p.parse_args()
bins = [b.split("=", 1) for b in a.bins]

QUERIES = [
    ("top event names", "SELECT eventname, count(*) AS n FROM cloudtrail GROUP BY 1 ORDER BY 2 DESC LIMIT 10"),
    ("failed logins per IP, 5-minute windows",
     "SELECT sourceipaddress, date_bin(INTERVAL '5 minutes', eventtime) AS w, count(*) AS n FROM cloudtrail "
     "WHERE eventname = 'ConsoleLogin' AND responseelements LIKE '%Failure%' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 20"),
    ("requestparameters substring, all events",
     "SELECT count(*) FROM cloudtrail WHERE requestparameters LIKE '%orders%'"),
    ("one day, events by source",
     "SELECT eventsource, count(*) AS n FROM cloudtrail WHERE eventtime >= TIMESTAMP '{d1}' "
     "AND eventtime < TIMESTAMP '{d1}' + INTERVAL '1 day' GROUP BY 1 ORDER BY 2 DESC"),
    ("distinct IPs per principal",
     "SELECT useridentity.arn, count(DISTINCT sourceipaddress) AS ips FROM cloudtrail "
     "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10"),
]
# The saved threat detections over the whole archive: many operators (joins, windows,
# aggregates) in one process, the workload the `run`/`report` commands are.
CATALOG = ["run", "--category", "threats", "--from", "2000-01-01", "--until", "2100-01-01",
           "--format", "csv"]


def timed(cmd):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {r.stderr.decode()[:500]}")
    return time.perf_counter() - t, r.stdout


work = tempfile.mkdtemp(prefix="th-profiles-")
try:
    lake = os.path.join(work, "lake")
    subprocess.run([bins[0][1], "convert", "-q", a.archive, lake], check=True, stdout=subprocess.DEVNULL)
    out = subprocess.run([bins[0][1], "sql", lake, "--format", "csv", "-c",
                          "SELECT min(date) FROM cloudtrail WHERE date <> 'unknown'"],
                         capture_output=True, check=True).stdout.decode().split()
    d1 = f"{out[1]}T00:00:00Z"
    jobs = ["convert -j2"] + [q for q, _ in QUERIES] + ([] if a.no_catalog else ["threat catalog"])
    times = {(n, job): [] for n, _ in bins for job in jobs}
    answers = {}
    for r in range(a.runs):
        for name, path in bins:
            dest = os.path.join(work, f"conv-{name}")
            shutil.rmtree(dest, ignore_errors=True)
            t, _ = timed([path, "convert", "-q", "-j", "2", a.archive, dest])
            times[(name, "convert -j2")].append(t)
            for q, sql in QUERIES:
                t, got = timed([path, "sql", lake, "--format", "csv", "-c", sql.format(d1=d1)])
                times[(name, q)].append(t)
                if answers.setdefault(q, got) != got:
                    raise SystemExit(f"{name}: {q}: another answer")
            if a.no_catalog:
                continue
            t, got = timed([path] + CATALOG + ["--lake", lake])
            got = b"\n".join(sorted(got.splitlines()))  # the same rows; ties may come in any order
            times[(name, "threat catalog")].append(t)
            if answers.setdefault("threat catalog", got) != got:
                for tag, text in (("first", answers["threat catalog"]), (name, got)):
                    with open(f"threat-catalog-{tag}.csv", "wb") as f:
                        f.write(text)
                raise SystemExit(f"{name}: threat catalog: another answer (threat-catalog-*.csv)")
    base = bins[0][0]
    print(f"archive {a.archive}, {a.runs} interleaved rounds, medians of whole-process wall time")
    print(f"{'job':42} " + " ".join(f"{n:>14}" for n, _ in bins))
    for job in jobs:
        m0 = statistics.median(times[(base, job)])
        cells = []
        for n, _ in bins:
            m = statistics.median(times[(n, job)])
            cells.append(f"{m:7.3f}s {m / m0:5.2f}x" if n != base else f"{m:7.3f}s      ")
        print(f"{job:42} " + " ".join(f"{c:>14}" for c in cells))
finally:
    shutil.rmtree(work, ignore_errors=True)
