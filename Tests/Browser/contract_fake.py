"""The API of docs/contract.md, in memory, answered to the page through Playwright routes while the
core is still being changed to it. nginx still serves the page itself (CSP, versioned assets).

Tests drive job states on demand (`fake.update(id, …)`), act as a second client (`fake.create(…)`),
and read what the page sent (`fake.requests`). Fakes remain only for states the real stack cannot
produce on demand once the core speaks the contract."""
import base64
import json
import pathlib
import re
import secrets
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

from page_support import png_bytes

MEDIA = pathlib.Path(__file__).resolve().parents[1] / "Doubles" / "media"
CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"

SEEDANCE = {
    "id": "seedance-2-0", "label": "Seedance 2.0", "vendor": "ByteDance Seedance",
    "description": "Text, first frame or first and last frame to video, with sound.",
    "protocol": "ark_tasks", "upstream_model": "doubao-seedance-2-0-260128",
    "modes": ["text_to_video", "image_to_video", "first_last_frame"],
    "params": [
        {"name": "duration", "kind": "int", "min": 4, "max": 15, "default": 5, "unit": "s"},
        {"name": "resolution", "kind": "enum", "values": ["480p", "720p", "1080p"], "default": "720p"},
        {"name": "ratio", "kind": "enum", "values": ["16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive"], "default": "16:9",
         "modes": ["text_to_video"]},
        {"name": "audio", "kind": "bool", "default": True},
        {"name": "seed", "kind": "int", "min": -1, "max": 4294967295, "default": -1, "advanced": True},
        {"name": "negative_prompt", "kind": "string", "max_length": 500, "default": "", "advanced": True},
    ],
    "price": {"kind": "per_token", "usd_per_million_tokens": {"480p": 7.13, "720p": 7.13, "1080p": 7.90}, "fps": 24,
              "source": "vendor list price", "as_of": "2026-11"},
    "deadline_seconds": 1800, "typical_seconds": 180, "tags": ["Seedance", "audio"],
    "retired": False, "notice": None, "width": None, "height": None, "duration": None,
}
WAN = {
    "id": "wan-2-6", "label": "Wan 2.6", "vendor": "Alibaba DashScope", "description": "",
    "protocol": "dashscope_tasks", "upstream_model": "wan2.6-t2v", "modes": ["text_to_video", "image_to_video"],
    "params": [
        {"name": "duration", "kind": "int", "values": [5, 10], "default": 5, "unit": "s"},
        {"name": "resolution", "kind": "enum", "values": ["720p", "1080p"], "default": "1080p"},
        {"name": "prompt_extend", "kind": "bool", "default": True},
    ],
    "price": {"kind": "per_second", "usd_per_second": {"720p": 0.086, "1080p": 0.13}},
    "deadline_seconds": 1200, "typical_seconds": 240, "tags": ["Wan"], "retired": False, "notice": None,
    "width": None, "height": None, "duration": None,
}
SORA = {
    "id": "sora-v2-landscape", "label": "Sora 2 · landscape 10 s", "vendor": "OpenAI Sora 2", "description": "",
    "protocol": "chat_stream", "upstream_model": "sora_video2-landscape", "modes": ["text_to_video", "image_to_video"],
    "params": [], "price": {"kind": "per_call", "usd": 0.15}, "deadline_seconds": 900, "typical_seconds": 200,
    "tags": ["Sora", "landscape", "10s"], "retired": False, "notice": None, "width": 1280, "height": 704, "duration": 10,
}
RETIRED = {**SORA, "id": "sora-v2-portrait", "label": "Sora 2 · portrait 10 s", "retired": True, "notice": "Retired upstream on 2026-04-26.",
           "replaced_by": ["seedance-2-0"], "width": 704, "height": 1280, "tags": ["Sora", "portrait", "10s"]}
CATALOG = [SEEDANCE, WAN, SORA, RETIRED]


