"""Tests for sora-sim's asynchronous task dialects: Ark (Seedance), DashScope (Wan), /v1/videos.

Run: python3 -m pytest -q Tests/Doubles/test_task_sim.py
Each dialect is proven with its vendor's official SDK (volcenginesdkarkruntime, dashscope,
openai) pointed at the sim; raw HTTP covers the failure matrix and the media origin. Tests wait
for observable events (a status, a counter) instead of sleeping and asserting.
"""

import base64
import http.client
import json
import os
import re
import struct
import time
import zlib
from urllib.parse import quote, urlsplit

import dashscope
import openai
import pytest
import requests
from dashscope import VideoSynthesis
from openai import OpenAI
from volcenginesdkarkruntime import Ark
from volcenginesdkarkruntime._exceptions import (ArkAuthenticationError, ArkBadRequestError,
                                                  ArkNotFoundError)

from test_sora_sim import KEY, MEDIA, start_sim, stop_sim

SEEDANCE = "doubao-seedance-2-0-260128"
SEEDANCE_FAST = "doubao-seedance-2-0-fast-260128"
SEEDANCE_1 = "doubao-seedance-1-0-pro-250528"
CGT_ID = re.compile(r"cgt-\d{14}-[a-z0-9]{5}")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
DASH_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}")


def png(width, height, rgb=(200, 60, 20)):
    """A valid PNG of one colour, built with zlib (no imaging library needed)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = zlib.compress((b"\x00" + bytes(rgb) * width) * height)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


def data_uri(raw, mime="image/png"):
    return f"data:{mime};base64," + base64.b64encode(raw).decode()


def sample(name):
    with open(os.path.join(MEDIA, name), "rb") as f:
        return f.read()


def wait_for(check, timeout=5.0, interval=0.02):
    """Call `check` until it returns something truthy; fail with its last value after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last value {value!r})")
        time.sleep(interval)


# ------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def sim():
    proc, base = start_sim("--step-delay", "0.05", "--steps", "4")
    yield base
    assert stop_sim(proc) == 0


@pytest.fixture()
def base(sim):
    requests.post(sim + "/_sim/reset", json={"tasks": True}, timeout=5).raise_for_status()
    return sim


def stats(base):
    return requests.get(base + "/_sim/stats", timeout=5).json()


def counters(base, dialect):
    return stats(base)["dialects"][dialect]


def auth(key=KEY):
    return {"Authorization": f"Bearer {key}"}


def ark_client(base, prefix="/api/v3", key=KEY):
    return Ark(base_url=base + prefix, api_key=key, max_retries=0, timeout=20)


def ark_post(base, body, prefix="/api/v3", key=KEY, **kw):
    return requests.post(f"{base}{prefix}/contents/generations/tasks", json=body, headers=auth(key), timeout=20, **kw)


def ark_get(base, task_id, prefix="/api/v3"):
    return requests.get(f"{base}{prefix}/contents/generations/tasks/{task_id}", headers=auth(), timeout=10)


def ark_body(text="a fox in snow", model=SEEDANCE, **fields):
    return {"model": model, "content": [{"type": "text", "text": text}], **fields}


def ark_until(base, task_id, statuses, prefix="/api/v3"):
    return wait_for(lambda: (lambda d: d if d["status"] in statuses else None)(ark_get(base, task_id, prefix).json()))


def last_create(base, dialect):
    return [e for e in stats(base)["task_requests"] if e["dialect"] == dialect and e["op"] == "create"][-1]


# ------------------------------------------------------------------ Ark (Seedance) with the official SDK

@pytest.mark.parametrize("prefix", ["/api/v3", "/seedance/api/v3"])
def test_ark_sdk_create_get_list_delete(base, prefix):
    ark = ark_client(base, prefix)
    t0 = time.monotonic()
    created = ark.content_generation.tasks.create(
        model=SEEDANCE, content=[{"type": "text", "text": "a red fox trots through snow"}],
        ratio="16:9", resolution="720p", duration=5, return_last_frame=True)
    assert CGT_ID.fullmatch(created.id)
    seen = []
    task = wait_for(lambda: (lambda t: seen.append(t.status) or (t if t.status == "succeeded" else None))(
        ark.content_generation.tasks.get(task_id=created.id)))
    assert time.monotonic() - t0 < 1.5  # the job itself takes 0.25 s (5 steps of 0.05 s); room for a busy CI
    assert seen[0] in ("queued", "running") and "running" in seen
    assert task.model == SEEDANCE and task.resolution == "720p" and task.ratio == "16:9" and task.duration == 5
    assert task.framespersecond == 24 and isinstance(task.created_at, int) and task.updated_at >= task.created_at
    # tokens: 1280x720, 24 fps x 5 s + 1 frame, / 1024 — the reference's official sample value
    assert task.usage.completion_tokens == task.usage.total_tokens == 108900
    assert task.generate_audio is True and task.service_tier == "default" and task.execution_expires_after == 172800
    video, frame = task.content.video_url, task.content.last_frame_url
    assert urlsplit(video).port != urlsplit(base).port  # result files live on another origin
    assert "X-Tos-Algorithm=TOS4-HMAC-SHA256" in video and "X-Tos-Credential=" in video and "%2F" in video
    r = requests.get(video, timeout=10)
    assert r.status_code == 200 and r.content == sample("landscape-10s.mp4")
    r = requests.get(frame, timeout=10)
    assert r.headers["Content-Type"] == "image/png" and struct.unpack(">II", r.content[16:24]) == (1280, 720)

    listed = ark.content_generation.tasks.list(page_size=10, status="succeeded", task_ids=[created.id])
    assert listed.total == 1 and listed.items[0].id == created.id
    assert ark.content_generation.tasks.list(status="queued").total == 0
    ark.content_generation.tasks.delete(created.id)  # terminal → the record is deleted
    with pytest.raises(ArkNotFoundError):
        ark.content_generation.tasks.get(task_id=created.id)
    c = counters(base, "ark")
    assert c["creates"] == c["tasks_created"] == 1 and c["deletes"] == 1 and c["lists"] == 2
    assert c["polls"] == len(seen) + 1 and c["downloads"] == 2


def test_ark_sdk_image_to_video_and_errors(base):
    ark = ark_client(base)
    first = data_uri(png(640, 480))
    created = ark.content_generation.tasks.create(
        model=SEEDANCE_1, content=[{"type": "text", "text": "she smiles --rs 480p --dur 3"},
                                   {"type": "image_url", "image_url": {"url": first}, "role": "first_frame"}])
    task = wait_for(lambda: (lambda t: t if t.status == "succeeded" else None)(
        ark.content_generation.tasks.get(task_id=created.id)))
    assert task.resolution == "480p" and task.duration == 3 and task.ratio == "4:3"  # legacy commands, adaptive
    assert task.usage.total_tokens == 736 * 544 * (24 * 3 + 1) // 1024
    assert last_create(base, "ark")["images"] == [
        {"kind": "data_uri", "format": "png", "width": 640, "height": 480, "bytes": len(png(640, 480))}]
    with pytest.raises(ArkAuthenticationError) as e:
        ark_client(base, key="sk-wrong").content_generation.tasks.create(model=SEEDANCE, content=[
            {"type": "text", "text": "x"}])
    assert e.value.code == "AuthenticationError"
    with pytest.raises(ArkNotFoundError) as e:
        ark.content_generation.tasks.create(model="doubao-seedance-9", content=[{"type": "text", "text": "x"}])
    assert e.value.code == "InvalidEndpointOrModel.NotFound"
    with pytest.raises(ArkBadRequestError) as e:
        ark.content_generation.tasks.create(model=SEEDANCE_FAST, content=[{"type": "text", "text": "x"}],
                                            resolution="1080p")
    assert e.value.code == "InvalidParameter" and "resolution" in str(e.value)


