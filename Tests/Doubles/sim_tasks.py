"""Shared machinery of sora-sim's asynchronous task dialects (Ark, DashScope, /v1/videos).

One `TaskGateway` owns the injectable clock, the task records, the result links, the
counters and the request log; each dialect module (sim_ark, sim_dashscope, sim_videos) only
knows its own wire shapes. The module docstrings of those files list their endpoints; the
markers and the observability endpoints are documented in sora_sim.py.

Pace: a task is `queued` for one step (`--step-delay` / [sim:delay=S]), `running` for
`--steps` / [sim:steps=N] more steps with rising progress, then finishes. Everything is
computed from the clock when a client looks, so no thread drives tasks and a test can move
time with POST /_sim/clock.
"""

import hmac
import json
import random
import re
import string
import threading
import time
import uuid
from collections import deque
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, unquote, urlsplit

import sim_media
from sim_media import MEDIA_DIR, BigSource, BytesSource, FileSource, solid_png, xml_error

BEIJING = timezone(timedelta(hours=8))  # Ark ids and DashScope times are Beijing local time
TERMINAL = ("succeeded", "failed", "cancelled", "expired")
LOG_LIMIT = 2000
COUNTERS = ("creates", "rejected", "tasks_created", "polls", "lists", "cancels", "deletes",
            "content_requests", "downloads", "media_auth_rejections", "range_requests")
DIALECTS = ("ark", "dashscope", "videos")


class Clock:
    """Wall time plus an offset that tests can move forward (POST /_sim/clock)."""

    def __init__(self, source=time.time):
        self.source = source
        self.offset = 0.0

    def now(self):
        return self.source() + self.offset

    def advance(self, seconds):
        self.offset += seconds


class TaskError(Exception):
    """An HTTP error that the dialect renders in its own shape."""

    def __init__(self, status, code, message, param=None, headers=None, outcome=None):
        super().__init__(message)
        self.status, self.code, self.message, self.param = status, code, message, param
        self.headers = headers or {}
        self.outcome = outcome or f"http_{status}"


# ---------------------------------------------------------------- prompt markers

def _flag(value):
    if value is not None:
        raise ValueError("takes no value")
    return True


def _int(default=None, minimum=0):
    def conv(value):
        if value is None:
            if default is None:
                raise ValueError("needs a value")
            return default
        n = int(value)
        if n < minimum or n > 10**7:
            raise ValueError("out of range")
        return n
    return conv


def _float(default=None):
    def conv(value):
        if value is None:
            if default is None:
                raise ValueError("needs a value")
            return default
        n = float(value)
        if n != n or n < 0 or n > 10**7:
            raise ValueError("out of range")
        return n
    return conv


def _retry_after(value):
    if value is None:
        return 20
    if value == "none":
        return None
    return _int()(value)


def _choice(options, default):
    def conv(value):
        value = default if value is None else value
        if value not in options:
            raise ValueError("one of " + "|".join(options))
        return value
    return conv


MARKERS = {
    "steps": _int(), "delay": _float(),
    "input_moderation": _flag,
    "output_moderation": _int(2, 1), "ip_infringement": _int(2, 1), "fail": _int(2, 1),
    "429": _retry_after, "500": _flag, "502": _flag, "503": _flag, "no_channel": _flag,
    "lost": _choice(("close", "500", "502", "504", "timeout"), "close"),
    "poll500": _int(1, 1),
    "stuck": _flag, "nourl": _flag, "expired": _flag, "ttl": _float(),
    "cut": _int(1, 1), "slow": _int(20, 1), "big": _int(minimum=1),
    "task_expired": _flag, "redirect": _flag, "colon_id": _flag,
}
ONLY_FOR = {"task_expired": "ark", "redirect": "videos", "colon_id": "videos"}
MARKER_RE = re.compile(r"\[sim:([A-Za-z0-9_]+)(?:=([^\]]*))?\]")
FAILURE_MARKERS = ("output_moderation", "ip_infringement", "fail")


