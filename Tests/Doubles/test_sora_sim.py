"""Tests for the simulated Sora 2 gateway (sora_sim.py).

Run: python3 -m pytest -q Tests/Doubles/test_sora_sim.py
The sim runs as a subprocess on a free port with tiny delays. The official openai SDK
checks that the streams are acceptable OpenAI chat-completion streams; requests, http.client
and a raw socket check the byte-level traps.
"""

import base64
import http.client
import json
import os
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit

import openai
import pytest
import requests
from openai import OpenAI

HERE = os.path.dirname(os.path.abspath(__file__))
SIM = os.path.join(HERE, "sora_sim.py")
MEDIA = os.path.join(HERE, "media")
KEY = "sk-sim-test-0123456789"

MODEL_FILES = {
    "sora_video2": "portrait-10s.mp4",
    "sora_video2-landscape": "landscape-10s.mp4",
    "sora_video2-15s": "portrait-15s.mp4",
    "sora_video2-landscape-15s": "landscape-15s.mp4",
}
MP4_LINK = re.compile(r"https?://[^\s)'\"<>]+?\.mp4(?:\?[^\s)'\"<>]*)?")

# a 1×1 PNG
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")


def start_sim(*extra):
    # stderr goes to a file: a full pipe would block the sim, and stop_sim checks it
    errlog = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen(
        [sys.executable, SIM, "--host", "127.0.0.1", "--port", "0", "--api-key", KEY,
         "--step-delay", "0.01", "--steps", "3", "--quiet", *extra],
        stdout=subprocess.PIPE, stderr=errlog, text=True)
    proc.errlog = errlog
    ready, _, _ = select.select([proc.stdout], [], [], 15)
    assert ready, "sim did not start"
    line = proc.stdout.readline().strip()
    m = re.fullmatch(r"sora-sim listening on (https?://127\.0\.0\.1:(\d+))", line)
    assert m, line
    assert m.group(2) != "0"
    return proc, m.group(1)


def stop_sim(proc):
    """SIGTERM; returns the exit status after checking the sim logged no traceback."""
    proc.send_signal(signal.SIGTERM)
    try:
        status = proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    proc.errlog.seek(0)
    log = proc.errlog.read()
    proc.errlog.close()
    assert "Traceback" not in log, log
    return status


@pytest.fixture(scope="module")
def sim():
    proc, base = start_sim()
    yield base
    assert stop_sim(proc) == 0


@pytest.fixture()
def base(sim):
    requests.post(sim + "/_sim/reset", timeout=5).raise_for_status()
    return sim


def client(base, key=KEY):
    return OpenAI(api_key=key, base_url=base + "/v1", max_retries=0, timeout=30)


def sdk_stream(base, prompt, model="sora_video2", image_url=None):
    """Run one generation through the official SDK; returns (content, reasoning, chunks)."""
    content = prompt if image_url is None else [
        {"type": "text", "text": prompt}, {"type": "image_url", "image_url": {"url": image_url}}]
    stream = client(base).chat.completions.create(
        model=model, stream=True, messages=[{"role": "user", "content": content}])
    text, reasoning, chunks = "", "", []
    for chunk in stream:
        chunks.append(chunk)
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        text += delta.content or ""
        reasoning += (delta.model_extra or {}).get("reasoning_content") or ""
    return text, reasoning, chunks


def body(prompt, model="sora_video2", stream=True):
    return {"model": model, "stream": stream, "messages": [{"role": "user", "content": prompt}]}


def post(base, payload, key=KEY, timeout=30, **kw):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return requests.post(base + "/v1/chat/completions", json=payload, headers=headers, timeout=timeout, **kw)


def stats(base):
    return requests.get(base + "/_sim/stats", timeout=5).json()


def last_link(base):
    return stats(base)["requests"][-1]["video_url"]


def raw_chunks(base, payload):
    """POST over a plain socket and decode the chunked body by hand.

    Returns (status, head, chunks, complete) — chunks exactly as framed by the server,
    complete False when the body ended without the terminating zero-length chunk."""
    u = urlsplit(base)
    data = json.dumps(payload).encode()
    req = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: {u.netloc}\r\nAuthorization: Bearer {KEY}\r\n"
           f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection((u.hostname, u.port), timeout=20) as s:
        s.sendall(req + data)
        buf = b""
        while True:
            got = s.recv(65536)
            if not got:
                break
            buf += got
    head, _, rest = buf.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    chunks, complete = [], False
    while rest:
        line, sep, after = rest.partition(b"\r\n")
        if not sep:
            break
        size = int(line, 16)
        if size == 0:
            complete = True
            break
        if len(after) < size + 2:
            chunks.append(after)  # a partial chunk: the cut
            break
        chunks.append(after[:size])
        rest = after[size + 2:]
    return status, head.decode("latin-1"), chunks, complete


