"""trailhound against DuckDB on a lake in S3 at S3's latency. Run by s3_latency.sh.

moto's S3 server on 127.0.0.1 holds the data; benches/latency_proxy.py stands in front of it and
makes it answer like S3 over a network (--ttfb-ms before each response's first byte, --mbps per
connection). The lake (--lake) and the archive (--archive) are uploaded straight to moto, then
everything measured goes through the proxy, which counts the requests by kind:

- the 4 queries of benches/query.py, whole processes, the engines alternating run by run:
  `trailhound sql s3://bench-lake/lake -c …` and DuckDB (PyPI `duckdb`, httpfs loaded from its
  PyPI package, an S3 secret pointing at the proxy) on
  `read_parquet('s3://bench-lake/lake/cloudtrail/*/*/*/*.parquet', hive_partitioning = true)`,
  each run in a new Python process;
- `trailhound convert` S3 → S3 (s3://bench-archive/trail → s3://bench-out/runN), and S3 → local
  disk beside it, which tells the source's share from the lake's.

Medians of --runs; request counts of the median run (they hardly vary). Before that, a check
that the proxy is not what limits (a large GET unpaced, many small GETs at once).
"""
import argparse, ast, concurrent.futures, csv, io, datetime, glob, importlib.util, json, os, re, shutil
import socket, statistics, subprocess, sys, tempfile, time, urllib.request

p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
p.add_argument("--lake", required=True, help="a local trailhound lake (convert's output)")
p.add_argument("--archive", help="a local CloudTrail archive (AWSLogs/...), for convert S3 → S3")
p.add_argument("--runs", type=int, default=5)
p.add_argument("--convert-runs", type=int, default=None, help="default: --runs")
p.add_argument("--ttfb-ms", type=float, default=30.0)
p.add_argument("--ttfb-mode", choices=("add", "floor"), default="add",
               help="add: the pause comes on top of moto's own time; floor: moto's time counts in it")
p.add_argument("--mbps", type=float, default=100.0, help="MB/s per connection, 0 = unpaced")
p.add_argument("--duckdb-threads", default="default",
               help="DuckDB's threads, a comma list for several DuckDB contenders: default,16")
p.add_argument("--duckdb-pythonpath", help="a folder with duckdb and its httpfs package (pip install --target), "
               "ahead of the installed ones")
p.add_argument("--no-check", action="store_true", help="skip the proxy's own check")
a = p.parse_args()

TH = os.environ.get("TRAILHOUND_BIN", "./target/release/trailhound")
if a.duckdb_pythonpath:
    a.duckdb_pythonpath = os.path.abspath(a.duckdb_pythonpath)
    sys.path.insert(0, a.duckdb_pythonpath)
HERE = os.path.dirname(os.path.abspath(__file__))
KEY = dict(aws_access_key_id="bench", aws_secret_access_key="bench", region_name="us-east-1")
LAKE_URL = "s3://bench-lake/lake"
PARQUET = f"read_parquet('{LAKE_URL}/cloudtrail/*/*/*/*.parquet', hive_partitioning = true)"


def load_queries():
    """The QUERIES of benches/query.py, with DuckDB reading the lake in S3: one list of
    questions for both benchmarks."""
    class Names(dict):  # other engines' table expressions there are not needed here
        def __missing__(self, key):
            return ""

    tree = ast.parse(open(os.path.join(HERE, "query.py")).read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "QUERIES" for t in node.targets):
            names = Names(PARQUET=PARQUET)
            exec(compile(ast.Module([node], []), "query.py", "exec"), {}, names)
            # (name, trailhound SQL, DuckDB SQL, …other engines)
            return [tuple(q[:3]) for q in names["QUERIES"]]
    raise SystemExit("benches/query.py has no QUERIES list")


def httpfs_extension():
    """The httpfs extension file that a PyPI package ships for the installed duckdb."""
    from importlib.metadata import version
    v = version("duckdb")
    for pkg in ("duckdb_extension_httpfs", "duckdb_ext"):
        spec = importlib.util.find_spec(pkg)
        if spec and spec.submodule_search_locations:
            for root in spec.submodule_search_locations:
                found = glob.glob(f"{root}/extensions/v{v}/**/httpfs.duckdb_extension", recursive=True)
                if found:
                    return f"{v}, httpfs from PyPI `{pkg.replace('_', '-')}`", found[0]
    raise SystemExit(f"no httpfs extension for duckdb {v}: pip install duckdb-extension-httpfs=={v}")


