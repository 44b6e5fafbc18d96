"""Result files for sora-sim: byte sources, Range handling and the separate media origin.

Real video gateways hand out result links on object storage, a different host from the API
(video-task-apis.md §1.8, §2.8; upstream-protocols.md B.6). The sim imitates that with a
second loopback listener that serves only signed-looking links and refuses any request that
carries an `Authorization` header, so a client that leaks its API key to a result host is
caught. Standard library only.

Link styles (query values are compared after form-decoding, like object storage does):
  tos  Ark:        /ark-content-generation-cn-beijing/MODEL/TOKEN.mp4?X-Tos-Algorithm=
                   TOS4-HMAC-SHA256&X-Tos-Credential=AKLT…%2FYYYYMMDD%2Fcn-beijing%2Ftos%2Frequest
                   &X-Tos-Date=…Z&X-Tos-Expires=TTL&X-Tos-Signature=HEX&X-Tos-SignedHeaders=host
  oss  DashScope:  /dashscope-result-bj/YYYYMMDD/XXXXXXXX/TOKEN.mp4?Expires=EPOCH
                   &OSSAccessKeyId=…&Signature=…  (the signature always holds %2B and %3D)
A request for a known path without its query, or with a changed query, gets 403
SignatureDoesNotMatch; after the link's expiry 403 AccessDenied "Request has expired."; an
`Authorization` header 400 InvalidArgument (counted as `media_auth_rejections`). All errors are
XML. GET and HEAD; one `Range: bytes=…` range → 206, unsatisfiable → 416.
"""

import base64
import hashlib
import hmac
import os
import re
import select
import socket
import ssl
import struct
import sys
import threading
import time
import uuid
import zlib
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MEDIA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "media")
SIGNING_SECRET = b"sora-sim-not-a-secret"
OSS_ACCESS_KEY_ID = "LTAI5tSoraSimAccessKey1"
TOS_ACCESS_KEY_ID = "AKLTSoraSimTosAccessKey0"


# ---------------------------------------------------------------- byte sources

class FileSource:
    def __init__(self, path):
        self.path = path
        self.size = os.path.getsize(path)

    def chunks(self, start, length, block):
        with open(self.path, "rb") as f:
            f.seek(start)
            while length > 0:
                data = f.read(min(block, length))
                if not data:
                    return
                length -= len(data)
                yield data


class BytesSource:
    def __init__(self, data):
        self.data = data
        self.size = len(data)

    def chunks(self, start, length, block):
        for off in range(start, start + length, block):
            yield self.data[off:min(off + block, start + length)]


class BigSource:
    """A real sample MP4 followed by one `free` box of zeros, generated on the fly."""

    def __init__(self, path, megabytes):
        with open(path, "rb") as f:
            self.head = f.read()
        self.size = max(megabytes * 1024 * 1024, len(self.head) + 16)
        box = self.size - len(self.head)
        if box <= 0xFFFFFFFF:
            self.head += struct.pack(">I4s", box, b"free")
        else:  # 64-bit box size
            self.head += struct.pack(">I4sQ", 1, b"free", box)

    def chunks(self, start, length, block):
        end = start + length
        while start < end:
            n = min(block, end - start)
            if start < len(self.head):
                data = self.head[start:start + n]
            else:
                data = bytes(n)
            start += len(data)
            yield data


def media_file(orientation, seconds):
    return f"{orientation}-{seconds}s.mp4"


_png_cache = {}
_png_lock = threading.Lock()


def solid_png(width, height, rgb=(40, 90, 140)):
    """A valid RGB PNG of one colour (the "last frame"); cached per size."""
    key = (width, height, rgb)
    with _png_lock:
        if key not in _png_cache:
            row = b"\x00" + bytes(rgb) * width
            raw = zlib.compress(row * height, 6)

            def chunk(kind, data):
                return (struct.pack(">I", len(data)) + kind + data
                        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
            _png_cache[key] = (b"\x89PNG\r\n\x1a\n"
                               + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                               + chunk(b"IDAT", raw) + chunk(b"IEND", b""))
        return _png_cache[key]


# ---------------------------------------------------------------- signatures and errors

def make_oss_signature(token, expires):
    """A base64 'signature' that always holds '+' and '=' (→ %2B, %3D once encoded)."""
    sig = ""
    for nonce in range(1000):
        mac = hmac.new(SIGNING_SECRET, f"GET\n\n\n{expires}\n/sora/{token}.mp4\n{nonce}".encode(),
                       hashlib.sha1).digest()
        sig = base64.b64encode(mac).decode()
        if "+" in sig:
            return sig
    return sig


def quote_all(s):
    return "".join(c if c.isalnum() or c in "-_.~" else "%%%02X" % ord(c) for c in s)


def xml_error(code, message, extra="", host="sora-sim.oss-cn-hongkong.aliyuncs.com"):
    rid = uuid.uuid4().hex[:24].upper()
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n'
            f"  <Code>{code}</Code>\n  <Message>{message}</Message>\n"
            f"  <RequestId>{rid}</RequestId>\n  <HostId>{host}</HostId>\n"
            f"{extra}</Error>\n").encode("utf-8")


