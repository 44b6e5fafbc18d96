"""The OpenAI-style asynchronous Videos API (`/v1/videos`), as sora-sim serves it.

Written from upstream-protocols.md §B (checklist B.9), never from the project's client.

  POST   /v1/videos                 JSON or multipart/form-data (file part `input_reference`,
                                    or text parts `input_reference[image_url]` / `[file_id]`)
  GET    /v1/videos/{id}            the video object; header `openai-poll-after-ms` while
                                    queued/in_progress
  GET    /v1/videos/{id}/content    ?variant=video (default) | thumbnail; 200 with
                                    Content-Length or 206 for Range; 400 video_not_ready
                                    before completion (and for failed videos), 404 after
                                    `expires_at` or when the result has no file; `spritesheet`
                                    is 404 (the sim has no JPEG to give). With
                                    --videos-content redirect or [sim:redirect]: 302 to a
                                    signed link on the media origin instead of the bytes.
  HEAD   /v1/videos/{id}/content    as GET, no body
  GET    /v1/videos?after=&limit=&order=   {"object": "list", data, first_id, last_id, has_more}
  DELETE /v1/videos/{id}            {"id", "object": "video.deleted", "deleted": true}
  POST   /v1/videos/{id}/remix      {"prompt"} → a new video with remixed_from_video_id

Ids are `video_<32 hex>`; [sim:colon_id] gives a gateway-style `MODEL:task_…` id (a client
must percent-encode the ':' or send it raw; both work). Auth: `Bearer KEY` or the raw key.
Errors: {"error": {"message", "type", "param", "code"}}.
Models: sora-2 (+ dated snapshots) and sora-2-pro with OpenAI's checks (seconds the
strings "4"/"8"/"12", size 720x1280|1280x720, pro also 1024x1792|1792x1024, a reference
image must be exactly `size`, unknown parameters refused); doubao-seedance-2-0 and
doubao-seedance-2-0-fast in CometAPI's shape (seconds 4–15 as string or number, default 5;
size an aspect ratio 21:9|16:9|4:3|1:1|3:4|9:16, default 16:9; resolution 480p|720p|1080p,
default 720p, no 1080p on -fast).
"""

import json
import re
import uuid
from email import policy
from email.parser import BytesParser
from urllib.parse import parse_qs, urlsplit

import sim_media
from sim_dashscope import oss_query
from sim_images import parse_data_uri, sniff
from sim_media import media_file
from sim_tasks import (TaskDialect, TaskError, Validated, drain_body, parse_markers, path_segments, rand_chars,
                       read_body, send_json)

SORA = {"sora-2": ("720x1280", "1280x720"), "sora-2-2025-10-06": ("720x1280", "1280x720"),
        "sora-2-2025-12-08": ("720x1280", "1280x720"),
        "sora-2-pro": ("720x1280", "1280x720", "1024x1792", "1792x1024"),
        "sora-2-pro-2025-10-06": ("720x1280", "1280x720", "1024x1792", "1792x1024")}
SEEDANCE = {"doubao-seedance-2-0": ("480p", "720p", "1080p"), "doubao-seedance-2-0-fast": ("480p", "720p")}
ASPECTS = ("21:9", "16:9", "4:3", "1:1", "3:4", "9:16")
STATUS = {"queued": "queued", "running": "in_progress", "succeeded": "completed", "failed": "failed",
          "expired": "failed", "cancelled": "failed"}
FAILURES = {
    "output_moderation": ("moderation_blocked", "Your request was blocked by our moderation system."),
    "ip_infringement": ("moderation_blocked", "Your request was blocked by our moderation system: "
                                              "the output may be similar to third-party content."),
    "fail": ("internal_error", "Video generation failed because of an internal error."),
}
ROUTE = re.compile(r"/v1/videos(?:/([^/]+)(?:/(content|remix))?)?/?")


def _join(values):
    quoted = [f"'{v}'" for v in values]
    return ", ".join(quoted[:-1]) + ", and " + quoted[-1] if len(quoted) > 2 else " and ".join(quoted)


