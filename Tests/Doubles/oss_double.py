#!/usr/bin/env python3
"""A faithful-enough Aliyun OSS server for tests (stdlib only).

Built from docs/upstream-protocols.md section C, not from the project's Swift signer, so that it
can judge that signer. It verifies every request's signature (V1 and V4, header and query forms)
and answers with OSS's XML error shapes.

Addressing
  * Virtual host (what OSS accepts): the bucket is the first label of Host
    (``examplebucket.oss-cn-hangzhou.aliyuncs.com``, ``examplebucket.localhost:PORT``).
  * Custom domain: ``--custom-domain HOST=BUCKET`` maps a whole host to a bucket.
  * Path style, loopback only: when Host is an IP literal or ``localhost`` the first path segment
    is the bucket (``http://127.0.0.1:PORT/examplebucket/key``). Real OSS refuses this; the
    double allows it because that is how the SDKs address an IP endpoint, and tests run on
    loopback.
  * Absolute-form request targets (``GET http://bucket.host/key``) are accepted, so a client
    can reach a real-looking endpoint name by using the double as its HTTP proxy.

Control endpoints (path style, no signature, under ``/_oss/``)
  GET    /_oss/health                 {"ok": true}
  POST   /_oss/faults   JSON rule or list of rules (see ``Fault``); DELETE clears them
  GET    /_oss/faults                 remaining rules
  GET    /_oss/uploads                in-progress multipart uploads (for "no orphaned parts")
  GET    /_oss/requests               log of handled requests; DELETE clears it
  POST   /_oss/buckets  {"name": "...", "acl": "private|public-read"}
  POST   /_oss/clock    {"offset": seconds}  moves the server clock (skew tests)

Fault rule fields: ``kind`` = status | reset | slow; ``times`` (default 1); optional filters
``op`` (PutObject, UploadPart, ...), ``method``, ``part_number``, ``key``; ``status`` and
``code`` for kind=status (default 500 InternalError; 503 -> ServiceUnavailable; 403 ->
AccessDenied); ``after_bytes`` for kind=reset (read that much of the body, then RST);
``delay_ms`` for kind=slow (pause between 64 KiB body reads and before answering).
"""

import argparse
import base64
import calendar
import hashlib
import hmac
import ipaddress
import json
import os
import shutil
import socket
import struct
import sys
import tempfile
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote, urlsplit
from xml.sax.saxutils import escape

SKEW_LIMIT = 15 * 60
MIN_PART = 100 * 1024
CRC_LIMIT = 8 * 1024 * 1024  # x-oss-hash-crc64ecma only for objects up to this size (pure Python CRC is slow)

V1_SUBRESOURCES = {
    "acl", "uploads", "uploadId", "partNumber", "append", "position", "delete", "tagging",
    "objectMeta", "versionId", "versioning", "versions", "restore", "symlink", "security-token",
    "callback", "callback-var", "continuation-token", "location", "stat", "bucketInfo",
    "resourceGroup", "sequential", "response-content-type", "response-content-language",
    "response-expires", "response-cache-control", "response-content-disposition",
    "response-content-encoding",
}

ERROR_MESSAGES = {
    "AccessDenied": "You have no right to access this object.",
    "SignatureDoesNotMatch": "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
    "InvalidAccessKeyId": "The OSS Access Key Id you provided does not exist in our records.",
    "RequestTimeTooSkewed": "The difference between the request time and the current time is too large.",
    "InvalidDigest": "The Content-MD5 you specified did not match what we received.",
    "NoSuchBucket": "The specified bucket does not exist.",
    "NoSuchKey": "The specified key does not exist.",
    "NoSuchUpload": "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    "InvalidPart": "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag.",
    "InvalidPartOrder": "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
    "EntityTooSmall": "Your proposed upload is smaller than the minimum allowed size.",
    "MalformedXML": "The XML you provided was not well-formed or did not validate against our published schema.",
    "FileAlreadyExists": "The object you specified already exists and can not be overwritten.",
    "InternalError": "We encountered an internal error. Please try again.",
    "ServiceUnavailable": "Please reduce your request rate.",
    "InvalidArgument": "Invalid argument.",
    "MissingContentLength": "You must provide the Content-Length HTTP header.",
    "IncompleteBody": "The request body is shorter than Content-Length.",
}


# ---------------------------------------------------------------- signing (section C)

def uri_encode(text, keep_slash=False):
    """RFC 3986 encoding: unreserved characters kept, everything else %XX."""
    return quote(text, safe="-_.~/" if keep_slash else "-_.~")


