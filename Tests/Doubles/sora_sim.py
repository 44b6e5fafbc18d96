#!/usr/bin/env python3
"""sora-sim — a simulated video gateway: the Sora 2 chat-completions streaming flavour, plus the
asynchronous task APIs that replaced it (Ark/Seedance, DashScope/Wan, OpenAI-style /v1/videos).

A protocol-faithful test double, written only from the protocol references
(upstream-protocols.md section A — "A.n" below — and section B; video-task-apis.md §1, §2, §7),
never from the project's client code. Standard library only, Python 3.11+. Tests:
test_sora_sim.py (chat flavour) and test_task_sim.py (task dialects) next to this file.

Run
---
    python3 sora_sim.py --host 127.0.0.1 --port 0 --api-key sk-test \\
        [--step-delay 1.0] [--steps 8] [--link-ttl 86400] \\
        [--public-base http://127.0.0.1:PORT] [--state-file PATH] [--retired] [--quiet] \\
        [--media-host HOST] [--media-port PORT] [--videos-content proxy|redirect]

--host / --port      where to listen (loopback; port 0 picks a free port)
--api-key KEY        the only accepted `Authorization: Bearer KEY`
--step-delay S       pause between progress events (default 1.0 s); a task is queued for one
                     step, running for --steps steps, then done
--steps N            progress events per generation (default 8; 0 = none, as seen in D2)
--link-ttl S         lifetime of issued video links (default 86400 s = apiyi's "1 day"),
                     task result links included
--public-base URL    base of video/preview links (default http://HOST:PORT)
--state-file PATH    keep counters, request log and issued links in this JSON file, so a
                     restarted sim still serves earlier links
--retired            every valid chat request answers 404 "model not found" (the post-2026-04
                     state of the real models, upstream-protocols.md A.1)
--quiet              no access log on stderr
--media-host HOST    where the task dialects' result files are served (default: --host)
--media-port PORT    port of that media origin (default 0: a free one; see `media_base` in
                     /_sim/stats). It is a second listener, i.e. another origin than the API.
--videos-content M   /v1/videos/{id}/content streams the bytes (proxy, default) or answers
                     302 to a signed link on the media origin (redirect)
--tls-cert FILE      speak HTTPS on both listeners with this PEM certificate chain (and
--tls-key FILE       its key); links and the printed URL then start with https://
--state-file keeps only the chat flavour's data; tasks and their links live in memory.

Once listening it prints exactly one line to stdout: `sora-sim listening on http(s)://HOST:PORT`
(the real port). SIGTERM or SIGINT stop it with exit status 0; open streams are dropped.

Endpoints
---------
POST /v1/chat/completions  (also /chat/completions)   the gateway; see below
GET  /v1/models                                        the four model names (needs the key)
GET|HEAD /videos/[DIR/]TOKEN.mp4                       issued videos, Range-capable, 403 once
                                                       expired (OSS-like XML); .webp = poster
GET  /web/TASK, /source/TASK                           D1's task preview pages (HTML / JSON)
GET  /_sim/health                                      {"ok": true}
GET  /_sim/stats                                       {"submissions": N, "requests": [...], ...}
POST /_sim/reset                                       zero counters, logs and dialect rotation;
                                                       body {"tasks": true} also forgets every task
POST /_sim/expire-links                                make every issued link expire now (chat
                                                       links, task result links, /v1/videos
                                                       `expires_at`)
GET|POST /_sim/clock                                   the task clock {"now", "offset"}; POST
                                                       {"advance": S} moves it S seconds ahead
                                                       (task pace, expiry, 24 h / 7 day retention)
Task dialects, same port and key (details in each module's docstring):
  /api/v3/contents/generations/tasks[/{id}]  and /seedance/api/v3/…   Ark  (sim_ark.py)
  /api/v1/services/aigc/video-generation/video-synthesis, /api/v1/tasks[/{id}[/cancel]]
        and the same under /wan/api/v1/…                             DashScope (sim_dashscope.py)
  /v1/videos[/{id}[/content|/remix]]                                  OpenAI-style (sim_videos.py)
  result files on the media origin (sim_media.py): Ark links TOS V4-style, DashScope and
  /v1/videos redirects OSS V1-style; any request with `Authorization` → 400 InvalidArgument

/_sim/stats never holds the key or image bytes:
  {"connections": N, "http_requests": N (on the API listener: equal unless a client reuses
   connections; a failed TLS handshake counts a connection and no request),
   "submissions": N, "downloads": N (video GETs), "links": N, "rejected": N,
   "rejections": [{"status", "reason", "time", "time_iso"}],      # not submissions
   "requests": [{"n", "model", "prompt", "has_image", "image_kind": "data_uri"|"url"|null,
                 "image_mime", "image_bytes", "authorization_ok": true, "time" (epoch s),
                 "time_iso", "markers", "dialect", "task_id", "video_url", "outcome"}]}
  outcome: link | moderation | heavy | nolink | error_in_stream | cut | http_NNN |
           client_gone | stopped (sim shut down mid-stream) | null while streaming
The task dialects add, next to those (the chat keys above count the chat flavour only):
  "dialects": {"ark"|"dashscope"|"videos": {
      "creates"          creates that passed auth and validation (scripted failures, lost
                         answers and input moderation included, like `submissions`)
      "rejected"         creates refused by auth or validation (never reached the upstream)
      "tasks_created"    tasks that exist upstream (a lost answer still creates one)
      "polls"            authenticated task GETs (unknown ids included)
      "lists", "cancels" (Ark DELETE of a queued task, DashScope cancel), "deletes"
      "content_requests" /v1/videos/{id}/content requests
      "downloads"        result bytes served (200/206, GET), media origin or content proxy
      "media_auth_rejections"  media-origin requests refused for carrying Authorization
      "range_requests"   media or content requests with a Range header}},
  "media_auth_rejections", "range_requests": totals over the dialects,
  "task_requests": the last 2000 task requests, each {"n", "dialect", "op" (create | poll |
      list | cancel | delete | content | media), "method", "path" (no query), "status",
      "time", "time_iso", "outcome", "task_id", and for creates "model", "prompt", "markers",
      "images": [{"kind": url|data_uri|asset|file|file_id|oss, "format", "width", "height",
      "bytes"}]; media entries "kind", "range", "authorization" (true/false only)},
  "tasks", "task_links" (how many exist), "media_base" (the media origin), "clock_offset"
  create outcomes: created | auth | http_NNN | sync_call | input_moderation | no_channel |
  lost_close | lost_500 | lost_502 | lost_504 | lost_timeout

Chat request checks, in order (errors are JSON `{"error":{message,type,param,code}}`):
  body over 32 MiB → 413; missing/wrong Bearer key → 401 `invalid_api_key`;
  not JSON / bad shape → 400; model not one of sora_video2, sora_video2-landscape,
  sora_video2-15s, sora_video2-landscape-15s → 503 `当前分组 default 下对于模型 X 无可用渠道`;
  `stream` not true → 200 plain chat.completion with an availability message, no video
  (A.7.5). Shape: last message has role `user`; content is a non-empty string, or an array
  of `{"type":"text"}` parts plus at most one `{"type":"image_url","image_url":{"url":U}}`
  where U is `data:image/(png|jpeg|webp);base64,…` (must decode to PNG/JPEG/WebP bytes) or
  an http(s) URL (not fetched). Unknown `[sim:…]` markers are a 400 too (catches typos).
  Everything that passes these checks is one *submission* (counted before any answer,
  including the scripted failures below).

The 200 answer is SSE over chunked HTTP/1.1 in one of four content dialects (A.5), picked by
marker or rotating d1→d2→d3→d4 per submission:
  d1  task-log: ```json block, `> ID: `task_…``, preview links, `>🏃 进度 NN..`, a .webp
      poster `![url](url)`, then `[在线播放▶️](….mp4?Expires=…&OSSAccessKeyId=…&Signature=…)`.
      Go-style JSON (`\\u003e`, `\\u0026`), CRLF line ends, `: keep-alive` comments,
      role-only first chunk, usage on the finish_reason chunk.
  d2  queue/percent: `> ⌛️ 任务正在队列中…`, `> 🏃 进度：NN.N%` (split across chunks, one
      event split inside a UTF-8 character across HTTP chunks), `> ✅ 视频生成成功，
      [点击这里](signed url) 查看视频~~~`. Go-style JSON, `: PING` comment, usage-only
      chunk with `"choices":[]`.
  d3  sora2api: progress only in `delta.reasoning_content`, content null until the final
      ```` ```html <video src='…' controls></video>``` ```` with finish_reason "STOP" and
      native_finish_reason. Python json.dumps default escaping, model echoed as "sora",
      unsigned link.
  d4  the seed plan's form: `视频生成中...`, `🏃 进度：NN%`, `视频生成成功！[点击这里](…)`.
      Python escaping (emoji as surrogate pairs), `id: N` lines, CRLF, id "" and created 0,
      finish chunk and [DONE] in one HTTP chunk.
  All dialects end with `data: [DONE]` unless [sim:nodone]; the link is split across two
  chunks in d1, d2 and d4.

Prompt markers `[sim:NAME]` or `[sim:NAME=VALUE]` (combine freely):
  dialect=d1|d2|d3|d4  pick the dialect           nodone      omit `data: [DONE]`
  steps=N              progress events            delay=S     pause between events
  moderation[=third_party|nudity|violence]  progress to ~40 % then `❌ 视频生成失败：This
                       content may violate our guardrails …`, normal end, no link
  heavy                `… under heavy load …` refusal before any progress, no link
  error_in_stream      an `{"error":{…}}` payload mid-stream (A.7.2), then [DONE]
  cut                  some progress, then a chunk-size line and only half its bytes, then
                       the socket is closed (no terminating chunk)
  stall[=S]            some progress, then silence for S s (default 3600) or until the
                       client disconnects; after a finite S the stream finishes normally
  nolink               normal finish without any link
  401 403 404 429[=RETRY_AFTER] 500 503   JSON error instead of a stream (after counting)
  video404             the link answers 404 NoSuchKey
  html                 the link answers 200 text/html (a web page, not a video)
  expired              the link is already expired when given (403 AccessDenied)
  ttl=S                this link lives S seconds
  slow[=KBPS]          the video is served at ~KBPS KiB/s (default 20)
  big=N                the video is an N MiB file: a real sample MP4 followed by a padding
                       `free` box, generated on the fly
  eol=lf|crlf|cr|mixed force the SSE line ending   nospace  `data:` without the space
  multiline            each chunk object spread over two `data:` lines
  idcomment            `id:` lines plus `: keep-alive` + blank line after events — the
                       pattern that makes the official Python SDK fail (A.4); for testing
                       our own parser only

Task-dialect markers, in the Ark text item, DashScope `input.prompt` or /v1/videos `prompt`
(unknown or misplaced ones → 400 in the dialect's shape; the chat markers above do not apply):
  steps=N, delay=S     pace of this task
  input_moderation     400 at create (Ark InputTextSensitiveContentDetected, DashScope
                       DataInspectionFailed, /v1/videos moderation_blocked); no task
  output_moderation[=N]  the task fails at its N-th poll (default 2) — running until then, even
                       if the clock says done (Ark OutputVideoSensitiveContentDetected.
                       PolicyViolation, DashScope DataInspectionFailed in `output`, /v1/videos
                       error.code moderation_blocked)
  ip_infringement[=N]  the same with DashScope IPInfringementSuspect (Ark: the copyright message)
  fail[=N]             the same with a non-moderation failure (Ark InternalServiceError,
                       DashScope InternalError, /v1/videos internal_error)
  429[=S|none]         429 at create with `Retry-After: S` (default 20) or without it (none);
                       Ark RateLimitExceeded.EndpointRPMExceeded, DashScope Throttling.RateQuota,
                       /v1/videos rate_limit_exceeded
  500 502 503          that status at create, in the dialect's error shape; no task
  no_channel           503 new-api style `{"error":{"message":"该模型无可用渠道 (request id: …)",
                       "type":"new_api_error","code":"model_not_found"}}`; no task
  lost[=close|500|502|504|timeout]  the task IS created, but the answer is lost: the socket
                       closes without a status line (close, default), a JSON 500, an nginx-style
                       HTML 502/504, or no answer until the client gives up (timeout, ≤ 600 s)
  poll500[=K]          the K-th poll (default 1) of the task answers 500, later polls are normal
  stuck                stays queued (Ark: until execution_expires_after → expired; DashScope:
                       UNKNOWN after 24 h on the clock)
  nourl                succeeds without a result URL (Ark no `content`, DashScope no
                       `video_url`, /v1/videos content 404)
  expired              the result link is already expired (403 AccessDenied on first GET)
  ttl=S                the result link lives S seconds
  cut[=N]              the first N downloads of the video (default 1) announce the full length,
                       send about half and drop the connection (resume with Range)
  slow[=KBPS]          result bytes at ~KBPS KiB/s (default 20)   big=N  an N MiB video
  task_expired         (Ark only) the task ends `expired` instead of succeeding
  redirect             (/v1/videos only) /content answers 302 to the media origin
  colon_id             (/v1/videos only) a gateway-style id `MODEL:task_…`
Unknown task ids: Ark 404 ResourceNotFound (also deleted or older than 7 days), DashScope
HTTP 200 task_status UNKNOWN (also older than 24 h), /v1/videos 404 not_found.

Video links carry a signed-looking query on d1/d2/d4 (`Signature` always contains `%2B` and
`%3D`). The query is ignored for the lookup, but when present it is checked like object
storage does (values form-decoded): a client that decodes `%2B` to `+` or keeps `\\u0026`
gets 403 SignatureDoesNotMatch. A link without any query is served.
Sample media: media/{portrait,landscape}-{10,15}s.mp4 (see media/README.md).
"""

