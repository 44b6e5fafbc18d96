"""Bad input gets a clear JSON error with the right status, and nothing is left in the spool."""
import base64
import json

import pytest
import requests

from test_generate import data_uri, png

GOOD = {"model": "sora-v2-portrait", "prompt": "a fox"}

CASES = [
    ("unknown model", {**GOOD, "model": "sora-v3"}, 400, "unknown_model"),
    ("missing model", {"prompt": "x"}, 400, "unknown_model"),
    ("empty prompt", {**GOOD, "prompt": "   "}, 400, "prompt_empty"),
    ("missing prompt", {"model": "sora-v2-portrait"}, 400, "prompt_empty"),
    ("long prompt", {**GOOD, "prompt": "字" * 4001}, 400, "prompt_too_long"),
    ("duration contradicts model", {**GOOD, "duration": 15}, 400, "duration_mismatch"),
    ("both image fields", {**GOOD, "first_frame_base64": data_uri(png()), "image_url": "https://x.example/a.png"}, 400, "image_conflict"),
    ("not a data uri", {**GOOD, "first_frame_base64": "iVBORw0KGgo="}, 400, "image_invalid"),
    ("bad base64", {**GOOD, "first_frame_base64": "data:image/png;base64,@@@@"}, 400, "image_invalid"),
    ("gif bytes declared png", {**GOOD, "first_frame_base64": "data:image/png;base64," + base64.b64encode(b"GIF89a" + b"\0" * 20).decode()}, 400, "image_type"),
    ("text declared jpeg", {**GOOD, "first_frame_base64": "data:image/jpeg;base64," + base64.b64encode(b"hello world").decode()}, 400, "image_type"),
    ("image over 10 MB", {**GOOD, "first_frame_base64": data_uri(png() + b"\0" * 10_000_001)}, 413, "image_too_large"),
    ("http image url", {**GOOD, "image_url": "http://example.com/a.png"}, 400, "image_url_invalid"),
    ("file image url", {**GOOD, "image_url": "file:///etc/passwd"}, 400, "image_url_invalid"),
    ("prompt not a string", {**GOOD, "prompt": 42}, 400, "prompt_empty"),
]


@pytest.mark.parametrize("name,body,status,code", CASES, ids=[c[0] for c in CASES])
def test_invalid_generate_is_rejected_and_leaves_nothing(sim, name, body, status, code):
    before = sim.job_dirs()
    r = requests.post(sim.base + "/api/generate", data=json.dumps(body),
                      headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code and err["message"]
    assert sim.job_dirs() == before
    assert list((sim.spool / "tmp").iterdir()) == []
    assert sim.sim_stats()["submissions"] == 0


def test_unknown_fields_are_ignored(sim):
    r = sim.generate("extra fields", resolution="1080p", aspect_ratio="16:9", duration=10)
    assert r.status_code == 202
    sim.wait(r.json()["task_id"])


def test_wrong_content_type_and_bad_json(sim):
    before = sim.job_dirs()
    r = requests.post(sim.base + "/api/generate", data="model=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_media_type"
    r = requests.post(sim.base + "/api/generate", data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"
    r = requests.post(sim.base + "/api/generate", data="[1,2]", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"
    assert sim.job_dirs() == before


def test_body_over_nginx_limit_is_json_413(sim):
    body = json.dumps({**GOOD, "first_frame_base64": "data:image/png;base64," + "A" * (17 << 20)})
    r = requests.post(sim.base + "/api/generate", data=body, headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "body_too_large"


@pytest.mark.parametrize("path,status", [
    # nginx itself normalises %2f/.. sequences that leave /api/ (its own 404, never our code)
    ("/api/status/..%2f..%2fetc%2fpasswd", (400, 404)),
    ("/api/status/%2e%2e", 400),
    ("/api/status/%2e%2e%5c%2e%2e%5cetc", 400),
    ("/api/status/..%252f..%252fspool", 400),
    ("/api/status/01jzzzzzzzzzzzzzzzzzzzzzz%2500", 400),
    ("/api/jobs/%2e%2e", 405),
    ("/api/status/ZZZZ", 400),
    ("/api/status/01jzzzzzzzzzzzzzzzzzzzzzzz", 404),
    ("/api/nope", 404),
])
def test_bad_ids_and_paths(sim, path, status):
    r = requests.get(sim.base + path, timeout=5)
    assert r.status_code in (status if isinstance(status, tuple) else (status,)), r.text
    if r.status_code == 400:
        assert r.json()["error"]["code"] == "invalid_id"
    r = requests.delete(sim.base + path.replace("/status/", "/jobs/"), timeout=5)
    assert r.status_code in (400, 404, 405)


def test_wrong_method(sim):
    r = requests.get(sim.base + "/api/generate", timeout=5)
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_private_spool_is_not_served(sim):
    job = sim.generate("private").json()["task_id"]
    sim.wait(job)
    for path in (f"/status/../jobs/{job}/request.json", f"/status/{job}", "/status/", "/spool/events.log",
                 f"/media/../spool/jobs/{job}/request.json"):
        r = requests.get(sim.base + path, timeout=5)
        assert r.status_code in (400, 403, 404), (path, r.status_code)