oss_error = xml_error  # the name sora_sim.py has always used


# ---------------------------------------------------------------- serving bytes

def parse_range(header, size):
    """(start, end, status) for one `bytes=` range; status 416 when unsatisfiable.
    Anything that is not a single byte range means the whole file (200)."""
    rm = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", header or "")
    if not rm or not (rm.group(1) or rm.group(2)):
        return 0, size - 1, 200
    if rm.group(1):
        start = int(rm.group(1))
        end = min(int(rm.group(2)), size - 1) if rm.group(2) else size - 1
    else:  # suffix range: the last N bytes
        start, end = max(0, size - int(rm.group(2))), size - 1
    if start >= size or start > end:
        return start, end, 416
    return start, end, 206


def serve_source(handler, source, content_type, *, head=False, etag_seed="", last_modified=None,
                 slow_kbps=None, cut=False, stopping=None, extra_headers=None, error_body=None, on_body=None):
    """Answer one GET/HEAD for `source`, honouring Range. Returns the status sent.

    on_body: called once the headers of a 200/206 are out and before its body, so a counter it
    bumps is already right when the client has the bytes.

    cut: announce the full length, send about half of it, then drop the connection (what a
    proxy reset mid-transfer looks like). slow_kbps: pace the body at about that many KiB/s."""
    size = source.size
    start, end, status = parse_range(handler.headers.get("Range"), size)
    if status == 416:
        body = error_body("InvalidRange", "The requested range is not satisfiable") if error_body else b""
        handler.send_response(416)
        handler.send_header("Content-Type", "application/xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Content-Range", f"bytes */{size}")
        handler.end_headers()
        if not head:
            handler.wfile.write(body)
        return 416
    length = end - start + 1
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(length))
    handler.send_header("Accept-Ranges", "bytes")
    handler.send_header("ETag", '"%s"' % hashlib.md5(f"{etag_seed}:{size}".encode()).hexdigest().upper())
    if last_modified is not None:
        handler.send_header("Last-Modified", formatdate(last_modified, usegmt=True))
    for k, v in (extra_headers or {}).items():
        handler.send_header(k, v)
    if status == 206:
        handler.send_header("Content-Range", f"bytes {start}-{end}/{size}")
    if cut:
        handler.send_header("Connection", "close")
    handler.end_headers()
    if head:
        return status
    if on_body is not None:
        on_body()
    limit = max(1, length // 2) if cut else length
    block = 4096 if slow_kbps else 65536
    sent = 0
    for data in source.chunks(start, limit, block):
        handler.wfile.write(data)
        sent += len(data)
        if slow_kbps and stopping is not None and stopping.wait(len(data) / (slow_kbps * 1024.0)):
            handler.close_connection = True
            return status
    if cut:
        handler.wfile.flush()
        handler.close_connection = True
        try:
            handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    return status


# ---------------------------------------------------------------- the media origin

class MediaHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self):
        return "AliyunOSS"

    def log_message(self, fmt, *args):
        if not self.server.gateway.quiet:
            sys.stderr.write("sora-sim media %s\n" % (fmt % args))

    def do_GET(self):
        self.serve(head=False)

    def do_HEAD(self):
        self.serve(head=True)

    def do_POST(self):
        self.refuse_method()

    do_PUT = do_DELETE = do_POST

    def refuse_method(self):
        length = int(self.headers.get("Content-Length") or 0)
        if 0 < length <= 1 << 20:
            self.rfile.read(length)
        else:
            self.close_connection = True
        self.send_xml(405, xml_error("MethodNotAllowed", "The specified method is not allowed against this resource."))

    def send_xml(self, status, body, head=False):
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def serve(self, head):
        try:
            self.server.gateway.serve_media(self, head)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class MediaServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address, gateway):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, MediaHandler)
        self.gateway = gateway

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, ssl.SSLError)):
            return  # ssl: a client that refused our certificate
        super().handle_error(request, client_address)


def hold_silently(handler, seconds, stopping):
    """Keep the connection open without answering. False if the client went away first."""
    deadline = time.monotonic() + seconds
    sock = handler.connection
    while time.monotonic() < deadline:
        if stopping.is_set():
            return True
        readable, _, _ = select.select([sock], [], [], 0.25)
        if readable:
            try:
                if sock.recv(1, socket.MSG_PEEK) == b"":
                    return False
            except OSError:
                return False
            time.sleep(0.1)  # pipelined bytes are waiting: don't spin on them
    return True