def test_ark_delete_rules(base):
    ark = ark_client(base)
    queued = ark.content_generation.tasks.create(model=SEEDANCE, content=[{"type": "text", "text": "[sim:stuck]"}])
    ark.content_generation.tasks.delete(queued.id)
    assert ark.content_generation.tasks.get(task_id=queued.id).status == "cancelled"
    with pytest.raises(ArkBadRequestError):  # cancelled: no second delete
        ark.content_generation.tasks.delete(queued.id)
    running = ark_post(base, ark_body("slow [sim:steps=200]")).json()["id"]
    ark_until(base, running, ("running",))
    r = requests.delete(f"{base}/api/v3/contents/generations/tasks/{running}", headers=auth(), timeout=5)
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidParameter"
    assert "running" in r.json()["error"]["message"]
    assert ark_get(base, running).json()["status"] == "running"
    c = counters(base, "ark")
    assert c["cancels"] == 1 and c["deletes"] == 0


# ------------------------------------------------------------------ Ark validation (raw HTTP)

@pytest.mark.parametrize("body,status,code,text", [
    ({"content": [{"type": "text", "text": "x"}]}, 400, "MissingParameter", "model"),
    (ark_body(model="doubao-seedance-2-0"), 404, "InvalidEndpointOrModel.NotFound", "doubao-seedance-2-0"),
    ({"model": SEEDANCE, "content": []}, 400, "MissingParameter", "content"),
    ({"model": SEEDANCE, "content": [
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        {"type": "video_url", "video_url": {"url": "https://example.com/a.mp4"}, "role": "reference_video"}]},
     400, "InvalidParameter", "first/last frame content cannot be mixed with reference media content"),
    ({"model": SEEDANCE_1, "content": [
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}, "role": "reference_image"}]},
     400, "InvalidParameter", "not supported"),
    ({"model": SEEDANCE, "content": [{"type": "image_url", "image_url": {"url": "https://x/a.png"}, "role": "last_frame"}]},
     400, "InvalidParameter", "first frame"),
    ({"model": SEEDANCE, "content": [{"type": "image_url", "image_url": {"url": data_uri(png(640, 480), "image/PNG")}}]},
     400, "InvalidImageURL.InvalidFormat", "lowercase"),
    ({"model": SEEDANCE, "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,!!!"}}]},
     400, "InvalidParameter.UnsupportedImageFormat", "decoded"),
    ({"model": SEEDANCE, "content": [{"type": "image_url", "image_url": {
        "url": data_uri(b"GIF87a" + b"\x00" * 4 + b"not really an image" + b"\x00" * 40, "image/png")}}]},
     400, "InvalidParameter", "pixels"),
    ({"model": SEEDANCE, "content": [{"type": "image_url", "image_url": {"url": data_uri(png(200, 200))}}]},
     400, "InvalidParameter", "between 300 and 6000"),
    ({"model": SEEDANCE, "content": [{"type": "image_url", "image_url": {"url": data_uri(png(1500, 400))}}]},
     400, "InvalidParameter", "aspect ratio"),
    ({"model": SEEDANCE, "content": [{"type": "image_url", "image_url": {"url": ""}}]},
     400, "InvalidImageURL.EmptyURL", "empty"),
    (ark_body(model=SEEDANCE_FAST, resolution="1080p"), 400, "InvalidParameter", "resolution"),
    (ark_body(duration=3), 400, "InvalidParameter", "duration"),
    (ark_body(duration=16), 400, "InvalidParameter", "duration"),
    (ark_body(model=SEEDANCE_1, duration=13), 400, "InvalidParameter", "duration"),
    (ark_body(ratio="2:1"), 400, "InvalidParameter", "ratio"),
    (ark_body(frames=121), 400, "InvalidParameter", "frames"),
    (ark_body(model=SEEDANCE_1, frames=30), 400, "InvalidParameter", "frames"),
    (ark_body(service_tier="flex"), 400, "InvalidParameter", "service_tier"),
    (ark_body(execution_expires_after=60), 400, "InvalidParameter", "execution_expires_after"),
    (ark_body(duration="5"), 400, "InvalidParameter", "integer"),
    (ark_body("[sim:moderaton]"), 400, "InvalidParameter", "unknown marker"),
    (ark_body("[sim:redirect]"), 400, "InvalidParameter", "videos dialect"),
])
def test_ark_validation(base, body, status, code, text):
    r = ark_post(base, body)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert set(err) == {"code", "message", "param", "type"}
    assert err["code"] == code and text in err["message"] and re.search(r"Request ID: \w+$", err["message"])
    c = counters(base, "ark")
    assert c["creates"] == 0 and c["tasks_created"] == 0 and c["rejected"] == 1


def test_ark_accepts_documented_variants(base):
    ok = [
        ark_body(duration=-1),
        ark_body(model=SEEDANCE_1, frames=29, resolution="1080p"),
        {"model": SEEDANCE, "content": [
            {"type": "image_url", "image_url": {"url": data_uri(png(720, 1280))}, "role": "first_frame"},
            {"type": "image_url", "image_url": {"url": "https://example.com/last.jpg"}, "role": "last_frame"}]},
        {"model": SEEDANCE, "content": [
            {"type": "text", "text": "mix the references"},
            {"type": "image_url", "image_url": {"url": "asset://asset-123"}, "role": "reference_image"},
            {"type": "video_url", "video_url": {"url": "https://example.com/ref.mp4"}, "role": "reference_video"},
            {"type": "audio_url", "audio_url": {"url": "https://example.com/ref.mp3"}, "role": "reference_audio"}]},
    ]
    for body in ok:
        assert ark_post(base, body).status_code == 200, body
    r = ark_post(base, ark_body(), key="sk-wrong")
    assert r.status_code == 401 and r.json()["error"]["type"] == "Unauthorized"
    r = requests.post(base + "/api/v3/contents/generations/tasks", json=ark_body(), timeout=5)
    assert r.status_code == 401 and r.json()["error"]["code"] == "AuthenticationError"
    portrait = ark_until(base, ark_post(base, ok[2]).json()["id"], ("succeeded",))
    assert portrait["ratio"] == "9:16"  # adaptive follows the first frame
    assert requests.get(portrait["content"]["video_url"], timeout=10).content == sample("portrait-10s.mp4")
    assert counters(base, "ark")["creates"] == 5


# ------------------------------------------------------------------ Ark failure matrix

def advance_clock(base, seconds):
    requests.post(base + "/_sim/clock", json={"advance": seconds}, timeout=5).raise_for_status()


@pytest.mark.parametrize("marker,status,code,headers", [
    ("input_moderation", 400, "InputTextSensitiveContentDetected", {}),
    ("429", 429, "RateLimitExceeded.EndpointRPMExceeded", {"Retry-After": "20"}),
    ("429=7", 429, "RateLimitExceeded.EndpointRPMExceeded", {"Retry-After": "7"}),
    ("429=none", 429, "RateLimitExceeded.EndpointRPMExceeded", {"Retry-After": None}),
    ("500", 500, "InternalServiceError", {}),
    ("502", 502, "InternalServiceError", {}),
    ("503", 503, "InternalServiceError", {}),
])
def test_ark_scripted_create_errors(base, marker, status, code, headers):
    r = ark_post(base, ark_body(f"a fox [sim:{marker}]"), prefix="/seedance/api/v3")
    assert r.status_code == status
    assert r.json()["error"]["code"] == code
    for name, value in headers.items():
        assert r.headers.get(name) == value
    c = counters(base, "ark")
    assert c["creates"] == 1 and c["tasks_created"] == 0 and c["rejected"] == 0