def invalid_value(param, value, allowed):
    return TaskError(400, "invalid_value", f"Invalid value: '{value}'. Supported values are: {_join(allowed)}.",
                     param)


def parse_multipart(content_type, body):
    """(text fields, file parts {name: (filename, mime, bytes)}) of a multipart body."""
    msg = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not msg.is_multipart():
        raise ValueError("not a multipart body")
    fields, files = {}, {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        data = part.get_payload(decode=True) or b""
        if part.get_filename() is not None:
            files[name] = (part.get_filename(), part.get_content_type(), data)
        else:
            fields[name] = data.decode("utf-8")
    return fields, files


class Videos(TaskDialect):
    name = "videos"

    # --- shapes
    def request_id(self):
        return "req_" + uuid.uuid4().hex

    def error_body(self, err, request_id):
        kind = {401: "invalid_request_error", 429: "requests"}.get(err.status)
        if kind is None:
            kind = "server_error" if err.status >= 500 else "invalid_request_error"
        return {"error": {"message": err.message, "type": kind, "param": err.param, "code": err.code}}

    def bad_request(self, message, param=None, code="invalid_request"):
        return TaskError(400, code, message, param)

    def auth_error(self):
        return TaskError(401, "invalid_api_key", "Incorrect API key provided.", outcome="auth")

    def too_large(self):
        return TaskError(413, "request_too_large", "The request body is too large.")

    def rate_limited(self, retry_after):
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return TaskError(429, "rate_limit_exceeded", "Rate limit reached for videos per minute. "
                         "Please try again later.", headers=headers)

    def server_error(self, status):
        return TaskError(status, "server_error", "The server had an error while processing your request.")

    def input_moderation(self):
        return TaskError(400, "moderation_blocked", "Your request was blocked by our moderation system.", "prompt")

    def answer_headers(self, task):
        if task["status"] in ("queued", "running"):
            return {"openai-poll-after-ms": str(max(1, int(task["delay"] * 1000))), "x-request-id": self.request_id()}
        return {"x-request-id": self.request_id()}

    def new_id(self, markers, model):
        if "colon_id" in markers:
            return f"{model}:task_01k{rand_chars(23)}"
        return "video_" + uuid.uuid4().hex

    # --- routing
    def route(self, h, method, path):
        m = ROUTE.fullmatch(path)
        if not m:
            return False
        video_id = path_segments("/" + m.group(1))[1] if m.group(1) else None
        sub = m.group(2)
        if method == "POST" and not video_id:
            self.handle_create(h)
        elif method == "GET" and not video_id:
            self.handle_list(h)
        elif method == "GET" and not sub:
            self.handle_poll(h, video_id)
        elif method in ("GET", "HEAD") and sub == "content":
            self.handle_content(h, video_id, head=(method == "HEAD"))
        elif method == "DELETE" and not sub:
            self.handle_delete(h, video_id)
        elif method == "POST" and sub == "remix":
            self.handle_remix(h, video_id)
        else:
            if method == "POST":
                h.close_connection = True
            self.send_error(h, TaskError(404, None, f"Invalid URL ({method} {path})"))
        return True

    # --- validation (B.3, B.8)
    def parse_and_validate(self, h, body):
        ctype = h.headers.get("Content-Type") or ""
        files = {}
        if ctype.lower().startswith("multipart/form-data"):
            try:
                fields, files = parse_multipart(ctype, body)
            except ValueError:
                raise self.bad_request("The multipart body could not be parsed.") from None
            if "input_reference[image_url]" in fields or "input_reference[file_id]" in fields:
                ref = {k[len("input_reference["):-1]: fields.pop(k) for k in list(fields)
                       if k.startswith("input_reference[")}
                fields["input_reference"] = ref
        elif ctype.lower().startswith("application/json"):
            try:
                fields = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                raise self.bad_request("We could not parse the JSON body of your request.") from None
            if not isinstance(fields, dict):
                raise self.bad_request("The request body must be a JSON object.")
        else:
            raise self.bad_request("Send application/json or multipart/form-data.")
        prompt = fields.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise self.bad_request("Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter")
        model = fields.get("model", "sora-2")
        if model in SEEDANCE:
            return self.check_seedance(model, prompt, fields, files)
        if model not in SORA:
            raise invalid_value("model", model, ("sora-2", "sora-2-pro"))
        for name in fields:
            if name not in ("prompt", "model", "seconds", "size", "input_reference"):
                raise self.bad_request(f"Unknown parameter: '{name}'.", name, "unknown_parameter")
        seconds = fields.get("seconds", "4")
        if not isinstance(seconds, str):
            raise self.bad_request("Invalid type for 'seconds': expected one of '4', '8', or '12', "
                                   "but got a number instead.", "seconds", "invalid_type")
        if seconds not in ("4", "8", "12"):
            raise invalid_value("seconds", seconds, ("4", "8", "12"))
        size = fields.get("size", "720x1280")
        if size not in SORA[model]:
            raise invalid_value("size", size, SORA[model])
        w, h_ = map(int, size.split("x"))
        images = self.check_reference(fields.get("input_reference"), files.get("input_reference"), (w, h_))
        return Validated(model, prompt, {"seconds": seconds, "size": size, "width": w, "height": h_,
                                         "duration": int(seconds)}, images)

    def check_seedance(self, model, prompt, fields, files):
        for name in fields:
            if name not in ("prompt", "model", "seconds", "size", "resolution", "input_reference"):
                raise self.bad_request(f"Unknown parameter: '{name}'.", name, "unknown_parameter")
        seconds = fields.get("seconds", 5)
        try:
            n = int(seconds) if not isinstance(seconds, bool) else None
        except (TypeError, ValueError):
            n = None
        if n is None or not 4 <= n <= 15 or str(n) != str(seconds).strip():
            raise self.bad_request(f"Invalid value: '{seconds}'. seconds must be an integer from 4 to 15.",
                                   "seconds", "invalid_value")
        size = fields.get("size", "16:9")
        if size not in ASPECTS:
            raise invalid_value("size", size, ASPECTS)
        resolution = fields.get("resolution", "720p")
        if resolution not in SEEDANCE[model]:
            raise invalid_value("resolution", resolution, SEEDANCE[model])
        ref = fields.get("input_reference")
        images = self.check_reference({"image_url": ref} if isinstance(ref, str) else ref,
                                      files.get("input_reference"), None)
        a, b = map(int, size.split(":"))
        short = int(resolution[:-1])
        w, h = (short * a // b, short) if a >= b else (short, short * b // a)
        return Validated(model, prompt, {"seconds": str(n), "size": size, "resolution": resolution,
                                         "width": w, "height": h, "duration": n}, images)

    def check_reference(self, ref, file_part, size):
        """The optional reference image; `size` (w, h) must match exactly for Sora."""
        if ref is not None and file_part is not None:
            raise self.bad_request("Give input_reference once.", "input_reference")
        if file_part is not None:
            filename, mime, raw = file_part
            return [self.check_image_bytes(raw, size, "file")]
        if ref is None:
            return []
        if not isinstance(ref, dict) or len([k for k in ("image_url", "file_id") if ref.get(k)]) != 1 \
                or set(ref) - {"image_url", "file_id"}:
            raise self.bad_request("input_reference must hold exactly one of image_url or file_id.",
                                   "input_reference")
        if ref.get("file_id"):
            return [{"kind": "file_id"}]
        url = ref["image_url"]
        if not isinstance(url, str):
            raise self.bad_request("input_reference.image_url must be a string.", "input_reference.image_url")
        if url.startswith(("http://", "https://")):
            return [{"kind": "url"}]
        try:
            _, raw = parse_data_uri(url)
        except ValueError as e:
            raise self.bad_request(f"input_reference.image_url: {e}.", "input_reference.image_url") from None
        return [self.check_image_bytes(raw, size, "data_uri")]

    def check_image_bytes(self, raw, size, kind):
        found = sniff(raw)
        if not found or found[0] not in ("jpeg", "png", "webp"):
            raise self.bad_request("input_reference must be a JPEG, PNG or WebP image.", "input_reference",
                                   "invalid_image")
        fmt, w, h = found
        if size is not None and (w, h) != size:
            raise self.bad_request("Inpaint image must match the requested width and height",
                                   "input_reference", "invalid_value")
        return {"kind": kind, "format": fmt, "width": w, "height": h, "bytes": len(raw)}

    # --- answers
    def created_answer(self, task):
        return self.render(task)

    def render(self, task):
        p, status = task["params"], STATUS[task["status"]]
        doc = {"id": task["id"], "object": "video", "model": task["model"], "status": status,
               "progress": task["progress"] if status != "queued" else 0,
               "created_at": int(task["created_at"]),
               "completed_at": int(task["ended_at"]) if task["ended_at"] is not None else None,
               "expires_at": int(task["expires_at"]) if task["expires_at"] is not None else None,
               "seconds": p["seconds"], "size": p["size"], "prompt": task["prompt"],
               "remixed_from_video_id": p.get("remixed_from"), "error": None}
        if "resolution" in p:
            doc["resolution"] = p["resolution"]
        if status == "failed":
            code, message = FAILURES.get(task["failure"], FAILURES["fail"])
            doc["error"] = {"code": code, "message": message}
        return doc

    def unknown_task(self, h, task_id, e):
        self.send_error(h, TaskError(404, "not_found", f"Video with id '{task_id}' not found.", outcome="unknown"), e)

    def issue_links(self, task):
        p = task["params"]
        orientation = "portrait" if p["height"] > p["width"] else "landscape"
        token = uuid.uuid4().hex
        self.gw.add_link(task, "video", "oss", f"/videos-result/{token}.mp4",
                         file=media_file(orientation, 10 if p["duration"] <= 10 else 15), query_builder=oss_query)
        self.gw.add_link(task, "thumbnail", "oss", f"/videos-result/{token}-thumbnail.webp",
                         file=f"poster-{orientation}.webp", content_type="image/webp", query_builder=oss_query)

    # --- content
    def handle_content(self, h, video_id, head):
        drain_body(h)
        gw = self.gw
        e = gw.entry(self.name, "content", h, task_id=video_id, range=h.headers.get("Range"))
        try:
            self.check_auth(h, allow_raw=True)
        except TaskError as err:
            return self.send_error(h, err, e)
        gw.count(self.name, "content_requests")
        q = parse_qs(urlsplit(h.path).query)
        variant = q.get("variant", ["video"])[-1]
        if variant not in ("video", "thumbnail", "spritesheet"):
            return self.send_error(h, invalid_value("variant", variant, ("video", "thumbnail", "spritesheet")), e)
        task = self.lookup(video_id)
        if task is None:
            return self.unknown_task(h, video_id, e)
        gw.advance(task)
        if task["status"] != "succeeded":
            return self.send_error(h, TaskError(400, "video_not_ready", "Video is not ready: its status is "
                                                f"{STATUS[task['status']]}.", outcome="not_ready"), e)
        kind = {"video": "video", "thumbnail": "thumbnail"}.get(variant)
        with gw.lock:
            link = gw.links.get(task["links"].get(kind)) if kind else None
        if link is None or gw.clock.now() >= task["expires_at"]:
            return self.send_error(h, TaskError(404, "not_found", f"The {variant} of video '{video_id}' is not "
                                                "available (expired or never produced).", outcome="gone"), e)
        if h.headers.get("Range"):
            gw.count(self.name, "range_requests")
        if gw.videos_content == "redirect" or "redirect" in task["markers"]:
            e["status"], e["outcome"] = 302, "redirect"
            h.send_response(302)
            h.send_header("Location", gw.link_url(task, kind))
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        cut = not head and gw.take_cut(link)
        status = sim_media.serve_source(
            h, gw.source_for(link), link["content_type"], head=head, etag_seed=link["token"],
            last_modified=link["issued_at"], slow_kbps=link.get("slow_kbps"), cut=cut, stopping=gw.stopping,
            on_body=lambda: gw.count(self.name, "downloads"))
        e["status"], e["outcome"] = status, "cut" if cut else "bytes"

    # --- list, delete, remix
    def handle_list(self, h):
        drain_body(h)
        e = self.gw.entry(self.name, "list", h)
        try:
            self.check_auth(h, allow_raw=True)
            q = parse_qs(urlsplit(h.path).query)
            limit = q.get("limit", ["20"])[-1]
            if not limit.isdigit() or not 1 <= int(limit) <= 100:
                raise self.bad_request("limit must be an integer from 1 to 100.", "limit")
            order = q.get("order", ["desc"])[-1]
            if order not in ("asc", "desc"):
                raise invalid_value("order", order, ("asc", "desc"))
        except TaskError as err:
            return self.send_error(h, err, e)
        self.gw.count(self.name, "lists")
        found = self.gw.list_tasks(self.name)
        if order == "asc":
            found.reverse()
        after = q.get("after", [None])[-1]
        if after:
            ids = [t["id"] for t in found]
            found = found[ids.index(after) + 1:] if after in ids else []
        page = found[:int(limit)]
        e["status"], e["outcome"] = 200, f"{len(page)}"
        send_json(h, 200, {"object": "list", "data": [self.render(t) for t in page],
                           "first_id": page[0]["id"] if page else None,
                           "last_id": page[-1]["id"] if page else None,
                           "has_more": len(found) > len(page)})

    def handle_delete(self, h, video_id):
        drain_body(h)
        e = self.gw.entry(self.name, "delete", h, task_id=video_id)
        try:
            self.check_auth(h, allow_raw=True)
        except TaskError as err:
            return self.send_error(h, err, e)
        if self.lookup(video_id) is None:
            return self.unknown_task(h, video_id, e)
        self.gw.forget(video_id)
        self.gw.count(self.name, "deletes")
        e["status"], e["outcome"] = 200, "deleted"
        send_json(h, 200, {"id": video_id, "object": "video.deleted", "deleted": True})

    def handle_remix(self, h, video_id):
        gw = self.gw
        e = gw.entry(self.name, "create", h, remix_of=video_id)
        try:
            try:
                body = read_body(h, 1 << 20)
            except ValueError:
                body = None
            if body is None:
                raise self.too_large()
            self.check_auth(h, allow_raw=True)
            try:
                req = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                raise self.bad_request("We could not parse the JSON body of your request.") from None
            prompt = req.get("prompt") if isinstance(req, dict) else None
            if not isinstance(prompt, str) or not prompt.strip():
                raise self.bad_request("Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter")
            source = self.lookup(video_id)
            if source is None:
                raise TaskError(404, "not_found", f"Video with id '{video_id}' not found.")
            gw.advance(source)
            if source["status"] != "succeeded":
                raise self.bad_request("Only a completed video can be remixed.", "video_id")
            try:
                markers = parse_markers(prompt, self.name)
            except ValueError as err:
                raise self.bad_request(str(err), "prompt")
        except TaskError as err:
            gw.count(self.name, "rejected")
            return self.send_error(h, err, e)
        gw.count(self.name, "creates")
        e.update(model=source["model"], prompt=prompt, markers=dict(markers), images=[])
        scripted = self.scripted(markers, source["model"])
        if scripted is not None:
            return self.send_error(h, scripted, e)
        params = dict(source["params"], remixed_from=video_id)
        task = gw.new_task(self.name, self.new_id(markers, source["model"]), source["model"], prompt, markers, params)
        e["task_id"] = task["id"]
        if "lost" in markers:
            return self.lose_answer(h, markers["lost"], e)
        e["status"], e["outcome"] = 200, "created"
        send_json(h, 200, self.render(task), self.answer_headers(task))
