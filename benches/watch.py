"""Times `trailhound watch --once` and `trailhound metric-filter` (see watch.sh).

Each run: a source folder holding every archive object but the newest NEW (hard links), converted
into a fresh lake (not timed); a first watch cycle records the cursor (not timed); then timed: a
cycle with nothing new, the NEW objects linked in and a cycle that converts them, runs the threats
detections over their events and posts the findings to a webhook on loopback, and again a cycle
with nothing new. Then the metric-filter back-tests over the whole lake. Medians of RUNS.
"""

import argparse
import http.server
import os
import shutil
import statistics
import subprocess
import threading
import time

PATTERNS = {
    "CIS 4.6 console auth failures": '{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }',
    "CIS 4.1 unauthorized calls": '{ (($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && ($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }',
    "CIS 4.3 root usage": '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    "payload lookup (requestParameters)": '{ $.requestParameters.instanceType = "p*" }',
}


class Hook(http.server.BaseHTTPRequestHandler):
    received = 0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        Hook.received += 1
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def timed(cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if p.returncode not in (0, 2):
        raise SystemExit(f"{' '.join(cmd)}: exit {p.returncode}\n{p.stderr}")
    return dt, p


def link_tree(files, root, dest):
    for f in files:
        rel = os.path.relpath(f, root)
        os.makedirs(os.path.join(dest, os.path.dirname(rel)), exist_ok=True)
        os.link(f, os.path.join(dest, rel))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--archive", required=True)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--new", type=int, default=1000)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    files = sorted(
        os.path.join(d, f)
        for d, _, fs in os.walk(a.archive)
        for f in fs
        if f.endswith(".json.gz")
    )
    # The newest objects by delivery time (the file name's timestamp), as a trail delivers them.
    files.sort(key=lambda p: os.path.basename(p).split("_")[3] if p.count("_") >= 3 else p)
    old, new = files[: -a.new], files[-a.new :]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_port}/hook"
    idle, busy, idle_after, sent = [], [], [], []
    for run in range(a.runs):
        shutil.rmtree(a.work, ignore_errors=True)
        src, lake = os.path.join(a.work, "src"), os.path.join(a.work, "lake")
        link_tree(old, a.archive, src)
        subprocess.run([a.bin, "convert", "-q", src, lake], check=True)
        watch = [a.bin, "watch", src, "--lake", lake, "--once", "-q", "--notify", hook]
        timed(watch)  # records the cursor
        idle.append(timed(watch)[0])
        link_tree(new, a.archive, src)
        before = Hook.received
        dt, p = timed(watch)
        busy.append(dt)
        sent.append(Hook.received - before)
        idle_after.append(timed(watch)[0])
        print(f"run {run + 1}: idle {idle[-1]:.2f} s, {a.new} new objects {dt:.2f} s ({sent[-1]} findings sent), idle {idle_after[-1]:.2f} s", flush=True)
    med = statistics.median
    print(f"\nwatch --once, lake of {len(old)} objects, medians of {a.runs}:")
    print(f"  nothing new:            {med(idle):.2f} s")
    print(f"  {a.new} new objects:      {med(busy):.2f} s  ({med(sent):.0f} findings delivered)")
    print(f"  nothing new, after:     {med(idle_after):.2f} s")
    lake = os.path.join(a.work, "lake")
    subprocess.run([a.bin, "convert", "-q", os.path.join(a.work, "src"), lake], check=True)
    print(f"\nmetric-filter over the whole lake ({len(files)} objects), medians of {a.runs}:")
    for name, pattern in PATTERNS.items():
        times, out = [], None
        for _ in range(a.runs):
            dt, out = timed([a.bin, "metric-filter", "--lake", lake, "--pattern", pattern, "--threshold", "10", "--format", "json"])
            times.append(dt)
        events = out.stdout.split('"events":')[1].split(",")[0].strip() if '"events":' in out.stdout else "?"
        print(f"  {name:38} {med(times):6.2f} s  ({events} events)")
    server.shutdown()


if __name__ == "__main__":
    main()