def test_no_channel_is_a_new_api_503_on_every_dialect(base):
    answers = [
        ark_post(base, ark_body("[sim:no_channel]")),
        requests.post(base + "/wan/api/v1/services/aigc/video-generation/video-synthesis",
                      json={"model": "wan2.7-t2v", "input": {"prompt": "x [sim:no_channel]"}},
                      headers={**auth(), "X-DashScope-Async": "enable"}, timeout=5),
        requests.post(base + "/v1/videos", json={"prompt": "x [sim:no_channel]"}, headers=auth(), timeout=5),
    ]
    for r in answers:
        assert r.status_code == 503
        err = r.json()["error"]
        assert "该模型无可用渠道" in err["message"] and err["type"] == "new_api_error"
    s = stats(base)["dialects"]
    assert [s[d]["creates"] for d in ("ark", "dashscope", "videos")] == [1, 1, 1]
    assert [s[d]["tasks_created"] for d in ("ark", "dashscope", "videos")] == [0, 0, 0]


@pytest.mark.parametrize("marker,code,text", [
    ("output_moderation=2", "OutputVideoSensitiveContentDetected.PolicyViolation", "sensitive"),
    ("ip_infringement=2", "OutputVideoSensitiveContentDetected.PolicyViolation", "copyright"),
    ("fail=2", "InternalServiceError", "internal"),
])
def test_ark_task_fails_after_n_polls(base, marker, code, text):
    task_id = ark_post(base, ark_body(f"a famous mouse [sim:{marker}][sim:delay=0]")).json()["id"]
    first = ark_get(base, task_id).json()
    assert first["status"] == "running"  # done by the clock, but the failure waits for poll 2
    second = ark_get(base, task_id).json()
    assert second["status"] == "failed"
    assert second["error"]["code"] == code and text in second["error"]["message"]
    assert "content" not in second and "usage" not in second
    assert ark_get(base, task_id).json()["status"] == "failed"  # terminal stays terminal


def test_ark_poll_error_then_recovery(base):
    task_id = ark_post(base, ark_body("[sim:poll500]")).json()["id"]
    r = ark_get(base, task_id)
    assert r.status_code == 500 and r.json()["error"]["code"] == "InternalServiceError"
    assert ark_get(base, task_id).status_code == 200
    assert ark_until(base, task_id, ("succeeded",))["content"]["video_url"]


def test_ark_stuck_expired_nourl_and_old_tasks(base):
    stuck = ark_post(base, ark_body("[sim:stuck]", execution_expires_after=3600)).json()["id"]
    advance_clock(base, 3000)  # far past the pace, still inside execution_expires_after
    assert ark_get(base, stuck).json()["status"] == "queued"
    advance_clock(base, 700)
    assert ark_get(base, stuck).json()["status"] == "expired"

    expiring = ark_post(base, ark_body("[sim:task_expired]")).json()["id"]
    doc = ark_until(base, expiring, ("expired", "succeeded"))
    assert doc["status"] == "expired" and "content" not in doc

    nourl = ark_until(base, ark_post(base, ark_body("[sim:nourl]")).json()["id"], ("succeeded",))
    assert "content" not in nourl and nourl["usage"]["total_tokens"] > 0

    r = ark_get(base, "cgt-20250101000000-zzzzz")
    assert r.status_code == 404 and r.json()["error"]["code"] == "ResourceNotFound"
    done = ark_until(base, ark_post(base, ark_body()).json()["id"], ("succeeded",))["id"]
    advance_clock(base, 7 * 86400 + 10)  # queries cover only the last 7 days
    assert ark_get(base, done).status_code == 404
    assert requests.get(base + "/api/v3/contents/generations/tasks", headers=auth(), timeout=5).json()["total"] == 0


def test_ark_lost_create_answers_leave_a_task_to_reconcile(base):
    u = urlsplit(base)
    # close: the task exists, the client gets no status line at all
    with pytest.raises(requests.exceptions.ConnectionError):
        ark_post(base, ark_body("[sim:lost]"))
    r = ark_post(base, ark_body("[sim:lost=502]"))
    assert r.status_code == 502 and r.headers["Content-Type"] == "text/html"
    r = ark_post(base, ark_body("[sim:lost=500]"))
    assert r.status_code == 500 and r.json()["error"]["code"] == "InternalServiceError"
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(base + "/api/v3/contents/generations/tasks", json=ark_body("[sim:lost=timeout]"),
                      headers=auth(), timeout=(5, 0.5))
    c = wait_for(lambda: (lambda c: c if c["tasks_created"] == 4 else None)(counters(base, "ark")))
    assert c["creates"] == 4
    lost = [e for e in stats(base)["task_requests"] if e["op"] == "create"]
    assert [e["outcome"] for e in lost] == ["lost_close", "lost_502", "lost_500", "lost_timeout"]
    # reconciliation through the list endpoint finds every one of them
    listed = ark_client(base).content_generation.tasks.list(page_size=50, model=SEEDANCE)
    assert sorted(t.id for t in listed.items) == sorted(e["task_id"] for e in lost)
    ids = [e["task_id"] for e in lost]
    page = requests.get(base + "/api/v3/contents/generations/tasks", headers=auth(), timeout=5,
                        params={"filter.task_ids": ",".join(ids[:2]), "page_size": 1}).json()
    assert page["total"] == 2 and len(page["items"]) == 1
    r = requests.get(base + "/api/v3/contents/generations/tasks", headers=auth(), params={"page_size": 501}, timeout=5)
    assert r.status_code == 400


# ------------------------------------------------------------------ the media origin

def ark_result(base, text="a fox", **fields):
    return ark_until(base, ark_post(base, ark_body(text, **fields)).json()["id"], ("succeeded",))


def test_media_refuses_authorization_and_counts_it(base):
    url = ark_result(base)["content"]["video_url"]
    r = requests.get(url, headers=auth(), timeout=10)
    assert r.status_code == 400 and b"<Code>InvalidArgument</Code>" in r.content
    assert r.headers["Content-Type"] == "application/xml"
    r = requests.get(url, headers={"Authorization": "Basic eDp5"}, timeout=10)
    assert r.status_code == 400
    s = stats(base)
    assert s["dialects"]["ark"]["media_auth_rejections"] == 2 and s["media_auth_rejections"] == 2
    assert s["dialects"]["ark"]["downloads"] == 0
    media = [e for e in s["task_requests"] if e["op"] == "media"]
    assert [e["authorization"] for e in media] == [True, True] and [e["status"] for e in media] == [400, 400]
    assert KEY not in json.dumps(s)
    assert requests.get(url, timeout=10).status_code == 200