# The DuckDB process of one query: prints CSV, and on stderr a last line of JSON with the time
# spent in the query itself (after Python's start, the import and loading httpfs).
DUCKDB_CHILD = r"""
import csv, json, sys, time
t0 = time.perf_counter()
import duckdb
ext, endpoint, threads, sql = sys.argv[1:5]
con = duckdb.connect()
con.execute(f"LOAD '{ext}'")
con.execute("SET autoinstall_known_extensions = false")
if threads:
    con.execute(f"SET threads = {int(threads)}")
con.execute("SET TimeZone = 'UTC'")
con.execute(f"CREATE SECRET bench (TYPE s3, KEY_ID 'bench', SECRET 'bench', REGION 'us-east-1', "
            f"ENDPOINT '{endpoint}', URL_STYLE 'path', USE_SSL false)")
con.execute("SET enable_progress_bar = false")  # it would print on stdout
t1 = time.perf_counter()
# As text, as the CLI's -csv would print it (and Python's TIMESTAMPTZ values would need pytz).
cur = con.execute(f"SELECT COLUMNS(*)::VARCHAR FROM ({sql})")
rows = cur.fetchall()
t2 = time.perf_counter()
out = csv.writer(sys.stdout)
out.writerow([d[0] for d in cur.description])
out.writerows(rows)
print(json.dumps({"startup": t1 - t0, "query": t2 - t1}), file=sys.stderr)
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait(port):
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def local_files(root):
    out = []
    for d, _, names in os.walk(root):
        for n in names:
            if n.startswith("."):  # .facts of an archive made by query.sh
                continue
            path = os.path.join(d, n)
            out.append((path, os.path.relpath(path, root).replace(os.sep, "/")))
    return out


def upload(s3, root, bucket, prefix):
    files = local_files(root)
    t = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(32) as ex:
        list(ex.map(lambda f: s3.upload_file(f[0], bucket, f"{prefix}/{f[1]}"), files))
    size = sum(os.path.getsize(f[0]) for f in files)
    print(f"- {root} → s3://{bucket}/{prefix}: {len(files)} objects, {size / 1e6:.1f} MB "
          f"(uploaded straight to moto in {time.perf_counter() - t:.1f} s)")
    return files


def md_table(head, rows):
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|")
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")


def kinds_text(stats, bucket=None):
    """'3 LIST + 40 RANGE' of a stats answer (of one bucket when given)."""
    counts = stats["buckets"].get(bucket, {}) if bucket else {k: v["requests"] for k, v in stats["kinds"].items()}
    order = ("LIST", "HEAD", "GET", "RANGE", "PUT", "MPU", "COPY", "DELETE", "OTHER")
    parts = [f"{counts[k]} {k}" for k in order if counts.get(k)]
    return " + ".join(parts) or "0"


def main():
    queries = load_queries()
    duck_version, httpfs = httpfs_extension()
    tmp = tempfile.mkdtemp(prefix="th-s3-latency-")
    procs = []
    try:
        mport = free_port()
        procs.append(subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(mport)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait(mport)
        pfile = os.path.join(tmp, "proxy-port")
        procs.append(subprocess.Popen([sys.executable, os.path.join(HERE, "latency_proxy.py"),
                                       "--upstream", f"127.0.0.1:{mport}", "--port-file", pfile,
                                       "--ttfb-ms", str(a.ttfb_ms), "--ttfb-mode", a.ttfb_mode,
                                       "--mbps", str(a.mbps)]))
        while not os.path.exists(pfile):
            if procs[-1].poll() is not None:
                raise SystemExit("the latency proxy did not start")
            time.sleep(0.05)
        pport = int(open(pfile).read())
        proxy = f"http://127.0.0.1:{pport}"

        def control(path):
            with urllib.request.urlopen(urllib.request.Request(proxy + path, method="GET" if path == "/__stats" else "POST",
                                                               data=None if path == "/__stats" else b"")) as r:
                return json.loads(r.read())

        import boto3
        from botocore.config import Config
        direct = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{mport}", config=Config(max_pool_connections=64), **KEY)
        for b in ("bench-lake", "bench-archive", "bench-out", "bench-check"):
            direct.create_bucket(Bucket=b)
        print(f"# trailhound vs DuckDB on a lake in S3, {a.ttfb_ms:g} ms to first byte ({a.ttfb_mode}), "
              f"{a.mbps:g} MB/s per connection\n")
        print(f"{datetime.date.today()}, {os.cpu_count()} cores; moto on 127.0.0.1 behind "
              f"benches/latency_proxy.py; PyPI `duckdb` {duck_version}; "
              f"{TH}\n")
        upload(direct, a.lake, "bench-lake", "lake")
        if a.archive:
            upload(direct, a.archive, "bench-archive", "trail")

        if not a.no_check:
            check_proxy(direct, proxy, control)

        env = dict(os.environ, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                   AWS_REGION="us-east-1", AWS_ENDPOINT_URL=proxy, AWS_EC2_METADATA_DISABLED="true")
        for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3", "AWS_DEFAULT_PROFILE"):
            env.pop(k, None)

        duck_env = dict(env)
        if a.duckdb_pythonpath:
            duck_env["PYTHONPATH"] = os.pathsep.join(filter(None, [a.duckdb_pythonpath, env.get("PYTHONPATH")]))

        def run(cmd, what, env=env):
            t = time.perf_counter()
            r = subprocess.run(cmd, env=env, capture_output=True, text=True)
            dt = time.perf_counter() - t
            if r.returncode != 0:
                raise SystemExit(f"{what} failed: {r.stderr[-1500:]}")
            return dt, r.stdout, r.stderr

        # Days as query.py picks them: from the lake's first day.
        first = subprocess.run([TH, "sql", a.lake, "--format", "csv", "-c",
                                "SELECT min(date) FROM cloudtrail WHERE date <> 'unknown'"],
                               capture_output=True, text=True, check=True).stdout.split()[1]
        start = datetime.date.fromisoformat(first)
        d1 = f"{start + datetime.timedelta(days=10)}T00:00:00Z"
        d2 = f"{start + datetime.timedelta(days=13)}T00:00:00Z"

        def trailhound(sql):
            dt, out, _ = run([TH, "sql", LAKE_URL, "--format", "csv", "-c", sql], "trailhound sql")
            return dt, None, out

        def duckdb(threads):
            def go(sql):
                dt, out, err = run([sys.executable, "-c", DUCKDB_CHILD, httpfs, f"127.0.0.1:{pport}",
                                    threads, sql], "duckdb", duck_env)
                return dt, json.loads(err.strip().splitlines()[-1]), out
            return go

        def rows(out):  # CSV records, the header aside
            return max(0, sum(1 for _ in csv.reader(io.StringIO(out))) - 1)

        # (label, run(sql), which SQL of the query's tuple)
        contenders = [("trailhound", trailhound, 1)]
        for t in a.duckdb_threads.split(","):
            t = t.strip()
            label = "DuckDB" if t in ("", "default") else f"DuckDB, {t} threads"
            contenders.append((label, duckdb("" if t in ("", "default") else str(int(t))), 2))
        print(f"\n## Queries, {a.runs} runs each, engines alternating (medians)\n")
        table, mismatch = [], False
        for q in queries:
            sqls = [x.format(d1=d1, d2=d2) for x in q]
            res = {c[0]: [] for c in contenders}
            outs = {}
            for i in range(a.runs):
                for label, fn, which in contenders[i % len(contenders):] + contenders[:i % len(contenders)]:
                    control("/__reset")
                    dt, inner, out = fn(sqls[which])
                    res[label].append((dt, inner, control("/__stats")))
                    outs[label] = out
            base = statistics.median(x[0] for x in res["trailhound"])
            want = rows(outs["trailhound"])
            for n, (label, _, _) in enumerate(contenders):
                r = sorted(res[label], key=lambda x: x[0])
                wall = statistics.median(x[0] for x in r)
                st = r[len(r) // 2][2]  # the median run's requests
                inner = ("" if r[0][1] is None else
                         f"{statistics.median(x[1]['query'] for x in r):.3f}")
                got = rows(outs[label])
                mismatch |= got != want
                table.append([q[0] if n == 0 else "", label, f"{wall:.3f}", inner,
                              "" if n == 0 else f"{wall / base:.2f}x", kinds_text(st),
                              f"{st['total']['bytes_out'] / 1e6:.1f}", st["peak_inflight"],
                              got if got == want else f"**{got}** (trailhound {want})"])
        md_table(["query", "engine", "wall s", "query alone s", "vs trailhound", "requests",
                  "MB read", "most at once", "rows"], table)
        startup = statistics.median(duckdb("")("SELECT 1")[1]["startup"] for _ in range(3))
        print(f"\nwall s: the whole process, as a user waits for it (medians). query alone: DuckDB's "
              f"time in the query, without Python's start, `import duckdb`, loading httpfs and the "
              f"secret ({startup:.3f} s of their own, median). vs trailhound: wall time over "
              f"trailhound's (above 1: trailhound is faster). requests, MB read (response bodies) "
              f"and most at once (requests in flight together): the median run's, as the proxy "
              f"counted them. RANGE: a GET with a Range header.")

        if a.archive:
            convert(run, control, tmp)
        if mismatch:
            raise SystemExit("row counts differ between the engines")
    finally:
        for pr in reversed(procs):
            pr.kill()
            pr.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def convert(run, control, tmp):
    """convert S3 → S3, and S3 → local disk beside it to tell the source's part from the lake's."""
    n = a.convert_runs or a.runs
    print(f"\n## convert, {n} runs each, alternating (medians)\n")
    cases = [("S3 → S3", lambda i: f"s3://bench-out/run{i}"), ("S3 → local disk", lambda i: f"{tmp}/lake{i}")]
    res = {name: [] for name, _ in cases}
    for i in range(n):
        for name, dest in cases:
            control("/__reset")
            dt, out, err = run([TH, "convert", "-q", "s3://bench-archive/trail", dest(i)], "trailhound convert")
            m = re.search(r"([\d.]+) MB JSON in", out + err)
            mb = float(m.group(1)) if m else float("nan")
            res[name].append((dt, mb, control("/__stats")))
        shutil.rmtree(f"{tmp}/lake{i}", ignore_errors=True)
    table = []
    for name, _ in cases:
        r = sorted(res[name], key=lambda x: x[0])
        dt, mb, st = r[len(r) // 2]
        table.append([name, f"{dt:.2f}", f"{mb / dt:.0f}", kinds_text(st, "bench-archive"),
                      kinds_text(st, "bench-out") if name == "S3 → S3" else "-",
                      f"{sum(st['kinds'][k]['bytes_out'] for k in ('GET', 'RANGE')) / 1e6:.1f}",
                      f"{st['total']['bytes_in'] / 1e6:.1f}", st["peak_inflight"],
                      ", ".join(f"{x[0]:.2f}" for x in r)])
    md_table(["path", "wall s", "MB/s JSON", "requests to the source", "requests to the lake",
              "MB read", "MB written", "most at once", "all runs, s"], table)
    print(f"\n{mb:.0f} MB of JSON in {len(local_files(a.archive))} objects; the whole process timed.")


def check_proxy(direct, proxy, control):
    """That the proxy is not what limits: a large object's GET unpaced and paced, and many small
    GETs at once, each through the proxy and straight to moto."""
    import boto3, http.client, urllib.parse
    big = 128 * 1024 * 1024
    direct.put_object(Bucket="bench-check", Key="big", Body=os.urandom(big))
    for i in range(64):
        direct.put_object(Bucket="bench-check", Key=f"small/{i}", Body=os.urandom(8192))
    via = boto3.client("s3", endpoint_url=proxy, **KEY)

    def get(url):
        u = urllib.parse.urlsplit(url)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        c.request("GET", u.path + "?" + u.query)
        r = c.getresponse()
        n = 0
        while chunk := r.read(1 << 20):
            n += len(chunk)
        c.close()
        assert r.status == 200, r.status
        return n

    def timed_get(client, key):
        url = client.generate_presigned_url("get_object", Params={"Bucket": "bench-check", "Key": key})
        t = time.perf_counter()
        n = get(url)
        return n / (time.perf_counter() - t) / 1e6

    def many(client, n=64):
        urls = [client.generate_presigned_url("get_object", Params={"Bucket": "bench-check", "Key": f"small/{i}"})
                for i in range(n)]
        t = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(n) as ex:
            list(ex.map(get, urls))
        return (time.perf_counter() - t) * 1000

    cfg = control("/__config")
    rows = []
    control("/__config?ttfb_ms=0&mbps=0")
    rows.append(["128 MB GET, MB/s", f"{max(timed_get(direct, 'big') for _ in range(2)):.0f}",
                 f"{max(timed_get(via, 'big') for _ in range(2)):.0f}", "0 ms, unpaced"])
    moto_ms = min(many(direct) for _ in range(3))
    rows.append(["64 × 8 KB GETs at once, ms", f"{moto_ms:.0f}",
                 f"{min(many(via) for _ in range(3)):.0f}", "0 ms, unpaced"])
    control(f"/__config?ttfb_ms={cfg['ttfb_ms']}&mbps={cfg['mbps']}")
    rows.append(["128 MB GET, MB/s", "", f"{timed_get(via, 'big'):.0f}", f"{cfg['ttfb_ms']:g} ms, {cfg['mbps']:g} MB/s"])
    rows.append(["64 × 8 KB GETs at once, ms", "", f"{min(many(via) for _ in range(2)):.0f}",
                 f"{cfg['ttfb_ms']:g} ms, {cfg['mbps']:g} MB/s (one after another: ≥ {64 * cfg['ttfb_ms']:.0f} ms)"])
    print("\n## The proxy's own check\n")
    md_table(["", "moto direct", "through the proxy", "proxy settings"], rows)
    print(f"\nmoto itself answers about {64 / moto_ms * 1000:.0f} small GETs/s here (one Python "
          f"process): faster request streams than that wait on moto, not on the latency.")
    direct.delete_object(Bucket="bench-check", Key="big")


if __name__ == "__main__":
    main()
