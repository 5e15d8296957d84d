#!/usr/bin/env python3
"""End-to-end conversion benchmark: trailhound against DuckDB on the same archive, in one run.

Runs each contender RUNS times on a fresh output folder, and reports the median wall time, MB/s of
uncompressed JSON, events/s, peak RSS (of the process, via wait4) and output size against the
gzipped input. Usage: benches/convert.py ARCHIVE [--runs N] [--out DIR]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "trailhound")

DUCKDB = """
import duckdb, sys
con = duckdb.connect()
con.sql("SET threads={threads}")
con.sql("SET preserve_insertion_order=false")
con.sql(\"\"\"COPY (SELECT unnest(Records, max_depth := 2) FROM read_json('{src}/**/*.json.gz', maximum_object_size=268435456))
           TO '{dst}/out.parquet' (FORMAT parquet, COMPRESSION zstd)\"\"\")
"""


# An explicit schema like the lake's: typed where CloudTrail documents the fields, the free-form
# payloads as JSON (so that no key is lost or forced into a sampled struct).
S = "VARCHAR"
ISSUER = f"STRUCT(type {S}, principalId {S}, arn {S}, accountId {S}, userName {S})"
SESSION = (f"STRUCT(attributes STRUCT(creationDate {S}, mfaAuthenticated {S}), sessionIssuer {ISSUER}, "
           f"webIdFederationData STRUCT(federatedProvider {S}, attributes JSON), sourceIdentity {S}, ec2RoleDelivery {S})")
IDENTITY = (f"STRUCT(type {S}, principalId {S}, arn {S}, accountId {S}, accessKeyId {S}, userName {S}, invokedBy {S}, "
            f"sessionContext {SESSION}, onBehalfOf STRUCT(userId {S}, identityStoreArn {S}))")
RECORD = (f"STRUCT(eventVersion {S}, userIdentity {IDENTITY}, eventTime TIMESTAMPTZ, eventSource {S}, eventName {S}, "
          f"awsRegion {S}, sourceIPAddress {S}, userAgent {S}, errorCode {S}, errorMessage {S}, requestParameters JSON, "
          f"responseElements JSON, additionalEventData JSON, requestID {S}, eventID {S}, readOnly BOOLEAN, "
          f"resources STRUCT(ARN {S}, accountId {S}, type {S})[], eventType {S}, apiVersion {S}, managementEvent BOOLEAN, "
          f"recipientAccountId {S}, serviceEventDetails JSON, sharedEventID {S}, vpcEndpointId {S}, vpcEndpointAccountId {S}, "
          f"eventCategory {S}, sessionCredentialFromConsole {S}, edgeDeviceDetails JSON, "
          f"tlsDetails STRUCT(tlsVersion {S}, cipherSuite {S}, clientProvidedHostHeader {S}))")
DUCKDB_EXPLICIT = """
import duckdb
con = duckdb.connect()
con.sql("SET threads={threads}")
con.sql("SET preserve_insertion_order=false")
con.sql(\"\"\"COPY (SELECT unnest(Records, max_depth := 2) FROM read_json('{src}/**/*.json.gz', maximum_object_size=268435456,
           columns={{'Records': '{record}[]'}}))
           TO '{dst}/out.parquet' (FORMAT parquet, COMPRESSION zstd)\"\"\")
"""


def du(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            if f.endswith(".parquet"):
                total += os.path.getsize(os.path.join(d, f))
    return total


def archive_facts(src):
    gz = 0
    for d, _, files in os.walk(src):
        gz += sum(os.path.getsize(os.path.join(d, f)) for f in files if f.endswith(".json.gz"))
    return gz


def timed(cmd):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read().decode()
    err = proc.stderr.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss * 1024, usage.ru_utime + usage.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("archive")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench-data", "out"))
    ap.add_argument("--json-bytes", type=int, required=True, help="uncompressed JSON bytes of the archive")
    ap.add_argument("--events", type=int, required=True)
    args = ap.parse_args()
    gz = archive_facts(args.archive)
    contenders = [
        ("trailhound -j1", lambda dst: [BIN, "convert", "-q", "-j", "1", args.archive, dst]),
        ("trailhound -j2", lambda dst: [BIN, "convert", "-q", "-j", "2", args.archive, dst]),
        ("DuckDB auto schema, 2 threads", lambda dst: [sys.executable, "-c", DUCKDB.format(threads=2, src=args.archive, dst=dst)]),
        ("DuckDB explicit schema (payloads as JSON), 2 threads",
         lambda dst: [sys.executable, "-c", DUCKDB_EXPLICIT.format(threads=2, src=args.archive, dst=dst, record=RECORD)]),
    ]
    results = {name: [] for name, _ in contenders}
    # Interleave contenders so that machine noise hits them alike.
    for run in range(args.runs):
        for name, cmd in contenders:
            dst = os.path.join(args.out, f"run{run}")
            shutil.rmtree(dst, ignore_errors=True)
            os.makedirs(dst)
            wall, rss, cpu = timed(cmd(dst))
            results[name].append((wall, rss, du(dst), cpu))
            shutil.rmtree(dst, ignore_errors=True)
    rows = []
    for name, runs in results.items():
        wall = statistics.median(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        size = statistics.median(r[2] for r in runs)
        cpu = statistics.median(r[3] for r in runs)
        rows.append({
            "contender": name, "median_s": round(wall, 2), "runs_s": [round(r[0], 2) for r in runs],
            "json_mb_s": round(args.json_bytes / 1e6 / wall, 1), "events_s": round(args.events / wall),
            "peak_rss_mb": round(rss / 2**20), "cpu_s": round(cpu, 2), "json_mb_per_cpu_s": round(args.json_bytes / 1e6 / cpu, 1), "out_mb": round(size / 1e6, 1), "out_vs_gz": round(size / gz, 3),
        })
    print(json.dumps({"archive": args.archive, "events": args.events, "json_mb": round(args.json_bytes / 1e6), "gz_mb": round(gz / 1e6), "results": rows}, indent=1))
    base = next(r for r in rows if r["contender"].startswith("DuckDB auto"))
    print("\n| contender | median wall s | MB/s JSON | events/s | CPU s | MB/s per CPU-s | peak RSS MB | output MB | output/gz | speed vs DuckDB auto |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['contender']} | {r['median_s']} | {r['json_mb_s']} | {r['events_s']} | {r['cpu_s']} | {r['json_mb_per_cpu_s']} | {r['peak_rss_mb']} | {r['out_mb']} | {r['out_vs_gz']} | {base['median_s'] / r['median_s']:.2f}x |")
    # Paired ratios (same round, so the same machine load) are steadier than ratios of medians.
    names = list(results)
    auto = results["DuckDB auto schema, 2 threads"]
    for name in names:
        if not name.startswith("trailhound"):
            continue
        paired = [a[0] / t[0] for a, t in zip(auto, results[name])]
        print(f"\n{name}: DuckDB-auto/trailhound wall-time ratio per round {[round(x, 2) for x in paired]}, median {statistics.median(paired):.2f}x")


if __name__ == "__main__":
    main()