def test_media_range_head_and_signature(base):
    url = ark_result(base)["content"]["video_url"]
    full = sample("landscape-10s.mp4")
    # The simulator is shared by the module's tests: count from here.
    before = counters(base, "ark")["range_requests"], stats(base)["range_requests"]
    r = requests.get(url, headers={"Range": "bytes=0-99"}, timeout=10)
    assert r.status_code == 206 and r.content == full[:100]
    assert r.headers["Content-Range"] == f"bytes 0-99/{len(full)}" and r.headers["Content-Length"] == "100"
    r = requests.get(url, headers={"Range": "bytes=-10"}, timeout=10)
    assert r.status_code == 206 and r.content == full[-10:]
    r = requests.get(url, headers={"Range": f"bytes={len(full)}-"}, timeout=10)
    assert r.status_code == 416
    h = requests.head(url, timeout=10)
    assert h.status_code == 200 and h.headers["Content-Length"] == str(len(full)) and h.headers["Accept-Ranges"] == "bytes"
    assert counters(base, "ark")["range_requests"] - before[0] == 3 and stats(base)["range_requests"] - before[1] == 3
    for bad in (url.split("?")[0], re.sub(r"X-Tos-Signature=(\w)", lambda m: "X-Tos-Signature=" + ("1" if m[1] == "0" else "0"), url),
                url.replace("%2F", "%252F")):
        r = requests.get(bad, timeout=10)
        assert r.status_code == 403 and b"SignatureDoesNotMatch" in r.content
    r = requests.get(url.replace(".mp4", "x.mp4"), timeout=10)
    assert r.status_code == 404 and b"NoSuchKey" in r.content


def test_media_links_expire(base):
    url = ark_result(base, "[sim:expired]")["content"]["video_url"]
    r = requests.get(url, timeout=10)
    assert r.status_code == 403 and b"<Code>AccessDenied</Code>" in r.content and b"expired" in r.content
    url = ark_result(base, "[sim:ttl=0.3]")["content"]["video_url"]
    assert requests.get(url, timeout=10).status_code == 200
    wait_for(lambda: requests.get(url, timeout=10).status_code == 403, timeout=5)
    doc = ark_result(base, return_last_frame=True)
    requests.post(base + "/_sim/expire-links", timeout=5).raise_for_status()
    for link in doc["content"].values():
        assert requests.get(link, timeout=10).status_code == 403


def test_media_cut_then_range_resume(base):
    url = ark_result(base, "[sim:cut]")["content"]["video_url"]
    full = sample("landscape-10s.mp4")
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request("GET", u.path + "?" + u.query)
    resp = conn.getresponse()
    assert resp.status == 200 and resp.getheader("Content-Length") == str(len(full))
    with pytest.raises(http.client.IncompleteRead) as e:
        resp.read()
    conn.close()
    got = e.value.partial
    assert 0 < len(got) < len(full)
    r = requests.get(url, headers={"Range": f"bytes={len(got)}-"}, timeout=10)
    assert r.status_code == 206 and got + r.content == full
    media = [e for e in stats(base)["task_requests"] if e["op"] == "media"]
    assert media[0]["outcome"] == "cut" and media[1]["range"] == f"bytes={len(got)}-"


def test_media_slow_and_big(base):
    url = ark_result(base, "[sim:slow=40]")["content"]["video_url"]
    t0 = time.monotonic()
    r = requests.get(url, timeout=30)
    assert r.content == sample("landscape-10s.mp4")
    assert time.monotonic() - t0 > len(r.content) / (40 * 1024) * 0.7
    url = ark_result(base, "[sim:big=3]")["content"]["video_url"]
    size = int(requests.head(url, timeout=10).headers["Content-Length"])
    assert size == 3 * 1024 * 1024
    head = requests.get(url, headers={"Range": "bytes=0-15"}, timeout=10).content
    assert head[4:8] == b"ftyp"
    assert requests.get(url, headers={"Range": "bytes=-16"}, timeout=10).content == bytes(16)


# ------------------------------------------------------------------ DashScope (Wan) with the official SDK

@pytest.fixture(params=["/api/v1", "/wan/api/v1"])
def wan(base, request):
    """Points the dashscope SDK (module-global setting) at the sim, under either prefix."""
    saved = dashscope.base_http_api_url
    dashscope.base_http_api_url = base + request.param
    yield base, request.param
    dashscope.base_http_api_url = saved


def ds_post(base, body, prefix="/api/v1", key=KEY, async_header=True):
    headers = {**auth(key), **({"X-DashScope-Async": "enable"} if async_header else {})}
    return requests.post(f"{base}{prefix}/services/aigc/video-generation/video-synthesis", json=body,
                         headers=headers, timeout=20)


def ds_get(base, task_id, prefix="/api/v1"):
    return requests.get(f"{base}{prefix}/tasks/{quote(task_id, safe='')}", headers=auth(), timeout=10)


def ds_until(base, task_id, statuses):
    return wait_for(lambda: (lambda d: d if d["output"]["task_status"] in statuses else None)(
        ds_get(base, task_id).json()))


def t2v(prompt="a lighthouse at dusk", model="wan2.7-t2v", **parameters):
    return {"model": model, "input": {"prompt": prompt}, "parameters": parameters}


def test_dashscope_sdk_t2v_async_call_fetch_wait(wan):
    base, prefix = wan
    created = VideoSynthesis.async_call(model="wan2.7-t2v", prompt="waves at a lighthouse", api_key=KEY,
                                        resolution="720P", ratio="9:16", duration=8, seed=42)
    assert created.status_code == 200 and UUID.fullmatch(created.output.task_id)
    assert created.output.task_status == "PENDING" and UUID.fullmatch(created.request_id)
    fetched = VideoSynthesis.fetch(created, api_key=KEY)
    assert fetched.output.task_status in ("PENDING", "RUNNING") and DASH_TIME.fullmatch(fetched.output.submit_time)
    done = VideoSynthesis.wait(created, api_key=KEY)
    out = done.output
    assert done.status_code == 200 and out.task_status == "SUCCEEDED"
    for name in ("submit_time", "scheduled_time", "end_time"):
        assert DASH_TIME.fullmatch(out[name])
    assert out.orig_prompt == "waves at a lighthouse" and out.actual_prompt.startswith("waves at a lighthouse")
    assert done.usage.duration == 8 and done.usage.output_video_duration == 8 and done.usage.video_count == 1
    assert done.usage.SR == 720 and done.usage.ratio == "9:16"
    url = out.video_url
    assert urlsplit(url).port != urlsplit(base).port and "OSSAccessKeyId=" in url and "%2B" in url
    r = requests.get(url, timeout=10)
    assert r.status_code == 200 and r.content == sample("portrait-10s.mp4")
    c = counters(base, "dashscope")
    assert c["creates"] == c["tasks_created"] == 1 and c["polls"] >= 2 and c["downloads"] == 1


def test_dashscope_sdk_image_inputs_and_legacy_size(wan):
    base, _ = wan
    frame = data_uri(png(1280, 720))
    r27 = VideoSynthesis.async_call(model="wan2.7-i2v", prompt="the boat sails", api_key=KEY, resolution="1080P",
                                    media=[{"type": "first_frame", "url": frame},
                                           {"type": "last_frame", "url": "https://example.com/last.png"}])
    r26 = VideoSynthesis.async_call(model="wan2.6-i2v", prompt="the boat sails", api_key=KEY, img_url=frame,
                                    resolution="720P", duration=10, prompt_extend=False)
    r22 = VideoSynthesis.async_call(model="wan2.2-t2v-plus", prompt="a cat", api_key=KEY, size="832*480")
    for created in (r27, r26, r22):
        assert created.status_code == 200, created
    d27 = ds_until(base, r27.output.task_id, ("SUCCEEDED",))
    assert d27["usage"]["SR"] == 1080 and "ratio" not in d27["usage"]
    d26 = VideoSynthesis.wait(r26, api_key=KEY)
    assert d26.usage.SR == 720 and d26.usage.duration == 10 and "actual_prompt" not in d26.output
    assert "output_video_duration" not in d26.usage
    d22 = VideoSynthesis.fetch(r22.output.task_id, api_key=KEY)
    d22 = ds_until(base, r22.output.task_id, ("SUCCEEDED",))
    assert d22["usage"] == {"duration": 5, "video_count": 1, "SR": 480}
    images = [e["images"] for e in stats(base)["task_requests"] if e["op"] == "create"]
    assert images[0][0]["kind"] == "data_uri" and images[0][1] == {"kind": "url"}
    assert images[1] == [{"kind": "data_uri", "format": "png", "width": 1280, "height": 720,
                          "bytes": len(png(1280, 720))}]
    assert "iVBOR" not in json.dumps(stats(base))


