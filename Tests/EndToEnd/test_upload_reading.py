"""How the responder reads request bodies: a body over SORA_MAX_BODY_BYTES is refused from its
declared length, before a byte of it is read; a body under the limit is read whole, over
FastCGI and over plain CGI (fcgiwrap)."""
import base64
import json
import os

import pytest
import requests

from stack import Stack, free_port, stack_dir

LIMIT = 4 * 1024 * 1024


def rss_peak_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def generate_body(mb):
    image = b"\x89PNG\r\n\x1a\n" + os.urandom(int(mb * 1_000_000 * 3 / 4))
    return json.dumps({"model": "no-such-model", "prompt": "x",
                       "first_frame_base64": "data:image/png;base64," + base64.b64encode(image).decode()}).encode()


@pytest.fixture(scope="module", params=["fastcgi", "cgi"])
def limited_body(request):
    s = Stack(stack_dir(f"body-{request.param}"), free_port(), cgi=request.param == "cgi",
              extra_env={"SORA_MAX_BODY_BYTES": str(LIMIT), "SORA_UPLOAD_RESPONDERS": "2"}).start()
    yield s
    s.stop()


def post(s, body):
    return requests.post(s.base + "/api/generate", data=body, headers={"Content-Type": "application/json"}, timeout=30)


def test_body_under_the_limit_is_read_whole(limited_body):
    body = generate_body(3.5)
    assert len(body) < LIMIT
    r = post(limited_body, body)
    # Only a complete body parses as JSON and gets as far as the model check.
    assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_model", r.text[:300]


def test_body_over_the_limit_is_refused_unread(limited_body):
    s = limited_body
    body = generate_body(12)  # over the responder's limit, under nginx's 16 MiB
    if not s.cgi:
        before = {p: rss_peak_kb(p) for p in s.responder_pids("uploads")}
    for _ in range(3):
        r = post(s, body)
        assert r.status_code == 413, r.text[:300]
        assert r.json()["error"]["code"] == "body_too_large"
        assert r.json()["error"]["params"].get("max_bytes") == LIMIT  # the responder's answer, not nginx's
    if not s.cgi:
        # Had a responder read the 12 MB body, its peak resident size would have grown by as much.
        grown = {p: rss_peak_kb(p) - kb for p, kb in before.items()}
        assert max(grown.values()) < 4096, grown