# ------------------------------------------------------------------ basics

def test_health_and_models(base):
    assert requests.get(base + "/_sim/health", timeout=5).json() == {"ok": True}
    names = [m.id for m in client(base).models.list()]
    assert sorted(names) == sorted(MODEL_FILES)


@pytest.mark.parametrize("dialect", ["d1", "d2", "d3", "d4"])
def test_sdk_reads_every_dialect_and_finds_the_link(base, dialect):
    text, reasoning, chunks = sdk_stream(base, f"a red fox in snow [sim:dialect={dialect}]")
    url = last_link(base)
    assert url and url in text  # the whole link, only after concatenation
    if dialect != "d3":  # d3 (sora2api) sends the <video> tag in one chunk
        assert not any(url in (c.choices[0].delta.content or "") for c in chunks if c.choices)
    if dialect == "d3":
        assert "**Video Generation Progress**" in reasoning
        assert f"<video src='{url}' controls></video>" in text
    else:
        assert "进度" in text
    assert any(c.choices and c.choices[0].finish_reason in ("stop", "STOP") for c in chunks)
    r = requests.get(url, timeout=10)
    assert r.status_code == 200 and r.content[4:8] == b"ftyp"


def test_dialects_rotate_per_submission(base):
    for _ in range(5):
        sdk_stream(base, "a cat")
    assert [r["dialect"] for r in stats(base)["requests"]] == ["d1", "d2", "d3", "d4", "d1"]


def test_d1_has_previews_poster_and_task_id(base):
    text, _, _ = sdk_stream(base, "x [sim:dialect=d1]", model="sora_video2-landscape")
    task = stats(base)["requests"][-1]["task_id"]
    assert f"> ID: `{task}`" in text
    assert "/web/task_" in text and "/source/task_" in text
    poster = re.search(r"!\[(https?://[^\]]+\.webp)\]\((\1)\)", text)
    assert poster, text
    assert text.index(".webp") < text.index("[在线播放▶️](")
    r = requests.get(poster.group(1), timeout=10)
    assert r.headers["Content-Type"] == "image/webp" and r.content[8:12] == b"WEBP"
    assert requests.get(re.search(r"\((https?://[^)]+/web/task_[^)]+)\)", text).group(1), timeout=5).ok


def test_wire_level_traps(base):
    def raw(prompt):
        status, head, chunks, complete = raw_chunks(base, body(prompt))
        assert status == 200 and complete
        assert "Content-Type: text/event-stream; charset=utf-8" in head
        assert "Transfer-Encoding: chunked" in head
        assert "Cache-Control: no-cache" in head and "X-Accel-Buffering: no" in head
        return chunks, b"".join(chunks)

    _, d1 = raw("[sim:dialect=d1]")
    assert b"\\u003e ID:" in d1 and b"\\u0026Signature=" in d1 and b"%2B" in d1 and b"%3D" in d1
    assert b"\r\n\r\n" in d1 and b": keep-alive\r\n" in d1
    assert b'"delta":{"role":"assistant","content":""}' in d1
    assert d1.rstrip().endswith(b"data: [DONE]")

    chunks, d2 = raw("[sim:dialect=d2]")
    assert b'"choices":[]' in d2 and b": PING\n" in d2 and b"\r" not in d2
    split = [c for c in chunks if c.endswith(b"\xf0\x9f")]  # HTTP chunk ends inside 🏃
    assert split, "no chunk split inside a UTF-8 character"
    assert b'"delta":{"role":"assistant"}' in d2

    _, d3 = raw("[sim:dialect=d3]")
    assert b'"reasoning_content": "**Generation Process Begins**' in d3
    assert b'"finish_reason": "STOP", "native_finish_reason": "STOP"' in d3
    assert b'"model": "sora"' in d3

    chunks, d4 = raw("[sim:dialect=d4] 🏃")
    assert b"id: 1\r\ndata: " in d4 and b"\\ud83c\\udfc3" in d4 and b'"id": "", ' in d4
    assert b'"created": 0' in d4
    assert any(b'"finish_reason": "stop"' in c and b"data: [DONE]" in c for c in chunks)