def test_dashscope_sdk_cancel_list_and_unknown(wan):
    base, _ = wan
    queued = VideoSynthesis.async_call(model="wan2.7-t2v", prompt="wait [sim:stuck]", api_key=KEY)
    cancelled = VideoSynthesis.cancel(queued, api_key=KEY)
    assert cancelled.status_code == 200
    assert VideoSynthesis.fetch(queued, api_key=KEY).output.task_status == "CANCELED"
    again = VideoSynthesis.cancel(queued, api_key=KEY)
    assert again.status_code == 400 and again.code == "UnsupportedOperation" and "PENDING" in again.message
    done = VideoSynthesis.async_call(model="wan2.7-t2v", prompt="quick", api_key=KEY)
    VideoSynthesis.wait(done, api_key=KEY)
    assert VideoSynthesis.cancel(done, api_key=KEY).code == "UnsupportedOperation"
    listed = VideoSynthesis.list(api_key=KEY, page_size=10)
    assert listed.status_code == 200 and listed.output["total"] == 2
    assert {d["task_status"] for d in listed.output["data"]} == {"CANCELED", "SUCCEEDED"}
    assert VideoSynthesis.list(api_key=KEY, status="CANCELED").output["total"] == 1
    unknown = VideoSynthesis.fetch("00000000-0000-4000-8000-000000000000", api_key=KEY)
    assert unknown.status_code == 200 and unknown.output.task_status == "UNKNOWN"
    assert VideoSynthesis.wait("00000000-0000-4000-8000-000000000000", api_key=KEY).output.task_status == "UNKNOWN"
    c = counters(base, "dashscope")
    assert c["cancels"] == 1 and c["lists"] == 2


def test_dashscope_sdk_errors(wan):
    base, _ = wan
    bad_key = VideoSynthesis.async_call(model="wan2.7-t2v", prompt="x", api_key="sk-wrong")
    assert bad_key.status_code == 401 and bad_key.code == "InvalidApiKey"
    missing = VideoSynthesis.async_call(model="wan2.6-i2v", prompt="x", api_key=KEY)
    assert missing.status_code == 400 and missing.code == "InvalidParameter"
    assert missing.message == "Field required: input.img_url"
    moderated = VideoSynthesis.async_call(model="wan2.7-t2v", prompt="x [sim:input_moderation]", api_key=KEY)
    assert moderated.status_code == 400 and moderated.code == "DataInspectionFailed"
    failed = VideoSynthesis.async_call(model="wan2.7-t2v", prompt="x [sim:output_moderation=1]", api_key=KEY)
    result = VideoSynthesis.wait(failed, api_key=KEY)
    assert result.status_code == 200 and result.output.task_status == "FAILED"
    assert result.output.code == "DataInspectionFailed" and "inappropriate" in result.output.message


# ------------------------------------------------------------------ DashScope rules (raw HTTP)

@pytest.mark.parametrize("body,status,code,text", [
    (t2v(size="1280*720"), 400, "InvalidParameter", "size"),
    (t2v(resolution="720p"), 400, "InvalidParameter", "720P or 1080P"),
    (t2v(duration=16), 400, "InvalidParameter", "duration"),
    (t2v(duration=1), 400, "InvalidParameter", "duration"),
    (t2v(ratio="21:9"), 400, "InvalidParameter", "ratio"),
    (t2v(""), 400, "InvalidParameter", "Field required: input.prompt"),
    ({"model": "wan2.7-t2v"}, 400, "InvalidParameter", "Field required: input"),
    (t2v(model="wanx-unknown"), 404, "ModelNotFound", "wanx-unknown"),
    ({"model": "wan2.7-i2v", "input": {"prompt": "x", "img_url": "https://example.com/a.png"}}, 400,
     "InvalidParameter", "input.media"),
    ({"model": "wan2.7-i2v", "input": {"media": [{"type": "first_frame", "url": "https://x/a.png"}]},
      "parameters": {"ratio": "16:9"}}, 400, "InvalidParameter", "ratio"),
    ({"model": "wan2.7-i2v", "input": {"media": [{"type": "last_frame", "url": "https://x/a.png"}]}}, 400,
     "InvalidParameter", "first_frame"),
    ({"model": "wan2.7-i2v", "input": {"media": [{"type": "frame", "url": "https://x/a.png"}]}}, 400,
     "InvalidParameter", "type"),
    ({"model": "wan2.6-i2v", "input": {"img_url": base64.b64encode(png(640, 480)).decode()}}, 400,
     "InvalidParameter", "url error"),
    ({"model": "wan2.6-i2v", "input": {"img_url": data_uri(png(300, 300))}}, 400, "InvalidParameter", "360"),
    ({"model": "wan2.6-i2v", "input": {"img_url": data_uri(b"not an image at all")}}, 400,
     "InvalidImage.FileFormat", "format"),
    ({"model": "wan2.6-i2v", "input": {"img_url": "https://x/a.png"}, "parameters": {"size": "1280*720"}}, 400,
     "InvalidParameter", "resolution"),
    (t2v(model="wan2.2-t2v-plus", size="1280x720"), 400, "InvalidParameter", "width*height"),
    (t2v(model="wan2.2-t2v-plus", resolution="1080P"), 400, "InvalidParameter", "size"),
    (t2v(model="wan2.2-t2v-plus", duration=10), 400, "InvalidParameter", "duration"),
    (t2v("x [sim:colon_id]"), 400, "InvalidParameter", "videos dialect"),
])
def test_dashscope_validation(base, body, status, code, text):
    r = ds_post(base, body, prefix="/wan/api/v1")
    assert r.status_code == status, r.text
    err = r.json()
    assert set(err) == {"request_id", "code", "message"} and err["code"] == code and text in err["message"]
    assert counters(base, "dashscope")["rejected"] == 1 and counters(base, "dashscope")["creates"] == 0


def test_dashscope_async_header_auth_and_throttling(base):
    r = ds_post(base, t2v(), async_header=False)
    assert r.status_code == 403 and r.json()["message"] == "current user api does not support synchronous calls"
    r = ds_post(base, t2v(), key="sk-nope")
    assert r.status_code == 401 and r.json()["code"] == "InvalidApiKey" and "request_id" in r.json()
    r = ds_post(base, t2v("x [sim:429]"))
    assert r.status_code == 429 and r.json()["code"] == "Throttling.RateQuota" and r.headers["Retry-After"] == "20"
    r = ds_post(base, t2v("x [sim:429=none]"))
    assert r.status_code == 429 and "Retry-After" not in r.headers
    r = ds_post(base, t2v("x [sim:500]"))
    assert r.status_code == 500 and r.json()["code"] == "InternalError"
    c = counters(base, "dashscope")
    assert c["rejected"] == 2 and c["creates"] == 3 and c["tasks_created"] == 0


