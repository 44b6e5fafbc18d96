"""Volcengine Ark content-generation tasks (Seedance), as sora-sim serves them.

Written from video-task-apis.md §1 (checklist §1.11), never from the project's client.
Same paths under `/api/v3` (Volcengine direct) and `/seedance/api/v3` (apiyi, laozhang):

  POST   …/contents/generations/tasks          create → {"id": "cgt-YYYYMMDDhhmmss-xxxxx"}
  GET    …/contents/generations/tasks/{id}     the task object
  GET    …/contents/generations/tasks?page_num=&page_size=&filter.status=&filter.task_ids=
         (repeatable or comma-separated)&filter.model=&filter.service_tier=   {"total", "items"}
  DELETE …/contents/generations/tasks/{id}     queued → cancelled; succeeded/failed/expired →
         record deleted; running or cancelled → 400 InvalidParameter; answer {}

Errors: {"error": {"code", "message" (ending "Request ID: …"), "param", "type"}}.
Models: doubao-seedance-2-0-260128 (480p/720p/1080p), doubao-seedance-2-0-fast-260128 and
doubao-seedance-2-0-mini-260615 (no 1080p), all 2.x: duration 4–15 or -1, references;
doubao-seedance-1-0-pro-250528: 480p–1080p (default 1080p), duration 2–12, `frames`, no references.
`usage` tokens = width × height × (24 × seconds + 1) / 1024: counting the one extra frame
reproduces the reference's samples exactly (720p 16:9 5 s → 108900, 480p 16:9 2 s → 19845);
the rounder w×h×fps×s/1024 would give 108000. `content.last_frame_url` (return_last_frame) is a
PNG of the output size. Statuses queued → running → succeeded | failed | expired, or cancelled. Unknown id, deleted
record or a task older than 7 days: 404 ResourceNotFound (the code is our choice: the public
material never captured it).
"""

import hashlib
import hmac
import json
import re
import uuid
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

from sim_images import parse_data_uri, sniff
from sim_media import SIGNING_SECRET, TOS_ACCESS_KEY_ID, media_file, quote_all
from sim_tasks import (TaskDialect, TaskError, Validated, beijing, drain_body, path_segments, rand_chars,
                       send_json)

MODELS = {
    "doubao-seedance-2-0-260128": {"gen": 2, "res": ("480p", "720p", "1080p"), "default_res": "720p"},
    "doubao-seedance-2-0-fast-260128": {"gen": 2, "res": ("480p", "720p"), "default_res": "720p"},
    "doubao-seedance-2-0-mini-260615": {"gen": 2, "res": ("480p", "720p"), "default_res": "720p"},
    "doubao-seedance-1-0-pro-250528": {"gen": 1, "res": ("480p", "720p", "1080p"), "default_res": "1080p"},
}
RATIOS = ("16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive", "keep_ratio")
# Output pixel sizes. 720p/1080p 16:9 and 480p 16:9 reproduce the token counts of the
# reference's samples exactly (108900 and 19845); the other ratios are our assumption.
SIZES = {
    "480p": {"16:9": (864, 480), "4:3": (736, 544), "1:1": (640, 640), "3:4": (544, 736),
             "9:16": (480, 864), "21:9": (960, 416)},
    "720p": {"16:9": (1280, 720), "4:3": (1112, 834), "1:1": (960, 960), "3:4": (834, 1112),
             "9:16": (720, 1280), "21:9": (1470, 630)},
    "1080p": {"16:9": (1920, 1080), "4:3": (1664, 1248), "1:1": (1440, 1440), "3:4": (1248, 1664),
              "9:16": (1080, 1920), "21:9": (2206, 946)},
}
FPS = 24
IMAGE_FORMATS = ("jpeg", "png", "webp", "bmp", "tiff", "gif")
TYPES = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
         429: "TooManyRequests", 500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable"}
STATUSES = ("queued", "running", "cancelled", "succeeded", "failed", "expired")
FAILURES = {
    "output_moderation": ("OutputVideoSensitiveContentDetected.PolicyViolation",
                          "The request failed because the output video may contain sensitive information."),
    "ip_infringement": ("OutputVideoSensitiveContentDetected.PolicyViolation",
                        "The request failed because the output video may be related to copyright restrictions."),
    "fail": ("InternalServiceError", "The service encountered an unexpected internal error while generating."),
}
# legacy `--name value` commands in the text item (1.x style), mapped to the JSON field
COMMANDS = {"resolution": "resolution", "rs": "resolution", "ratio": "ratio", "rt": "ratio",
            "duration": "duration", "dur": "duration", "framespersecond": "framespersecond",
            "fps": "framespersecond", "watermark": "watermark", "wm": "watermark", "seed": "seed",
            "camerafixed": "camera_fixed", "cf": "camera_fixed", "frames": "frames"}
