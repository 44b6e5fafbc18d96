#!/usr/bin/env python3
"""A reverse proxy that injects faults in front of an S3-compatible server (stdlib only).

moto has no fault injection, so the S3 integration tests put this in front of it. Requests
are forwarded unchanged (Host included, so signatures stay valid) and streamed both ways.

  python3 fault_proxy.py --upstream http://127.0.0.1:9000 --port 0 [--tls-cert PEM --tls-key PEM]
  -> prints "fault-proxy listening on http(s)://HOST:PORT" (with --tls-cert, clients speak
     HTTPS to it; it speaks to the upstream as --upstream says)

Control (never forwarded): POST /_proxy/faults with a JSON rule or list of rules, DELETE to clear;
GET /_proxy/requests (log of forwarded requests), DELETE to clear.
Rule fields: kind = status | reset; times (default 1); optional filters op (PutObject,
UploadPart, CreateMultipartUpload, CompleteMultipartUpload, AbortMultipartUpload, HeadObject,
…), method, part_number; status/code for kind=status (default 500 InternalError).
A status fault answers without contacting the upstream; a reset drops the client connection
with RST after reading the request head.
"""

import argparse
import http.client
import json
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


def s3_operation(method, query):
    names = {n for n, _ in query}
    if method == "POST" and "uploads" in names:
        return "CreateMultipartUpload"
    if method == "PUT" and "partNumber" in names and "uploadId" in names:
        return "UploadPart"
    if method == "POST" and "uploadId" in names:
        return "CompleteMultipartUpload"
    if method == "DELETE" and "uploadId" in names:
        return "AbortMultipartUpload"
    if method == "GET" and "uploadId" in names:
        return "ListParts"
    return {"PUT": "PutObject", "GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(method, method)


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream = None
    lock = threading.Lock()
    faults = []
    log = []

    def log_message(self, fmt, *args):
        pass

    def do_GET(self): self.handle_any()
    def do_HEAD(self): self.handle_any()
    def do_PUT(self): self.handle_any()
    def do_POST(self): self.handle_any()
    def do_DELETE(self): self.handle_any()

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def reply(self, status, body=b"", content_type="application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def control(self):
        path = urlsplit(self.path).path
        body = self.read_body()
        with self.lock:
            if path == "/_proxy/faults":
                if self.command == "POST":
                    rules = json.loads(body)
                    self.faults.extend(rules if isinstance(rules, list) else [rules])
                elif self.command == "DELETE":
                    self.faults.clear()
                out = list(self.faults)
            elif path == "/_proxy/requests":
                if self.command == "DELETE":
                    self.log.clear()
                out = list(self.log)
            else:
                return self.reply(404, b'{"error":"unknown control path"}')
        self.reply(200, json.dumps(out).encode())

    def take_fault(self, op, part_number):
        with self.lock:
            for rule in self.faults:
                if rule.get("op") and rule["op"] != op:
                    continue
                if rule.get("method") and rule["method"].upper() != self.command:
                    continue
                if rule.get("part_number") and str(rule["part_number"]) != str(part_number):
                    continue
                rule["times"] = rule.get("times", 1) - 1
                if rule["times"] <= 0:
                    self.faults.remove(rule)
                return dict(rule)
        return None

    def handle_any(self):
        if self.path.startswith("/_proxy/"):
            return self.control()
        parts = urlsplit(self.path)
        query = parse_qsl(parts.query, keep_blank_values=True)
        op = s3_operation(self.command, query)
        part_number = dict(query).get("partNumber")
        fault = self.take_fault(op, part_number)
        entry = {"method": self.command, "path": parts.path, "op": op, "part_number": part_number,
                 "fault": fault and fault.get("kind"), "status": None}
        with self.lock:
            self.log.append(entry)
        if fault and fault.get("kind") == "reset":
            entry["status"] = "reset"
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if fault and fault.get("kind") == "status":
            self.read_body()
            status = int(fault.get("status", 500))
            code = fault.get("code") or {500: "InternalError", 503: "SlowDown", 403: "AccessDenied"}.get(status, "InternalError")
            xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>injected by fault proxy</Message>'
                   '<RequestId>FAULT</RequestId></Error>' % code).encode()
            entry["status"] = status
            return self.reply(status, xml, "application/xml")
        self.forward(entry)

    def forward(self, entry):
        up = urlsplit(self.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=120)
        length = int(self.headers.get("Content-Length") or 0)
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():
            if name.lower() not in ("connection", "proxy-connection", "keep-alive"):
                conn.putheader(name, value)
        conn.endheaders()
        remaining = length
        while remaining:
            chunk = self.rfile.read(min(65536, remaining))
            if not chunk:
                break
            conn.send(chunk)
            remaining -= len(chunk)
        resp = conn.getresponse()
        entry["status"] = resp.status
        self.send_response(resp.status)
        body_length = None
        for name, value in resp.getheaders():
            low = name.lower()
            if low in ("connection", "keep-alive", "transfer-encoding", "date", "server"):
                continue
            if low == "content-length":
                body_length = int(value)
            self.send_header(name, value)
        data = b"" if self.command == "HEAD" else resp.read()
        if body_length is None:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()


def main():
    p = argparse.ArgumentParser(description="fault-injecting reverse proxy")
    p.add_argument("--upstream", required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    args = p.parse_args()
    Proxy.upstream = args.upstream
    server = ThreadingHTTPServer((args.host, args.port), Proxy)
    server.daemon_threads = True
    if args.tls_cert:
        from tls_listener import serve_tls
        serve_tls(server, args.tls_cert, args.tls_key)
    host, port = server.server_address[:2]
    print("fault-proxy listening on %s://%s:%d" % ("https" if args.tls_cert else "http", host, port), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