import argparse
import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
import random
import re
import select
import signal
import socket
import ssl
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import sim_tasks
from tls_listener import serve_tls
from sim_ark import Ark
from sim_dashscope import DashScope
from sim_media import (MEDIA_DIR, BigSource, FileSource, MediaServer, make_oss_signature,
                       media_file, oss_error, quote_all)
from sim_videos import Videos

# model → (orientation, seconds); orientation and duration come only from the name (A.2).
MODELS = {
    "sora_video2": ("portrait", 10),
    "sora_video2-landscape": ("landscape", 10),
    "sora_video2-15s": ("portrait", 15),
    "sora_video2-landscape-15s": ("landscape", 15),
}
DIALECTS = ("d1", "d2", "d3", "d4")
MAX_BODY = 32 * 1024 * 1024

REFUSALS = {
    "third_party": "This content may violate our guardrails concerning similarity to third-party content.",
    "nudity": "This content may violate our guardrails around nudity, sexuality, or erotic content.",
    "violence": "This content may violate our guardrails around violence or graphic content.",
}
HEAVY_LOAD = "We're under heavy load, please try again later."
# The in-stream error observed from sora2api (A.7.2): upstream JSON embedded as text.
STREAM_ERROR = {
    "error": {
        "message": 'API request failed: 400 - {\n  "error": {\n    "message": "Request blocked '
                   'by upstream sentinel, please retry later",\n    "type": "invalid_request_error",'
                   '\n    "param": null,\n    "code": "sentinel_block"\n  }\n}',
        "type": "server_error",
        "param": None,
        "code": None,
    }
}
ACCESS_KEY_ID = "LTAI5tSoraSimAccessKey1"