def hmac_sha256(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def parse_query(raw):
    """Query string -> list of (name, value); a bare name has value ''. '+' stays literal."""
    pairs = []
    for item in raw.split("&") if raw else []:
        if not item:
            continue
        name, _, value = item.partition("=")
        pairs.append((unquote(name), unquote(value)))
    return pairs


def v1_resource(bucket, key, query):
    resource = "/" if not bucket else "/%s/%s" % (bucket, key)
    subs = sorted((n, v) for n, v in query if n in V1_SUBRESOURCES)
    if subs:
        resource += "?" + "&".join(n if v == "" else "%s=%s" % (n, v) for n, v in subs)
    return resource


def v1_string_to_sign(method, headers, date_slot, bucket, key, query):
    """headers: dict of lower-case name -> value."""
    oss = sorted((n, v.strip()) for n, v in headers.items() if n.startswith("x-oss-"))
    return "\n".join([method, headers.get("content-md5", "").strip(), headers.get("content-type", "").strip(), date_slot]) \
        + "\n" + "".join("%s:%s\n" % (n, v) for n, v in oss) + v1_resource(bucket, key, query)


def v1_signature(secret, string_to_sign):
    return base64.b64encode(hmac.new(secret.encode(), string_to_sign.encode("utf-8"), hashlib.sha1).digest()).decode()


def v4_signing_key(secret, day, region):
    k = hmac_sha256(("aliyun_v4" + secret).encode(), day)
    k = hmac_sha256(k, region)
    k = hmac_sha256(k, "oss")
    return hmac_sha256(k, "aliyun_v4_request")


def v4_canonical_request(method, bucket, key, query, headers, additional):
    uri = "/" if not bucket else uri_encode("/%s/%s" % (bucket, key), keep_slash=True)
    encoded = sorted((uri_encode(n), uri_encode(v)) for n, v in query)
    cq = "&".join(n if v == "" else "%s=%s" % (n, v) for n, v in encoded)
    signed = {}
    for n, v in headers.items():
        if n.startswith("x-oss-") or n in ("content-type", "content-md5") or n in additional:
            signed[n] = v.strip()
    ch = "".join("%s:%s\n" % (n, signed[n]) for n in sorted(signed))
    return "\n".join([method, uri, cq, ch, ";".join(additional), "UNSIGNED-PAYLOAD"])


def v4_string_to_sign(canonical, stamp, scope):
    return "OSS4-HMAC-SHA256\n%s\n%s\n%s" % (stamp, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest())


def v4_signature(secret, day, region, string_to_sign):
    return hmac.new(v4_signing_key(secret, day, region), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def parse_iso_basic(stamp):
    try:
        return calendar.timegm(time.strptime(stamp, "%Y%m%dT%H%M%SZ"))
    except (ValueError, OverflowError):
        return None


def parse_http_date(text):
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


# ---------------------------------------------------------------- CRC-64/ECMA (OSS's x-oss-hash-crc64ecma)

def _crc64_table():
    poly = 0xC96C5795D7870F42  # reflected ECMA-182
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return table


CRC64_TABLE = _crc64_table()


def crc64_update(crc, data):
    crc ^= 0xFFFFFFFFFFFFFFFF
    table = CRC64_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFFFFFFFFFF


# ---------------------------------------------------------------- state

class OSSError(Exception):
    def __init__(self, status, code, message=None, **extra):
        super().__init__(code)
        self.status, self.code = status, code
        self.message = message or ERROR_MESSAGES.get(code, code)
        self.extra = extra


class ResetConnection(Exception):
    """Raised by a reset fault: the handler drops the socket with RST."""


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.ak, self.sk, self.region = args.access_key_id, args.access_key_secret, args.region
        self.data = os.path.abspath(args.data_dir)
        os.makedirs(os.path.join(self.data, "tmp"), exist_ok=True)
        os.makedirs(os.path.join(self.data, "uploads"), exist_ok=True)
        self.buckets = {}
        for name in args.bucket or ["examplebucket"]:
            self.add_bucket(name, args.acl)
        self.custom_domains = dict(d.split("=", 1) for d in args.custom_domain or [])
        self.uploads = {}
        self.faults = []
        self.requests = []
        self.clock_offset = 0.0

    def now(self):
        return time.time() + self.clock_offset

    def add_bucket(self, name, acl):
        os.makedirs(os.path.join(self.data, "objects", name), exist_ok=True)
        self.buckets[name] = {"acl": acl}

    def object_paths(self, bucket, key):
        base = os.path.join(self.data, "objects", bucket, hashlib.sha256(key.encode("utf-8")).hexdigest())
        return base + ".data", base + ".meta"

    def take_fault(self, op, method, key, part_number):
        with self.lock:
            for rule in self.faults:
                if rule.get("op") and rule["op"] != op:
                    continue
                if rule.get("method") and rule["method"].upper() != method:
                    continue
                if rule.get("part_number") and str(rule["part_number"]) != str(part_number):
                    continue
                if rule.get("key") and rule["key"] not in key:
                    continue
                rule["times"] = rule.get("times", 1) - 1
                if rule["times"] <= 0:
                    self.faults.remove(rule)
                return dict(rule)
        return None


# ---------------------------------------------------------------- request handling

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AliyunOSS"
    state = None  # set by main()
    verbose = False

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write("oss-double: " + (fmt % args) + "\n")

    # -- plumbing

    def do_GET(self): self.dispatch("GET")
    def do_HEAD(self): self.dispatch("HEAD")
    def do_PUT(self): self.dispatch("PUT")
    def do_POST(self): self.dispatch("POST")
    def do_DELETE(self): self.dispatch("DELETE")

    def headers_lower(self):
        out = {}
        for name, value in self.headers.items():
            out[name.lower()] = value
        return out

    def record(self, status):
        """Logs the request before its answer leaves, so a client that reads the log right after
        its response always finds the entry."""
        entry = getattr(self, "entry", None)
        if entry is None or entry.get("_logged"):
            return
        entry["status"] = status
        entry["_logged"] = True
        with self.state.lock:
            self.state.requests.append(entry)
            del self.state.requests[:-2000]

    def send(self, status, body=b"", headers=None, content_type=None):
        st = self.state
        self.record(status)
        self.send_response(status)
        self.send_header("Date", formatdate(st.now(), usegmt=True))
        self.send_header("x-oss-request-id", self.request_id)
        if content_type:
            self.send_header("Content-Type", content_type)
        for n, v in (headers or {}).items():
            self.send_header(n, v)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
        self.status_sent = status

    def send_error_xml(self, err, host_id):
        fields = [("Code", err.code), ("Message", err.message), ("RequestId", self.request_id), ("HostId", host_id)]
        fields += [(k, v) for k, v in err.extra.items()]
        ec = "0002-%08d" % (int(hashlib.md5(err.code.encode()).hexdigest()[:8], 16) % 100000000)
        fields.append(("EC", ec))
        body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n' + "".join(
            "  <%s>%s</%s>\n" % (k, escape(str(v)), k) for k, v in fields) + "</Error>\n"
        self.send(err.status, body.encode(), {"x-oss-ec": ec}, "application/xml")

    def body_length(self):
        te = self.headers.get("Transfer-Encoding", "").lower()
        if "chunked" in te:
            return "chunked"
        cl = self.headers.get("Content-Length")
        if cl is None:
            return 0
        try:
            n = int(cl)
        except ValueError:
            raise OSSError(400, "InvalidArgument", "Content-Length is not a number.")
        if n < 0:
            raise OSSError(400, "InvalidArgument", "Content-Length is negative.")
        return n

    def iter_body(self, fault=None):
        """Yields the request body in pieces; applies slow/reset faults while reading."""
        length = self.body_length()
        delay = (fault or {}).get("delay_ms", 0) / 1000.0 if fault and fault.get("kind") == "slow" else 0
        reset_after = fault.get("after_bytes", 0) if fault and fault.get("kind") == "reset" else None
        read = 0
        self.body_consumed = True

        def exactly(n):
            """n body bytes in bounded pieces; a short body is an IncompleteBody error."""
            while n:
                chunk = self.rfile.read(min(65536, n))
                if not chunk:
                    raise OSSError(400, "IncompleteBody")
                n -= len(chunk)
                yield chunk

        def pieces():
            nonlocal read
            if length == "chunked":
                while True:
                    line = self.rfile.readline(1024).strip()
                    size = int(line.split(b";")[0], 16)
                    if size == 0:
                        while self.rfile.readline(1024).strip():
                            pass
                        return
                    yield from exactly(size)
                    self.rfile.readline(16)
            else:
                yield from exactly(length)

        for chunk in pieces():
            if reset_after is not None and read + len(chunk) >= reset_after:
                raise ResetConnection()
            read += len(chunk)
            if delay:
                time.sleep(delay)
            yield chunk
        if reset_after is not None:
            raise ResetConnection()

    def drain(self):
        if not getattr(self, "body_consumed", False):
            try:
                for _ in self.iter_body():
                    pass
            except (OSSError, ValueError, ConnectionError):
                self.close_connection = True

    def receive_to_temp(self, fault, want_md5=None):
        """Streams the body to a temp file; returns (path, size, md5 hex, crc or None)."""
        st = self.state
        fd, path = tempfile.mkstemp(dir=os.path.join(st.data, "tmp"))
        md5, size, crc = hashlib.md5(), 0, 0
        try:
            with os.fdopen(fd, "wb") as f:
                for chunk in self.iter_body(fault):
                    f.write(chunk)
                    md5.update(chunk)
                    if size + len(chunk) <= CRC_LIMIT:
                        crc = crc64_update(crc, chunk)
                    size += len(chunk)
                f.flush()
                os.fsync(f.fileno())
        except BaseException:
            os.unlink(path)
            raise
        if want_md5 is not None and base64.b64encode(md5.digest()).decode() != want_md5.strip():
            os.unlink(path)
            raise OSSError(400, "InvalidDigest", CalculatedDigest=base64.b64encode(md5.digest()).decode(),
                           ProvidedDigest=want_md5)
        return path, size, md5.hexdigest().upper(), (crc if size <= CRC_LIMIT else None)

    def reset(self):
        """Drops the connection with a TCP RST (SO_LINGER 0), like a network cut mid-part."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass

    # -- routing

    def route(self):
        """Returns (bucket, key, query, host) from Host and the request target."""
        target = self.path
        host = self.headers.get("Host", "")
        if target.startswith("http://") or target.startswith("https://"):
            parts = urlsplit(target)
            host = parts.netloc or host
            target = parts.path + ("?" + parts.query if parts.query else "")
        raw_path, _, raw_query = target.partition("?")
        query = parse_query(raw_query)
        hostname = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
        st = self.state
        path = unquote(raw_path)
        if hostname in st.custom_domains:
            return st.custom_domains[hostname], path[1:], query, host, False
        loopback = hostname == "localhost"
        try:
            ipaddress.ip_address(hostname.strip("[]"))
            loopback = True
        except ValueError:
            pass
        if loopback:
            bucket, _, key = path[1:].partition("/")
            return bucket, key, query, host, True
        if "." not in hostname:
            raise OSSError(400, "InvalidArgument", "Host %r names no bucket." % hostname)
        return hostname.split(".", 1)[0], path[1:], query, host, False

    @staticmethod
    def operation(method, bucket, key, q):
        names = {n for n, _ in q}
        if not bucket:
            return "ListBuckets"
        if not key:
            if method == "GET" and "uploads" in names:
                return "ListMultipartUploads"
            return {"GET": "ListObjects", "HEAD": "GetBucketInfo", "PUT": "PutBucket", "DELETE": "DeleteBucket"}.get(method, "Bucket" + method)
        if method == "POST" and "uploads" in names:
            return "InitiateMultipartUpload"
        if method == "PUT" and "uploadId" in names and "partNumber" in names:
            return "UploadPart"
        if method == "POST" and "uploadId" in names:
            return "CompleteMultipartUpload"
        if method == "DELETE" and "uploadId" in names:
            return "AbortMultipartUpload"
        if method == "GET" and "uploadId" in names:
            return "ListParts"
        return {"PUT": "PutObject", "GET": "GetObject", "HEAD": "HeadObject", "DELETE": "DeleteObject"}.get(method, "Object" + method)

    def dispatch(self, method):
        st = self.state
        self.request_id = uuid.uuid4().hex[:24].upper()
        self.status_sent = 0
        self.body_consumed = False
        self.entry = None
        entry = {"method": method, "path": self.path, "host": self.headers.get("Host", ""), "op": None, "status": None,
                 "auth": None, "part_number": None, "content_md5": "Content-MD5" in self.headers,
                 "content_type": self.headers.get("Content-Type")}
        host_id = self.headers.get("Host", "")
        if self.path.startswith("/_oss/"):
            return self.control(method)  # test plumbing: not logged, not signed
        self.entry = entry
        try:
            bucket, key, query, host_id, _path_style = self.route()
            q = dict(query)
            op = self.operation(method, bucket, key, query)
            entry.update(op=op, key=key, part_number=q.get("partNumber"))
            fault = st.take_fault(op, method, key, q.get("partNumber"))
            entry["fault"] = fault and fault.get("kind")
            if fault and fault.get("kind") == "status":
                status = int(fault.get("status", 500))
                code = fault.get("code") or {500: "InternalError", 503: "ServiceUnavailable", 403: "AccessDenied",
                                             429: "ServiceUnavailable"}.get(status, "InternalError")
                raise OSSError(status, code)
            if fault and fault.get("kind") == "reset" and op not in ("PutObject", "UploadPart"):
                raise ResetConnection()
            if fault and fault.get("kind") == "slow" and method in ("GET", "HEAD", "DELETE"):
                time.sleep(fault.get("delay_ms", 0) / 1000.0)
            if bucket not in st.buckets:
                raise OSSError(404, "NoSuchBucket", BucketName=bucket)
            entry["auth"] = self.authenticate(method, bucket, key, query)
            if entry["auth"] == "anonymous":
                if not (st.buckets[bucket]["acl"] in ("public-read", "public-read-write") and method in ("GET", "HEAD")
                        and op in ("GetObject", "HeadObject")):
                    raise OSSError(403, "AccessDenied", "You have no right to access this object because of bucket acl.")
            self.handle_op(op, bucket, key, q, fault)
        except ResetConnection:
            self.record("reset")
            self.reset()
            return
        except OSSError as err:
            entry["code"] = err.code
            self.drain()
            self.send_error_xml(err, host_id)
        except (ConnectionError, BrokenPipeError):
            self.close_connection = True
        except Exception as exc:  # a bug in the double: answer 500 with its text, keep serving
            self.drain()
            self.send_error_xml(OSSError(500, "InternalError", "double: %r" % exc), host_id)
        finally:
            self.record(entry["status"] or self.status_sent or "disconnected")

    # -- authentication

    def authenticate(self, method, bucket, key, query):
        st = self.state
        h = self.headers_lower()
        q = dict(query)
        auth = h.get("authorization", "")
        now = st.now()
        if auth.startswith("OSS4-HMAC-SHA256"):
            return self.auth_v4_header(method, bucket, key, query, h, auth, now)
        if auth.startswith("OSS "):
            ident, _, sig = auth[4:].strip().partition(":")
            self.check_key(ident)
            date_slot = h.get("x-oss-date") or h.get("date", "")
            when = parse_http_date(date_slot)
            if when is None:
                raise OSSError(403, "AccessDenied", "Invalid or missing Date header.")
            self.check_skew(when, now, date_slot)
            sts = v1_string_to_sign(method, h, date_slot, bucket, key, query)
            self.compare(sig, v1_signature(st.sk, sts), ident, sts)
            return "v1-header"
        if auth:
            raise OSSError(400, "InvalidArgument", "Authorization header is invalid.",
                           ArgumentName="Authorization", ArgumentValue=auth.split(" ")[0])
        if q.get("x-oss-signature-version") == "OSS4-HMAC-SHA256":
            return self.auth_v4_query(method, bucket, key, query, h, now)
        if "OSSAccessKeyId" in q or "Signature" in q:
            ident = q.get("OSSAccessKeyId", "")
            self.check_key(ident)
            try:
                expires = int(q.get("Expires", ""))
            except ValueError:
                raise OSSError(403, "AccessDenied", "Expires is missing or not a number.")
            if now > expires:
                raise OSSError(403, "AccessDenied", "Request has expired.", Expires=str(expires),
                               ServerTime=formatdate(now, usegmt=True))
            signed_query = [(n, v) for n, v in query if n not in ("OSSAccessKeyId", "Expires", "Signature")]
            sts = v1_string_to_sign(method, h, str(expires), bucket, key, signed_query)
            self.compare(q.get("Signature", ""), v1_signature(st.sk, sts), ident, sts)
            return "v1-query"
        return "anonymous"

    def check_key(self, ident):
        if ident != self.state.ak:
            raise OSSError(403, "InvalidAccessKeyId", OSSAccessKeyId=ident)

    def check_skew(self, when, now, shown):
        if abs(now - when) > SKEW_LIMIT:
            raise OSSError(403, "RequestTimeTooSkewed", RequestTime=shown,
                           ServerTime=time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now)),
                           MaxAllowedSkewMilliseconds=str(SKEW_LIMIT * 1000))

    def compare(self, provided, expected, ident, string_to_sign, canonical=None):
        if not hmac.compare_digest(provided.encode(), expected.encode()):
            extra = {"OSSAccessKeyId": ident, "SignatureProvided": provided, "StringToSign": string_to_sign,
                     "StringToSignBytes": " ".join("%02X" % b for b in string_to_sign.encode("utf-8"))}
            if canonical is not None:
                extra["CanonicalRequest"] = canonical
            raise OSSError(403, "SignatureDoesNotMatch", **extra)

    def parse_scope(self, credential):
        parts = credential.split("/")
        if len(parts) != 5 or parts[3] != "oss" or parts[4] != "aliyun_v4_request":
            raise OSSError(400, "InvalidArgument", "Credential is malformed.", ArgumentName="Credential", ArgumentValue=credential)
        ident, day, region = parts[0], parts[1], parts[2]
        self.check_key(ident)
        if region != self.state.region:
            raise OSSError(400, "InvalidArgument", "Invalid signing region in Authorization header.",
                           ArgumentName="Credential", ArgumentValue=credential)
        return ident, day, region

    @staticmethod
    def parse_additional(value):
        if value is None:
            return []
        names = value.split(";")
        if value == "" or any(n == "" for n in names):
            raise OSSError(400, "InvalidArgument", "AdditionalHeaders is malformed.", ArgumentName="AdditionalHeaders",
                           ArgumentValue=value)
        return sorted({n.lower() for n in names})

    def auth_v4_header(self, method, bucket, key, query, h, auth, now):
        fields = {}
        for item in auth[len("OSS4-HMAC-SHA256"):].split(","):
            name, eq, value = item.strip().partition("=")
            if not eq:
                raise OSSError(400, "InvalidArgument", "Authorization header is malformed.")
            fields[name] = value
        if "Credential" not in fields or "Signature" not in fields:
            raise OSSError(400, "InvalidArgument", "Authorization header lacks Credential or Signature.")
        ident, day, region = self.parse_scope(fields["Credential"])
        additional = self.parse_additional(fields.get("AdditionalHeaders"))
        stamp = h.get("x-oss-date")
        when = parse_iso_basic(stamp or "")
        if when is None:
            raise OSSError(403, "AccessDenied", "x-oss-date is missing or malformed.")
        self.check_skew(when, now, stamp)
        if stamp[:8] != day:
            raise OSSError(403, "SignatureDoesNotMatch", "The date in the credential scope is not x-oss-date's date.")
        if "x-oss-content-sha256" not in h:
            raise OSSError(400, "InvalidArgument", "x-oss-content-sha256 is required.", ArgumentName="x-oss-content-sha256")
        for name in additional:
            if name not in h:
                raise OSSError(400, "InvalidArgument", "An additional header is not present.", ArgumentName=name)
        canonical = v4_canonical_request(method, bucket, key, query, h, additional)
        scope = "%s/%s/oss/aliyun_v4_request" % (day, region)
        sts = v4_string_to_sign(canonical, stamp, scope)
        self.compare(fields["Signature"], v4_signature(self.state.sk, day, region, sts), ident, sts, canonical)
        return "v4-header"

    def auth_v4_query(self, method, bucket, key, query, h, now):
        q = dict(query)
        ident, day, region = self.parse_scope(q.get("x-oss-credential", ""))
        stamp = q.get("x-oss-date", "")
        when = parse_iso_basic(stamp)
        try:
            expires = int(q.get("x-oss-expires", ""))
        except ValueError:
            raise OSSError(403, "AccessDenied", "x-oss-expires is missing or not a number.")
        if when is None or stamp[:8] != day:
            raise OSSError(403, "AccessDenied", "x-oss-date is missing or does not match the credential.")
        if now > when + expires:
            raise OSSError(403, "AccessDenied", "Request has expired.", Expires=str(expires), ServerTime=formatdate(now, usegmt=True))
        if when - now > SKEW_LIMIT:
            self.check_skew(when, now, stamp)
        additional = self.parse_additional(q.get("x-oss-additional-headers"))
        signed_query = [(n, v) for n, v in query if n != "x-oss-signature"]
        canonical = v4_canonical_request(method, bucket, key, signed_query, h, additional)
        scope = "%s/%s/oss/aliyun_v4_request" % (day, region)
        sts = v4_string_to_sign(canonical, stamp, scope)
        self.compare(q.get("x-oss-signature", ""), v4_signature(self.state.sk, day, region, sts), ident, sts, canonical)
        return "v4-query"

    # -- operations

    def handle_op(self, op, bucket, key, q, fault):
        handler = getattr(self, "op_" + op, None)
        if handler is None:
            raise OSSError(400, "InvalidArgument", "The double does not implement %s." % op)
        if op not in ("ListBuckets",) and key and (len(key.encode("utf-8")) > 1023 or key.startswith("\\")):
            raise OSSError(400, "InvalidObjectName", "The object key is not valid.")
        return handler(bucket, key, q, fault)

    def read_meta(self, bucket, key):
        data, meta = self.state.object_paths(bucket, key)
        try:
            with open(meta) as f:
                return data, json.load(f)
        except FileNotFoundError:
            raise OSSError(404, "NoSuchKey", Key=key)

    def write_object(self, bucket, key, temp_path, meta):
        data, meta_path = self.state.object_paths(bucket, key)
        fd, tmp_meta = tempfile.mkstemp(dir=os.path.join(self.state.data, "tmp"))
        with os.fdopen(fd, "w") as f:
            json.dump(meta, f)
        with self.state.lock:
            os.replace(temp_path, data)
            os.replace(tmp_meta, meta_path)

    def op_PutObject(self, bucket, key, q, fault):
        h = self.headers_lower()
        if self.body_length() == 0 and "content-length" not in h and "chunked" not in h.get("transfer-encoding", ""):
            raise OSSError(411, "MissingContentLength")
        if h.get("x-oss-forbid-overwrite", "").lower() == "true" and os.path.exists(self.state.object_paths(bucket, key)[1]):
            raise OSSError(409, "FileAlreadyExists")
        path, size, etag, crc = self.receive_to_temp(fault, h.get("content-md5"))
        meta = {"key": key, "size": size, "etag": etag, "content_type": h.get("content-type", "application/octet-stream"),
                "last_modified": self.state.now(), "type": "Normal", "crc64": crc,
                "user_meta": {n: v for n, v in h.items() if n.startswith("x-oss-meta-")}}
        self.write_object(bucket, key, path, meta)
        headers = {"ETag": '"%s"' % etag, "Content-MD5": base64.b64encode(bytes.fromhex(etag)).decode()}
        if crc is not None:
            headers["x-oss-hash-crc64ecma"] = str(crc)
        self.send(200, b"", headers)

    def object_headers(self, meta):
        headers = {"ETag": '"%s"' % meta["etag"], "Last-Modified": formatdate(meta["last_modified"], usegmt=True),
                   "x-oss-object-type": meta.get("type", "Normal"), "Accept-Ranges": "bytes"}
        if meta.get("crc64") is not None:
            headers["x-oss-hash-crc64ecma"] = str(meta["crc64"])
        headers.update(meta.get("user_meta", {}))
        return headers

    def op_HeadObject(self, bucket, key, q, fault):
        _, meta = self.read_meta(bucket, key)
        headers = self.object_headers(meta)
        headers["Content-Length"] = str(meta["size"])
        self.send(200, b"", headers, meta["content_type"])

    def op_GetObject(self, bucket, key, q, fault):
        data, meta = self.read_meta(bucket, key)
        size = meta["size"]
        start, end, status = 0, size - 1, 200
        headers = self.object_headers(meta)
        rng = self.headers.get("Range", "")
        if rng.startswith("bytes=") and "," not in rng and size > 0:
            a, _, b = rng[6:].partition("-")
            try:
                if a == "":
                    start, end = max(0, size - int(b)), size - 1
                else:
                    start, end = int(a), (min(int(b), size - 1) if b else size - 1)
                if start <= end < size:
                    status = 206
                    headers["Content-Range"] = "bytes %d-%d/%d" % (start, end, size)
                    headers.pop("x-oss-hash-crc64ecma", None)
                else:
                    start, end = 0, size - 1
            except ValueError:
                start, end = 0, size - 1
        for n, v in q.items():
            if n.startswith("response-content-type"):
                meta["content_type"] = v
        length = end - start + 1 if size else 0
        headers["Content-Length"] = str(length)
        self.record(status)
        self.send_response(status)
        self.send_header("Date", formatdate(self.state.now(), usegmt=True))
        self.send_header("x-oss-request-id", self.request_id)
        self.send_header("Content-Type", meta["content_type"])
        for n, v in headers.items():
            self.send_header(n, v)
        self.end_headers()
        self.status_sent = status
        delay = fault.get("delay_ms", 0) / 1000.0 if fault and fault.get("kind") == "slow" else 0
        with open(data, "rb") as f:
            f.seek(start)
            remaining = length
            while remaining:
                chunk = f.read(min(65536, remaining))
                if not chunk:
                    break
                self.wfile.write(chunk)
                remaining -= len(chunk)
                if delay:
                    time.sleep(delay)

    def op_DeleteObject(self, bucket, key, q, fault):
        data, meta = self.state.object_paths(bucket, key)
        with self.state.lock:
            for p in (meta, data):
                try:
                    os.unlink(p)
                except FileNotFoundError:
                    pass
        self.send(204)

    def op_InitiateMultipartUpload(self, bucket, key, q, fault):
        self.drain()
        h = self.headers_lower()
        upload_id = uuid.uuid4().hex.upper()
        os.makedirs(os.path.join(self.state.data, "uploads", upload_id))
        with self.state.lock:
            self.state.uploads[upload_id] = {"bucket": bucket, "key": key, "parts": {}, "initiated": self.state.now(),
                                             "content_type": h.get("content-type", "application/octet-stream")}
        self.send_xml(200, "InitiateMultipartUploadResult", [("Bucket", bucket), ("Key", key), ("UploadId", upload_id)])

    def send_xml(self, status, root, fields, extra_xml=""):
        body = '<?xml version="1.0" encoding="UTF-8"?>\n<%s>\n' % root + "".join(
            "  <%s>%s</%s>\n" % (k, escape(str(v)), k) for k, v in fields) + extra_xml + "</%s>\n" % root
        self.send(status, body.encode(), None, "application/xml")

    def get_upload(self, bucket, key, upload_id):
        with self.state.lock:
            up = self.state.uploads.get(upload_id)
        if not up or up["bucket"] != bucket or up["key"] != key:
            raise OSSError(404, "NoSuchUpload", UploadId=upload_id)
        return up

    def op_UploadPart(self, bucket, key, q, fault):
        try:
            number = int(q.get("partNumber", ""))
        except ValueError:
            number = 0
        if not 1 <= number <= 10000:
            raise OSSError(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive.",
                           ArgumentName="partNumber", ArgumentValue=q.get("partNumber", ""))
        upload_id = q.get("uploadId", "")
        self.get_upload(bucket, key, upload_id)
        h = self.headers_lower()
        path, size, etag, crc = self.receive_to_temp(fault, h.get("content-md5"))
        with self.state.lock:
            up = self.state.uploads.get(upload_id)
            if up is None:  # aborted while this part was arriving
                os.unlink(path)
                raise OSSError(404, "NoSuchUpload", UploadId=upload_id)
            dest = os.path.join(self.state.data, "uploads", upload_id, "%05d" % number)
            os.replace(path, dest)
            up["parts"][number] = {"etag": etag, "size": size, "path": dest, "last_modified": self.state.now()}
        headers = {"ETag": '"%s"' % etag, "Content-MD5": base64.b64encode(bytes.fromhex(etag)).decode()}
        if crc is not None:
            headers["x-oss-hash-crc64ecma"] = str(crc)
        self.send(200, b"", headers)

    def op_CompleteMultipartUpload(self, bucket, key, q, fault):
        upload_id = q.get("uploadId", "")
        h = self.headers_lower()
        self.get_upload(bucket, key, upload_id)
        body = b"".join(self.iter_body())
        if h.get("content-md5") and base64.b64encode(hashlib.md5(body).digest()).decode() != h["content-md5"].strip():
            raise OSSError(400, "InvalidDigest")
        up = self.get_upload(bucket, key, upload_id)
        if h.get("x-oss-complete-all", "").lower() == "yes":
            listed = [(n, up["parts"][n]["etag"]) for n in sorted(up["parts"])]
        else:
            try:
                root = ET.fromstring(body)
                listed = []
                for part in root.findall("Part"):
                    listed.append((int(part.findtext("PartNumber")), part.findtext("ETag").strip().strip('"')))
            except (ET.ParseError, TypeError, ValueError, AttributeError):
                raise OSSError(400, "MalformedXML")
            if root.tag != "CompleteMultipartUpload" or not listed:
                raise OSSError(400, "MalformedXML")
        numbers = [n for n, _ in listed]
        if numbers != sorted(numbers) or len(set(numbers)) != len(numbers):
            raise OSSError(400, "InvalidPartOrder")
        for i, (n, etag) in enumerate(listed):
            part = up["parts"].get(n)
            if part is None or part["etag"].upper() != etag.upper():
                raise OSSError(400, "InvalidPart", PartNumber=str(n), ETag=etag)
            if i < len(listed) - 1 and part["size"] < MIN_PART:
                raise OSSError(400, "EntityTooSmall", PartNumber=str(n), MinSizeAllowed=str(MIN_PART),
                               ProposedSize=str(part["size"]))
        fd, temp = tempfile.mkstemp(dir=os.path.join(self.state.data, "tmp"))
        digests, size = b"", 0
        with os.fdopen(fd, "wb") as out:
            for n, _ in listed:
                with open(up["parts"][n]["path"], "rb") as src:
                    shutil.copyfileobj(src, out, 1 << 20)
                digests += bytes.fromhex(up["parts"][n]["etag"])
                size += up["parts"][n]["size"]
            out.flush()
            os.fsync(out.fileno())
        etag = "%s-%d" % (hashlib.md5(digests).hexdigest().upper(), len(listed))
        meta = {"key": key, "size": size, "etag": etag, "content_type": up["content_type"], "last_modified": self.state.now(),
                "type": "Multipart", "crc64": None, "user_meta": {}}
        self.write_object(bucket, key, temp, meta)
        self.forget_upload(upload_id)
        scheme_host = self.headers.get("Host", "")
        self.send_xml(200, "CompleteMultipartUploadResult",
                      [("Location", "http://%s/%s" % (scheme_host, quote(key))), ("Bucket", bucket), ("Key", key),
                       ("ETag", '"%s"' % etag)])

    def forget_upload(self, upload_id):
        with self.state.lock:
            self.state.uploads.pop(upload_id, None)
        shutil.rmtree(os.path.join(self.state.data, "uploads", upload_id), ignore_errors=True)

    def op_AbortMultipartUpload(self, bucket, key, q, fault):
        self.drain()
        upload_id = q.get("uploadId", "")
        self.get_upload(bucket, key, upload_id)
        self.forget_upload(upload_id)
        self.send(204)

    def op_ListParts(self, bucket, key, q, fault):
        upload_id = q.get("uploadId", "")
        up = self.get_upload(bucket, key, upload_id)
        parts = "".join(
            "  <Part>\n    <PartNumber>%d</PartNumber>\n    <LastModified>%s</LastModified>\n    <ETag>\"%s\"</ETag>\n"
            "    <Size>%d</Size>\n  </Part>\n"
            % (n, time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(p["last_modified"])), p["etag"], p["size"])
            for n, p in sorted(up["parts"].items()))
        last = max(up["parts"]) if up["parts"] else 0
        self.send_xml(200, "ListPartsResult", [("Bucket", bucket), ("Key", key), ("UploadId", upload_id),
                                               ("PartNumberMarker", "0"), ("NextPartNumberMarker", str(last)),
                                               ("MaxParts", "1000"), ("IsTruncated", "false")], parts)

    def op_ListMultipartUploads(self, bucket, key, q, fault):
        with self.state.lock:
            ups = [(i, u) for i, u in self.state.uploads.items() if u["bucket"] == bucket]
        items = "".join(
            "  <Upload>\n    <Key>%s</Key>\n    <UploadId>%s</UploadId>\n    <Initiated>%s</Initiated>\n  </Upload>\n"
            % (escape(u["key"]), i, time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(u["initiated"]))) for i, u in ups)
        self.send_xml(200, "ListMultipartUploadsResult",
                      [("Bucket", bucket), ("KeyMarker", ""), ("UploadIdMarker", ""), ("NextKeyMarker", ""),
                       ("NextUploadIdMarker", ""), ("Delimiter", ""), ("Prefix", ""), ("MaxUploads", "1000"),
                       ("IsTruncated", "false")], items)

    # -- control API

    def control(self, method):
        st = self.state
        self.body_consumed = False
        path = urlsplit(self.path).path
        body = b"".join(self.iter_body()) if method in ("POST", "PUT") else b""
        payload = json.loads(body or b"null")

        def answer(obj, status=200):
            self.send(status, json.dumps(obj).encode(), None, "application/json")

        with st.lock:
            if path == "/_oss/health":
                return answer({"ok": True, "buckets": st.buckets})
            if path == "/_oss/faults":
                if method == "POST":
                    rules = payload if isinstance(payload, list) else [payload]
                    st.faults.extend(dict(r) for r in rules)
                elif method == "DELETE":
                    st.faults.clear()
                return answer(st.faults)
            if path == "/_oss/uploads":
                return answer([{"upload_id": i, "bucket": u["bucket"], "key": u["key"], "parts": sorted(u["parts"])}
                               for i, u in st.uploads.items()])
            if path == "/_oss/requests":
                if method == "DELETE":
                    st.requests.clear()
                return answer(st.requests)
            if path == "/_oss/buckets" and method == "POST":
                st.add_bucket(payload["name"], payload.get("acl", "private"))
                return answer(st.buckets)
            if path == "/_oss/clock" and method == "POST":
                st.clock_offset = float(payload.get("offset", 0))
                return answer({"offset": st.clock_offset})
        answer({"error": "unknown control path"}, 404)


def main(argv=None):
    p = argparse.ArgumentParser(description="Aliyun OSS test double (signature-verifying).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--access-key-id", default="LTAI5tExampleAccessKeyId")
    p.add_argument("--access-key-secret", default="ExampleSecret0123456789abcdefXYZ")
    p.add_argument("--bucket", action="append", help="bucket name (repeatable); default examplebucket")
    p.add_argument("--acl", default="private", choices=["private", "public-read", "public-read-write"],
                   help="ACL of the --bucket buckets")
    p.add_argument("--region", default="cn-hangzhou", help="region id for V4 scopes (without oss-)")
    p.add_argument("--custom-domain", action="append", help="HOST=BUCKET: a bound custom domain")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args(argv)
    Handler.state = State(args)
    Handler.verbose = args.verbose
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    host, port = server.server_address[:2]
    print("oss-double listening on http://%s:%d" % (host, port), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
