"""Alibaba DashScope video synthesis (Wan), as sora-sim serves it.

Written from video-task-apis.md §2 (checklist §2.10), never from the project's client.
Same paths under `/api/v1` (DashScope direct) and `/wan/api/v1` (apiyi's prefix):

  POST …/services/aigc/video-generation/video-synthesis   needs `X-DashScope-Async: enable`
       → {"output": {"task_status": "PENDING", "task_id": UUID}, "request_id": UUID}
  GET  …/tasks/{task_id}           task object; unknown or older than 24 h → HTTP 200 UNKNOWN
  GET  …/tasks?page_no=&page_size=&status=&model_name=   {request_id, total, total_page,
       page_no, page_size, data: [{task_id, task_status, model_name, submit_time, …}]}
       (item fields are our assumption: the reference gives only the envelope). A
       `task_id` query parameter there → 500 {"error": "unsupported uri"} (ids go in the path)
  POST …/tasks/{task_id}/cancel    PENDING → CANCELED; anything else 400 UnsupportedOperation

HTTP errors are top-level {"request_id", "code", "message"}; a task's failure is inside
`output` (`code`, `message`) with HTTP 200. Statuses PENDING, RUNNING, SUCCEEDED, FAILED,
CANCELED, UNKNOWN; times "YYYY-MM-DD HH:MM:SS.mmm" (Beijing). Without the async header: 403
AccessDenied "current user api does not support synchronous calls" (status and code are our
assumption, the message is the captured one). Unknown model: 404 ModelNotFound (our choice).

Models and their input styles:
  wan2.7-t2v       input.prompt; parameters.resolution 720P|1080P (default 1080P), ratio
                   16:9|9:16|1:1|4:3|3:4, duration 2–15; `size` refused
  wan2.7-i2v       input.media[] of {type: first_frame|last_frame|driving_audio|first_clip, url},
                   first_frame required; resolution as above; `ratio` and `img_url` refused
  wan2.6-i2v       input.img_url (URL or data:{MIME};base64,…, 360–2000 px, ≤10 MB);
                   resolution 720P|1080P, duration 2–15
  wan2.2-t2v-plus  input.prompt; parameters.size "W*H" (832*480 … 1920*1080), duration 5;
                   `resolution` refused
`parameters.prompt_extend` (default true) echoes `output.actual_prompt`.
"""

import json
import math
import re
import uuid
from urllib.parse import parse_qs, urlsplit

from sim_images import parse_data_uri, sniff
from sim_media import OSS_ACCESS_KEY_ID, make_oss_signature, media_file, quote_all
from sim_tasks import TaskDialect, TaskError, Validated, beijing, drain_body, path_segments, send_json

MODELS = {
    "wan2.7-t2v": {"style": "t2v", "gen": 7},
    "wan2.7-i2v": {"style": "media", "gen": 7},
    "wan2.6-i2v": {"style": "img_url", "gen": 6},
    "wan2.2-t2v-plus": {"style": "size", "gen": 2},
}
RATIOS = {"16:9": (16, 9), "9:16": (9, 16), "1:1": (1, 1), "4:3": (4, 3), "3:4": (3, 4)}
SIZES_22 = {"832*480": 480, "480*832": 480, "624*624": 480, "1920*1080": 1080, "1080*1920": 1080,
            "1440*1440": 1080, "1632*1248": 1080, "1248*1632": 1080}
MEDIA_TYPES = ("first_frame", "last_frame", "driving_audio", "first_clip")
STATUS = {"queued": "PENDING", "running": "RUNNING", "succeeded": "SUCCEEDED", "failed": "FAILED",
          "cancelled": "CANCELED", "expired": "FAILED"}
FAILURES = {
    "output_moderation": ("DataInspectionFailed", "Output data may contain inappropriate content."),
    "ip_infringement": ("IPInfringementSuspect", "Output data may infringe intellectual property rights."),
    "fail": ("InternalError", "An internal error occurred while generating the video."),
}
CREATE = re.compile(r"(/wan)?/api/v1/services/aigc/video-generation/video-synthesis/?")
TASKS = re.compile(r"(/wan)?/api/v1/tasks(/[^/]+)?(/cancel)?/?")
IMAGE_MIMES = ("image/jpeg", "image/jpg", "image/png", "image/bmp", "image/webp")


def dash_time(t):
    return beijing(t).strftime("%Y-%m-%d %H:%M:%S.") + "%03d" % int((t % 1) * 1000)


