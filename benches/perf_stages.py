"""Per-stage CPU split of a `perf record` of `trailhound convert`: flat self time by symbol, grouped
by what the symbol does. Usage: perf record -F 499 -o P.data -- trailhound convert …; python3 benches/perf_stages.py P.data [-v]"""
import subprocess, sys, re, collections
data = sys.argv[1]
out = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "dso,symbol", "--stdio", "--percent-limit", "0"],
                     capture_output=True, text=True).stdout
RULES = [
 ("inflate (zlib-rs, CRC)", r"zlib_rs|adler|crc32"),
 ("sha256 of sources", r"sha2::"),
 ("decode JSON → Arrow", r"trailhound_model::(scan|decode|json)|GenericByteBuilder|BooleanBuilder|PrimitiveBuilder|NullBufferBuilder|from_utf8|memchr"),
 ("dedup (hashes, index)", r"xxh3|xxhash|dedup::|hashbrown|sip::Hasher|hash_one"),
 ("sort, regroup, copies (take/interleave/concat)", r"arrow_select|arrow_ord|sort::|slice::sort|interleave|take_|concat"),
 ("Parquet encode (levels, dictionaries, stats, bloom)", r"parquet::(?!.*compress)|Interner|sbbf|Sbbf|bloom"),
 ("compress (zstd, snappy)", r"ZSTD|HUF_|HIST_|FSE_|snap::|snappy|zstd"),
 ("allocator", r"_rjem_|je_|do_rallocx|rallocx|mallocx|sdallocx|\bmi_|_mi_"),
 ("memcpy/memmove/memset/memcmp (callers vary)", r"__mem(move|cpy|set|cmp)"),
 ("kernel (I/O, page faults, scheduling)", r"\[kernel|\[k\]"),
]
agg = collections.Counter(); other = collections.Counter()
for line in out.splitlines():
    m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(.*)", line)
    if not m: continue
    pct, dso, kind, sym = float(m[1]), m[2], m[3], m[4]
    key = f"{dso} [{kind}] {sym}"
    for name, rx in RULES:
        if re.search(rx, key):
            agg[name] += pct; break
    else:
        agg["other"] += pct; other[sym[:90]] += pct
for name, _ in RULES + [("other", None)]:
    print(f"| {name} | {agg[name]:.1f}% |")
if "-v" in sys.argv:
    for s, p in other.most_common(25): print(f"  {p:.2f} {s}")
