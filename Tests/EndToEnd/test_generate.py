"""The backbone end to end: generate through nginx → spool → detached worker → sora-sim stream →
video stored under /media/ → status file served by nginx."""
import base64
import json
import struct
import zlib

import pytest
import requests

MODELS = {
    "sora-v2-portrait": ("sora_video2", 704, 1280, 10),
    "sora-v2-landscape": ("sora_video2-landscape", 1280, 704, 10),
    "sora-v2-portrait-15s": ("sora_video2-15s", 704, 1280, 15),
    "sora-v2-landscape-15s": ("sora_video2-landscape-15s", 1280, 704, 15),
}


def png(w=8, h=8):
    """A real PNG made here (no image library needed)."""
    raw = b"".join(b"\x00" + bytes([200, 40, 40]) * w for _ in range(h))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def data_uri(b, mime="image/png"):
    return f"data:{mime};base64," + base64.b64encode(b).decode()


def assert_mp4_served(stack, doc):
    assert doc["video_url"].startswith("/media/"), doc["video_url"]
    r = requests.get(stack.url(doc["video_url"]), timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "video/mp4"
    assert r.content[4:8] == b"ftyp"
    assert len(r.content) == doc["size_bytes"]
    return r.content


def test_health_reports_simulated_upstream(stack):
    h = requests.get(stack.base + "/api/health", timeout=5).json()
    assert h["upstream"]["simulated"] is True
    assert h["upstream"]["key_configured"] is True
    assert h["storage"]["backend"] == "local"
    assert "sim-" not in json.dumps(h)


def test_models_are_todays_and_the_chat_flavour_stays_usable(stack):
    models = {m["id"]: m for m in requests.get(stack.base + "/api/models", timeout=5).json()["models"]}
    # The built-in catalog: one model per task protocol at least, each with a parameter schema and a price rule.
    assert {models[i]["protocol"] for i in ("seedance-2-0", "wan-2-7-t2v", "seedance-2-0-videos")} == \
        {"ark_tasks", "dashscope_tasks", "openai_videos"}
    assert all(p["default"] is not None for m in models.values() for p in m["params"])
    # The e2e catalog file unretires the plan's four chat models (include_builtin overrides by id).
    assert {i: (models[i]["upstream_model"], models[i]["width"], models[i]["height"], models[i]["duration"])
            for i in MODELS} == MODELS
    assert all(models[i]["protocol"] == "chat_stream" and not models[i]["retired"] for i in MODELS)
    assert set(models["sora-v2-portrait"]["modes"]) == {"text_to_video", "image_to_video"}


@pytest.mark.parametrize("model", list(MODELS))
def test_text_to_video_for_each_model(sim, model):
    r = sim.generate(f"a paper boat drifting down a rain gutter [sim:delay=0.1] ({model})", model=model)
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "queued" and job["model"] == model and job["duration"] == MODELS[model][3]
    assert job["orig_prompt"] == job["actual_prompt"]
    # The first status file exists before generate answers.
    first = sim.status(job["task_id"])
    assert first["status"] in ("queued", "generating")
    seen = []
    doc = sim.wait(job["task_id"], seen=seen)
    assert doc["status"] == "succeeded", doc
    assert_mp4_served(sim, doc)
    progresses = [d["progress"] for d in seen]
    seqs = [d["seq"] for d in seen]
    assert progresses == sorted(progresses), "progress went backwards"
    assert seqs == sorted(seqs), "seq went backwards"
    assert doc["progress"] == 100
    assert doc["cost_usd"] == 0.15
    assert doc["link_expires_at"] and doc["finished_at"] and doc["heartbeat_at"] and doc["phase"] == "done"
    assert f"/{MODELS[model][0]}" not in doc["video_url"] and f"/{model}/" in doc["video_url"]
    reqs = sim.sim_stats()["requests"]
    assert [q["model"] for q in reqs] == [MODELS[model][0]]


def test_image_to_video_with_data_uri(sim):
    r = sim.generate("the fox turns toward the camera", model="sora-v2-landscape",
                     first_frame_base64=data_uri(png()))
    assert r.status_code == 202, r.text
    doc = sim.wait(r.json()["task_id"])
    assert doc["status"] == "succeeded" and doc["mode"] == "image_to_video"
    req = sim.sim_stats()["requests"][0]
    assert req["has_image"] and req["image_kind"] == "data_uri"
    # The image is kept as a file in the private job directory, not as base64 in JSON.
    jobdir = sim.spool / "jobs" / doc["task_id"]
    assert (jobdir / "first.png").read_bytes() == png()
    assert "base64" not in (jobdir / "request.json").read_text()


def test_image_to_video_with_https_url(sim):
    r = sim.generate("the dog starts running", model="sora-v2-portrait-15s",
                     image_url="https://example-bucket.oss-cn-hangzhou.aliyuncs.com/frames/dog.png")
    assert r.status_code == 202, r.text
    doc = sim.wait(r.json()["task_id"])
    assert doc["status"] == "succeeded"
    assert sim.sim_stats()["requests"][0]["image_kind"] == "url"


def test_each_dialect_yields_a_stored_video(sim):
    for d in ("d1", "d2", "d3", "d4"):
        r = sim.generate(f"dialect check [sim:dialect={d}]")
        doc = sim.wait(r.json()["task_id"])
        assert doc["status"] == "succeeded", (d, doc)
        assert_mp4_served(sim, doc)
    assert sim.sim_stats()["submissions"] == 4


def test_library_lists_newest_first_and_pages(sim):
    ids = [sim.generate(f"library item {i}").json()["task_id"] for i in range(3)]
    for i in ids:
        sim.wait(i)
    page = requests.get(sim.base + "/api/jobs?limit=2", timeout=5).json()
    assert [j["task_id"] for j in page["jobs"]] == [ids[2], ids[1]]
    assert page["next_before"] == ids[1]
    nxt = requests.get(sim.base + f"/api/jobs?limit=2&before={page['next_before']}", timeout=5).json()
    assert nxt["jobs"][0]["task_id"] == ids[0]
    found = requests.get(sim.base + "/api/jobs?q=LIBRARY+ITEM+1", timeout=5).json()["jobs"]
    assert [j["task_id"] for j in found] == [ids[1]]
    assert page["today_cost_usd"] >= 0.45


def test_delete_removes_finished_job_but_not_running(sim):
    done = sim.generate("to be deleted").json()["task_id"]
    sim.wait(done)
    running = sim.generate("still running [sim:delay=0.5] [sim:steps=8]").json()["task_id"]
    sim.wait(running, until=("generating",))
    r = requests.delete(f"{sim.base}/api/jobs/{running}", timeout=5)
    assert r.status_code == 409 and r.json()["error"]["code"] == "job_running"
    r = requests.delete(f"{sim.base}/api/jobs/{done}", timeout=5)
    assert r.status_code == 200
    assert requests.get(f"{sim.base}/api/status/{done}", timeout=5).status_code == 404
    assert requests.get(f"{sim.base}/status/{done}.json", timeout=5).status_code == 404
    assert done not in sim.job_dirs()
    sim.wait(running)


def test_status_api_matches_status_file(sim):
    job = sim.generate("status api").json()["task_id"]
    doc = sim.wait(job)
    api = requests.get(f"{sim.base}/api/status/{job}", timeout=5)
    assert api.status_code == 200 and api.json() == doc
    f = requests.get(f"{sim.base}/status/{job}.json", timeout=5)
    assert f.headers["Cache-Control"] == "no-store"
    assert "ETag" not in f.headers and "Last-Modified" not in f.headers


def test_idempotency_key_creates_one_job(sim):
    a = sim.generate("double click", key="click-123")
    b = sim.generate("double click", key="click-123")
    assert a.status_code == 202 and b.status_code == 200
    assert a.json()["task_id"] == b.json()["task_id"]
    assert b.headers.get("Idempotent-Replayed") == "true"
    sim.wait(a.json()["task_id"])
    c = sim.generate("double click", key="click-123")
    assert c.json()["task_id"] == a.json()["task_id"]
    assert sim.sim_stats()["submissions"] == 1


def test_concurrent_identical_keys_create_one_job(sim):
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(lambda _: sim.generate("race", key="race-key-1"), range(8)))
    ids = {r.json()["task_id"] for r in results}
    assert len(ids) == 1, ids
    sim.wait(ids.pop())
    assert sim.sim_stats()["submissions"] == 1


def test_concurrency_limit_queues_and_drains(sim):
    ids = [sim.generate(f"busy {i} [sim:delay=0.3] [sim:steps=6]").json()["task_id"] for i in range(6)]
    max_running = 0
    import time
    deadline = time.time() + 90
    while time.time() < deadline:
        docs = [sim.status(i) for i in ids]
        running = sum(d["status"] in ("generating", "transferring") for d in docs)
        max_running = max(max_running, running)
        if all(d["status"] in ("succeeded", "failed") for d in docs):
            break
        time.sleep(0.1)
    assert all(d["status"] == "succeeded" for d in docs), docs
    assert 1 <= max_running <= 4
    assert sim.sim_stats()["submissions"] == 6
