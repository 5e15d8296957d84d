"""An HTTP/1.1 reverse proxy in front of a local S3 server (moto) that makes it answer like S3 over
a real network: every response's first byte waits --ttfb-ms, and each connection's bodies move
at most --mbps MB/s. Used by s3_latency.py; usable alone:

    python3 benches/latency_proxy.py --upstream 127.0.0.1:5000 [--port 0] [--port-file F]
        [--ttfb-ms 30] [--ttfb-mode add|floor] [--mbps 100] [--upload-mbps MBPS]

- Requests are forwarded byte for byte: request line and headers as the client sent them (Host
  included, which SigV4 signs), Range too; bodies are streamed back as they arrive.
- --ttfb-mode add (default): the pause starts when the upstream's answer arrives, so moto's own
  time comes on top. floor: the first byte leaves no earlier than --ttfb-ms after the request was
  read, so moto's time is hidden inside the pause when shorter.
- --mbps paces each response body per connection (S3 gives each connection about that much);
  --upload-mbps (default: --mbps) paces request bodies the same way; 0 = unpaced.
- asyncio, one task per client connection, keep-alive both ways, upstream connections pooled:
  many concurrent requests are in flight at once and nothing waits on another's pause.

Control paths (never forwarded; S3 bucket names cannot start with "_"):
  GET  /__stats   JSON: per kind (GET, RANGE, HEAD, LIST, PUT, MPU, COPY, DELETE, OTHER) the
                  requests, error answers (>= 400), body bytes out and in; requests per bucket
                  and kind (path-style); peak requests in flight
  POST /__reset   zeroes the counts
  POST /__config?ttfb_ms=0&mbps=0&upload_mbps=0&ttfb_mode=floor   changes the settings live

Kinds: LIST = a GET on a bucket (ListObjects/V2, ListMultipartUploads, ...); RANGE = a GET of an
object with a Range header; MPU = multipart (POST ?uploads / ?uploadId, PUT ?partNumber);
COPY = PUT with x-amz-copy-source; DELETE includes POST ?delete (DeleteObjects).
"""

import argparse
import asyncio
import json
import os
import time
import urllib.parse

KINDS = ("GET", "RANGE", "HEAD", "LIST", "PUT", "MPU", "COPY", "DELETE", "OTHER")
CHUNK = 256 * 1024


class Settings:
    def __init__(self, a):
        self.ttfb = a.ttfb_ms / 1000
        self.mode = a.ttfb_mode
        self.rate = a.mbps * 1e6
        self.up_rate = (a.mbps if a.upload_mbps is None else a.upload_mbps) * 1e6


class Stats:
    def __init__(self):
        self.inflight = 0
        self.reset()

    def reset(self):
        self.kinds = {k: {"requests": 0, "errors": 0, "bytes_out": 0, "bytes_in": 0} for k in KINDS}
        self.buckets = {}  # bucket -> kind -> requests
        self.peak_inflight = self.inflight

    def as_json(self):
        total = {f: sum(k[f] for k in self.kinds.values()) for f in ("requests", "errors", "bytes_out", "bytes_in")}
        return {"kinds": self.kinds, "total": total, "buckets": self.buckets,
                "peak_inflight": self.peak_inflight}


def kind_of(method, target, headers):
    """What S3 operation a request is, from its method, path and query and headers."""
    path, _, query = target.partition("?")
    q = urllib.parse.parse_qs(query, keep_blank_values=True)
    segments = [s for s in path.split("/") if s]
    # Path-style (/bucket/key), as the clients here are set up; with a virtual-hosted bucket
    # (bucket.host in the Host header) the path holds the key alone.
    host = headers.get("host", "").rsplit(":", 1)[0]
    virtual = "." in host and not host.replace(".", "").isdigit()
    has_key = len(segments) >= (1 if virtual else 2)
    if method == "GET":
        if not has_key:
            return "LIST"
        return "RANGE" if "range" in headers else "GET"
    if method == "HEAD":
        return "HEAD"
    if method == "PUT":
        if "partNumber" in q:
            return "MPU"
        if "x-amz-copy-source" in headers:
            return "COPY"
        return "PUT"
    if method == "POST":
        if "delete" in q:
            return "DELETE"
        if "uploads" in q or "uploadId" in q:
            return "MPU"
        return "OTHER"
    if method == "DELETE":
        return "MPU" if "uploadId" in q else "DELETE"
    return "OTHER"