def now_iso(offset=0.0):
    return (datetime.now(timezone.utc) + timedelta(seconds=offset)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_last_ms = [0]


def new_id():
    """A job id like the core's: 10 characters of milliseconds (kept rising) and 16 random ones."""
    t = _last_ms[0] = max(int(time.time() * 1000), _last_ms[0] + 1)
    head = "".join(CROCKFORD[(t >> (5 * i)) & 31] for i in reversed(range(10)))
    return head + "".join(secrets.choice(CROCKFORD) for _ in range(16))


def frame_size(model, params):
    if model.get("width") and model.get("height"):
        return model["width"], model["height"]
    r = int(params["resolution"].rstrip("p"))
    ratio = params.get("ratio", "16:9")
    a, b = (16, 9) if ratio in ("adaptive", None) else map(int, ratio.split(":"))
    long = round(r * max(a, b) / min(a, b) / 16) * 16
    return (long, r) if a >= b else (r, long)


def price_of(model, params):
    rule = model["price"]
    if rule["kind"] == "per_call":
        return rule["usd"]
    table = rule.get("usd_per_second") or rule.get("usd_per_million_tokens")
    rate = table.get(params.get("resolution"), table.get("*"))
    seconds = params.get("duration", model.get("duration"))
    if rule["kind"] == "per_second":
        return round(rate * seconds, 4)
    w, h = frame_size(model, params)
    return round(w * h * (rule["fps"] * seconds + 1) / 1024 / 1e6 * rate, 4)


class ContractFake:
    COUNT_CAP = 1000

    def __init__(self, *, signed_in=True, budget=10.0, delete_media=False, password="open sesame"):
        self.models = [dict(m) for m in CATALOG]
        self.jobs = {}              # id → status document
        self.frames = {}            # id → {"first": bytes, "last": bytes}
        self.events = []
        self.seq = 0
        self.keys = {}              # Idempotency-Key → (body, id)
        self.requests = []          # (method, path, body, headers) of every API call
        self.signed_in = signed_in
        self.password = password
        self.bad_logins = 0
        self.budget = budget
        self.delete_media = delete_media
        self.feed_name = "feed-" + secrets.token_hex(16)
        self.answer_once = {}       # (method, path regex) → (status, body): one-off answers (403, 409 …)

    # --- state the tests drive ---------------------------------------------------------------
    def spend(self):
        today = round(sum(j["cost_usd"] or 0 for j in self.jobs.values()), 4)
        return {"today_usd": today, "reserved_usd": 0.0, "budget_usd": self.budget,
                "left_usd": None if self.budget is None else round(self.budget - today, 4)}

    def event(self, kind, job_id, **extra):
        self.seq += 1
        self.events = (self.events + [{"seq": self.seq, "type": kind, "job": job_id, **extra}])[-200:]

    def create(self, model_id="seedance-2-0", prompt="a lighthouse in a storm", params=None, mode="text_to_video", **fields):
        """A job as a second client (or the page) creates it; emits `created`."""
        model = next(m for m in self.models if m["id"] == model_id)
        filled = {p["name"]: (params or {}).get(p["name"], p["default"]) for p in model["params"] if mode in p.get("modes", [mode])}
        job_id = new_id()
        w, h = frame_size(model, filled) if (model.get("width") or "resolution" in filled) else (None, None)
        doc = {
            "seq": 1, "task_id": job_id, "status": "queued", "phase": "queued", "queue_position": 1, "progress": 0, "stage": "",
            "model": model_id, "upstream_model": model["upstream_model"], "protocol": model["protocol"], "mode": mode,
            "params": filled, "duration": filled.get("duration", model.get("duration")), "width": w, "height": h,
            "orig_prompt": prompt, "actual_prompt": prompt, "status_url": f"/status/{job_id}.json", "video_url": None,
            "video_key": None, "poster_url": None, "upstream_task_id": None, "size_bytes": None,
            "price_usd": price_of(model, filled), "cost_usd": 0, "cost_state": "none", "usage": None,
            "can_cancel": True, "can_retry": False, "link_expires_at": None, "link_expiry_estimated": False, "error": None,
            "created_at": now_iso(), "updated_at": now_iso(), "started_at": None, "finished_at": None, "heartbeat_at": None,
        }
        doc.update(fields)
        self.jobs[job_id] = doc
        self.event("created", job_id, status=doc["status"])
        return doc

    def update(self, job_id, **fields):
        """A newer status document; emits `updated`."""
        doc = self.jobs[job_id]
        doc.update(fields)
        doc["seq"] += 1
        doc["updated_at"] = now_iso()
        self.event("updated", job_id, status=doc["status"], progress=doc["progress"])
        return doc

    def run(self, job_id, progress=40, phase="generating"):
        return self.update(job_id, status="generating", phase=phase, queue_position=None, progress=progress,
                           stage=f"task running ({progress}%)", started_at=self.jobs[job_id]["started_at"] or now_iso(),
                           cost_usd=self.jobs[job_id]["price_usd"], cost_state="reserved", can_cancel=False)

    def succeed(self, job_id, poster=True):
        return self.update(job_id, status="succeeded", phase="done", progress=100, queue_position=None,
                           video_url=f"/fake-media/{job_id}.mp4", poster_url=f"/fake-media/{job_id}.webp" if poster else None,
                           size_bytes=len((MEDIA / "landscape-10s.mp4").read_bytes()), cost_state="settled",
                           cost_usd=self.jobs[job_id]["price_usd"], finished_at=now_iso(), can_cancel=False, can_retry=False)

    def fail(self, job_id, kind="upstream", code="http", params=None, can_retry=False, detail="HTTP 503 from the provider", **extra):
        return self.update(job_id, status="failed", phase="failed", queue_position=None, can_cancel=False, can_retry=can_retry,
                           error={"kind": kind, "code": code, "params": params or {}, "detail": detail},
                           finished_at=now_iso(), **extra)

    def delete(self, job_id):
        self.jobs.pop(job_id)
        self.event("deleted", job_id)

    # --- routes ------------------------------------------------------------------------------
    def install(self, ctx):
        ctx.route(re.compile(r".*/api/.*"), self._api)
        ctx.route(re.compile(r".*/status/[0-9a-z]{26}\.json(\?.*)?$"), self._status)
        ctx.route(re.compile(r".*/status/feed-[0-9a-f]{32}\.json(\?.*)?$"), self._feed)
        ctx.route(re.compile(r".*/fake-media/.*"), self._media)

    def _json(self, route, status, body, headers=None):
        route.fulfill(status=status, content_type="application/json", body=json.dumps(body),
                      headers={"Cache-Control": "no-store", "Date": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()), **(headers or {})})

    def _error(self, route, status, code, params=None, headers=None):
        self._json(route, status, {"error": {"code": code, "message": f"{code} (for developers)", "params": params or {}}}, headers)

    def _status(self, route):
        job_id = re.search(r"/status/([0-9a-z]{26})\.json", route.request.url).group(1)
        doc = self.jobs.get(job_id)
        if doc is None:
            return self._error(route, 404, "not_found")
        self._json(route, 200, doc)

    def _feed(self, route):
        self._json(route, 200, {"seq": self.seq, "updated_at": now_iso(), "spend": self.spend(), "events": self.events})

    def _media(self, route):
        path = urlparse(route.request.url).path
        if path.endswith(".webp"):
            return route.fulfill(status=200, content_type="image/webp", body=(MEDIA / "poster-landscape.webp").read_bytes())
        route.fulfill(status=200, content_type="video/mp4", body=(MEDIA / "landscape-10s.mp4").read_bytes())

    def _api(self, route):
        req = route.request
        url = urlparse(req.url)
        path = url.path[url.path.index("/api/") + 5:]
        body = None
        if req.post_data:
            try:
                body = json.loads(req.post_data)
            except ValueError:
                body = None
        self.requests.append((req.method, path, body, dict(req.headers)))
        for (method, pattern), answer in list(self.answer_once.items()):
            if method == req.method and re.fullmatch(pattern, path):
                del self.answer_once[(method, pattern)]
                return self._error(route, answer[0], answer[1], answer[2] if len(answer) > 2 else None)
        if path == "health":
            return self._json(route, 200, {"ok": True, "upstream": {"simulated": True}, "problems": []})
        if path == "login" and req.method == "POST":
            return self._login(route, body or {})
        if not self.signed_in:
            return self._error(route, 401, "unauthorized")
        return self._signed_in(route, req, path, url, body)

    def _login(self, route, body):
        if self.bad_logins >= 3:
            return self._error(route, 429, "too_many_attempts", {"retry_after": 2}, {"Retry-After": "2"})
        if body.get("password") != self.password:
            self.bad_logins += 1
            return self._error(route, 401, "bad_password")
        self.signed_in = True
        self.bad_logins = 0
        return self._json(route, 200, {"signed_in": True})

    def _signed_in(self, route, req, path, url, body):
        m = req.method
        parts = path.split("/")
        if path == "session" and m == "GET":
            return self._json(route, 200, {"signed_in": True, "via": "session", "feed_url": f"/status/{self.feed_name}.json", "spend": self.spend(),
                                           "delete_media_with_job": self.delete_media})
        if path == "logout" and m == "POST":
            self.signed_in = False
            return self._json(route, 200, {})
        if path == "models" and m == "GET":
            return self._json(route, 200, {"models": self.models})
        if path == "generate" and m == "POST":
            return self._generate(route, req, body or {})
        if path == "jobs" and m == "GET":
            return self._list(route, parse_qs(url.query))
        if parts[0] == "status" and len(parts) == 2:
            doc = self.jobs.get(parts[1])
            return self._json(route, 200, doc) if doc else self._error(route, 404, "not_found")
        if parts[0] == "jobs" and len(parts) >= 2:
            doc = self.jobs.get(parts[1])
            if doc is None:
                return self._error(route, 404, "not_found")
            if len(parts) == 2 and m == "DELETE":
                if doc["status"] not in ("succeeded", "failed", "cancelled"):
                    return self._error(route, 409, "job_running")
                self.delete(parts[1])
                return self._json(route, 200, {"deleted": parts[1]})
            if parts[2:] == ["cancel"] and m == "POST":
                if not doc["can_cancel"]:
                    return self._error(route, 409, "not_cancellable", {"reason": "upstream_running" if doc["status"] == "generating" else "finished"})
                return self._json(route, 200, self.update(parts[1], status="cancelled", phase="cancelled", queue_position=None,
                                                          can_cancel=False, cost_state="released", finished_at=now_iso()))
            if parts[2:] in (["retry"], ["retry-transfer"]) and m == "POST":
                if not doc["can_retry"]:
                    return self._error(route, 409, "not_retryable", {"reason": "nothing_left"})
                return self._json(route, 202, self.update(parts[1], status="transferring", phase="downloading", error=None,
                                                          can_retry=False, finished_at=None, progress=max(doc["progress"], 95)))
            if len(parts) == 4 and parts[2] == "image" and m == "GET":
                data = self.frames.get(parts[1], {}).get(parts[3])
                if data is None:
                    return self._error(route, 404, "not_found")
                return route.fulfill(status=200, content_type="image/png", body=data)
        return self._error(route, 404, "not_found")

    def _generate(self, route, req, body):
        key = req.headers.get("idempotency-key")
        if key in self.keys:
            old_body, job_id = self.keys[key]
            if old_body != body:
                return self._error(route, 422, "idempotency_key_reused")
            doc = self.jobs[job_id]
            return self._json(route, 200, self._accepted(doc), {"Idempotent-Replayed": "true"})
        model = next((x for x in self.models if x["id"] == body.get("model")), None)
        if model is None:
            return self._error(route, 400, "unknown_model")
        if model["retired"]:
            return self._error(route, 400, "model_retired")
        if not str(body.get("prompt", "")).strip():
            return self._error(route, 400, "prompt_empty")
        params = body.get("params") or {}
        schema = {p["name"]: p for p in model["params"]}
        for name, value in params.items():
            p = schema.get(name)
            if p is None:
                return self._error(route, 400, "unknown_param", {"name": name})
            ok = (value in p["values"]) if "values" in p else \
                (isinstance(value, int) and p["min"] <= value <= p["max"]) if p["kind"] == "int" else \
                isinstance(value, bool) if p["kind"] == "bool" else isinstance(value, str)
            if not ok:
                return self._error(route, 400, "invalid_param", {"name": name, **({"values": p["values"]} if "values" in p else
                                                                               {"min": p.get("min"), "max": p.get("max")})})
        frames = {}
        source = body.get("images_from")
        if source:
            if source not in self.jobs:
                return self._error(route, 400, "images_from_invalid")
            frames = dict(self.frames.get(source, {}))
        for slot, field in (("first", "first_frame_base64"), ("last", "last_frame_base64")):
            if body.get(field):
                frames[slot] = base64.b64decode(body[field].split(",", 1)[1])
        if "last" in frames and "first" not in frames:
            return self._error(route, 400, "last_frame_without_first")
        mode = "first_last_frame" if "last" in frames else "image_to_video" if "first" in frames or body.get("image_url") else "text_to_video"
        if mode not in model["modes"]:
            return self._error(route, 400, "mode_unsupported", {"mode": mode})
        filled = {p["name"]: params.get(p["name"], p["default"]) for p in model["params"] if mode in p.get("modes", [mode])}
        price = price_of(model, filled)
        left = self.spend()["left_usd"]
        if left is not None and price > left:
            return self._error(route, 402, "budget_exceeded", {"left_usd": left, "price_usd": price, "budget_usd": self.budget})
        doc = self.create(model["id"], body["prompt"], filled, mode)
        self.frames[doc["task_id"]] = frames
        if key:
            self.keys[key] = (body, doc["task_id"])
        return self._json(route, 202, self._accepted(doc))

    @staticmethod
    def _accepted(doc):
        return {k: doc[k] for k in ("task_id", "status", "status_url", "model", "params", "mode", "price_usd", "orig_prompt", "actual_prompt", "created_at")}

    def _list(self, route, query):
        q = lambda k, d="": (query.get(k) or [d])[0]
        jobs = sorted(self.jobs.values(), key=lambda j: j["task_id"], reverse=True)
        if q("status"):
            jobs = [j for j in jobs if j["status"] == q("status")]
        if q("model"):
            jobs = [j for j in jobs if j["model"] == q("model")]
        if q("q"):
            needle = q("q").lower()
            jobs = [j for j in jobs if j["task_id"].startswith(needle) or needle in j["orig_prompt"].lower()]
        total = len(jobs)
        # A search counts up to COUNT_CAP (docs/contract.md §6): more reads total_capped.
        capped = bool(q("q")) and total > self.COUNT_CAP
        total = min(total, self.COUNT_CAP) if capped else total
        if q("before"):
            jobs = [j for j in jobs if j["task_id"] < q("before")]
        limit = int(q("limit", "50"))
        page = jobs[:limit]
        self._json(route, 200, {"jobs": page, "next_before": page[-1]["task_id"] if len(jobs) > limit else None,
                                "total": total, "total_capped": capped, "today_cost_usd": self.spend()["today_usd"]})