def test_nodone_and_eol_variants(base):
    _, _, chunks, complete = raw_chunks(base, body("[sim:dialect=d2][sim:nodone]"))
    data = b"".join(chunks)
    assert complete and b"[DONE]" not in data and b'"finish_reason":"stop"' in data
    text, _, _ = sdk_stream(base, "[sim:dialect=d2][sim:nodone]")
    assert last_link(base) in text
    for eol in ("cr", "mixed"):
        text, _, _ = sdk_stream(base, f"[sim:dialect=d1][sim:eol={eol}][sim:nospace][sim:multiline]")
        assert last_link(base) in text
    _, _, chunks, _ = raw_chunks(base, body("[sim:dialect=d3][sim:nospace][sim:multiline]"))
    data = b"".join(chunks)
    assert b'data:{"id": ' in data and b'\ndata:"choices": ' in data


def test_idcomment_emits_the_sdk_trap(base):
    _, _, chunks, _ = raw_chunks(base, body("[sim:dialect=d2][sim:idcomment]"))
    data = b"".join(chunks)
    assert b"id: 1\n" in data and b": keep-alive\n\n" in data
    # upstream-protocols.md A.4: the official SDK dispatches an empty event here and fails
    with pytest.raises(ValueError):
        sdk_stream(base, "[sim:dialect=d2][sim:idcomment]")


# ------------------------------------------------------------------ request checks

def test_wrong_key_is_401_and_not_counted(base):
    with pytest.raises(openai.AuthenticationError) as e:
        client(base, key="sk-wrong").chat.completions.create(
            model="sora_video2", stream=True, messages=[{"role": "user", "content": "x"}])
    assert e.value.status_code == 401
    err = post(base, body("x"), key=None).json()["error"]
    assert err["code"] == "invalid_api_key" and err["type"] == "new_api_error" and err["param"] is None
    s = stats(base)
    assert s["submissions"] == 0 and s["rejected"] == 2
    assert KEY not in json.dumps(s) and "sk-wrong" not in json.dumps(s)


@pytest.mark.parametrize("marker,exc,status", [
    ("401", openai.AuthenticationError, 401),
    ("403", openai.PermissionDeniedError, 403),
    ("404", openai.NotFoundError, 404),
    ("429", openai.RateLimitError, 429),
    ("500", openai.InternalServerError, 500),
    ("503", openai.InternalServerError, 503),
])
def test_scripted_http_errors_raise_and_count(base, marker, exc, status):
    with pytest.raises(exc) as e:
        sdk_stream(base, f"a dog [sim:{marker}]")
    assert e.value.status_code == status
    assert stats(base)["submissions"] == 1  # counted even though it failed
    r = post(base, body(f"a dog [sim:{marker}]"))
    assert r.status_code == status and r.headers["Content-Type"].startswith("application/json")
    assert set(r.json()["error"]) == {"message", "type", "param", "code"}
    if marker == "429":
        assert r.headers["Retry-After"] == "20"
    if marker == "503":
        assert "当前分组 default 下对于模型 sora_video2 无可用渠道" in r.json()["error"]["message"]
    assert stats(base)["submissions"] == 2