def parse_markers(prompt, dialect):
    """Markers in a prompt; ValueError for unknown or misused ones (typos must not pass)."""
    found = {}
    for m in MARKER_RE.finditer(prompt or ""):
        name, value = m.group(1).lower(), m.group(2)
        if name not in MARKERS:
            raise ValueError(f"sora-sim: unknown marker {m.group(0)}")
        if ONLY_FOR.get(name, dialect) != dialect:
            raise ValueError(f"sora-sim: marker {m.group(0)} only applies to the {ONLY_FOR[name]} dialect")
        try:
            found[name] = MARKERS[name](value)
        except ValueError as e:
            raise ValueError(f"sora-sim: bad marker {m.group(0)}: {e}") from None
    return found


# ---------------------------------------------------------------- small helpers

def beijing(t):
    return datetime.fromtimestamp(t, BEIJING)


def iso(t):
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def rand_chars(n, alphabet=string.ascii_lowercase + string.digits):
    return "".join(random.choice(alphabet) for _ in range(n))


def read_body(handler, limit):
    """The request body, or None when it is larger than `limit` (the caller answers)."""
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return body
            body += handler.rfile.read(size)
            handler.rfile.readline()
            if len(body) > limit:
                handler.close_connection = True
                return None
    length = int(handler.headers.get("Content-Length") or 0)
    if length < 0:
        raise ValueError("negative Content-Length")
    if length > limit:
        handler.close_connection = True
        return None
    return handler.rfile.read(length)


def drain_body(handler):
    """Read and drop a body nobody needs (the Ark SDK sends `{}` with DELETE), so the next
    request on a kept-alive connection starts where it should."""
    try:
        body = read_body(handler, 1 << 20)
    except ValueError:
        body = None
    if body is None:
        handler.close_connection = True


def bearer_key(handler, allow_raw=False):
    auth = handler.headers.get("Authorization") or ""
    scheme, _, key = auth.partition(" ")
    if scheme.lower() == "bearer":
        return key.strip()
    return auth.strip() if allow_raw and auth and " " not in auth.strip() else None


def send_json(handler, status, obj, headers=None):
    body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    for k, v in (headers or {}).items():
        handler.send_header(k, v)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(body)


def send_html(handler, status, title):
    """What an nginx front answers for 502/504: HTML, not the API's JSON."""
    body = (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
            "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n").encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def path_segments(path):
    """Split a raw path and percent-decode each segment (ids may hold an encoded ':' or '/')."""
    return [unquote(s) for s in path.split("/")]


# ---------------------------------------------------------------- the gateway state