# ---------------------------------------------------------------- prompt markers

def _flag(value):
    if value is not None:
        raise ValueError("takes no value")
    return True


def _number(kind, default=None, minimum=0):
    def conv(value):
        if value is None:
            if default is None:
                raise ValueError("needs a value")
            return default
        n = kind(value)
        if n != n or n < minimum or n > 10**7:  # NaN or out of range
            raise ValueError("out of range")
        return n
    return conv


def _choice(options, default=None):
    def conv(value):
        if value is None and default is not None:
            return default
        if value not in options:
            raise ValueError("one of " + "|".join(options))
        return value
    return conv


MARKERS = {
    "dialect": _choice(DIALECTS),
    "nodone": _flag,
    "steps": _number(int),
    "delay": _number(float),
    "moderation": _choice(tuple(REFUSALS), default="third_party"),
    "heavy": _flag,
    "error_in_stream": _flag,
    "cut": _flag,
    "stall": _number(float, default=3600.0),
    "nolink": _flag,
    "401": _flag, "403": _flag, "404": _flag, "500": _flag, "503": _flag,
    "429": _number(int, default=20),
    "video404": _flag,
    "html": _flag,
    "expired": _flag,
    "ttl": _number(float),
    "slow": _number(int, default=20, minimum=1),
    "big": _number(int, minimum=1),
    "eol": _choice(("lf", "crlf", "cr", "mixed")),
    "nospace": _flag,
    "multiline": _flag,
    "idcomment": _flag,
}
MARKER_RE = re.compile(r"\[sim:([A-Za-z0-9_]+)(?:=([^\]]*))?\]")


class ApiError(Exception):
    """A JSON error answer before any streaming (A.7.1 shape)."""

    def __init__(self, status, message, type_="new_api_error", code=None, param=None, headers=None):
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.param = status, message, type_, code, param
        self.headers = headers or {}


def parse_markers(prompt):
    found = {}
    for m in MARKER_RE.finditer(prompt):
        name, value = m.group(1).lower(), m.group(2)
        if name not in MARKERS:
            raise ApiError(400, f"sora-sim: unknown marker {m.group(0)}", "invalid_request_error",
                           "invalid_request")
        try:
            found[name] = MARKERS[name](value)
        except ValueError as e:
            raise ApiError(400, f"sora-sim: bad marker {m.group(0)}: {e}", "invalid_request_error",
                           "invalid_request") from None
    return found


# ---------------------------------------------------------------- request shape

IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
DATA_URI_RE = re.compile(r"data:image/(png|jpeg|webp);base64,(.*)", re.S)


def _bad(message, param="messages"):
    return ApiError(400, message, "invalid_request_error", "invalid_request", param)


def check_image(url):
    """Returns a description for the stats (never the bytes)."""
    if not isinstance(url, str) or not url:
        raise _bad("image_url.url must be a non-empty string")
    if url.startswith("data:"):
        m = DATA_URI_RE.fullmatch(url)
        if not m:
            raise _bad("image data URI must be data:image/(png|jpeg|webp);base64,…")
        try:
            raw = base64.b64decode(re.sub(r"\s+", "", m.group(2)), validate=True)
        except (binascii.Error, ValueError):
            raise _bad("image data URI is not valid base64") from None
        is_webp = raw[:4] == b"RIFF" and raw[8:12] == b"WEBP"
        if not (raw.startswith(IMAGE_MAGIC) or is_webp):
            raise _bad("image could not be decoded (not PNG, JPEG or WebP)")
        return {"image_kind": "data_uri", "image_mime": "image/" + m.group(1), "image_bytes": len(raw)}
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _bad("image_url.url must be a data URI or an http(s) URL")
    return {"image_kind": "url", "image_mime": None, "image_bytes": None}


def check_request(req):
    """Validate a chat request; returns (model, stream, prompt, image_info or None)."""
    if not isinstance(req, dict):
        raise _bad("request body must be a JSON object", None)
    model = req.get("model")
    if not isinstance(model, str) or not model:
        raise _bad("model is required", "model")
    messages = req.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _bad("messages must be a non-empty array")
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") != "user":
        raise _bad("the last message must have role user")
    content = last.get("content")
    image = None
    if isinstance(content, str):
        prompt = content
    elif isinstance(content, list):
        texts, images = [], []
        for part in content:
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "text" and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif kind == "image_url" and isinstance(part.get("image_url"), dict):
                images.append(part["image_url"].get("url"))
            else:
                raise _bad("content parts must be {type:text,text} or {type:image_url,image_url:{url}}")
        if len(images) > 1:
            raise _bad("only one image is supported")
        if not texts:
            raise _bad("content needs a text part")
        prompt = "\n".join(texts)
        image = check_image(images[0]) if images else None
    else:
        raise _bad("content must be a string or an array of parts")
    if not prompt.strip():
        raise _bad("prompt is empty")
    stream = req.get("stream", False)
    if stream not in (True, False):
        raise _bad("stream must be a boolean", "stream")
    if model not in MODELS:
        # new-api's answer when no channel serves the model (A.7.1); code is our best guess.
        raise ApiError(503, f"当前分组 default 下对于模型 {model} 无可用渠道", "new_api_error", "model_not_found")
    return model, stream, prompt, image


# ---------------------------------------------------------------- JSON flavours