def test_unknown_model_and_bad_shapes_are_rejected_uncounted(base):
    r = post(base, body("x", model="sora-2"))
    assert r.status_code == 503 and "无可用渠道" in r.json()["error"]["message"]
    bad = [
        {"model": "sora_video2", "stream": True},
        {"model": "sora_video2", "stream": True, "messages": [{"role": "assistant", "content": "x"}]},
        {"model": "sora_video2", "stream": True, "messages": [{"role": "user", "content": "  "}]},
        {"model": "sora_video2", "stream": True, "messages": [{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]}]},
        {"model": "sora_video2", "stream": True, "messages": [{"role": "user", "content": [
            {"type": "text", "text": "x"},
            {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
            {"type": "image_url", "image_url": {"url": "https://example.com/b.png"}}]}]},
        {"model": "sora_video2", "stream": True, "messages": [{"role": "user", "content": [
            {"type": "text", "text": "x"}, {"type": "image_url", "image_url": {"url": "data:image/gif;base64,R0lG"}}]}]},
        {"model": "sora_video2", "stream": True, "messages": [{"role": "user", "content": [
            {"type": "text", "text": "x"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,!!!"}}]}]},
        {"model": "sora_video2", "stream": True, "messages": [{"role": "user", "content": [
            {"type": "text", "text": "x"}, {"type": "image_url", "image_url": {"url": "ftp://x/a.png"}}]}]},
        body("typo [sim:moderaton]"),
    ]
    for payload in bad:
        r = post(base, payload)
        assert r.status_code == 400, payload
        assert r.json()["error"]["message"]
    r = requests.post(base + "/v1/chat/completions", data=b"{not json", timeout=5,
                      headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 400
    assert stats(base)["submissions"] == 0


def test_stream_false_gets_availability_message(base):
    r = post(base, body("x", stream=False))
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    msg = r.json()["choices"][0]["message"]["content"]
    assert "stream" in msg and ".mp4" not in msg
    assert stats(base)["submissions"] == 0


def test_images_are_recorded_without_bytes(base):
    data_uri = "data:image/png;base64," + base64.b64encode(PNG).decode()
    text, reasoning, _ = sdk_stream(base, "make it move [sim:dialect=d3]", image_url=data_uri)
    assert "Image uploaded" in reasoning
    sdk_stream(base, "make it move", image_url="https://example.com/frame.jpg")
    reqs = stats(base)["requests"]
    assert [(r["has_image"], r["image_kind"]) for r in reqs] == [(True, "data_uri"), (True, "url")]
    assert reqs[0]["image_bytes"] == len(PNG) and reqs[0]["image_mime"] == "image/png"
    assert "iVBOR" not in json.dumps(reqs)
    assert reqs[0]["authorization_ok"] is True and isinstance(reqs[0]["time"], float)


def test_chat_path_without_v1_prefix(base):
    r = requests.post(base + "/chat/completions", json=body("[sim:dialect=d4]"),
                      headers={"Authorization": f"Bearer {KEY}"}, timeout=10)
    assert r.status_code == 200 and "data: [DONE]" in r.text
    assert stats(base)["submissions"] == 1


# ------------------------------------------------------------------ video hosting

@pytest.mark.parametrize("model", sorted(MODEL_FILES))
def test_video_matches_model(base, model):
    sdk_stream(base, "x", model=model)
    r = requests.get(last_link(base), timeout=10)
    with open(os.path.join(MEDIA, MODEL_FILES[model]), "rb") as f:
        expected = f.read()
    assert r.status_code == 200 and r.content == expected
    assert r.headers["Content-Type"] == "video/mp4"
    assert r.headers["Content-Length"] == str(len(expected))
    assert r.headers["Accept-Ranges"] == "bytes"


def test_range_head_and_416(base):
    sdk_stream(base, "x [sim:dialect=d2]")
    url = last_link(base)
    full = requests.get(url, timeout=10).content
    r = requests.get(url, headers={"Range": "bytes=0-99"}, timeout=10)
    assert r.status_code == 206 and r.content == full[:100]
    assert r.headers["Content-Range"] == f"bytes 0-99/{len(full)}"
    r = requests.get(url, headers={"Range": "bytes=1000-"}, timeout=10)
    assert r.status_code == 206 and r.content == full[1000:]
    r = requests.get(url, headers={"Range": "bytes=-10"}, timeout=10)
    assert r.status_code == 206 and r.content == full[-10:]
    r = requests.get(url, headers={"Range": f"bytes={len(full)}-"}, timeout=10)
    assert r.status_code == 416 and r.headers["Content-Range"] == f"bytes */{len(full)}"
    h = requests.head(url, timeout=10)
    assert h.status_code == 200 and h.headers["Content-Length"] == str(len(full)) and not h.content
    # the query is not needed for the lookup
    assert requests.get(url.split("?")[0], timeout=10).content == full


def test_signature_is_checked_like_object_storage(base):
    sdk_stream(base, "x [sim:dialect=d1]")
    url = last_link(base)
    assert "%2B" in url and "%3D" in url and "&OSSAccessKeyId=" in url
    assert requests.get(url.replace("%2b", "%2B"), timeout=10).status_code == 200
    for mangled in (url.replace("%2B", "+"), url.replace("&", "\\u0026")):
        r = requests.get(mangled, timeout=10)
        assert r.status_code == 403 and b"SignatureDoesNotMatch" in r.content


def test_expired_links_give_403(base):
    sdk_stream(base, "x [sim:expired]")
    r = requests.get(last_link(base), timeout=10)
    assert r.status_code == 403 and b"<Code>AccessDenied</Code>" in r.content
    assert r.headers["Content-Type"] == "application/xml"

    sdk_stream(base, "x [sim:ttl=0.5]")
    url = last_link(base)
    assert requests.get(url, timeout=10).status_code == 200
    time.sleep(0.7)
    assert requests.get(url, timeout=10).status_code == 403

    sdk_stream(base, "x")
    url = last_link(base)
    assert requests.get(url, timeout=10).status_code == 200
    requests.post(base + "/_sim/expire-links", timeout=5).raise_for_status()
    assert requests.get(url, timeout=10).status_code == 403


def test_video404_html_slow(base):
    sdk_stream(base, "x [sim:video404]")
    r = requests.get(last_link(base), timeout=10)
    assert r.status_code == 404 and b"NoSuchKey" in r.content

    sdk_stream(base, "x [sim:html]")
    r = requests.get(last_link(base), timeout=10)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")

    sdk_stream(base, "x [sim:slow=40]")
    t0 = time.monotonic()
    r = requests.get(last_link(base), timeout=30)
    elapsed = time.monotonic() - t0
    assert r.content[4:8] == b"ftyp"
    assert elapsed > len(r.content) / (40 * 1024) * 0.7  # ~14 KB at 40 KiB/s ≈ 0.36 s


def test_big_video_is_valid_box_structure(base):
    sdk_stream(base, "x [sim:big=3]")
    url = last_link(base)
    h = requests.head(url, timeout=10)
    size = int(h.headers["Content-Length"])
    assert size == 3 * 1024 * 1024
    got = 0
    first = b""
    with requests.get(url, stream=True, timeout=30) as r:
        for block in r.iter_content(65536):
            if len(first) < 4096:
                first += block
            got += len(block)
    assert got == size and first[4:8] == b"ftyp"
    # walk the top-level boxes with ranged reads: they must tile the file exactly
    off, kinds = 0, []
    while off < size:
        hdr = requests.get(url, headers={"Range": f"bytes={off}-{off + 15}"}, timeout=10).content
        n, kind = struct.unpack(">I4s", hdr[:8])
        if n == 1:
            n = struct.unpack(">Q", hdr[8:16])[0]
        kinds.append(kind)
        off += n
    assert off == size and kinds[0] == b"ftyp" and kinds[-1] == b"free" and b"moov" in kinds
    tail = requests.get(url, headers={"Range": "bytes=-16"}, timeout=10).content
    assert tail == bytes(16)


def test_big_video_over_4_gib_uses_a_64_bit_box(base):
    sdk_stream(base, "x [sim:big=4200]")  # never downloaded whole: HEAD and ranges only
    url = last_link(base)
    size = int(requests.head(url, timeout=10).headers["Content-Length"])
    assert size == 4200 * 1024 * 1024
    off = 0
    while off < size:
        hdr = requests.get(url, headers={"Range": f"bytes={off}-{off + 15}"}, timeout=10).content
        n, kind = struct.unpack(">I4s", hdr[:8])
        if n == 1:
            n = struct.unpack(">Q", hdr[8:16])[0]
        off += n
    assert off == size and kind == b"free" and n > 0xFFFFFFFF


# ------------------------------------------------------------------ misbehaviour in the stream

def test_moderation_refusal_finishes_normally(base):
    text, _, chunks = sdk_stream(base, "a famous actor [sim:moderation][sim:dialect=d2][sim:steps=4]")
    assert "❌ 视频生成失败：This content may violate our guardrails concerning similarity to third-party content." in text
    assert not MP4_LINK.search(text)
    pcts = [float(p) for p in re.findall(r"进度：(\d+(?:\.\d+)?)%", text)]
    assert pcts and 35 <= max(pcts) <= 45
    assert stats(base)["requests"][-1]["outcome"] == "moderation"
    _, _, raw, complete = raw_chunks(base, body("[sim:moderation=nudity][sim:dialect=d1]"))
    data = b"".join(raw)
    assert complete and b"[DONE]" in data and b"nudity" in data


def test_heavy_load_refusal(base):
    text, _, _ = sdk_stream(base, "[sim:heavy][sim:dialect=d4]")
    assert "under heavy load" in text and "进度" not in text and not MP4_LINK.search(text)


def test_nolink(base):
    for d in ("d1", "d2", "d3", "d4"):
        text, reasoning, _ = sdk_stream(base, f"[sim:nolink][sim:dialect={d}]")
        assert not MP4_LINK.search(text + reasoning)
    assert all(r["video_url"] is None for r in stats(base)["requests"])


def test_error_in_stream_raises_api_error(base):
    with pytest.raises(openai.APIError) as e:
        sdk_stream(base, "[sim:error_in_stream][sim:dialect=d3]")
    assert "sentinel_block" in str(e.value)
    _, _, chunks, complete = raw_chunks(base, body("[sim:error_in_stream][sim:dialect=d2]"))
    data = b"".join(chunks)
    assert complete and b'data: {"error":{"message":"API request failed: 400' in data
    assert b"[DONE]" in data and "进度".encode() in data


def test_cut_is_an_incomplete_chunked_body(base):
    status, _, chunks, complete = raw_chunks(base, body("[sim:cut][sim:dialect=d1]"))
    assert status == 200 and not complete
    assert chunks[-1].startswith(b"data: {") and not chunks[-1].rstrip().endswith(b"}")

    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        with post(base, body("[sim:cut][sim:dialect=d2]"), stream=True) as r:
            assert r.status_code == 200
            for _ in r.iter_content(None):
                pass

    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request("POST", "/v1/chat/completions", json.dumps(body("[sim:cut]")),
                 {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
    resp = conn.getresponse()
    with pytest.raises(http.client.IncompleteRead):
        resp.read()
    conn.close()

    with pytest.raises(openai.APIConnectionError):
        sdk_stream(base, "[sim:cut][sim:dialect=d4]")
    assert stats(base)["submissions"] == 4
    assert {r["outcome"] for r in stats(base)["requests"]} == {"cut"}


def test_stall_keeps_connection_open_silently(base):
    seen = b""
    with pytest.raises(requests.exceptions.ConnectionError):  # ReadTimeout while streaming
        with post(base, body("[sim:stall][sim:dialect=d2]"), stream=True, timeout=(5, 1.0)) as r:
            for block in r.iter_content(None):
                seen += block
    assert b"\\u003e \xf0\x9f\x8f\x83" in seen  # some progress arrived before the silence
    assert b"[DONE]" not in seen
    # a finite stall resumes and finishes
    t0 = time.monotonic()
    text, _, _ = sdk_stream(base, "[sim:stall=0.6][sim:dialect=d4]")
    assert time.monotonic() - t0 >= 0.6 and last_link(base) in text


def test_steps_and_delay_markers(base):
    t0 = time.monotonic()
    text, _, _ = sdk_stream(base, "[sim:steps=5][sim:delay=0.1][sim:dialect=d4]")
    assert time.monotonic() - t0 >= 0.5
    assert len(re.findall(r"进度：\d+%", text)) == 5
    text, _, _ = sdk_stream(base, "[sim:steps=0][sim:dialect=d2]")
    assert "进度" not in text and last_link(base) in text


# ------------------------------------------------------------------ process behaviour

def test_state_file_survives_restart_and_sigterm_is_clean(tmp_path):
    state = tmp_path / "state.json"
    proc, base = start_sim("--state-file", str(state), "--retired")
    try:
        with pytest.raises(openai.NotFoundError):
            sdk_stream(base, "x")
        assert stats(base)["submissions"] == 1
    finally:
        assert stop_sim(proc) == 0

    proc, base = start_sim("--state-file", str(state), "--link-ttl", "60")
    try:
        sdk_stream(base, "x [sim:dialect=d2]")
        url = last_link(base)
        assert stats(base)["submissions"] == 2
        # a long stall must not block SIGTERM
        stalled = post(base, body("[sim:stall]"), stream=True, timeout=(5, 30))
        time.sleep(0.3)
    finally:
        t0 = time.monotonic()
        assert stop_sim(proc) == 0
        assert time.monotonic() - t0 < 5
    stalled.close()
    saved = json.loads(state.read_text())
    assert saved["submissions"] == 3 and KEY not in state.read_text()

    proc, base = start_sim("--state-file", str(state))
    try:
        # same port is unlikely, so fetch by path on the new port
        moved = base + urlsplit(url).path + "?" + urlsplit(url).query
        r = requests.get(moved, timeout=10)
        assert r.status_code == 200 and r.content[4:8] == b"ftyp"
        assert stats(base)["submissions"] == 3
    finally:
        assert stop_sim(proc) == 0


def test_public_base_is_used_for_links():
    proc, base = start_sim("--public-base", "http://media.example.test:8080/")
    try:
        text, _, _ = sdk_stream(base, "[sim:dialect=d3]")
        assert "<video src='http://media.example.test:8080/videos/tmp/" in text
    finally:
        assert stop_sim(proc) == 0