class TaskGateway:
    """Everything the three dialects share: tasks, result links, clock, counters and log.
    One RLock guards it all; request handlers run on many threads."""

    def __init__(self, *, api_key, step_delay, steps, link_ttl, quiet=False, stopping=None, clock=None,
                 videos_content="proxy"):
        self.api_key = api_key
        self.step_delay, self.steps, self.link_ttl = step_delay, steps, link_ttl
        self.quiet = quiet
        self.stopping = stopping or threading.Event()
        self.clock = clock or Clock()
        self.videos_content = videos_content
        self.lock = threading.RLock()
        self.tasks = {}    # id → task record (plain dicts)
        self.links = {}    # token → media link record
        self.media_base = None
        self.dialects = {}
        self._zero()

    def _zero(self):
        self.counters = {d: {c: 0 for c in COUNTERS} for d in DIALECTS}
        self.unlinked = {"media_auth_rejections": 0}  # requests for no known link
        self.log = deque(maxlen=LOG_LIMIT)
        self.n = 0

    def register(self, dialect):
        self.dialects[dialect.name] = dialect
        dialect.gw = self

    # --- routing from the main listener

    def route(self, handler, method, path):
        for dialect in self.dialects.values():
            if dialect.route(handler, method, path):
                return True
        return False

    # --- counters and log (no keys, no image bytes)

    def count(self, dialect, name, n=1):
        with self.lock:
            self.counters[dialect][name] += n

    def entry(self, dialect, op, handler, **fields):
        with self.lock:
            self.n += 1
            t = self.clock.now()
            e = {"n": self.n, "dialect": dialect, "op": op, "method": handler.command,
                 "path": urlsplit(handler.path).path, "status": None, "time": t, "time_iso": iso(t)}
            e.update(fields)
            self.log.append(e)
            return e

    def stats(self):
        with self.lock:
            out = {d: dict(c) for d, c in self.counters.items()}
            return {"dialects": out,
                    "media_auth_rejections": sum(c["media_auth_rejections"] for c in out.values())
                    + self.unlinked["media_auth_rejections"],
                    "range_requests": sum(c["range_requests"] for c in out.values()),
                    "task_requests": [dict(e) for e in self.log],
                    "tasks": len(self.tasks), "task_links": len(self.links),
                    "media_base": self.media_base, "clock_offset": self.clock.offset}

    def reset(self, forget_tasks=False):
        with self.lock:
            self._zero()
            if forget_tasks:
                self.tasks.clear()
                self.links.clear()

    def expire_links(self):
        with self.lock:
            past = self.clock.now() - 1
            for link in self.links.values():
                link["expires_at"] = min(link["expires_at"], past)
            for task in self.tasks.values():
                if task.get("expires_at") is not None:
                    task["expires_at"] = min(task["expires_at"], past)
            return len(self.links)

    # --- tasks

    def new_task(self, dialect, task_id, model, prompt, markers, params):
        now = self.clock.now()
        task = {"id": task_id, "dialect": dialect, "model": model, "prompt": prompt,
                "markers": markers, "params": params, "created_at": now, "updated_at": now,
                "delay": markers.get("delay", self.step_delay), "steps": markers.get("steps", self.steps),
                "status": "queued", "progress": 0, "started_at": None, "ended_at": None,
                "polls": 0, "failure": None, "links": {}, "expires_at": None}
        with self.lock:
            self.tasks[task_id] = task
            self.counters[dialect]["tasks_created"] += 1
        return task

    def get(self, task_id, dialect):
        with self.lock:
            task = self.tasks.get(task_id)
            return task if task is not None and task["dialect"] == dialect else None

    def forget(self, task_id):
        with self.lock:
            task = self.tasks.pop(task_id, None)
            if task:
                for token in task["links"].values():
                    self.links.pop(token, None)

    def advance(self, task, poll=False):
        """Bring a task's recorded state up to the clock; a poll also counts for the
        poll-driven markers. Terminal states never change again."""
        with self.lock:
            if poll:
                task["polls"] += 1
            if task["status"] in TERMINAL:
                return task
            now = self.clock.now()
            m, created = task["markers"], task["created_at"]
            failure = next((name for name in FAILURE_MARKERS if name in m), None)
            if failure and task["polls"] >= m[failure]:
                if task["started_at"] is None:
                    task["started_at"] = now
                return self._finish(task, "failed", now, failure)
            deadline = self.dialects[task["dialect"]].deadline(task)
            delay, steps = task["delay"], task["steps"]
            k = int((now - created) / delay) if delay > 0 else steps + 1
            if "stuck" in m:
                k = 0
            finishes_at = None if ("stuck" in m or failure) else created + (steps + 1) * max(delay, 0)
            if deadline is not None and now >= created + deadline and (
                    finishes_at is None or finishes_at > created + deadline):  # a late look at a done task
                return self._finish(task, "expired", created + deadline, "task_expired")
            if k >= 1 and task["started_at"] is None:
                task["started_at"] = created + min(delay, now - created)
                task["status"], task["updated_at"] = "running", task["started_at"]
            if 1 <= k <= steps or (k > steps and failure):
                task["progress"] = max(task["progress"], min(99, int(100 * min(k, steps) / (steps + 1))))
            elif k > steps:
                end = min(now, created + (steps + 1) * delay)
                return self._finish(task, "expired" if "task_expired" in m else "succeeded", end,
                                    "task_expired" if "task_expired" in m else None)
            return task

    def _finish(self, task, status, when, reason):
        task["status"], task["ended_at"], task["updated_at"] = status, when, when
        task["failure"] = reason
        if status == "succeeded":
            task["progress"] = 100
            m = task["markers"]
            ttl = m.get("ttl", self.link_ttl)
            task["expires_at"] = when - 60 if "expired" in m else when + ttl
            if "nourl" not in m:
                self.dialects[task["dialect"]].issue_links(task)
        return task

    def cancel(self, task, status="cancelled"):
        with self.lock:
            now = self.clock.now()
            task["status"], task["ended_at"], task["updated_at"] = status, now, now
            task["failure"] = "cancelled"

    def list_tasks(self, dialect):
        with self.lock:
            found = [t for t in self.tasks.values() if t["dialect"] == dialect]
        for t in found:
            self.advance(t)
        return sorted(found, key=lambda t: t["created_at"], reverse=True)

    # --- result links

    def add_link(self, task, kind, style, path, *, file=None, data=None, content_type="video/mp4",
                 query_builder=None):
        """Register one result file at the media origin; returns its URL."""
        token = path.rsplit("/", 1)[-1].split(".")[0]
        issued = task["ended_at"] or self.clock.now()
        link = {"token": token, "task_id": task["id"], "dialect": task["dialect"], "kind": kind,
                "style": style, "path": path, "file": file, "content_type": content_type,
                "issued_at": issued, "expires_at": task["expires_at"],
                "ttl": task["markers"].get("ttl", self.link_ttl),
                "big_mb": task["markers"].get("big") if kind == "video" else None,
                "slow_kbps": task["markers"].get("slow") if kind == "video" else None,
                "cuts_left": task["markers"].get("cut", 0) if kind == "video" else 0,
                "size": data}
        link["query"] = query_builder(link) if query_builder else ""
        with self.lock:
            self.links[token] = link
            task["links"][kind] = token
        return f"{self.media_base}{path}?{link['query']}" if link["query"] else f"{self.media_base}{path}"

    def link_url(self, task, kind):
        token = task["links"].get(kind)
        link = self.links.get(token) if token else None
        if not link:
            return None
        return f"{self.media_base}{link['path']}?{link['query']}" if link["query"] else f"{self.media_base}{link['path']}"

    def source_for(self, link):
        if link["kind"] == "video":
            path = f"{MEDIA_DIR}/{link['file']}"
            return BigSource(path, link["big_mb"]) if link.get("big_mb") else FileSource(path)
        if link["kind"] == "last_frame":
            w, h = link["size"]
            return BytesSource(solid_png(w, h))
        return FileSource(f"{MEDIA_DIR}/{link['file']}")

    def take_cut(self, link):
        """Whether this download is one of the [sim:cut=N] ones."""
        with self.lock:
            stored = self.links.get(link["token"])  # callers may hold a copy
            if stored and stored.get("cuts_left", 0) > 0:
                stored["cuts_left"] -= 1
                return True
            return False

    def serve_media(self, handler, head):
        """The media origin's one handler (sim_media.MediaHandler calls it)."""
        parts = urlsplit(handler.path)
        token = parts.path.rsplit("/", 1)[-1].split(".")[0]
        with self.lock:
            link = dict(self.links.get(token) or {})
        dialect = link.get("dialect")
        e = self.entry(dialect, "media", handler, task_id=link.get("task_id"), kind=link.get("kind"),
                       range=handler.headers.get("Range"),
                       authorization=handler.headers.get("Authorization") is not None)
        if handler.headers.get("Authorization") is not None:
            # object storage refuses a second auth mechanism next to a signed query
            with self.lock:
                (self.counters[dialect] if dialect else self.unlinked)["media_auth_rejections"] += 1
            e["status"] = 400
            return handler.send_xml(400, xml_error(
                "InvalidArgument", "Authorization header and query-string authentication cannot be used "
                "together; a signed URL carries its own credentials."), head=head)
        if not link or link["path"] != parts.path:
            e["status"] = 404
            return handler.send_xml(404, xml_error("NoSuchKey", "The specified key does not exist."), head=head)
        if handler.headers.get("Range"):
            self.count(dialect, "range_requests")
        if self.clock.now() >= link["expires_at"]:
            e["status"] = 403
            return handler.send_xml(403, xml_error(
                "AccessDenied", "Request has expired.",
                f"  <Expires>{iso(link['expires_at'])}</Expires>\n  <ServerTime>{iso(self.clock.now())}</ServerTime>\n"),
                head=head)
        if parse_qs(parts.query, keep_blank_values=True) != parse_qs(link["query"], keep_blank_values=True):
            e["status"] = 403
            return handler.send_xml(403, xml_error(
                "SignatureDoesNotMatch", "The request signature we calculated does not match the signature "
                "you provided. Check your key and signing method."), head=head)
        cut = not head and self.take_cut(link)
        status = sim_media.serve_source(
            handler, self.source_for(link), link["content_type"], head=head, etag_seed=token,
            last_modified=link["issued_at"], slow_kbps=link.get("slow_kbps"), cut=cut,
            stopping=self.stopping, error_body=xml_error,
            extra_headers={"x-oss-request-id" if link["style"] == "oss" else "x-tos-request-id":
                           uuid.uuid4().hex[:24].upper()},
            on_body=lambda: self.count(dialect, "downloads"))
        e["status"] = status
        if cut:
            e["outcome"] = "cut"