def go_json(obj):
    """Go encoding/json: compact, raw UTF-8, but <, >, & and U+2028/9 escaped."""
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        s = s.replace(ch, esc)
    return s


def py_json(obj):
    """Python json.dumps defaults: ", " / ": " and every non-ASCII char as \\uXXXX."""
    return json.dumps(obj)


def now_iso(t=None):
    return datetime.fromtimestamp(time.time() if t is None else t, timezone.utc) \
        .isoformat(timespec="milliseconds").replace("+00:00", "Z")


def request_id():
    return datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S") + "%08d" % random.randrange(10**8)


def task_id():
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"  # ULID-like, as in D1's `task_01k9…`
    return "task_01k" + "".join(random.choice(alphabet) for _ in range(23))


# ---------------------------------------------------------------- shared state

class Sim:
    def __init__(self, args):
        self.api_key = args.api_key
        self.step_delay = args.step_delay
        self.steps = args.steps
        self.link_ttl = args.link_ttl
        self.public_base = (args.public_base or "").rstrip("/")
        self.state_file = args.state_file
        self.retired = args.retired
        self.quiet = args.quiet
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._zero()
        self.links = {}  # token → link record (kept across /_sim/reset)
        self._load()
        # the asynchronous task dialects (Ark, DashScope, /v1/videos): in memory only
        self.tasks = sim_tasks.TaskGateway(
            api_key=args.api_key, step_delay=args.step_delay, steps=args.steps, link_ttl=args.link_ttl,
            quiet=args.quiet, stopping=self.stopping, videos_content=args.videos_content)
        for dialect in (Ark(), DashScope(), Videos()):
            self.tasks.register(dialect)

    def _zero(self):
        self.connections = 0
        self.http_requests = 0
        self.submissions = 0
        self.requests = []
        self.rejections = []
        self.downloads = 0

    def _load(self):
        if not self.state_file or not os.path.exists(self.state_file):
            return
        try:
            with open(self.state_file, encoding="utf-8") as f:
                state = json.load(f)
        except (OSError, ValueError) as e:
            print(f"sora-sim: ignoring unreadable state file: {e}", file=sys.stderr)
            return
        self.submissions = state.get("submissions", 0)
        self.requests = state.get("requests", [])
        self.rejections = state.get("rejections", [])
        self.downloads = state.get("downloads", 0)
        self.links = state.get("links", {})

    def save(self):
        """Atomic replace, so a reader or a crash never sees half a file. Call with lock held."""
        if not self.state_file:
            return
        state = {"submissions": self.submissions, "requests": self.requests,
                 "rejections": self.rejections, "downloads": self.downloads, "links": self.links}
        tmp = f"{self.state_file}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(state, f, ensure_ascii=False)
        os.replace(tmp, self.state_file)

    def reject(self, status, reason):
        with self.lock:
            self.rejections.append({"status": status, "reason": reason, "time": time.time(),
                                    "time_iso": now_iso()})
            self.save()

    def submit(self, record):
        with self.lock:
            self.submissions += 1
            record["n"] = self.submissions
            self.requests.append(record)
            self.save()
            return self.submissions

    def update(self, record, **fields):
        with self.lock:
            record.update(fields)
            self.save()

    def add_link(self, token, link):
        with self.lock:
            self.links[token] = link
            self.save()

    def stats(self):
        with self.lock:
            chat = {"connections": self.connections, "http_requests": self.http_requests,
                    "submissions": self.submissions, "requests": [dict(r) for r in self.requests],
                    "rejected": len(self.rejections), "rejections": list(self.rejections),
                    "downloads": self.downloads, "links": len(self.links)}
        chat.update(self.tasks.stats())
        return chat


class StopStream(Exception):
    """The sim is shutting down; drop the connection."""


# ---------------------------------------------------------------- SSE over chunked HTTP