COMMAND_RE = re.compile(r"--([a-z]+)\s+(\S+)")
ROUTE = re.compile(r"(/seedance)?/api/v3/contents/generations/tasks(/[^/]*)?/?")
SEVEN_DAYS = 7 * 86400


def _nearest_ratio(w, h):
    fixed = [r for r in RATIOS if ":" in r]
    return min(fixed, key=lambda r: abs(w / h - int(r.split(":")[0]) / int(r.split(":")[1])))


class Ark(TaskDialect):
    name = "ark"
    body_limit = 64 * 1024 * 1024

    # --- shapes
    def request_id(self):
        return "02" + uuid.uuid4().hex[:30]

    def error_body(self, err, request_id):
        return {"error": {"code": err.code, "message": f"{err.message} Request ID: {request_id}",
                          "param": err.param or "", "type": TYPES.get(err.status, "BadRequest")}}

    def bad_request(self, message, param=None, code="InvalidParameter"):
        return TaskError(400, code, message, param)

    def auth_error(self):
        return TaskError(401, "AuthenticationError",
                         "The API key or AK/SK in the request is missing or invalid.", outcome="auth")

    def too_large(self):
        return self.bad_request("The request body is larger than the 64 MB limit.")

    def rate_limited(self, retry_after):
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return TaskError(429, "RateLimitExceeded.EndpointRPMExceeded",
                         "The request has exceeded the requests-per-minute limit of the endpoint. "
                         "Please try again later.", headers=headers)

    def server_error(self, status):
        return TaskError(status, "InternalServiceError", "The service encountered an unexpected internal error.")

    def input_moderation(self):
        return TaskError(400, "InputTextSensitiveContentDetected",
                         "The request failed because the input text may contain sensitive information.", "content")

    def deadline(self, task):
        return task["params"]["execution_expires_after"]

    def retention(self):
        return SEVEN_DAYS

    def new_id(self, markers, model):
        return "cgt-" + beijing(self.gw.clock.now()).strftime("%Y%m%d%H%M%S") + "-" + rand_chars(5)

    # --- routing
    def route(self, h, method, path):
        m = ROUTE.fullmatch(path)
        if not m:
            return False
        task_id = path_segments(m.group(2))[1] if m.group(2) else None
        if method == "POST" and task_id is None:
            self.handle_create(h)
        elif method == "GET" and task_id:
            self.handle_poll(h, task_id)
        elif method == "GET":
            self.handle_list(h)
        elif method == "DELETE" and task_id:
            self.handle_delete(h, task_id)
        else:
            if method in ("POST", "PUT", "PATCH"):
                h.close_connection = True  # the body stays unread
            self.send_error(h, TaskError(404, "InvalidAction", f"The requested action {method} {path} is not supported."))
        return True

    # --- validation (§1.3, §1.11)
    def parse_and_validate(self, h, body):
        try:
            req = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise self.bad_request("The request body is not valid JSON.") from None
        if not isinstance(req, dict):
            raise self.bad_request("The request body must be a JSON object.")
        model = req.get("model")
        if not isinstance(model, str) or not model:
            raise self.bad_request("The request failed because it is missing the required parameter model.",
                                   "model", "MissingParameter")
        if model not in MODELS:
            raise TaskError(404, "InvalidEndpointOrModel.NotFound",
                            f"The model or endpoint {model} does not exist or you do not have access to it.", "model")
        spec = MODELS[model]
        content = req.get("content")
        if not isinstance(content, list) or not content:
            raise self.bad_request("The request failed because it is missing the required parameter content.",
                                   "content", "MissingParameter")
        texts, frames, refs, images = [], [], [], []
        for i, item in enumerate(content):
            kind = item.get("type") if isinstance(item, dict) else None
            if kind == "text":
                if not isinstance(item.get("text"), str):
                    raise self.bad_request(f"content[{i}].text must be a string.", f"content[{i}].text")
                texts.append(item["text"])
            elif kind in ("image_url", "video_url", "audio_url"):
                url = (item.get(kind) or {}).get("url") if isinstance(item.get(kind), dict) else None
                role = item.get("role")
                allowed = {"image_url": (None, "first_frame", "last_frame", "reference_image"),
                           "video_url": ("reference_video",), "audio_url": ("reference_audio",)}[kind]
                if role not in allowed:
                    raise self.bad_request(f"The role {role!r} is not valid for content[{i}] of type {kind}.",
                                           f"content[{i}].role")
                if kind == "image_url":
                    images.append(self.check_image(url, i))
                else:
                    self.check_media_url(url, i, kind)
                (frames if role in (None, "first_frame", "last_frame") else refs).append((kind, role))
            else:
                raise self.bad_request(f"content[{i}].type {kind!r} is not supported.", f"content[{i}].type")
        if len(texts) > 1:
            raise self.bad_request("Only one text item is allowed in content.", "content")
        if frames and refs:
            raise self.bad_request("first/last frame content cannot be mixed with reference media content",
                                   "content")
        if refs and spec["gen"] < 2:
            raise self.bad_request(f"Reference media are not supported by the model {model}.", "content")
        if not texts and not frames and not refs:
            raise self.bad_request("content needs a text, image or video item.", "content", "MissingParameter")
        roles = [r for _, r in frames]
        if len(frames) > 2 or roles.count("last_frame") > 1 or roles.count("first_frame") > 1:
            raise self.bad_request("At most one first frame and one last frame are allowed.", "content")
        if len(frames) == 2 and None in roles:
            raise self.bad_request("A role is required on every image when two images are given.", "content")
        if "last_frame" in roles and len(frames) == 1:
            raise self.bad_request("A last frame needs a first frame.", "content")
        kinds = [k for k, _ in refs]
        if kinds.count("image_url") > 9 or kinds.count("video_url") > 3 or kinds.count("audio_url") > 3:
            raise self.bad_request("Too many reference media: at most 9 images, 3 videos and 3 audios.", "content")
        if kinds and all(k == "audio_url" for k in kinds):
            raise self.bad_request("Reference audio needs a reference image or video.", "content")

        prompt = texts[0] if texts else ""
        fields = dict(req)
        for name, value in COMMAND_RE.findall(prompt):  # explicit fields win over text commands
            if name in COMMANDS and req.get(COMMANDS[name]) is None:  # the SDK sends unset fields as null
                fields[COMMANDS[name]] = self.command_value(COMMANDS[name], value)
        return Validated(model, prompt, self.check_settings(spec, model, fields, frames, images), images)

    @staticmethod
    def command_value(field, value):
        if field in ("duration", "seed", "frames", "framespersecond"):
            try:
                return int(value)
            except ValueError:
                return value
        if field in ("watermark", "camera_fixed"):
            return {"true": True, "false": False}.get(value.lower(), value)
        return value

    def check_image(self, url, i):
        param = f"content[{i}].image_url.url"
        if not isinstance(url, str) or not url:
            raise self.bad_request("The image URL is empty.", param, "InvalidImageURL.EmptyURL")
        if url.startswith(("http://", "https://")):
            return {"kind": "url"}
        if url.startswith("asset://"):
            return {"kind": "asset"}
        m = re.match(r"data:image/([A-Za-z]+);base64,", url)
        if not m or m.group(1) != m.group(1).lower() or m.group(1) not in IMAGE_FORMATS:
            raise self.bad_request("The image data URI must look like data:image/<format>;base64,<data> "
                                   "with a lowercase format (jpeg, png, webp, bmp, tiff, gif).",
                                   param, "InvalidImageURL.InvalidFormat")
        try:
            _, raw = parse_data_uri(url)
        except ValueError as e:
            raise self.bad_request(f"The image could not be decoded: {e}.", param,
                                   "InvalidParameter.UnsupportedImageFormat") from None
        found = sniff(raw)
        if not found:
            raise self.bad_request("The image format is not supported.", param, "InvalidParameter.UnsupportedImageFormat")
        if len(raw) >= 30 * 1024 * 1024:
            raise self.bad_request("The image is larger than 30 MB.", param, "InvalidParameter.OversizedImage")
        fmt, w, h = found
        if w is not None:
            if not (300 < w < 6000 and 300 < h < 6000):
                raise self.bad_request(f"The image is {w}x{h}; each side must be between 300 and 6000 pixels.",
                                       param)
            if not (0.4 < w / h < 2.5):
                raise self.bad_request(f"The image aspect ratio {w}:{h} must be between 0.4 and 2.5.", param)
        return {"kind": "data_uri", "format": fmt, "width": w, "height": h, "bytes": len(raw)}

    def check_media_url(self, url, i, kind):
        if not isinstance(url, str) or not url:
            raise self.bad_request(f"The {kind} URL is empty.", f"content[{i}]", "InvalidParameter")
        if not url.startswith(("http://", "https://", "asset://")) and not (
                kind == "audio_url" and url.startswith("data:audio/")):
            raise self.bad_request(f"The {kind} URL must be http(s) or asset://.", f"content[{i}]")

    def check_settings(self, spec, model, f, frames, images):
        gen2 = spec["gen"] >= 2

        def bad(param, why):
            raise self.bad_request(f"The parameter {param} specified in the request is not valid: {why}.", param)

        def typed(name, kind, default):
            value = f.get(name, default)
            if value is None:
                return default
            if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
                bad(name, "it must be an integer")
            if kind is bool and not isinstance(value, bool):
                bad(name, "it must be a boolean")
            if kind is str and not isinstance(value, str):
                bad(name, "it must be a string")
            return value

        resolution = typed("resolution", str, spec["default_res"])
        if resolution not in spec["res"]:
            bad("resolution", f"{model} supports {', '.join(spec['res'])}")
        i2v = bool(frames)
        ratio = typed("ratio", str, "adaptive" if i2v else "16:9")
        if ratio not in RATIOS:
            bad("ratio", "use one of " + ", ".join(RATIOS))
        frames_n = typed("frames", int, None)
        duration = typed("duration", int, 5)
        if frames_n is not None:
            if gen2:
                bad("frames", f"{model} does not take frames")
            if not (29 <= frames_n <= 289 and (frames_n - 25) % 4 == 0):
                bad("frames", "it must be 25+4n within [29, 289]")
            duration = round(frames_n / FPS)
        elif gen2:
            if duration != -1 and not 4 <= duration <= 15:
                bad("duration", "it must be within [4, 15] or -1")
        elif not 2 <= duration <= 12:
            bad("duration", "it must be within [2, 12]")
        fps = typed("framespersecond", int, FPS)
        if fps not in (16, 24) or (gen2 and fps != 24):
            bad("framespersecond", "it must be 24")
        seed = typed("seed", int, -1)
        if not -1 <= seed <= 2**32 - 1:
            bad("seed", "it must be within [-1, 4294967295]")
        tier = typed("service_tier", str, "default")
        if tier not in ("default", "flex") or (tier == "flex" and gen2):
            bad("service_tier", f"{tier} is not available for {model}")
        expires_after = typed("execution_expires_after", int, 172800)
        if not 3600 <= expires_after <= 259200:
            bad("execution_expires_after", "it must be within [3600, 259200]")
        draft = typed("draft", bool, False)
        if draft:
            bad("draft", f"{model} does not support draft")
        for name in ("watermark", "camera_fixed", "return_last_frame", "generate_audio"):
            typed(name, bool, False)
        for name in ("callback_url", "safety_identifier"):
            typed(name, str, None)
        if ratio in ("adaptive", "keep_ratio"):
            first = next((im for im in images if im.get("width")), None)
            out_ratio = _nearest_ratio(first["width"], first["height"]) if first else "16:9"
        else:
            out_ratio = ratio
        params = {"resolution": resolution, "ratio": out_ratio, "duration": 5 if duration == -1 else duration,
                  "requested_duration": duration, "framespersecond": fps,
                  "seed": seed if seed != -1 else int.from_bytes(uuid.uuid4().bytes[:2], "big"),
                  "service_tier": tier, "execution_expires_after": expires_after, "draft": False,
                  "return_last_frame": f.get("return_last_frame") is True,
                  "safety_identifier": f.get("safety_identifier")}
        if gen2:
            params["generate_audio"] = f.get("generate_audio", True) is not False
        return params

    # --- answers
    def created_answer(self, task):
        return {"id": task["id"]}

    def render(self, task):
        p = task["params"]
        doc = {"id": task["id"], "model": task["model"], "status": task["status"]}
        if task["status"] == "succeeded":
            content = {}
            video = self.gw.link_url(task, "video")
            if video:
                content["video_url"] = video
                frame = self.gw.link_url(task, "last_frame")
                if frame:
                    content["last_frame_url"] = frame
                doc["content"] = content
            w, h = SIZES[p["resolution"]][p["ratio"]]
            tokens = w * h * (p["framespersecond"] * p["duration"] + 1) // 1024
            doc["usage"] = {"completion_tokens": tokens, "total_tokens": tokens}
        elif task["status"] == "failed":
            code, message = FAILURES.get(task["failure"], FAILURES["fail"])
            doc["error"] = {"code": code, "message": message}
        doc.update({"created_at": int(task["created_at"]), "updated_at": int(task["updated_at"]),
                    "seed": p["seed"], "resolution": p["resolution"], "ratio": p["ratio"],
                    "duration": p["duration"], "framespersecond": p["framespersecond"],
                    "service_tier": p["service_tier"], "execution_expires_after": p["execution_expires_after"]})
        if "generate_audio" in p:
            doc["generate_audio"] = p["generate_audio"]
        doc["draft"] = p["draft"]
        if p.get("safety_identifier"):
            doc["safety_identifier"] = p["safety_identifier"]
        return doc

    def unknown_task(self, h, task_id, e):
        self.send_error(h, TaskError(404, "ResourceNotFound", f"The specified task {task_id} is not found.",
                                     "task_id", outcome="unknown"), e)

    # --- result links (TOS V4-style presigned query)
    def issue_links(self, task):
        p = task["params"]
        w, h = SIZES[p["resolution"]][p["ratio"]]
        family = re.sub(r"-\d{6}$", "", task["model"])
        stem = f"02{int(task['created_at'] * 1000)}{uuid.uuid4().hex[:16]}"
        orientation = "portrait" if h > w else "landscape"
        self.gw.add_link(task, "video", "tos", f"/ark-content-generation-cn-beijing/{family}/{stem}.mp4",
                         file=media_file(orientation, 10 if p["duration"] <= 10 else 15),
                         query_builder=self.tos_query)
        if p["return_last_frame"]:
            self.gw.add_link(task, "last_frame", "tos",
                             f"/ark-content-generation-cn-beijing/{family}/{stem}_last-frame.png",
                             data=(w, h), content_type="image/png", query_builder=self.tos_query)

    def tos_query(self, link):
        ttl = int(link["ttl"])
        date = datetime.fromtimestamp(link["expires_at"] - ttl, timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        credential = f"{TOS_ACCESS_KEY_ID}/{date[:8]}/cn-beijing/tos/request"
        signature = hmac.new(SIGNING_SECRET, f"{link['path']}\n{date}\n{ttl}".encode(), hashlib.sha256).hexdigest()
        return (f"X-Tos-Algorithm=TOS4-HMAC-SHA256&X-Tos-Credential={quote_all(credential)}&X-Tos-Date={date}"
                f"&X-Tos-Expires={ttl}&X-Tos-Signature={signature}&X-Tos-SignedHeaders=host")

    # --- list and delete (§1.2)
    def handle_list(self, h):
        drain_body(h)
        e = self.gw.entry(self.name, "list", h)
        try:
            self.check_auth(h)
            q = parse_qs(urlsplit(h.path).query, keep_blank_values=True)

            def number(name, default):
                raw = q.get(name, [str(default)])[-1]
                if not raw.isdigit() or not 1 <= int(raw) <= 500:
                    raise self.bad_request(f"The parameter {name} must be an integer within [1, 500].", name)
                return int(raw)
            page_num, page_size = number("page_num", 1), number("page_size", 10)
            status = q.get("filter.status", [None])[-1]
            if status is not None and status not in STATUSES:
                raise self.bad_request(f"The parameter filter.status {status!r} is not valid.", "filter.status")
        except TaskError as err:
            return self.send_error(h, err, e)
        self.gw.count(self.name, "lists")
        ids = {i for v in q.get("filter.task_ids", []) for i in v.split(",") if i}
        model = q.get("filter.model", [None])[-1]
        tier = q.get("filter.service_tier", [None])[-1]
        found = [t for t in self.gw.list_tasks(self.name) if self.lookup(t["id"])
                 and (status is None or t["status"] == status) and (not ids or t["id"] in ids)
                 and (model is None or t["model"] == model)
                 and (tier is None or t["params"]["service_tier"] == tier)]
        page = found[(page_num - 1) * page_size:page_num * page_size]
        e["status"], e["outcome"] = 200, f"{len(page)}/{len(found)}"
        send_json(h, 200, {"total": len(found), "items": [self.render(t) for t in page]})

    def handle_delete(self, h, task_id):
        drain_body(h)
        e = self.gw.entry(self.name, "delete", h, task_id=task_id)
        try:
            self.check_auth(h)
        except TaskError as err:
            return self.send_error(h, err, e)
        task = self.lookup(task_id)
        if task is None:
            return self.unknown_task(h, task_id, e)
        self.gw.advance(task)
        if task["status"] == "queued":
            self.gw.cancel(task)
            self.gw.count(self.name, "cancels")
            e["outcome"] = "cancelled"
        elif task["status"] in ("succeeded", "failed", "expired"):
            self.gw.forget(task_id)
            self.gw.count(self.name, "deletes")
            e["outcome"] = "deleted"
        else:
            return self.send_error(h, self.bad_request(
                f"The task {task_id} is {task['status']} and cannot be cancelled or deleted.", "task_id"), e)
        e["status"] = 200
        send_json(h, 200, {})