class DashScope(TaskDialect):
    name = "dashscope"

    # --- shapes
    def error_body(self, err, request_id):
        return {"request_id": request_id, "code": err.code, "message": err.message}

    def bad_request(self, message, param=None, code="InvalidParameter"):
        return TaskError(400, code, message, param)

    def auth_error(self):
        return TaskError(401, "InvalidApiKey", "Invalid API-key provided.", outcome="auth")

    def too_large(self):
        return self.bad_request("The request body is too large.")

    def rate_limited(self, retry_after):
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return TaskError(429, "Throttling.RateQuota", "Requests rate limit exceeded, please try again later.",
                         headers=headers)

    def server_error(self, status):
        return TaskError(status, "InternalError", "An internal error has occurred, please try again later.")

    def input_moderation(self):
        return TaskError(400, "DataInspectionFailed", "Input data may contain inappropriate content.")

    def precheck(self, h):
        if (h.headers.get("X-DashScope-Async") or "").lower() != "enable":
            raise TaskError(403, "AccessDenied", "current user api does not support synchronous calls",
                            outcome="sync_call")

    def retention(self):
        return 86400

    def new_id(self, markers, model):
        return str(uuid.uuid4())

    # --- routing
    def route(self, h, method, path):
        if CREATE.fullmatch(path):
            if method == "POST":
                self.handle_create(h)
            else:
                self.send_error(h, TaskError(405, "InvalidParameter", f"{method} is not supported here."))
            return True
        m = TASKS.fullmatch(path)
        if not m:
            return False
        task_id = path_segments(m.group(2))[1] if m.group(2) else None
        if method == "GET" and task_id and not m.group(3):
            self.handle_poll(h, task_id)
        elif method == "GET" and not task_id:
            self.handle_list(h)
        elif method == "POST" and task_id and m.group(3):
            self.handle_cancel(h, task_id)
        else:
            if method == "POST":
                h.close_connection = True
            self.send_error(h, TaskError(404, "InvalidURL", f"{method} {path} is not supported."))
        return True

    # --- validation (§2.3, §2.4, §2.10)
    def parse_and_validate(self, h, body):
        try:
            req = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise self.bad_request("The request body is not valid JSON.") from None
        if not isinstance(req, dict):
            raise self.bad_request("The request body must be a JSON object.")
        model = req.get("model")
        if not isinstance(model, str) or not model:
            raise self.bad_request("Field required: model")
        if model not in MODELS:
            raise TaskError(404, "ModelNotFound", f"Model not found ({model})!")
        style = MODELS[model]["style"]
        inp = req.get("input")
        if not isinstance(inp, dict):
            raise self.bad_request("Field required: input")
        par = req.get("parameters") or {}
        if not isinstance(par, dict):
            raise self.bad_request("parameters must be an object")
        prompt = inp.get("prompt")
        if prompt is not None and not isinstance(prompt, str):
            raise self.bad_request("input.prompt must be a string")
        if style in ("t2v", "size") and not (prompt or "").strip():
            raise self.bad_request("Field required: input.prompt")
        images = []
        if style == "img_url":
            if not inp.get("img_url"):
                raise self.bad_request("Field required: input.img_url")
            images.append(self.check_image(h, inp["img_url"], "input.img_url", limits=True))
        elif style == "media":
            if "img_url" in inp:
                raise self.bad_request(f"input.img_url is not supported by {model}; use input.media")
            media = inp.get("media")
            if not isinstance(media, list) or not media:
                raise self.bad_request("Field required: input.media")
            kinds = []
            for i, item in enumerate(media):
                kind = item.get("type") if isinstance(item, dict) else None
                if kind not in MEDIA_TYPES:
                    raise self.bad_request(f"input.media[{i}].type must be one of {', '.join(MEDIA_TYPES)}")
                if not isinstance(item.get("url"), str) or not item["url"]:
                    raise self.bad_request(f"Field required: input.media[{i}].url")
                if kind in ("first_frame", "last_frame"):
                    images.append(self.check_image(h, item["url"], f"input.media[{i}].url", limits=False))
                kinds.append(kind)
            if "first_frame" not in kinds and "first_clip" not in kinds:
                raise self.bad_request("input.media needs a first_frame")
            if any(kinds.count(k) > 1 for k in MEDIA_TYPES):
                raise self.bad_request("input.media holds each type at most once")
        return Validated(model, prompt or "", self.check_parameters(model, style, par), images)

    def check_image(self, h, url, param, limits):
        if not isinstance(url, str):
            raise self.bad_request(f"{param} must be a string")
        if url.startswith(("http://", "https://")):
            return {"kind": "url"}
        if url.startswith("oss://") and (h.headers.get("X-DashScope-OssResourceResolve") or "").lower() == "enable":
            return {"kind": "oss"}
        if not url.startswith("data:"):
            raise self.bad_request(f"{param}: url error, please check url! Use a public http(s) URL or "
                                   "data:{MIME};base64,{data}.")
        try:
            mime, raw = parse_data_uri(url)
        except ValueError as e:
            raise self.bad_request(f"{param}: {e}") from None
        found = sniff(raw)
        if mime.lower() not in IMAGE_MIMES or not found or found[0] not in ("jpeg", "png", "bmp", "webp"):
            raise self.bad_request(f"{param}: the image format is not supported (JPEG, PNG, BMP, WEBP)",
                                   code="InvalidImage.FileFormat")
        fmt, w, h_ = found
        if limits:
            if len(raw) > 10 * 1024 * 1024:
                raise self.bad_request(f"{param}: the image is larger than 10 MB")
            if not (360 <= w <= 2000 and 360 <= h_ <= 2000):
                raise self.bad_request(f"{param}: the image is {w}x{h_}; each side must be 360–2000 px")
        return {"kind": "data_uri", "format": fmt, "width": w, "height": h_, "bytes": len(raw)}

    def check_parameters(self, model, style, par):
        def typed(name, kind, default):
            value = par.get(name, default)
            if value is None:
                return default
            if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
                raise self.bad_request(f"parameters.{name} must be an integer")
            if kind is bool and not isinstance(value, bool):
                raise self.bad_request(f"parameters.{name} must be a boolean")
            if kind is str and not isinstance(value, str):
                raise self.bad_request(f"parameters.{name} must be a string")
            return value

        out = {"prompt_extend": typed("prompt_extend", bool, True), "watermark": typed("watermark", bool, False)}
        seed = typed("seed", int, None)
        if seed is not None and not 0 <= seed <= 2147483647:
            raise self.bad_request("parameters.seed must be within [0, 2147483647]")
        if style == "size":
            if "resolution" in par:
                raise self.bad_request(f"parameters.resolution is not supported by {model}; use size")
            size = typed("size", str, "1920*1080")
            if size not in SIZES_22:
                raise self.bad_request(f"parameters.size {size!r} is not supported by {model}; "
                                       f"use one of {', '.join(SIZES_22)} (width*height)")
            duration = typed("duration", int, 5)
            if duration != 5:
                raise self.bad_request(f"parameters.duration must be 5 for {model}")
            w, h = map(int, size.split("*"))
            out.update(sr=SIZES_22[size], width=w, height=h, duration=duration)
            return out
        if "size" in par:
            raise self.bad_request(f"parameters.size is not supported by {model}; use resolution")
        resolution = typed("resolution", str, "1080P")
        if resolution not in ("720P", "1080P"):
            raise self.bad_request(f"parameters.resolution {resolution!r} is not supported by {model}; "
                                   "use 720P or 1080P")
        duration = typed("duration", int, 5)
        if not 2 <= duration <= 15:
            raise self.bad_request("parameters.duration must be within [2, 15]")
        sr = int(resolution[:-1])
        if style == "t2v":
            ratio = typed("ratio", str, "16:9")
            if ratio not in RATIOS:
                raise self.bad_request(f"parameters.ratio must be one of {', '.join(RATIOS)}")
            out["ratio"] = ratio
        elif "ratio" in par:
            raise self.bad_request(f"parameters.ratio is not supported by {model}; the output follows the image")
        a, b = RATIOS.get(out.get("ratio", "16:9"))
        short = sr
        w, h = (round(short * a / b), short) if a >= b else (short, round(short * b / a))
        out.update(sr=sr, resolution=resolution, duration=duration, width=w - w % 2, height=h - h % 2,
                   audio=typed("audio", bool, True), shot_type=typed("shot_type", str, "single"))
        return out

    # --- answers
    def created_answer(self, task):
        return {"output": {"task_status": "PENDING", "task_id": task["id"]}, "request_id": self.request_id()}

    def render(self, task):
        p, status = task["params"], STATUS[task["status"]]
        out = {"task_id": task["id"], "task_status": status, "submit_time": dash_time(task["created_at"])}
        if task["started_at"] is not None:
            out["scheduled_time"] = dash_time(task["started_at"])
        if task["ended_at"] is not None:
            out["end_time"] = dash_time(task["ended_at"])
        doc = {"request_id": self.request_id(), "output": out}
        if status == "SUCCEEDED":
            url = self.gw.link_url(task, "video")
            if url:
                out["video_url"] = url
            out["orig_prompt"] = task["prompt"]
            if p["prompt_extend"]:
                out["actual_prompt"] = task["prompt"] + " Cinematic lighting, steady camera, rich detail."
            usage = {"duration": p["duration"], "video_count": 1, "SR": p["sr"]}
            if MODELS[task["model"]]["gen"] >= 7:
                usage.update(input_video_duration=0, output_video_duration=p["duration"])
                if "ratio" in p:
                    usage["ratio"] = p["ratio"]
            doc["usage"] = usage
        elif status == "FAILED":
            out["code"], out["message"] = FAILURES.get(task["failure"], FAILURES["fail"])
        return doc

    def unknown_task(self, h, task_id, e):
        e["status"] = 200
        send_json(h, 200, {"request_id": self.request_id(),
                           "output": {"task_id": task_id, "task_status": "UNKNOWN"}})

    # --- result links (OSS V1-style presigned query)
    def issue_links(self, task):
        p = task["params"]
        token = str(uuid.uuid4())
        day = beijing(task["ended_at"]).strftime("%Y%m%d")
        orientation = "portrait" if p["height"] > p["width"] else "landscape"
        self.gw.add_link(task, "video", "oss", f"/dashscope-result-bj/{day}/{uuid.uuid4().hex[:8]}/{token}.mp4",
                         file=media_file(orientation, 10 if p["duration"] <= 10 else 15),
                         query_builder=oss_query)

    # --- list and cancel
    def handle_list(self, h):
        drain_body(h)
        e = self.gw.entry(self.name, "list", h)
        try:
            self.check_auth(h)
        except TaskError as err:
            return self.send_error(h, err, e)
        q = parse_qs(urlsplit(h.path).query)
        if "task_id" in q:
            e["status"], e["outcome"] = 500, "task_id_in_query"
            return send_json(h, 500, {"error": "unsupported uri"})
        self.gw.count(self.name, "lists")
        try:
            page_no = max(1, int(q.get("page_no", ["1"])[-1]))
            page_size = min(100, max(1, int(q.get("page_size", ["10"])[-1])))
        except ValueError:
            return self.send_error(h, self.bad_request("page_no and page_size must be integers"), e)
        status, model = q.get("status", [None])[-1], q.get("model_name", [None])[-1]
        found = [t for t in self.gw.list_tasks(self.name) if self.lookup(t["id"])
                 and (status is None or STATUS[t["status"]] == status)
                 and (model is None or t["model"] == model)]
        page = found[(page_no - 1) * page_size:page_no * page_size]
        items = []
        for t in page:
            out = self.render(t)["output"]
            item = {"task_id": t["id"], "task_status": out["task_status"], "model_name": t["model"],
                    "region": "cn-beijing", "submit_time": out["submit_time"]}
            for k in ("scheduled_time", "end_time"):
                if k in out:
                    item[k] = out[k]
            items.append(item)
        e["status"], e["outcome"] = 200, f"{len(page)}/{len(found)}"
        send_json(h, 200, {"request_id": self.request_id(), "total": len(found),
                           "total_page": math.ceil(len(found) / page_size), "page_no": page_no,
                           "page_size": page_size, "data": items})

    def handle_cancel(self, h, task_id):
        e = self.gw.entry(self.name, "cancel", h, task_id=task_id)
        drain_body(h)
        try:
            self.check_auth(h)
        except TaskError as err:
            return self.send_error(h, err, e)
        task = self.lookup(task_id)
        if task is not None:
            self.gw.advance(task)
        if task is None or task["status"] != "queued":
            return self.send_error(h, TaskError(
                400, "UnsupportedOperation",
                "Failed to cancel the task, please confirm if the task is in PENDING status.",
                outcome="not_pending"), e)
        self.gw.cancel(task)
        self.gw.count(self.name, "cancels")
        e["status"], e["outcome"] = 200, "cancelled"
        send_json(h, 200, {"request_id": self.request_id()})


def oss_query(link):
    expires = int(link["expires_at"])
    signature = make_oss_signature(link["token"], expires)
    return f"Expires={expires}&OSSAccessKeyId={OSS_ACCESS_KEY_ID}&Signature={quote_all(signature)}"