class SSEWriter:
    """Writes SSE events as HTTP/1.1 chunks by hand, so we control every byte and can cut."""

    EOLS = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}

    def __init__(self, handler, encode, eol="lf", ids=False, nospace=False, multiline=False,
                 idcomment=False, micro=0.0):
        self.h, self.out = handler, handler.wfile
        self.encode, self.eol, self.ids = encode, eol, ids or idcomment
        self.nospace, self.multiline, self.idcomment = nospace, multiline, idcomment
        self.micro = micro          # short pause between HTTP chunks so they arrive as separate reads
        self.next_id = 1
        self.n_events = 0
        self.batch_buf = None

    def _line_end(self):
        if self.eol == "mixed":  # one ending per event; never "\r" followed by "\n"
            return ("\n", "\r\n", "\r")[self.n_events % 3]
        return self.EOLS[self.eol]

    def http_chunk(self, data):
        if not data:
            return  # a zero-length chunk would end the body
        if self.batch_buf is not None:
            self.batch_buf += data
            return
        self.out.write(b"%x\r\n" % len(data) + data + b"\r\n")

    @contextlib.contextmanager
    def batch(self):
        """Several SSE events in one HTTP chunk."""
        self.batch_buf = b""
        try:
            yield
        finally:
            data, self.batch_buf = self.batch_buf, None
            self.http_chunk(data)

    def frame(self, payload):
        eol = self._line_end()
        self.n_events += 1
        lines = []
        if self.ids:
            lines.append(f"id: {self.next_id}")
            self.next_id += 1
        if self.multiline and payload.startswith("{") and '"choices"' in payload:
            payload = payload.replace('"choices"', '\n"choices"', 1)  # valid JSON whitespace
        for part in payload.split("\n"):
            lines.append(("data:" if self.nospace else "data: ") + part)
        text = eol.join(lines) + eol + eol
        if self.idcomment:
            text += ": keep-alive" + eol + eol
        return text.encode("utf-8")

    def event(self, payload, split_utf8=False):
        data = self.frame(payload)
        if split_utf8:
            # Split the HTTP chunk inside the first multi-byte character (A.4: UTF-8 may be
            # split anywhere across reads).
            k = next((i for i, b in enumerate(data) if b >= 0xE0), None)
            if k is not None and self.batch_buf is None:
                self.http_chunk(data[:k + 2])
                self.pause(self.micro)
                self.http_chunk(data[k + 2:])
                return
        self.http_chunk(data)

    def comment(self, text):
        eol = self._line_end()
        self.n_events += 1
        self.http_chunk((":" + (" " + text if text else "") + eol + eol).encode("utf-8"))

    def done(self):
        self.event("[DONE]")

    def end(self):
        self.out.write(b"0\r\n\r\n")

    def cut(self, payload):
        """Announce a chunk, send only half of it, and let the caller close the socket."""
        data = self.frame(payload)
        self.out.write(b"%x\r\n" % len(data) + data[:len(data) // 2])
        self.out.flush()

    def pause(self, seconds):
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if self.h.server.sim.stopping.wait(min(left, 0.5)):
                raise StopStream()


# ---------------------------------------------------------------- dialects (A.5)

class Dialect:
    """Common chunk building; subclasses write the content of one dialect."""

    encode = staticmethod(go_json)
    eol = "lf"
    ids = False
    video_dir = ""
    signed = True

    def __init__(self, handler, job):
        self.job = job
        m = job["markers"]
        micro = min(0.05, job["delay"])
        self.sse = SSEWriter(handler, self.encode, m.get("eol", self.eol), self.ids,
                             m.get("nospace", False), m.get("multiline", False),
                             m.get("idcomment", False), micro)
        self.micro = micro
        self.cid = "chatcmpl-" + uuid.uuid4().hex[:29]
        self.created = int(time.time())
        self.model_echo = job["model"]
        self.finished = False

    # chunk helpers
    def chunk(self, delta, finish=None, usage=None, extra_choice=None):
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        if extra_choice:
            choice.update(extra_choice)
        obj = {"id": self.cid, "object": "chat.completion.chunk", "created": self.created,
               "model": self.model_echo, "choices": [choice]}
        if usage:
            obj["usage"] = usage
        return self.encode(obj)

    def content(self, text, split_utf8=False):
        self.sse.event(self.chunk({"content": text}), split_utf8=split_utf8)

    def say(self, *pieces):
        """One logical piece of text sent as several chunks (lines split across chunks)."""
        for i, piece in enumerate(pieces):
            if i:
                self.sse.pause(self.micro)
            self.content(piece)

    def usage(self):
        p = max(1, len(self.job["prompt"]) // 4)
        return {"prompt_tokens": p, "completion_tokens": 180, "total_tokens": p + 180}

    def keepalive(self):
        pass

    # the script steps, overridden per dialect
    def opening(self): raise NotImplementedError
    def progress(self, pct, index): raise NotImplementedError
    def success(self, url, poster): raise NotImplementedError
    def refusal(self, text): raise NotImplementedError
    def no_link(self): raise NotImplementedError

    def error_event(self):
        self.sse.event(self.encode(STREAM_ERROR))

    def finish(self):
        if not self.finished:
            self.sse.event(self.chunk({}, "stop", self.usage()))
            self.finished = True

    @staticmethod
    def split_link(url):
        """Where to cut a link between two chunks: inside the signed query if any."""
        k = url.find("&OSSAccessKeyId")
        return k + 4 if k > 0 else len(url) // 2


class D1(Dialect):
    """Task-log style; Go JSON, CRLF, `: keep-alive` comments."""

    eol = "crlf"

    @property
    def video_dir(self):
        return datetime.now(timezone.utc).strftime("%Y%m%d")

    def keepalive(self):
        self.sse.comment("keep-alive")

    def opening(self):
        j = self.job
        with self.sse.batch():  # role chunk and the header block arrive in one read
            self.sse.event(self.chunk({"role": "assistant", "content": ""}))
            block = json.dumps({"prompt": j["prompt"], "orientation": j["orientation"]},
                               ensure_ascii=False, indent=4)
            self.content("```json\n" + block + "\n```\n\n")
        base, t = j["base"], j["task_id"]
        self.say(f"> ID: `{t}`\n",
                 f">[数据预览]({base}/web/{t}) | [原始数据]({base}/source/{t})\n")
        self.say("> 排队中......\n")
        self.keepalive()
        self.sse.pause(j["delay"])
        self.say("> 生成中.\n")

    def progress(self, pct, index):
        self.say(">🏃 进度 ", f"{int(pct)}..\n")
        self.keepalive()

    def _done_lines(self):
        self.say("> 生成完成 ✅\n", f"> sid: s_{uuid.uuid4().hex}\n\n")

    def success(self, url, poster):
        self._done_lines()
        self.say(f"![{poster}]({poster})\n")
        k = self.split_link(url)
        self.say("[在线播放▶️](" + url[:k], url[k:] + ")\n")

    def refusal(self, text):
        self.say(f"> ❌ 视频生成失败：{text}\n")

    def no_link(self):
        self._done_lines()


class D2(Dialect):
    """Queue / percent / 点击这里 style; Go JSON, LF, usage-only chunk."""

    video_dir = "sora"

    def __init__(self, handler, job):
        super().__init__(handler, job)
        self.cid = "foaicmpl-" + uuid.uuid4().hex

    def opening(self):
        j = self.job
        self.sse.event(self.chunk({"role": "assistant"}))
        mode = "竖屏模式" if j["orientation"] == "portrait" else "横屏模式"
        block = json.dumps({"prompt": j["prompt"], "mode": mode}, ensure_ascii=False, indent=4)
        self.say("```json\n" + block + "\n```\n\n")
        self.say("> ⌛️ 任务正在队列中，请耐心等待...\n\n")
        self.sse.comment("PING")

    def progress(self, pct, index):
        text = f"{pct:.1f}%\n\n"
        # first progress event: split inside "🏃" across HTTP chunks; all: split across chunks
        self.content("> 🏃 进度：" + text[0], split_utf8=(index == 0))
        self.sse.pause(self.micro)
        self.content(text[1:])

    def success(self, url, poster):
        k = self.split_link(url)
        self.say("> ✅ 视频生成成功，[点击这里](" + url[:k], url[k:] + ") 查看视频~~~\n\n")

    def refusal(self, text):
        self.say(f"> ❌ 视频生成失败：{text}\n\n")

    def no_link(self):
        self.say("> ✅ 视频生成成功\n\n")

    def finish(self):
        if not self.finished:
            self.sse.event(self.chunk({}, "stop"))
            obj = {"id": self.cid, "object": "chat.completion.chunk", "created": self.created,
                   "model": self.model_echo, "choices": [], "usage": self.usage()}
            self.sse.event(self.encode(obj))
            self.finished = True


class D3(Dialect):
    """sora2api: progress in reasoning_content, <video> in the final content; Python JSON."""

    encode = staticmethod(py_json)
    video_dir = "tmp"
    signed = False

    def __init__(self, handler, job):
        super().__init__(handler, job)
        self.model_echo = "sora"

    def reason(self, text, first=False):
        delta = {"role": "assistant"} if first else {}
        delta.update({"content": None, "reasoning_content": text})
        self.sse.event(self.chunk(delta))

    def final(self, text):
        self.sse.event(self.chunk({"content": text}, "STOP", extra_choice={"native_finish_reason": "STOP"}))
        self.finished = True

    def opening(self):
        self.reason("**Generation Process Begins**\n\nInitializing generation request...\n", first=True)
        if self.job["has_image"]:
            self.sse.pause(self.micro)
            self.reason("Uploading image...\n")
            self.reason("Image uploaded successfully. Proceeding with generation...\n")
        self.sse.pause(self.micro)
        self.reason(f"Video generation task created: {self.job['task_id']}\n")

    def progress(self, pct, index):
        self.reason(f"**Video Generation Progress**: {int(pct)}% (processing)\n")

    def success(self, url, poster):
        self.reason("**Video Generation Completed**\n\nWatermark-free video ready, caching the video file...\n")
        self.sse.pause(self.micro)
        self.final(f"```html\n<video src='{url}' controls></video>\n```")

    def refusal(self, text):
        self.final(f"❌ 视频生成失败：{text}")

    def no_link(self):
        self.reason("**Video Generation Completed**\n\n")
        self.final("Video generation completed.")

    def finish(self):
        if not self.finished:
            self.sse.event(self.chunk({}, "STOP", extra_choice={"native_finish_reason": "STOP"}))
            self.finished = True


class D4(Dialect):
    """The seed plan's form; Python JSON (surrogate pairs), id: fields, CRLF."""

    encode = staticmethod(py_json)
    eol = "crlf"
    ids = True

    def __init__(self, handler, job):
        super().__init__(handler, job)
        self.cid, self.created = "", 0  # observed: empty id, created 0

    def opening(self):
        self.sse.event(self.chunk({"role": "assistant", "content": None}))
        self.say("🎬 视频生成中...\n")

    def progress(self, pct, index):
        self.say(f"🏃 进度：{int(pct)}%\n")

    def success(self, url, poster):
        k = self.split_link(url)
        self.say("视频生成成功！[点击这里](" + url[:k], url[k:] + ")\n")

    def refusal(self, text):
        self.say(f"❌ 视频生成失败：{text}\n")

    def no_link(self):
        self.say("视频生成成功！\n")

    def run_end(self, with_done):
        # finish_reason chunk and [DONE] travel in one HTTP chunk
        with self.sse.batch():
            self.finish()
            if with_done:
                self.sse.done()


DIALECT_CLASSES = {"d1": D1, "d2": D2, "d3": D3, "d4": D4}


# ---------------------------------------------------------------- video hosting
# Byte sources, signatures and XML errors live in sim_media.py (shared with the task dialects).

make_signature = make_oss_signature


# ---------------------------------------------------------------- HTTP handler

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def version_string(self):
        return "nginx"  # what the gateway's front end says

    @property
    def sim(self):
        return self.server.sim

    def setup(self):
        super().setup()
        with self.sim.lock:
            self.sim.connections += 1

    def log_message(self, fmt, *args):
        if not self.sim.quiet:
            sys.stderr.write("sora-sim %s %s\n" % (now_iso(), fmt % args))

    # --- plumbing

    def send_body(self, status, body, content_type, headers=None, head=False):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def send_json(self, status, obj, headers=None):
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send_body(status, body, "application/json; charset=utf-8", headers)

    def send_api_error(self, err):
        rid = request_id()
        msg = err.message + (f" (request id: {rid})" if err.type == "new_api_error" else "")
        headers = {"X-Oneapi-Request-Id": rid, **err.headers}
        self.send_json(err.status, {"error": {"message": msg, "type": err.type,
                                              "param": err.param, "code": err.code}}, headers)

    def read_body(self):
        """Returns the request body, or None after answering 400/413."""
        try:
            return self._read_body()
        except ValueError:  # bad Content-Length or chunk size
            self.close_connection = True
            self.sim.reject(400, "bad_framing")
            self.send_api_error(ApiError(400, "malformed request body", "invalid_request_error", "invalid_request"))
            return None

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
                if len(body) > MAX_BODY:
                    break
        else:
            length = int(self.headers.get("Content-Length") or 0)
            if length < 0:
                raise ValueError("negative Content-Length")
            if length <= MAX_BODY:
                return self.rfile.read(length)
        self.close_connection = True  # the rest of the body is still unread
        self.sim.reject(413, "body_too_large")
        self.send_api_error(ApiError(413, "request body too large", "new_api_error", "request_body_too_large"))
        return None

    # --- routing

    def do_GET(self):
        self.route("GET")

    def do_HEAD(self):
        self.route("HEAD")

    def do_POST(self):
        self.route("POST")

    def do_DELETE(self):
        self.route("DELETE")

    def route(self, method):
        path = urlsplit(self.path).path
        with self.sim.lock:
            self.sim.http_requests += 1
        try:
            if method == "POST" and path in ("/v1/chat/completions", "/chat/completions"):
                return self.chat()
            if method in ("GET", "HEAD") and path.startswith("/videos/"):
                return self.video(path, head=(method == "HEAD"))
            if method == "GET" and path == "/_sim/health":
                return self.send_json(200, {"ok": True})
            if method == "GET" and path == "/_sim/stats":
                return self.send_json(200, self.sim.stats())
            if method == "POST" and path == "/_sim/reset":
                options = self.control_body()
                with self.sim.lock:
                    self.sim._zero()
                    self.sim.save()
                self.sim.tasks.reset(forget_tasks=options.get("tasks") is True)
                return self.send_json(200, {"ok": True})
            if method == "POST" and path == "/_sim/expire-links":
                self.read_body()
                with self.sim.lock:
                    for link in self.sim.links.values():
                        link["expires_at"] = min(link["expires_at"], time.time() - 1)
                    self.sim.save()
                task_links = self.sim.tasks.expire_links()
                return self.send_json(200, {"ok": True, "links": len(self.sim.links), "task_links": task_links})
            if path == "/_sim/clock" and method in ("GET", "POST"):
                clock = self.sim.tasks.clock
                if method == "POST":
                    advance = self.control_body().get("advance", 0)
                    if isinstance(advance, bool) or not isinstance(advance, (int, float)) or advance < 0:
                        return self.send_json(400, {"error": "advance must be a non-negative number of seconds"})
                    clock.advance(advance)
                return self.send_json(200, {"now": clock.now(), "offset": clock.offset})
            if self.sim.tasks.route(self, method, path):
                return
            if method == "GET" and path in ("/v1/models", "/models"):
                return self.models()
            m = re.fullmatch(r"/(web|source)/(task_[A-Za-z0-9]+)", path)
            if method == "GET" and m:
                return self.preview(m.group(1), m.group(2))
            if method == "POST":
                self.read_body()
            self.send_json(404, {"error": {"message": f"Invalid URL ({method} {path})",
                                           "type": "invalid_request_error", "param": None, "code": None}})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def control_body(self):
        """A /_sim/ control request's optional JSON object body ({} when empty or not JSON)."""
        body = self.read_body() or b""
        try:
            data = json.loads(body) if body.strip() else {}
        except ValueError:
            data = {}
        return data if isinstance(data, dict) else {}

    def models(self):
        if not self.auth_ok():
            return
        self.send_json(200, {"object": "list", "data": [
            {"id": name, "object": "model", "created": 1759276800, "owned_by": "sora"} for name in MODELS]})

    def preview(self, kind, task):
        if kind == "web":
            body = (f"<!doctype html><html><head><meta charset='utf-8'><title>{task}</title></head>"
                    f"<body><h1>任务 {task}</h1><p>数据预览</p></body></html>").encode("utf-8")
            return self.send_body(200, body, "text/html; charset=utf-8")
        self.send_json(200, {"id": task, "status": "completed", "progress": 100})

    def auth_ok(self):
        auth = self.headers.get("Authorization")
        if not auth:
            self.sim.reject(401, "missing_key")
            self.send_api_error(ApiError(401, "未提供令牌", "new_api_error", "invalid_api_key"))
            return False
        scheme, _, key = auth.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(key.strip().encode(), self.sim.api_key.encode()):
            self.sim.reject(401, "invalid_key")
            self.send_api_error(ApiError(401, "无效的令牌", "new_api_error", "invalid_api_key"))
            return False
        return True

    # --- the gateway

    def chat(self):
        sim = self.sim
        body = self.read_body()
        if body is None or not self.auth_ok():
            return
        try:
            try:
                req = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                raise _bad("request body is not valid JSON", None) from None
            model, stream, prompt, image = check_request(req)
            markers = parse_markers(prompt)
        except ApiError as e:
            sim.reject(e.status, e.message)
            return self.send_api_error(e)
        if not stream:
            # A.7.5: a non-stream request only gets an availability message, no video.
            sim.reject(200, "stream_false")
            return self.send_json(200, {
                "id": "chatcmpl-" + uuid.uuid4().hex[:29], "object": "chat.completion",
                "created": int(time.time()), "model": model,
                "choices": [{"index": 0, "finish_reason": "stop", "message": {
                    "role": "assistant",
                    "content": f"✅ {model} 服务可用。视频生成仅支持流式请求，请设置 \"stream\": true。"}}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

        orientation, seconds = MODELS[model]
        record = {"model": model, "prompt": prompt, "has_image": image is not None,
                  "image_kind": image["image_kind"] if image else None,
                  "image_mime": image["image_mime"] if image else None,
                  "image_bytes": image["image_bytes"] if image else None,
                  "authorization_ok": True, "time": time.time(), "time_iso": now_iso(),
                  "markers": dict(markers), "dialect": None,
                  "task_id": None, "video_url": None, "outcome": None}
        n = sim.submit(record)  # counted before any answer, scripted failures included

        scripted = [
            (401, ApiError(401, "无效的令牌", "new_api_error", "invalid_api_key")),
            (403, ApiError(403, f"该令牌无权访问模型 {model}", "new_api_error", "access_denied")),
            (404, ApiError(404, f"The model `{model}` does not exist or you do not have access to it.",
                           "invalid_request_error", "model_not_found")),
            (429, ApiError(429, "当前分组上游负载已饱和，请稍后再试", "new_api_error", "rate_limit_exceeded",
                           headers={"Retry-After": str(markers.get("429", 20))})),
            (500, ApiError(500, "upstream error: do request failed", "new_api_error", "do_request_failed")),
            (503, ApiError(503, f"当前分组 default 下对于模型 {model} 无可用渠道", "new_api_error",
                           "model_not_found")),
        ]
        for status, err in scripted:
            if str(status) in markers:
                sim.update(record, outcome=f"http_{status}")
                return self.send_api_error(err)
        if sim.retired:
            sim.update(record, outcome="http_404")
            return self.send_api_error(scripted[2][1])

        dialect = markers.get("dialect") or DIALECTS[(n - 1) % len(DIALECTS)]
        job = {"n": n, "model": model, "orientation": orientation, "seconds": seconds,
               "prompt": prompt, "markers": markers, "has_image": image is not None,
               "delay": markers.get("delay", sim.step_delay), "steps": markers.get("steps", sim.steps),
               "task_id": task_id(), "base": sim.public_base, "dialect": dialect}
        sim.update(record, dialect=dialect, task_id=job["task_id"])
        outcome = self.stream(job, record)
        sim.update(record, outcome=outcome)
        self.log_message("submission %d dialect %s outcome %s", n, dialect, outcome)

    def stream(self, job, record):
        d = DIALECT_CLASSES[job["dialect"]](self, job)
        self.send_response(200)
        # send_header("Connection", …) overrides the client's wish, so echo it
        connection = "close" if self.close_connection else "keep-alive"
        for k, v in (("Content-Type", "text/event-stream; charset=utf-8"),
                     ("Transfer-Encoding", "chunked"), ("Cache-Control", "no-cache"),
                     ("Connection", connection), ("X-Accel-Buffering", "no"),
                     ("X-Oneapi-Request-Id", request_id()), ("X-Sora-Sim", "1")):
            self.send_header(k, v)
        self.end_headers()
        try:
            return self.script(d, job, record)
        except StopStream:
            self.close_connection = True
            return "stopped"
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return "client_gone"

    def script(self, d, job, record):
        m, sse, delay = job["markers"], d.sse, job["delay"]
        steps = job["steps"]
        if "moderation" in m:  # stop near 40 %: Sora also checks the generated output
            values = [round(41.0 * (i + 1) / max(steps, 1), 1) for i in range(steps)]
        else:
            values = [round(98.7 * (i + 1) / steps, 1) for i in range(steps)]
        stall_at = min(2, len(values))
        trouble_at = min(max(1, len(values) // 2), len(values))  # where cut / error happen

        d.opening()
        if "heavy" in m:
            d.refusal(HEAVY_LOAD)
            return self.end_normally(d, "heavy")
        for i in range(len(values) + 1):
            if "stall" in m and i == stall_at:
                if not self.stall(m["stall"]):
                    self.close_connection = True
                    return "client_gone"
            if "error_in_stream" in m and i == trouble_at:
                sse.pause(delay)
                d.error_event()
                if "nodone" not in m:
                    sse.done()
                sse.end()
                return "error_in_stream"
            if "cut" in m and i == trouble_at:
                sse.pause(delay)
                pct = values[i] if i < len(values) else 99.0
                sse.cut(d.chunk({"content": f"> 🏃 进度：{pct:.1f}%\n\n"}))
                self.close_connection = True
                return "cut"
            if i == len(values):
                break
            sse.pause(delay)
            d.progress(values[i], i)
        sse.pause(delay)
        if "moderation" in m:
            d.refusal(REFUSALS[m["moderation"]])
            return self.end_normally(d, "moderation")
        if "nolink" in m:
            d.no_link()
            return self.end_normally(d, "nolink")
        url, poster = self.issue_link(job, d)
        self.sim.update(record, video_url=url)
        d.success(url, poster)
        return self.end_normally(d, "link")

    def end_normally(self, d, outcome):
        with_done = "nodone" not in d.job["markers"]
        if isinstance(d, D4):
            d.run_end(with_done)
        else:
            d.finish()
            if with_done:
                d.sse.done()
        d.sse.end()
        return outcome

    def stall(self, seconds):
        """Silence with the connection open. False if the client went away."""
        deadline = time.monotonic() + seconds
        sock = self.connection
        while time.monotonic() < deadline:
            if self.sim.stopping.is_set():
                raise StopStream()
            readable, _, _ = select.select([sock], [], [], 0.25)
            if readable:
                try:
                    if sock.recv(1, socket.MSG_PEEK) == b"":
                        return False
                except OSError:
                    return False
        return True

    def issue_link(self, job, d):
        sim, m = self.sim, job["markers"]
        token = uuid.uuid4().hex if not isinstance(d, D2) else str(uuid.uuid4())
        ttl = m.get("ttl", sim.link_ttl)
        expires = time.time() - 60 if "expired" in m else time.time() + ttl
        sub = d.video_dir
        path = f"/videos/{sub}/{token}" if sub else f"/videos/{token}"
        url, poster = f"{sim.public_base}{path}.mp4", f"{sim.public_base}{path}.webp"
        signature = None
        if d.signed:
            signature = make_signature(token, int(expires))
            url += f"?Expires={int(expires)}&OSSAccessKeyId={ACCESS_KEY_ID}&Signature={quote_all(signature)}"
        if "video404" not in m:  # an unregistered token answers 404 NoSuchKey
            sim.add_link(token, {
                "file": media_file(job["orientation"], job["seconds"]), "orientation": job["orientation"],
                "model": job["model"], "issued_at": time.time(), "expires_at": expires,
                "expires_param": int(expires) if signature else None, "signature": signature,
                "kind": "html" if "html" in m else "mp4", "big_mb": m.get("big"),
                "slow_kbps": m.get("slow")})
        return url, poster

    def video(self, path, head):
        sim = self.sim
        m = re.fullmatch(r"/videos/(?:[A-Za-z0-9_-]+/)*([A-Za-z0-9_-]+)\.(mp4|webp)", path)
        with sim.lock:
            link = dict(sim.links.get(m.group(1), {})) if m else None
        xml = "application/xml"
        if not link:
            return self.send_body(404, oss_error("NoSuchKey", "The specified key does not exist."), xml, head=head)
        if time.time() >= link["expires_at"]:
            return self.send_body(403, oss_error("AccessDenied", "Request has expired.",
                                                 f"  <Expires>{now_iso(link['expires_at'])}</Expires>\n"
                                                 f"  <ServerTime>{now_iso()}</ServerTime>\n"), xml, head=head)
        query = urlsplit(self.path).query
        if query and link.get("signature"):
            # Object storage form-decodes the values: %2B → "+", a bare "+" → " ".
            q = parse_qs(query, keep_blank_values=True)
            if (q.get("Signature") != [link["signature"]] or q.get("OSSAccessKeyId") != [ACCESS_KEY_ID]
                    or q.get("Expires") != [str(link["expires_param"])]):
                return self.send_body(403, oss_error(
                    "SignatureDoesNotMatch", "The request signature we calculated does not match the "
                    "signature you provided. Check your key and signing method."), xml, head=head)
        if m.group(2) == "webp":
            with open(os.path.join(MEDIA_DIR, f"poster-{link['orientation']}.webp"), "rb") as f:
                return self.send_body(200, f.read(), "image/webp", head=head)
        if link["kind"] == "html":
            body = ("<!doctype html><html><head><meta charset='utf-8'><title>视频预览</title></head>"
                    "<body><p>请在浏览器中打开以观看视频。</p></body></html>").encode("utf-8")
            return self.send_body(200, body, "text/html; charset=utf-8", head=head)

        path_on_disk = os.path.join(MEDIA_DIR, link["file"])
        source = BigSource(path_on_disk, link["big_mb"]) if link.get("big_mb") else FileSource(path_on_disk)
        size = source.size
        start, end, status = 0, size - 1, 200
        rng = self.headers.get("Range", "")
        rm = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", rng)
        if rm and (rm.group(1) or rm.group(2)):  # one range only; anything else → whole file
            if rm.group(1):
                start = int(rm.group(1))
                end = min(int(rm.group(2)), size - 1) if rm.group(2) else size - 1
            else:  # suffix range: the last N bytes
                start = max(0, size - int(rm.group(2)))
            if start >= size or start > end:
                return self.send_body(416, oss_error("InvalidRange", "The requested range is not satisfiable"),
                                      xml, {"Content-Range": f"bytes */{size}"}, head=head)
            status = 206
        length = end - start + 1
        etag = '"%s"' % hashlib.md5(f"{m.group(1)}:{size}".encode()).hexdigest().upper()
        self.send_response(status)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", formatdate(link["issued_at"], usegmt=True))
        self.send_header("x-oss-request-id", uuid.uuid4().hex[:24].upper())
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        if head:
            return
        with sim.lock:
            sim.downloads += 1
            sim.save()
        slow = link.get("slow_kbps")
        block = 4096 if slow else 65536
        for data in source.chunks(start, length, block):
            self.wfile.write(data)
            if slow:
                if sim.stopping.wait(len(data) / (slow * 1024.0)):
                    self.close_connection = True
                    return


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # idle keep-alive connections must not hold up shutdown
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client dropping its (keep-alive) connection is normal, not worth a traceback.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError, ssl.SSLError)):
            return  # ssl: a client that refused our certificate
        super().handle_error(request, client_address)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Simulated Sora 2 chat-completions gateway (test double).")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--api-key", required=True)
    ap.add_argument("--step-delay", type=float, default=1.0)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--link-ttl", type=float, default=86400.0)
    ap.add_argument("--public-base")
    ap.add_argument("--state-file")
    ap.add_argument("--retired", action="store_true")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--media-host", help="where the task dialects' result files are served (default: --host)")
    ap.add_argument("--media-port", type=int, default=0, help="port of the media origin (0: a free one)")
    ap.add_argument("--videos-content", choices=("proxy", "redirect"), default="proxy",
                    help="/v1/videos/{id}/content streams the bytes (proxy) or answers 302 to the media origin")
    ap.add_argument("--tls-cert", help="PEM certificate chain: both listeners speak HTTPS")
    ap.add_argument("--tls-key", help="the certificate's PEM key")
    args = ap.parse_args(argv)
    if args.steps < 0 or args.step_delay < 0:
        ap.error("--steps and --step-delay must not be negative")
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    scheme = "https" if args.tls_cert else "http"

    if ":" in args.host:
        Server.address_family = socket.AF_INET6
    server = Server((args.host, args.port), Handler)
    if args.tls_cert:
        serve_tls(server, args.tls_cert, args.tls_key)
    sim = Sim(args)
    server.sim = sim
    port = server.server_address[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    if not sim.public_base:
        sim.public_base = f"{scheme}://{host}:{port}"
    media_host = args.media_host or args.host
    media = MediaServer((media_host, args.media_port), sim.tasks)
    if args.tls_cert:
        serve_tls(media, args.tls_cert, args.tls_key)
    shown = f"[{media_host}]" if ":" in media_host else media_host
    sim.tasks.media_base = f"{scheme}://{shown}:{media.server_address[1]}"
    threading.Thread(target=media.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    print(f"sora-sim listening on {scheme}://{host}:{port}", flush=True)
    while not stop.wait(0.5):
        pass
    sim.stopping.set()  # wakes streams that are pausing or stalling
    server.shutdown()
    server.server_close()
    media.shutdown()
    media.server_close()
    with sim.lock:
        sim.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
