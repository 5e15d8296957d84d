#!/usr/bin/env python3
"""End-to-end conversion benchmark: trailhound against DuckDB and ClickHouse (chDB) on the same
archive, in one run.

Contenders, each a separate process (so that wall time, CPU and peak RSS are measured alike, via
wait4): `trailhound convert` on 1 and 2 threads; DuckDB (PyPI `duckdb`, 2 threads) with its
auto-detected schema and with an explicit schema like the lake's (payloads as JSON text); and
ClickHouse in-process (PyPI `chdb`, max_threads=2) with the same explicit schema: each file read
whole (`RawBLOB`), its `Records` array parsed once with `JSONExtract` into typed tuples,
`ARRAY JOIN`ed, written as one zstd Parquet file.

Runs each contender RUNS times on a fresh output folder, interleaved round by round, and reports
the median wall time, MB/s of uncompressed JSON, events/s, CPU, peak RSS, output size against the
gzipped input and the rows written (Parquet footers, read with pyarrow when it is installed;
a count other than --events is reported). Paired per-round ratios against each trailhound run
follow the table. The trailhound binary is $TRAILHOUND_BIN, else target/release/trailhound.
Usage: benches/convert.py ARCHIVE --events N --json-bytes N [--runs N] [--out DIR]
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
BIN = os.environ.get("TRAILHOUND_BIN", os.path.join(ROOT, "target", "release", "trailhound"))

DUCKDB = """
import duckdb, sys
con = duckdb.connect()
con.sql("SET threads={threads}")
con.sql("SET preserve_insertion_order=false")
con.sql(\"\"\"COPY (SELECT unnest(Records, max_depth := 2) FROM read_json('{src}/**/*.json.gz', maximum_object_size=268435456))
           TO '{dst}/out.parquet' (FORMAT parquet, COMPRESSION zstd)\"\"\")
"""


# An explicit schema like the lake's: typed where CloudTrail documents the fields, the free-form
# payloads as JSON (so that no key is lost or forced into a sampled struct). Declared once, spelled
# for DuckDB (STRUCT, JSON) and for ClickHouse (Tuple, JSON text as String).
STR, JSON_, TIME, BOOL = "str", "json", "time", "bool"
ISSUER = [("type", STR), ("principalId", STR), ("arn", STR), ("accountId", STR), ("userName", STR)]
SESSION = [("attributes", [("creationDate", STR), ("mfaAuthenticated", STR)]), ("sessionIssuer", ISSUER),
           ("webIdFederationData", [("federatedProvider", STR), ("attributes", JSON_)]), ("sourceIdentity", STR),
           ("ec2RoleDelivery", STR)]
IDENTITY = [("type", STR), ("principalId", STR), ("arn", STR), ("accountId", STR), ("accessKeyId", STR),
            ("userName", STR), ("invokedBy", STR), ("sessionContext", SESSION),
            ("onBehalfOf", [("userId", STR), ("identityStoreArn", STR)])]
FIELDS = [("eventVersion", STR), ("userIdentity", IDENTITY), ("eventTime", TIME), ("eventSource", STR),
          ("eventName", STR), ("awsRegion", STR), ("sourceIPAddress", STR), ("userAgent", STR), ("errorCode", STR),
          ("errorMessage", STR), ("requestParameters", JSON_), ("responseElements", JSON_),
          ("additionalEventData", JSON_), ("requestID", STR), ("eventID", STR), ("readOnly", BOOL),
          ("resources", ([("ARN", STR), ("accountId", STR), ("type", STR)],)), ("eventType", STR),
          ("apiVersion", STR), ("managementEvent", BOOL), ("recipientAccountId", STR),
          ("serviceEventDetails", JSON_), ("sharedEventID", STR), ("vpcEndpointId", STR),
          ("vpcEndpointAccountId", STR), ("eventCategory", STR), ("sessionCredentialFromConsole", STR),
          ("edgeDeviceDetails", JSON_),
          ("tlsDetails", [("tlsVersion", STR), ("cipherSuite", STR), ("clientProvidedHostHeader", STR)])]


def duckdb_type(t):
    """A field type in DuckDB's spelling; a 1-tuple is a list of its item."""
    if isinstance(t, tuple):
        return duckdb_type(t[0]) + "[]"
    if isinstance(t, list):
        return "STRUCT(" + ", ".join(f"{k} {duckdb_type(v)}" for k, v in t) + ")"
    return {STR: "VARCHAR", JSON_: "JSON", TIME: "TIMESTAMPTZ", BOOL: "BOOLEAN"}[t]


def clickhouse_type(t):
    """The same in ClickHouse's: JSONExtract keeps an object or array read as String as its JSON text."""
    if isinstance(t, tuple):
        return f"Array({clickhouse_type(t[0])})"
    if isinstance(t, list):
        return "Tuple(" + ", ".join(f"{k} {clickhouse_type(v)}" for k, v in t) + ")"
    return {STR: "Nullable(String)", JSON_: "Nullable(String)", TIME: "Nullable(DateTime64(6, 'UTC'))",
            BOOL: "Nullable(Bool)"}[t]


RECORD = duckdb_type(FIELDS)
DUCKDB_EXPLICIT = """
import duckdb
con = duckdb.connect()
con.sql("SET threads={threads}")
con.sql("SET preserve_insertion_order=false")
con.sql(\"\"\"COPY (SELECT unnest(Records, max_depth := 2) FROM read_json('{src}/**/*.json.gz', maximum_object_size=268435456,
           columns={{'Records': '{record}[]'}}))
           TO '{dst}/out.parquet' (FORMAT parquet, COMPRESSION zstd)\"\"\")
"""

# ClickHouse in-process: each file whole as one string (a CloudTrail file is one JSON object), its
# Records parsed once into an array of typed tuples, one row per record, one zstd Parquet file.
# The glob's ** recurses in chDB's file(); .gz is inflated by the extension.
CHDB_NAME = "ClickHouse chDB explicit schema (payloads as JSON), 2 threads"
CHDB_RECORD = clickhouse_type((FIELDS,)).replace("'", "''")  # in a SQL string literal
CHDB_COLUMNS = ", ".join(f"r.{k} AS {k}" for k, _ in FIELDS)
CHDB = """
import chdb
chdb.query(\"\"\"SELECT {columns} FROM file('{src}/**/*.json.gz', 'RawBLOB')
           ARRAY JOIN JSONExtract(raw_blob, 'Records', '{record}') AS r
           INTO OUTFILE '{dst}/out.parquet' FORMAT Parquet
           SETTINGS max_threads={threads}, output_format_parquet_compression_method='zstd'\"\"\")
"""


def du(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            if f.endswith(".parquet"):
                total += os.path.getsize(os.path.join(d, f))
    return total


def parquet_rows(path):
    """Rows in the Parquet files below path (from their footers), or None without pyarrow."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        return None
    return sum(pq.ParquetFile(os.path.join(d, f)).metadata.num_rows
               for d, _, files in os.walk(path) for f in files if f.endswith(".parquet"))


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
        (CHDB_NAME,
         lambda dst: [sys.executable, "-c", CHDB.format(threads=2, src=os.path.abspath(args.archive), dst=os.path.abspath(dst),
                                                      record=CHDB_RECORD, columns=CHDB_COLUMNS)]),
    ]
    results = {name: [] for name, _ in contenders}
    # Interleave contenders so that machine noise hits them alike.
    for run in range(args.runs):
        for name, cmd in contenders:
            dst = os.path.join(args.out, f"run{run}")
            shutil.rmtree(dst, ignore_errors=True)
            os.makedirs(dst)
            wall, rss, cpu = timed(cmd(dst))
            results[name].append((wall, rss, du(dst), cpu, parquet_rows(dst)))
            shutil.rmtree(dst, ignore_errors=True)
    rows = []
    for name, runs in results.items():
        wall = statistics.median(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        size = statistics.median(r[2] for r in runs)
        cpu = statistics.median(r[3] for r in runs)
        written = sorted({r[4] for r in runs}, key=str)
        rows.append({
            "contender": name, "median_s": round(wall, 2), "runs_s": [round(r[0], 2) for r in runs],
            "json_mb_s": round(args.json_bytes / 1e6 / wall, 1), "events_s": round(args.events / wall),
            "peak_rss_mb": round(rss / 2**20), "cpu_s": round(cpu, 2), "json_mb_per_cpu_s": round(args.json_bytes / 1e6 / cpu, 1), "out_mb": round(size / 1e6, 1), "out_vs_gz": round(size / gz, 3),
            "rows": written[0] if len(written) == 1 else written,
        })
    print(json.dumps({"archive": args.archive, "events": args.events, "json_mb": round(args.json_bytes / 1e6), "gz_mb": round(gz / 1e6), "results": rows}, indent=1))
    base = next(r for r in rows if r["contender"].startswith("DuckDB auto"))
    print("\n| contender | median wall s | MB/s JSON | events/s | CPU s | MB/s per CPU-s | peak RSS MB | output MB | output/gz | rows | speed vs DuckDB auto |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['contender']} | {r['median_s']} | {r['json_mb_s']} | {r['events_s']} | {r['cpu_s']} | {r['json_mb_per_cpu_s']} | {r['peak_rss_mb']} | {r['out_mb']} | {r['out_vs_gz']} | {r['rows']} | {base['median_s'] / r['median_s']:.2f}x |")
    for r in rows:
        if r["rows"] is not None and r["rows"] != args.events:
            print(f"warning: {r['contender']} wrote {r['rows']} rows, not the {args.events} events of the archive")
    # Paired ratios (same round, so the same machine load) are steadier than ratios of medians.
    others = [("DuckDB-auto", "DuckDB auto schema, 2 threads"),
              ("DuckDB-explicit", "DuckDB explicit schema (payloads as JSON), 2 threads"),
              ("chDB", CHDB_NAME)]
    for name in results:
        if not name.startswith("trailhound"):
            continue
        print()
        for label, other in others:
            paired = [o[0] / t[0] for o, t in zip(results[other], results[name])]
            print(f"{name}: {label}/trailhound wall-time ratio per round {[round(x, 2) for x in paired]}, median {statistics.median(paired):.2f}x")


if __name__ == "__main__":
    main()