def test_dashscope_task_failures_live_in_output(base):
    ip = ds_post(base, t2v("a famous mouse [sim:ip_infringement=1]")).json()["output"]["task_id"]
    r = ds_get(base, ip)
    assert r.status_code == 200
    doc = r.json()
    assert doc["output"]["task_status"] == "FAILED" and doc["output"]["code"] == "IPInfringementSuspect"
    assert "code" not in doc and "usage" not in doc and "video_url" not in doc["output"]
    flaky = ds_post(base, t2v("[sim:poll500]")).json()["output"]["task_id"]
    r = ds_get(base, flaky)
    assert r.status_code == 500 and r.json()["code"] == "InternalError"
    assert ds_until(base, flaky, ("SUCCEEDED",))["output"]["video_url"]
    nourl = ds_until(base, ds_post(base, t2v("[sim:nourl]")).json()["output"]["task_id"], ("SUCCEEDED",))
    assert "video_url" not in nourl["output"]
    expired = ds_until(base, ds_post(base, t2v("[sim:expired]")).json()["output"]["task_id"], ("SUCCEEDED",))
    assert requests.get(expired["output"]["video_url"], timeout=10).status_code == 403
    stuck = ds_post(base, t2v("[sim:stuck]")).json()["output"]["task_id"]
    advance_clock(base, 3600)
    assert ds_get(base, stuck).json()["output"]["task_status"] == "PENDING"
    advance_clock(base, 86400)  # task ids are kept 24 h
    assert ds_get(base, stuck).json()["output"]["task_status"] == "UNKNOWN"


def test_dashscope_lost_answer_and_path_rules(base):
    with pytest.raises(requests.exceptions.ConnectionError):
        ds_post(base, t2v("[sim:lost]"))
    created = wait_for(lambda: [e for e in stats(base)["task_requests"] if e.get("outcome") == "lost_close"])
    task_id = created[0]["task_id"]
    assert UUID.fullmatch(task_id) and ds_get(base, task_id).json()["output"]["task_status"] in ("PENDING", "RUNNING")
    listed = requests.get(base + "/api/v1/tasks", headers=auth(), timeout=5).json()
    assert listed["total"] == 1 and listed["data"][0]["task_id"] == task_id and listed["total_page"] == 1
    r = requests.get(base + "/api/v1/tasks", params={"task_id": task_id}, headers=auth(), timeout=5)
    assert r.status_code == 500 and r.json() == {"error": "unsupported uri"}
    r = requests.post(f"{base}/wan/api/v1/tasks/{task_id}/cancel", headers=auth("sk-x"), timeout=5)
    assert r.status_code == 401


# ------------------------------------------------------------------ /v1/videos with the official SDK

@pytest.fixture()
def oai(base):
    import warnings
    warnings.filterwarnings("ignore", category=DeprecationWarning)  # the SDK marks the Sora surface deprecated
    return OpenAI(api_key=KEY, base_url=base + "/v1", max_retries=0, timeout=20)


def v_post(base, body=None, key=KEY, **kw):
    return requests.post(base + "/v1/videos", json=body, headers=auth(key), timeout=20, **kw)


def v_get(base, video_id, suffix="", headers=None, **kw):
    return requests.get(f"{base}/v1/videos/{quote(video_id, safe='')}{suffix}", headers={**auth(), **(headers or {})},
                        timeout=10, **kw)


def v_until(base, video_id, statuses):
    return wait_for(lambda: (lambda d: d if d["status"] in statuses else None)(v_get(base, video_id).json()))


def test_videos_sdk_create_and_poll_download(base, oai):
    t0 = time.monotonic()
    video = oai.videos.create_and_poll(prompt="a paper boat in a gutter", model="sora-2", seconds="8",
                                       size="1280x720")
    assert time.monotonic() - t0 < 1.5  # the poll helper follows openai-poll-after-ms (50 ms here)
    assert video.status == "completed" and video.progress == 100 and re.fullmatch(r"video_[0-9a-f]{32}", video.id)
    assert video.seconds == "8" and video.size == "1280x720" and video.error is None
    assert video.expires_at == video.completed_at + 86400 and video.completed_at >= video.created_at
    content = oai.videos.download_content(video.id)
    assert content.content == sample("landscape-10s.mp4")
    thumb = oai.videos.download_content(video.id, variant="thumbnail")
    assert thumb.content[8:12] == b"WEBP" and thumb.response.headers["Content-Type"] == "image/webp"
    assert oai.videos.retrieve(video.id).status == "completed"
    listed = oai.videos.list(limit=5)
    assert [v.id for v in listed.data] == [video.id]
    deleted = oai.videos.delete(video.id)
    assert deleted.deleted is True and deleted.object == "video.deleted"
    with pytest.raises(openai.NotFoundError):
        oai.videos.retrieve(video.id)
    c = counters(base, "videos")
    assert c["creates"] == 1 and c["content_requests"] == 2 and c["downloads"] == 2 and c["deletes"] == 1


def test_videos_progress_rises_with_poll_header(base, oai):
    created = oai.videos.with_raw_response.create(prompt="x [sim:steps=6]", model="sora-2-pro", size="1024x1792")
    assert created.headers["openai-poll-after-ms"] == "50"
    video_id = created.parse().id
    seen = []

    def poll():
        r = oai.videos.with_raw_response.retrieve(video_id)
        v = r.parse()
        seen.append((v.status, v.progress, r.headers.get("openai-poll-after-ms")))
        return v.status == "completed"
    wait_for(poll)
    progress = [p for s, p, _ in seen if s == "in_progress"]
    assert progress == sorted(progress) and len(set(progress)) >= 2 and all(0 < p < 100 for p in progress)
    assert seen[-1][2] is None  # no poll hint once terminal
    assert oai.videos.retrieve(video_id).size == "1024x1792"


def test_videos_sdk_multipart_reference_and_validation(base, oai):
    video = oai.videos.create(prompt="the dog runs", model="sora-2", seconds="4", size="720x1280",
                              input_reference=("first.png", png(720, 1280), "image/png"))
    assert video.status == "queued"
    assert last_create(base, "videos")["images"][0]["width"] == 720
    with pytest.raises(openai.BadRequestError) as e:
        oai.videos.create(prompt="x", model="sora-2", size="1280x720",
                          input_reference=("first.png", png(720, 1280), "image/png"))
    assert "Inpaint image must match the requested width and height" in e.value.message
    with pytest.raises(openai.BadRequestError) as e:
        oai.videos.create(prompt="x", model="sora-2", seconds="10")
    assert e.value.code == "invalid_value" and "Supported values are: '4', '8', and '12'." in e.value.message
    with pytest.raises(openai.BadRequestError) as e:
        oai.videos.create(prompt="x", model="sora-2", size="1792x1024")  # pro only
    assert e.value.param == "size"
    with pytest.raises(openai.BadRequestError):
        oai.videos.create(prompt="x", model="sora-3")
    with pytest.raises(openai.AuthenticationError):
        OpenAI(api_key="sk-no", base_url=base + "/v1", max_retries=0).videos.create(prompt="x")
    # JSON bodies too, including a data-URL reference object and an int `seconds` (refused)
    r = v_post(base, {"prompt": "x", "seconds": "12", "size": "1280x720",
                      "input_reference": {"image_url": data_uri(png(1280, 720))}})
    assert r.status_code == 200 and r.json()["seconds"] == "12"
    r = v_post(base, {"prompt": "x", "seconds": 8})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_type"
    r = v_post(base, {"prompt": "x", "watermark": False})
    assert r.status_code == 400 and r.json()["error"]["param"] == "watermark"
    r = v_post(base, {"model": "sora-2"})
    assert r.status_code == 400 and r.json()["error"]["param"] == "prompt"
    # the raw key without "Bearer" is accepted, as some gateways' manuals showed it
    r = requests.post(base + "/v1/videos", json={"prompt": "x"}, headers={"Authorization": KEY}, timeout=5)
    assert r.status_code == 200
    c = counters(base, "videos")
    assert c["creates"] == 3 and c["rejected"] == 8