class Pacer:
    """Paces bytes to `rate` bytes per second from the first byte on (0 = no limit). Sleeps
    until each chunk's due time, from the running total, so timer slack does not add up."""

    def __init__(self, rate):
        self.rate = rate
        self.start = None
        self.sent = 0

    async def pace(self, n):
        if self.rate <= 0:
            return
        now = time.monotonic()
        if self.start is None:
            self.start = now
        self.sent += n
        due = self.start + self.sent / self.rate
        if due > now:
            await asyncio.sleep(due - now)


def parse_head(raw):
    """(first line parts, {lower name: value}) of a request or response head."""
    lines = raw.decode("latin-1").split("\r\n")
    first = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if not line:
            continue
        k, _, v = line.partition(":")
        k = k.strip().lower()
        v = v.strip()
        headers[k] = f"{headers[k]}, {v}" if k in headers else v
    return first, headers


async def read_chunked(reader, sink):
    """Reads a chunked body, handing each raw piece (size lines, data, CRLFs, trailers) to
    `sink` unchanged, so the framing goes on as it came."""
    while True:
        line = await reader.readuntil(b"\r\n")
        await sink(line)
        size = int(line.split(b";")[0].strip(), 16)
        if size == 0:
            while True:  # trailers, then the empty line
                t = await reader.readuntil(b"\r\n")
                await sink(t)
                if t == b"\r\n":
                    return
        left = size + 2  # data and its CRLF
        while left:
            piece = await reader.read(min(left, CHUNK))
            if not piece:
                raise ConnectionError("upstream closed inside a chunk")
            left -= len(piece)
            await sink(piece)


