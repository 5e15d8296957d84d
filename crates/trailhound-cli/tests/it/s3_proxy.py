"""A fault-injecting proxy in front of an S3-compatible server, for trailhound's tests.

Usage: s3_proxy.py UPSTREAM_PORT PORT_FILE [--fail-every N] [--reset-every N]
       [--truncate-every N] [--deny-write BUCKET] [--counts FILE]

Listens on a free 127.0.0.1 port (written to PORT_FILE) and forwards every request to
127.0.0.1:UPSTREAM_PORT, except that, counting requests from 1:
  --fail-every N      every Nth request gets 503 SlowDown (S3's throttling answer)
  --reset-every N     every Nth request has its connection closed without an answer
  --truncate-every N  every Nth GET of an object sends half its body, then closes
  --deny-write B      PUT/POST/DELETE to bucket B get 403 AccessDenied, as a read-only
                      credential would
  --fail-path S       every GET whose path contains S gets 500 InternalError, always
  --sso-token T       answers IAM Identity Center's GetRoleCredentials
                      (GET /federation/credentials) itself, for bearer token T only
  --counts FILE       on every request, writes "METHOD count" lines of what was forwarded
                      (listings counted as LIST), "KEY:<access key id>" and
                      "REGION:<region>" lines of the credentials that signed them,
                      "FAULT:<kind>" lines of the faults injected, "STS:<action> <params>"
                      lines of STS calls and "SSO:<role>@<account>" lines of portal calls;
                      deleting FILE starts the counts afresh
"""

import argparse
import http.client
import json
import os
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("upstream", type=int)
ap.add_argument("port_file")
ap.add_argument("--fail-every", type=int, default=0)
ap.add_argument("--reset-every", type=int, default=0)
ap.add_argument("--truncate-every", type=int, default=0)
ap.add_argument("--deny-write", default=None)
ap.add_argument("--fail-path", default=None)
ap.add_argument("--counts", default=None)
ap.add_argument("--sso-token", default=None)
args = ap.parse_args()

lock = threading.Lock()
seen = 0
counts = {}


def record(*keys):
    """Counts events and rewrites the counts file (callers hold no lock). Deleting the file
    starts the counts afresh."""
    with lock:
        if args.counts and counts and not os.path.exists(args.counts):
            counts.clear()
        for key in keys:
            counts[key] = counts.get(key, 0) + 1
        if args.counts:
            with open(args.counts, "w") as f:
                for k, v in sorted(counts.items()):
                    f.write(f"{k} {v}\n")


def every(n, i):
    return n > 0 and i % n == 0


def error(code, name, message, resource):
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{name}</Code>'
        f"<Message>{message}</Message><Resource>{resource}</Resource>"
        f"<RequestId>proxy</RequestId></Error>"
    ).encode(), code


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def handle_any(self):
        global seen
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with lock:
            seen += 1
            i = seen
        if args.sso_token and self.path.startswith("/federation/credentials"):
            return self.sso()
        bucket = self.path.lstrip("/").split("/")[0].split("?")[0]
        if args.deny_write and bucket == args.deny_write and self.command in ("PUT", "POST", "DELETE"):
            record("FAULT:denied")
            return self.reply(*error(403, "AccessDenied", "Access Denied", self.path))
        if args.fail_path and self.command == "GET" and args.fail_path in self.path:
            record("FAULT:500")
            return self.reply(*error(500, "InternalError", "We encountered an internal error.", self.path))
        if every(args.reset_every, i):
            record("FAULT:reset")
            self.close_connection = True
            self.connection.close()
            return
        if every(args.fail_every, i):
            record("FAULT:503")
            return self.reply(*error(503, "SlowDown", "Please reduce your request rate.", self.path))
        if self.command == "POST" and b"Action=" in body:
            form = urllib.parse.parse_qs(body.decode())
            shown = " ".join(
                f"{k}={form[k][0]}"
                for k in ("RoleArn", "RoleSessionName", "ExternalId", "SerialNumber", "TokenCode", "DurationSeconds")
                if k in form
            )
            record(f"STS:{form['Action'][0]} {shown}")
        conn = http.client.HTTPConnection("127.0.0.1", args.upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        kind = "LIST" if self.command == "GET" and "list-type" in self.path else self.command
        seen_keys = [kind]
        auth = self.headers.get("Authorization") or ""
        if "Credential=" in auth:
            scope = auth.split("Credential=")[1].split(",")[0].split("/")
            seen_keys += ["KEY:" + scope[0], "REGION:" + scope[2]]
        record(*seen_keys)
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length", "date", "server"):
                self.send_header(k, v)
        if self.command == "HEAD":
            self.send_header("Content-Length", resp.getheader("Content-Length") or "0")
        else:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command == "GET" and every(args.truncate_every, i) and len(data) > 1 and resp.status == 200 and "?" not in self.path:
            record("FAULT:truncate")
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.close()
            return
        if self.command != "HEAD":
            self.wfile.write(data)

    def sso(self):
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        if self.headers.get("x-amz-sso_bearer_token") != args.sso_token:
            record("SSO:refused")
            body = json.dumps({"message": "Session token not found or invalid"}).encode()
            code = 401
        else:
            record(f"SSO:{query['role_name'][0]}@{query['account_id'][0]}")
            body = json.dumps({"roleCredentials": {
                "accessKeyId": "ASIASSOSESSIONKEY", "secretAccessKey": "sso-s3cr3t",
                "sessionToken": "sso-session-token", "expiration": int(time.time() + 3600) * 1000,
            }}).encode()
            code = 200
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def reply(self, body, code):
        self.send_response(code)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.replace(args.port_file + ".tmp", args.port_file)
server.serve_forever()
