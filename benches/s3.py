"""Convert and query through a local S3 server (moto, 127.0.0.1) beside the same work on local
disk, with the number of requests made. Run by s3.sh.

What it measures: trailhound's own cost of going through S3 (listing, concurrent GETs, PUTs,
commits) plus the server's. moto is a Python server, far slower per request than S3 itself, so
the S3 times are an upper bound; the request counts are what S3 would bill.
"""
import argparse, concurrent.futures, os, re, shutil, socket, statistics, subprocess, sys, tempfile, time

p = argparse.ArgumentParser()
p.add_argument("--archive", required=True, help="a local CloudTrail archive (AWSLogs/...)")
p.add_argument("--runs", type=int, default=3)
a = p.parse_args()

TH = os.environ.get("TRAILHOUND_BIN", "./target/release/trailhound")
HERE = os.path.dirname(os.path.abspath(__file__))
PROXY = os.path.join(HERE, "..", "crates", "trailhound-cli", "tests", "it", "s3_proxy.py")


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


port = free_port()
moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
tmp = tempfile.mkdtemp(prefix="th-s3-bench-")
try:
    wait(port)
    ep = f"http://127.0.0.1:{port}"
    env = dict(os.environ, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_REGION="us-east-1", AWS_ENDPOINT_URL=ep)
    env.pop("AWS_PROFILE", None)
    import boto3
    s3 = boto3.client("s3", endpoint_url=ep, region_name="us-east-1",
                      aws_access_key_id="bench", aws_secret_access_key="bench")
    for b in ("archive", "lakes"):
        s3.create_bucket(Bucket=b)
    files = []
    for root, _, names in os.walk(a.archive):
        for n in names:
            path = os.path.join(root, n)
            files.append((path, os.path.relpath(path, a.archive)))
    t = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        list(ex.map(lambda f: s3.upload_file(f[0], "archive", "trail/" + f[1]), files))
    gz = sum(os.path.getsize(f[0]) for f in files)
    print(f"archive {a.archive}: {len(files)} objects, {gz / 1e6:.1f} MB gzipped "
          f"(uploaded in {time.perf_counter() - t:.1f} s)")

    def run(args):
        t = time.perf_counter()
        r = subprocess.run([TH] + args, env=env, capture_output=True, text=True)
        dt = time.perf_counter() - t
        if r.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed: {r.stderr[:500]}")
        return dt, r.stdout

    def requests(out):
        m = re.search(r"requests: (\d+) to the source, (\d+) to the lake", out)
        return (int(m.group(1)), int(m.group(2))) if m else (0, 0)

    def json_mb_s(out, dt):
        m = re.search(r"([\d.]+) MB JSON in", out)
        return float(m.group(1)) / dt if m else 0

    rows = []
    cases = [
        ("local → local", lambda i: [a.archive, f"{tmp}/ll{i}"]),
        ("S3 → local", lambda i: ["s3://archive/trail", f"{tmp}/sl{i}"]),
        ("local → S3", lambda i: [a.archive, f"s3://lakes/ls{i}"]),
        ("S3 → S3", lambda i: ["s3://archive/trail", f"s3://lakes/ss{i}"]),
    ]
    print(f"\nconvert, {a.runs} runs each, alternating (medians)")
    print(f"{'path':16} {'wall s':>8} {'MB/s JSON':>10} {'src req':>8} {'lake req':>9}")
    results = {name: [] for name, _ in cases}
    for i in range(a.runs):
        for name, args in cases:
            dt, out = run(["convert", "-q"] + args(i))
            results[name].append((dt, json_mb_s(out, dt), *requests(out)))
    for name, _ in cases:
        r = results[name]
        src_req = r[0][2] if name.startswith("S3") else "-"
        lake_req = r[0][3] if name.endswith("S3") else "-"
        print(f"{name:16} {statistics.median(x[0] for x in r):8.2f} {statistics.median(x[1] for x in r):10.0f} "
              f"{src_req:>8} {lake_req:>9}")

    # An incremental rerun with nothing new: how much listing it costs.
    dt, out = run(["convert", "-q", "s3://archive/trail", f"{tmp}/sl0"])
    src, lake = requests(out)
    print(f"\nincremental rerun, nothing new (S3 → local): {dt:.2f} s, {src} requests to the source; "
          f"{out.splitlines()[0]}")
    dt, out = run(["convert", "-q", "s3://archive/trail", "s3://lakes/ss0"])
    src, lake = requests(out)
    print(f"incremental rerun, nothing new (S3 → S3): {dt:.2f} s, {src} requests to the source, {lake} to the lake")
    dt, out = run(["convert", "-q", "--relist", "s3://archive/trail", f"{tmp}/sl0"])
    src, lake = requests(out)
    print(f"same with --relist (every day listed again): {dt:.2f} s, {src} requests to the source")

    # Queries on the lake in S3 beside the local one; requests counted through a proxy.
    day = subprocess.run([TH, "sql", f"{tmp}/ll0", "--format", "csv", "-c",
                          "SELECT min(date) FROM cloudtrail WHERE date <> 'unknown'"],
                         capture_output=True, text=True, check=True).stdout.split()[1]
    queries = [
        ("top event names", "SELECT eventname, count(*) FROM cloudtrail GROUP BY 1 ORDER BY 2 DESC LIMIT 10"),
        ("failed logins", "SELECT sourceipaddress, count(*) FROM cloudtrail WHERE eventname = 'ConsoleLogin' "
                          "AND responseelements LIKE '%Failure%' GROUP BY 1 ORDER BY 2 DESC LIMIT 10"),
        ("one day by source", f"SELECT eventsource, count(*) FROM cloudtrail WHERE eventtime >= TIMESTAMP '{day}T00:00:00Z' + INTERVAL '10 days' "
                              f"AND eventtime < TIMESTAMP '{day}T00:00:00Z' + INTERVAL '11 days' GROUP BY 1 ORDER BY 2 DESC"),
    ]
    counts = os.path.join(tmp, "counts")
    pfile = os.path.join(tmp, "proxy-port")
    proxy = subprocess.Popen([sys.executable, PROXY, str(port), pfile, "--counts", counts],
                             stdout=subprocess.DEVNULL)
    try:
        while not os.path.exists(pfile):
            time.sleep(0.05)
        proxy_ep = f"http://127.0.0.1:{open(pfile).read().strip()}"
        print(f"\nqueries, {a.runs * 2 + 1} runs each (medians), whole-process wall time")
        print(f"{'query':20} {'local s':>8} {'S3 s':>8} {'GET':>6} {'LIST':>5}")
        for name, q in queries:
            loc, rem = [], []
            for _ in range(a.runs * 2 + 1):
                loc.append(run(["sql", f"{tmp}/ll0", "--format", "csv", "-c", q])[0])
                rem.append(run(["sql", "s3://lakes/ls0", "--format", "csv", "-c", q])[0])
            before = dict(l.split() for l in open(counts).read().splitlines()) if os.path.exists(counts) else {}
            penv = dict(env, AWS_ENDPOINT_URL=proxy_ep)
            subprocess.run([TH, "sql", "s3://lakes/ls0", "--format", "csv", "-c", q], env=penv,
                           capture_output=True, check=True)
            after = dict(l.split() for l in open(counts).read().splitlines())
            c = {k: int(v) - int(before.get(k, 0)) for k, v in after.items()}
            print(f"{name:20} {statistics.median(loc):8.3f} {statistics.median(rem):8.3f} "
                  f"{c.get('GET', 0):>6} {c.get('LIST', 0):>5}")
    finally:
        proxy.kill()
finally:
    moto.kill()
    shutil.rmtree(tmp, ignore_errors=True)