class Proxy:
    def __init__(self, a):
        self.up_host, up_port = a.upstream.rsplit(":", 1)
        self.up_port = int(up_port)
        self.cfg = Settings(a)
        self.stats = Stats()
        self.idle = []  # pooled upstream connections (reader, writer)

    async def upstream(self, fresh=False):
        while self.idle and not fresh:
            r, w = self.idle.pop()
            if not r.at_eof() and not w.is_closing():
                return r, w, True
            w.close()
        r, w = await asyncio.open_connection(self.up_host, self.up_port, limit=1 << 20)
        return r, w, False

    async def client(self, reader, writer):
        try:
            while await self.one(reader, writer):
                pass
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass

    async def control(self, method, target, writer):
        path, _, query = target.partition("?")
        q = dict(urllib.parse.parse_qsl(query))
        if path == "/__stats":
            body = json.dumps(self.stats.as_json()).encode()
        elif path == "/__reset" and method == "POST":
            self.stats.reset()
            body = b"{}"
        elif path == "/__config" and method == "POST":
            c = self.cfg
            if "ttfb_ms" in q:
                c.ttfb = float(q["ttfb_ms"]) / 1000
            if "mbps" in q:
                c.rate = float(q["mbps"]) * 1e6
            if "upload_mbps" in q:
                c.up_rate = float(q["upload_mbps"]) * 1e6
            if "ttfb_mode" in q:
                c.mode = q["ttfb_mode"]
            body = json.dumps({"ttfb_ms": c.ttfb * 1000, "mbps": c.rate / 1e6,
                               "upload_mbps": c.up_rate / 1e6, "ttfb_mode": c.mode}).encode()
        else:
            writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\n\r\n" + body)
        await writer.drain()

    async def one(self, reader, writer):
        """Serves one request of a client connection; False when the connection is done."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False
        (method, target, version), headers = parse_head(head)
        if target.startswith("/__"):
            if "content-length" in headers:
                await reader.readexactly(int(headers["content-length"]))
            await self.control(method, target, writer)
            return True
        keep_client = version == "HTTP/1.1" and "close" not in headers.get("connection", "").lower()
        kind = kind_of(method, target, headers)
        st = self.stats.kinds[kind]
        st["requests"] += 1
        bucket = self.stats.buckets.setdefault((target.split("?")[0].split("/") + ["", ""])[1] or "/", {})
        bucket[kind] = bucket.get(kind, 0) + 1
        self.stats.inflight += 1
        self.stats.peak_inflight = max(self.stats.peak_inflight, self.stats.inflight)
        try:
            if "100-continue" in headers.get("expect", "").lower():
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                await writer.drain()
            # The request body, paced as an upload, kept whole so that a stale pooled upstream
            # connection can be retried with it.
            parts = []
            pacer = Pacer(self.cfg.up_rate)
            if "chunked" in headers.get("transfer-encoding", "").lower():
                async def keep(piece):
                    parts.append(piece)
                    await pacer.pace(len(piece))
                await read_chunked(reader, keep)
            else:
                left = int(headers.get("content-length") or 0)
                while left:
                    piece = await reader.read(min(left, CHUNK))
                    if not piece:
                        raise ConnectionError("client closed inside its body")
                    left -= len(piece)
                    parts.append(piece)
                    await pacer.pace(len(piece))
            body = b"".join(parts)
            st["bytes_in"] += len(body)
            t_request = time.monotonic()

            for attempt in (0, 1):
                ur, uw, pooled = await self.upstream(fresh=attempt > 0)
                try:
                    uw.write(head + body)
                    await uw.drain()
                    while True:  # interim 1xx answers are dropped (100 Continue went out above)
                        rhead = await ur.readuntil(b"\r\n\r\n")
                        (_, status, *_), rheaders = parse_head(rhead)
                        if not status.startswith("1"):
                            break
                    break
                except (asyncio.IncompleteReadError, ConnectionError):
                    uw.close()
                    if attempt or not pooled:
                        raise
            try:
                return await self.answer(method, int(status), rhead, rheaders, ur, uw, writer, st,
                                         t_request, keep_client)
            except BaseException:
                uw.close()
                raise
        finally:
            self.stats.inflight -= 1

    async def answer(self, method, status, rhead, rheaders, ur, uw, writer, st, t_request, keep_client):
        """Sends the upstream's answer on, after the pause and paced; False to close the client."""
        if status >= 400:
            st["errors"] += 1

        # The network's pause before the first byte.
        if self.cfg.mode == "floor":
            wait = t_request + self.cfg.ttfb - time.monotonic()
        else:
            wait = self.cfg.ttfb
        if wait > 0:
            await asyncio.sleep(wait)

        no_body = method == "HEAD" or status in (204, 304)
        chunked = "chunked" in rheaders.get("transfer-encoding", "").lower()
        length = rheaders.get("content-length")
        to_eof = not no_body and not chunked and length is None
        keep_up = not to_eof and "close" not in rheaders.get("connection", "").lower()
        if to_eof:
            # Ends at the upstream's close: sent on to the client chunked, to keep it alive.
            rhead = rhead[:-2] + b"Transfer-Encoding: chunked\r\n\r\n"
        if not keep_client and b"connection:" not in rhead.lower():
            rhead = rhead[:-2] + b"Connection: close\r\n\r\n"
        writer.write(rhead)
        pacer = Pacer(self.cfg.rate)

        async def send(piece, frame=False):
            st["bytes_out"] += len(piece)
            await pacer.pace(len(piece))
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if frame else piece)
            await writer.drain()

        if no_body:
            await writer.drain()
        elif chunked:
            await read_chunked(ur, send)
        elif length is not None:
            left = int(length)
            while left:
                piece = await ur.read(min(left, CHUNK))
                if not piece:
                    raise ConnectionError("upstream closed inside its body")
                left -= len(piece)
                await send(piece)
        else:
            while piece := await ur.read(CHUNK):
                await send(piece, frame=True)
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        if keep_up:
            self.idle.append((ur, uw))
        else:
            uw.close()
        return keep_client and "close" not in rheaders.get("connection", "").lower()


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--upstream", required=True, help="HOST:PORT of the S3 server")
    ap.add_argument("--port", type=int, default=0, help="port to listen on, 0 = a free one")
    ap.add_argument("--port-file", help="where to write the port once listening")
    ap.add_argument("--ttfb-ms", type=float, default=30.0)
    ap.add_argument("--ttfb-mode", choices=("add", "floor"), default="add")
    ap.add_argument("--mbps", type=float, default=100.0, help="MB/s per connection, 0 = unpaced")
    ap.add_argument("--upload-mbps", type=float, default=None, help="default: --mbps")
    a = ap.parse_args()
    proxy = Proxy(a)
    server = await asyncio.start_server(proxy.client, "127.0.0.1", a.port, limit=1 << 20, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write(str(port))
        os.replace(a.port_file + ".tmp", a.port_file)
    else:
        print(port, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