def test_videos_seedance_in_the_cometapi_shape(base, oai):
    video = oai.videos.create(prompt="autumn valley from a drone", model="doubao-seedance-2-0",
                              seconds="10", size="9:16", extra_body={"resolution": "1080p"})
    assert video.size == "9:16" and video.seconds == "10"
    done = v_until(base, video.id, ("completed",))
    assert done["resolution"] == "1080p"
    assert oai.videos.download_content(video.id).content == sample("portrait-10s.mp4")
    r = v_post(base, {"prompt": "x", "model": "doubao-seedance-2-0-fast", "seconds": 15, "size": "16:9",
                      "input_reference": "https://example.com/first.jpg"})
    assert r.status_code == 200 and r.json()["resolution"] == "720p" and r.json()["seconds"] == "15"
    for body, param in (({"seconds": 3}, "seconds"), ({"seconds": "16"}, "seconds"), ({"size": "1280x720"}, "size"),
                        ({"resolution": "4k"}, "resolution"),
                        ({"model": "doubao-seedance-2-0-fast", "resolution": "1080p"}, "resolution")):
        r = v_post(base, {"prompt": "x", "model": "doubao-seedance-2-0", **body})
        assert r.status_code == 400 and r.json()["error"]["param"] == param, body


def test_videos_content_rules(base):
    video_id = v_post(base, {"prompt": "x [sim:steps=50]"}).json()["id"]
    r = v_get(base, video_id, "/content")
    assert r.status_code == 400 and r.json()["error"]["code"] == "video_not_ready"
    assert v_get(base, "video_nope", "/content").status_code == 404
    video_id = v_post(base, {"prompt": "x"}).json()["id"]
    v_until(base, video_id, ("completed",))
    full = sample("portrait-10s.mp4")
    r = v_get(base, video_id, "/content", headers={"Range": "bytes=10-19"})
    assert r.status_code == 206 and r.content == full[10:20] and r.headers["Content-Range"] == f"bytes 10-19/{len(full)}"
    r = v_get(base, video_id, "/content")
    assert r.status_code == 200 and r.headers["Content-Length"] == str(len(full)) and r.content == full
    assert v_get(base, video_id, "/content?variant=poster").status_code == 400
    assert v_get(base, video_id, "/content?variant=spritesheet").status_code == 404
    requests.post(base + "/_sim/expire-links", timeout=5).raise_for_status()
    r = v_get(base, video_id, "/content")
    assert r.status_code == 404 and r.json()["error"]["message"]
    nourl = v_post(base, {"prompt": "x [sim:nourl]"}).json()["id"]
    v_until(base, nourl, ("completed",))
    assert v_get(base, nourl, "/content").status_code == 404
    c = counters(base, "videos")
    assert c["range_requests"] == 1 and c["downloads"] == 2


def test_videos_redirect_to_the_media_origin(base, oai):
    video = oai.videos.create_and_poll(prompt="x [sim:redirect]")
    r = requests.get(f"{base}/v1/videos/{video.id}/content", headers=auth(), allow_redirects=False, timeout=10)
    assert r.status_code == 302
    target = r.headers["Location"]
    assert urlsplit(target).port != urlsplit(base).port and "Signature=" in target
    # the SDK (httpx) follows the redirect and drops Authorization for the other origin
    assert oai.videos.download_content(video.id).content == sample("portrait-10s.mp4")
    assert oai.videos.download_content(video.id, variant="thumbnail").content[8:12] == b"WEBP"
    assert counters(base, "videos")["media_auth_rejections"] == 0
    # a client that forwards the key to the result host is caught
    assert requests.get(target, headers=auth(), timeout=10).status_code == 400
    c = counters(base, "videos")
    assert c["media_auth_rejections"] == 1 and c["downloads"] == 2


def test_videos_redirect_option():
    proc, base = start_sim("--step-delay", "0.02", "--steps", "2", "--videos-content", "redirect")
    try:
        video_id = v_post(base, {"prompt": "x"}).json()["id"]
        v_until(base, video_id, ("completed",))
        r = v_get(base, video_id, "/content", allow_redirects=False)
        assert r.status_code == 302 and stats(base)["media_base"] in r.headers["Location"]
    finally:
        assert stop_sim(proc) == 0


def test_videos_colon_ids(base, oai):
    created = v_post(base, {"prompt": "x [sim:colon_id]", "model": "sora-2"}).json()
    assert re.fullmatch(r"sora-2:task_01k[0-9a-z]{23}", created["id"])
    video_id = created["id"]
    assert oai.videos.retrieve(video_id).id == video_id  # the SDK sends ':' raw
    r = requests.get(f"{base}/v1/videos/{quote(video_id, safe='')}", headers=auth(), timeout=5)
    assert "%3A" in r.url and r.json()["id"] == video_id
    v_until(base, video_id, ("completed",))
    assert oai.videos.download_content(video_id).content == sample("portrait-10s.mp4")
    assert oai.videos.delete(video_id).id == video_id


def test_videos_failures(base, oai):
    with pytest.raises(openai.BadRequestError) as e:
        oai.videos.create(prompt="a celebrity [sim:input_moderation]")
    assert e.value.code == "moderation_blocked"
    video = oai.videos.create(prompt="a celebrity [sim:output_moderation=3]")
    failed = oai.videos.poll(video.id, poll_interval_ms=5)
    assert failed.status == "failed" and failed.error.code == "moderation_blocked" and failed.progress > 0
    with pytest.raises(openai.RateLimitError) as e:
        oai.videos.create(prompt="x [sim:429=3]")
    assert e.value.response.headers["Retry-After"] == "3" and e.value.code == "rate_limit_exceeded"
    with pytest.raises(openai.InternalServerError):
        oai.videos.create(prompt="x [sim:500]")
    with pytest.raises(openai.APIConnectionError):
        oai.videos.create(prompt="x [sim:lost]")
    with pytest.raises(openai.NotFoundError):
        oai.videos.retrieve("video_doesnotexist")
    flaky = oai.videos.create(prompt="x [sim:poll500=2]")
    oai.videos.retrieve(flaky.id)
    with pytest.raises(openai.InternalServerError):
        oai.videos.retrieve(flaky.id)
    assert oai.videos.poll(flaky.id, poll_interval_ms=5).status == "completed"
    stuck = oai.videos.create(prompt="x [sim:stuck]")
    advance_clock(base, 86400)
    assert oai.videos.retrieve(stuck.id).status == "queued"
    c = counters(base, "videos")
    assert c["creates"] == 7 and c["tasks_created"] == 4


