#!/usr/bin/env python3
"""What a loopback cluster costs (not run in CI): the benchmark queries of query.py on one lake,
run locally and through `--cluster` on one scheduler and two executors of the same binary on
127.0.0.1, alternating, whole processes; medians, the overhead per query, and the bytes each
query's stages passed to each other and its result (from the scheduler's line per job)."""
import argparse, datetime, os, re, shutil, socket, statistics, subprocess, sys, tempfile, time, urllib.request

sys.path.insert(0, os.path.dirname(__file__))

p = argparse.ArgumentParser()
p.add_argument("--bin", required=True, help="trailhound built with --features cluster")
p.add_argument("--lake", required=True)
p.add_argument("--runs", type=int, default=5)
p.add_argument("--concurrency", type=int, default=1, help="tasks per executor")
a = p.parse_args()
TH = a.bin

QUERIES = [
    ("top event names",
     "SELECT eventname, count(*) AS n FROM cloudtrail GROUP BY 1 ORDER BY 2 DESC LIMIT 10"),
    ("failed logins per IP, 5-minute windows",
     "SELECT sourceipaddress, date_bin(INTERVAL '5 minutes', eventtime) AS w, count(*) AS n FROM cloudtrail "
     "WHERE eventname = 'ConsoleLogin' AND responseelements LIKE '%Failure%' GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 20"),
    ("one principal over 3 days, requestparameters substring",
     "SELECT eventtime, eventname, requestparameters FROM cloudtrail WHERE useridentity.sessioncontext.sessionissuer.arn LIKE '%role/ci-deploy' "
     "AND eventtime >= TIMESTAMP '{d1}' AND eventtime < TIMESTAMP '{d2}' AND requestparameters LIKE '%orders%' ORDER BY eventtime"),
    ("one day, events by source",
     "SELECT eventsource, count(*) AS n FROM cloudtrail WHERE eventtime >= TIMESTAMP '{d1}' AND eventtime < TIMESTAMP '{d1}' + INTERVAL '1 day' GROUP BY 1 ORDER BY 2 DESC"),
]


def free_pair():
    while True:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        t = socket.socket()
        try:
            t.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            pass
        finally:
            s.close()
            t.close()


def jobs(log):
    """The scheduler's `job ID: N stages, B bytes shuffled, R bytes of results, T ms` lines."""
    return re.findall(r"^job \S+: (\d+) stages, (\d+) bytes shuffled, (\d+) bytes of results",
                      open(log).read(), re.M)


tmp = tempfile.mkdtemp(prefix="th-cluster-")
procs = []
try:
    log = open(os.path.join(tmp, "scheduler.log"), "w+")
    procs.append(subprocess.Popen([TH, "scheduler", "--bind", "127.0.0.1:0", "--ready-executors", "2"],
                                  stdout=subprocess.DEVNULL, stderr=log))
    port = None
    for _ in range(600):
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", open(log.name).read())
        if m:
            port = int(m.group(1))
            break
        time.sleep(0.1)
    assert port, open(log.name).read()
    works = []
    for i in range(2):
        w = os.path.join(tmp, f"work-{i}")
        os.makedirs(w)
        works.append(w)
        procs.append(subprocess.Popen([TH, "executor", "--scheduler", f"127.0.0.1:{port}", "--bind",
                                       f"127.0.0.1:{free_pair()}", "--concurrency", str(a.concurrency),
                                       "--work-dir", w, "--heartbeat", "1"],
                                      stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, f"executor-{i}.log"), "w")))
    for _ in range(1200):
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2).status == 200:
                break
        except Exception:
            pass
        time.sleep(0.1)
    cluster = f"df://127.0.0.1:{port}"

    out = subprocess.run([TH, "sql", a.lake, "--format", "csv", "-c",
                          "SELECT min(date) FROM cloudtrail WHERE date <> 'unknown'"],
                         capture_output=True, check=True).stdout.decode().split()
    start = datetime.date.fromisoformat(out[1])
    d1 = f"{start + datetime.timedelta(days=10)}T00:00:00Z"
    d2 = f"{start + datetime.timedelta(days=13)}T00:00:00Z"

    print(f"lake {a.lake}, {a.runs} runs each, alternating; cluster: 1 scheduler + 2 executors "
          f"x {a.concurrency} task(s) on 127.0.0.1")
    print("| query | local (s) | cluster (s) | overhead (s) | ratio | stages | shuffled | result |")
    print("|---|---|---|---|---|---|---|---|")
    for name, sql in QUERIES:
        sql = sql.format(d1=d1, d2=d2)
        local, remote, moved = [], [], []
        answers = set()
        for _ in range(a.runs):
            for where in ("local", "cluster"):
                cmd = [TH, "sql", a.lake, "--format", "csv", "-c", sql]
                if where == "cluster":
                    cmd += ["--cluster", cluster]
                    before = len(jobs(log.name))
                t = time.perf_counter()
                r = subprocess.run(cmd, capture_output=True)
                dt = time.perf_counter() - t
                if r.returncode != 0:
                    raise SystemExit(f"{where}: {r.stderr.decode()[:800]}")
                # Rows in the same order up to ties of the ORDER BY: compared as sorted lines.
                answers.add(tuple(sorted(r.stdout.decode().splitlines())))
                if where == "cluster":
                    remote.append(dt)
                    done = jobs(log.name)
                    assert len(done) == before + 1, f"{name}: no job line"
                    moved.append(tuple(int(x) for x in done[-1]))
                else:
                    local.append(dt)
        assert len(answers) == 1, f"{name}: local and cluster answers differ"
        ml, mr = statistics.median(local), statistics.median(remote)
        stages, shuffled, result = moved[len(moved) // 2]
        print(f"| {name} | {ml:.3f} | {mr:.3f} | {mr - ml:+.3f} | {mr / ml:.2f}x | {stages} | "
              f"{shuffled / 1e6:.2f} MB | {result / 1e6:.3f} MB |")
finally:
    for pr in procs:
        pr.kill()
    shutil.rmtree(tmp, ignore_errors=True)