# ---------------------------------------------------------------- what every dialect shares

class Validated:
    """What a dialect's validation hands to the shared create flow."""

    def __init__(self, model, prompt, params, images=()):
        self.model, self.prompt, self.params, self.images = model, prompt, params, list(images)


class TaskDialect:
    """Create/poll flows common to the three dialects; subclasses supply shapes and rules."""

    name = None
    body_limit = 32 * 1024 * 1024
    gw = None

    # --- hooks a dialect overrides
    def route(self, handler, method, path): raise NotImplementedError
    def parse_and_validate(self, handler, body): raise NotImplementedError
    def error_body(self, err, request_id): raise NotImplementedError
    def created_answer(self, task): raise NotImplementedError
    def render(self, task): raise NotImplementedError
    def unknown_task(self, handler, task_id, e): raise NotImplementedError
    def issue_links(self, task): raise NotImplementedError
    def new_id(self, markers, model): raise NotImplementedError
    def auth_error(self): raise NotImplementedError
    def rate_limited(self, retry_after): raise NotImplementedError
    def server_error(self, status): raise NotImplementedError
    def input_moderation(self): raise NotImplementedError
    def too_large(self): raise NotImplementedError
    def bad_request(self, message, param=None): raise NotImplementedError

    def deadline(self, task):
        """Seconds after creation when an unfinished task expires (None: never)."""
        return None

    def answer_headers(self, task):
        return {}

    def precheck(self, handler):
        """Header rules checked after the key (DashScope's async header)."""

    def retention(self):
        """Seconds after creation when a task can no longer be looked up (None: forever)."""
        return None

    # --- plumbing
    def request_id(self):
        return str(uuid.uuid4())

    def send_error(self, handler, err, e=None):
        rid = self.request_id()
        if e is not None:
            e["status"], e["outcome"] = err.status, e.get("outcome") or err.outcome
        if err.code == "__new_api__":  # the gateway's own answer, not the upstream's
            body = {"error": {"message": f"{err.message} (request id: {rid})", "type": "new_api_error",
                              "param": "", "code": "model_not_found"}}
            return send_json(handler, err.status, body, {"X-Oneapi-Request-Id": rid, **err.headers})
        send_json(handler, err.status, self.error_body(err, rid), {"X-Request-Id": rid, **err.headers})

    def check_auth(self, handler, allow_raw=False):
        key = bearer_key(handler, allow_raw)
        if key is None or not hmac.compare_digest(key.encode(), self.gw.api_key.encode()):
            raise self.auth_error()

    def lookup(self, task_id):
        task = self.gw.get(task_id, self.name)
        if task is None:
            return None
        keep = self.retention()
        if keep is not None and self.gw.clock.now() >= task["created_at"] + keep:
            return None
        return task

    # --- the create flow
    def handle_create(self, handler):
        gw = self.gw
        e = gw.entry(self.name, "create", handler)
        try:
            try:
                body = read_body(handler, self.body_limit)
            except ValueError:
                handler.close_connection = True
                raise self.bad_request("malformed request body")
            if body is None:
                raise self.too_large()
            self.check_auth(handler, allow_raw=(self.name == "videos"))
            self.precheck(handler)
            v = self.parse_and_validate(handler, body)
            try:
                markers = parse_markers(v.prompt, self.name)
            except ValueError as err:
                raise self.bad_request(str(err), "prompt")
        except TaskError as err:
            gw.count(self.name, "rejected")
            return self.send_error(handler, err, e)
        gw.count(self.name, "creates")
        e.update(model=v.model, prompt=v.prompt, markers=dict(markers), images=v.images)
        scripted = self.scripted(markers, v.model)
        if scripted is not None:
            return self.send_error(handler, scripted, e)
        task = gw.new_task(self.name, self.new_id(markers, v.model), v.model, v.prompt, markers, v.params)
        e["task_id"] = task["id"]
        if "lost" in markers:
            return self.lose_answer(handler, markers["lost"], e)
        e["status"], e["outcome"] = 200, "created"
        send_json(handler, 200, self.created_answer(task), self.answer_headers(task))

    def scripted(self, markers, model):
        if "no_channel" in markers:
            return TaskError(503, "__new_api__", "该模型无可用渠道", outcome="no_channel")
        if "429" in markers:
            return self.rate_limited(markers["429"])
        for status in ("500", "502", "503"):
            if status in markers:
                return self.server_error(int(status))
        if "input_moderation" in markers:
            err = self.input_moderation()
            err.outcome = "input_moderation"
            return err
        return None

    def lose_answer(self, handler, mode, e):
        """The task exists upstream, but its id never reaches the client."""
        e["outcome"] = f"lost_{mode}"
        if mode == "500":
            return self.send_error(handler, self.server_error(500), e)
        if mode in ("502", "504"):
            e["status"] = int(mode)
            return send_html(handler, int(mode), "502 Bad Gateway" if mode == "502" else "504 Gateway Time-out")
        if mode == "timeout":
            sim_media.hold_silently(handler, 600, self.gw.stopping)
        handler.close_connection = True  # "close": no status line at all

    # --- the poll flow
    def handle_poll(self, handler, task_id):
        gw = self.gw
        e = gw.entry(self.name, "poll", handler, task_id=task_id)
        drain_body(handler)
        try:
            self.check_auth(handler, allow_raw=(self.name == "videos"))
        except TaskError as err:
            return self.send_error(handler, err, e)
        gw.count(self.name, "polls")
        task = self.lookup(task_id)
        if task is None:
            e["outcome"] = "unknown"
            return self.unknown_task(handler, task_id, e)
        gw.advance(task, poll=True)
        if task["markers"].get("poll500") == task["polls"]:
            return self.send_error(handler, self.server_error(500), e)
        e["status"], e["outcome"] = 200, task["status"]
        send_json(handler, 200, self.render(task), self.answer_headers(task))