def test_videos_remix_and_list_pages(base, oai):
    source = oai.videos.create_and_poll(prompt="a cat")
    remix = oai.videos.remix(source.id, prompt="make it a tiger")
    assert remix.remixed_from_video_id == source.id and remix.size == source.size and remix.prompt == "make it a tiger"
    with pytest.raises(openai.BadRequestError):
        oai.videos.remix(remix.id, prompt="not yet")  # only completed videos
    ids = [v_post(base, {"prompt": f"p{i}"}).json()["id"] for i in range(3)]
    page = requests.get(base + "/v1/videos", params={"limit": 2}, headers=auth(), timeout=5).json()
    assert page["object"] == "list" and page["has_more"] is True and [v["id"] for v in page["data"]] == ids[::-1][:2]
    rest = requests.get(base + "/v1/videos", params={"limit": 10, "after": page["last_id"]}, headers=auth(), timeout=5).json()
    assert [v["id"] for v in rest["data"]] == [ids[0], remix.id, source.id] and rest["has_more"] is False
    asc = requests.get(base + "/v1/videos", params={"order": "asc", "limit": 1}, headers=auth(), timeout=5).json()
    assert asc["first_id"] == source.id
    assert [v.id for v in oai.videos.list(limit=2)] == ids[::-1] + [remix.id, source.id]  # the SDK pages through


# ------------------------------------------------------------------ observability

def test_stats_log_reset_and_clock(base):
    ark_post(base, {"model": SEEDANCE, "content": [
        {"type": "text", "text": "a fox"},
        {"type": "image_url", "image_url": {"url": data_uri(png(640, 480))}, "role": "first_frame"}]})
    ark_post(base, ark_body(), key="sk-leaky-secret")
    s = stats(base)
    assert set(s["dialects"]) == {"ark", "dashscope", "videos"}
    for c in s["dialects"].values():
        assert {"creates", "tasks_created", "polls", "cancels", "downloads", "media_auth_rejections",
                "range_requests", "rejected", "lists", "deletes", "content_requests"} <= set(c)
    text = json.dumps(s)
    assert KEY not in text and "sk-leaky-secret" not in text and "iVBOR" not in text and "base64" not in text
    entry = s["task_requests"][0]
    assert {"n", "dialect", "op", "method", "path", "status", "time", "time_iso", "task_id", "model",
            "prompt", "markers", "images"} <= set(entry)
    assert entry["status"] == 200 and entry["outcome"] == "created"
    assert s["task_requests"][1]["status"] == 401 and s["task_requests"][1]["outcome"] == "auth"
    assert s["tasks"] == 1 and s["submissions"] == 0  # the chat flavour's counter is separate
    requests.post(base + "/_sim/reset", timeout=5).raise_for_status()
    s = stats(base)
    assert s["task_requests"] == [] and all(v == 0 for c in s["dialects"].values() for v in c.values())
    assert s["tasks"] == 1  # tasks outlive a plain reset; {"tasks": true} forgets them
    before = requests.get(base + "/_sim/clock", timeout=5).json()
    after = requests.post(base + "/_sim/clock", json={"advance": 60}, timeout=5).json()
    assert after["offset"] == before["offset"] + 60
    assert requests.post(base + "/_sim/clock", json={"advance": -1}, timeout=5).status_code == 400


# ------------------------------------------------------------------ the state machine on an injected clock

def test_state_machine_on_an_injected_clock():
    import sim_ark
    import sim_tasks
    now = [1_000.0]
    gw = sim_tasks.TaskGateway(api_key="k", step_delay=1.0, steps=3, link_ttl=60,
                               clock=sim_tasks.Clock(source=lambda: now[0]))
    ark = sim_ark.Ark()
    gw.register(ark)
    gw.media_base = "http://media.test"
    params = ark.check_settings(sim_ark.MODELS[SEEDANCE], SEEDANCE, {"return_last_frame": True}, [], [])
    task = gw.new_task("ark", "cgt-20260101000000-abcde", SEEDANCE, "p", {}, params)
    timeline = []
    for t in (1000.0, 1000.9, 1001.0, 1002.5, 1003.2, 1010.0):
        now[0] = t
        gw.advance(task, poll=True)
        timeline.append((task["status"], task["progress"]))
    assert timeline == [("queued", 0), ("queued", 0), ("running", 25), ("running", 50), ("running", 75),
                        ("succeeded", 100)]
    assert task["started_at"] == 1001.0 and task["ended_at"] == 1004.0 and task["expires_at"] == 1064.0
    doc = ark.render(task)
    assert doc["created_at"] == 1000 and doc["updated_at"] == 1004
    assert doc["content"]["video_url"].startswith("http://media.test/ark-content-generation-cn-beijing/")
    assert "X-Tos-Date=19700101T001644Z" in doc["content"]["video_url"]  # signed at 1004 s (1064 - TTL), UTC
    assert doc["content"]["last_frame_url"].endswith("X-Tos-SignedHeaders=host")

    failing = gw.new_task("ark", "cgt-2", SEEDANCE, "p", {"output_moderation": 2}, params)
    now[0] += 100  # the clock alone does not finish it: the failure waits for the second poll
    assert gw.advance(failing)["status"] == "running" and gw.advance(failing, poll=True)["status"] == "running"
    assert gw.advance(failing, poll=True)["status"] == "failed"
    assert ark.render(failing)["error"]["code"] == "OutputVideoSensitiveContentDetected.PolicyViolation"
    late = gw.new_task("ark", "cgt-4", SEEDANCE, "p", {}, dict(params, execution_expires_after=3600))
    now[0] += 86400  # first looked at long after it finished: still succeeded, not expired
    assert gw.advance(late, poll=True)["status"] == "succeeded" and late["ended_at"] == late["created_at"] + 4
    stuck = gw.new_task("ark", "cgt-3", SEEDANCE, "p", {"stuck": True}, dict(params, execution_expires_after=3600))
    now[0] += 3599
    assert gw.advance(stuck)["status"] == "queued"
    now[0] += 1
    assert gw.advance(stuck)["status"] == "expired" and stuck["ended_at"] == stuck["created_at"] + 3600


# ------------------------------------------------------------------ HTTPS (--tls-cert)

def test_tls_listeners_serve_the_vendor_client_and_survive_a_refused_handshake(tmp_path):
    """Both listeners speak HTTPS with --tls-cert: the official openai client, trusting only the
    test CA, creates, polls and downloads a video (the content redirect goes to the media
    origin, over TLS too); a client that refuses the certificate leaves the sim serving."""
    import httpx
    from doubles import make_pki, tls_args
    pki = make_pki(tmp_path)
    ca = os.path.join(pki, "ca.pem")
    proc, base = start_sim("--step-delay", "0.05", "--steps", "2", "--videos-content", "redirect",
                           *tls_args(pki))
    try:
        assert base.startswith("https://127.0.0.1:")
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(base + "/_sim/health", timeout=5)  # the system's CAs don't know the test CA
        import warnings
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        with httpx.Client(verify=ca, follow_redirects=True) as http:
            oai = OpenAI(api_key=KEY, base_url=base + "/v1", max_retries=0, timeout=20, http_client=http)
            video = oai.videos.create_and_poll(prompt="a paper boat in a gutter", model="sora-2", seconds="4")
            assert video.status == "completed"
            content = oai.videos.download_content(video.id).read()
        assert content[4:8] == b"ftyp"
        s = requests.get(base + "/_sim/stats", timeout=5, verify=ca).json()
        assert s["media_base"].startswith("https://") and s["dialects"]["videos"]["downloads"] == 1, s["dialects"]["videos"]
        # httpx keeps its connections alive, and the counters see it (the worker's never are).
        assert s["http_requests"] >= 4 and s["connections"] < s["http_requests"], s
    finally:
        assert stop_sim(proc) == 0
