"""The asynchronous task protocols end to end (issue 7): nginx → responder → spool → detached
worker → the simulated gateway's Ark, DashScope and /v1/videos dialects → media origin → local
store. Every job makes exactly one create call, counted by the simulator; the key never reaches
the media origin (it refuses and counts any request that carries Authorization)."""
import os
import signal
import time

import pytest
import requests

from stack import Stack, free_port, stack_dir
from test_generate import assert_mp4_served, data_uri, png

T2V = [("seedance-2-0", "ark"), ("seedance-2-0-fast", "ark"), ("wan-2-7-t2v", "dashscope"), ("seedance-2-0-videos", "videos")]
I2V = [("seedance-2-0", "ark"), ("wan-2-7-i2v", "dashscope"), ("seedance-2-0-videos", "videos")]
FLF = [("seedance-2-0", "ark"), ("wan-2-7-i2v", "dashscope")]
DIALECT = {"seedance-2-0": "ark", "seedance-2-0-fast": "ark", "seedance-short-deadline": "ark",
           "wan-2-7-t2v": "dashscope", "wan-2-7-i2v": "dashscope", "seedance-2-0-videos": "videos"}


def stats(sim, dialect):
    return sim.sim_stats()["dialects"][dialect]


def run(sim, model, prompt="a paper boat on a rain gutter", timeout=60, **extra):
    r = sim.generate(prompt, model=model, **extra)
    assert r.status_code == 202, r.text
    return sim.wait(r.json()["task_id"], timeout=timeout)


def no_key_at_the_media_origin(sim):
    assert sim.sim_stats()["media_auth_rejections"] == 0


def wait_for(cond, timeout=30, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("model,dialect", T2V, ids=[m for m, _ in T2V])
def test_text_to_video_makes_one_task_and_keeps_an_mp4(sim, model, dialect):
    doc = run(sim, model)
    assert doc["status"] == "succeeded" and doc["phase"] == "done", doc
    assert doc["protocol"] == {"ark": "ark_tasks", "dashscope": "dashscope_tasks", "videos": "openai_videos"}[dialect]
    assert doc["upstream_task_id"] and doc["params"]["duration"] == 5
    assert_mp4_served(sim, doc)
    s = stats(sim, dialect)
    assert s["creates"] == 1 and s["tasks_created"] == 1, s
    if dialect == "ark":
        assert doc["cost_state"] == "settled" and doc["usage"]["tokens"] > 0
    if dialect == "dashscope":
        assert doc["cost_state"] == "settled" and doc["usage"]["seconds"] == 5
    assert doc["cost_usd"] > 0
    no_key_at_the_media_origin(sim)


@pytest.mark.parametrize("model,dialect", I2V, ids=[m for m, _ in I2V])
def test_image_to_video_sends_the_first_frame(sim, model, dialect):
    doc = run(sim, model, first_frame_base64=data_uri(png(320, 320)))
    assert doc["status"] == "succeeded" and doc["mode"] == "image_to_video", doc
    create = [r for r in sim.sim_stats()["task_requests"] if r["op"] == "create"][-1]
    assert [i["kind"] for i in create["images"]] in (["data_uri"], ["file"]), create
    assert stats(sim, dialect)["creates"] == 1


@pytest.mark.parametrize("model,dialect", FLF, ids=[m for m, _ in FLF])
def test_first_and_last_frame(sim, model, dialect):
    doc = run(sim, model, first_frame_base64=data_uri(png(320, 320)), last_frame_base64=data_uri(png(320, 320)))
    assert doc["status"] == "succeeded" and doc["mode"] == "first_last_frame", doc
    create = [r for r in sim.sim_stats()["task_requests"] if r["op"] == "create"][-1]
    assert len(create["images"]) == 2


def test_parameters_reach_the_wire(sim):
    doc = run(sim, "seedance-2-0", params={"duration": 8, "resolution": "1080p", "ratio": "9:16", "audio": False})
    assert doc["status"] == "succeeded" and (doc["width"], doc["height"]) == (1080, 1920), doc
    assert doc["params"] == {"duration": 8, "resolution": "1080p", "ratio": "9:16", "audio": False, "seed": -1}
    bad = sim.generate("p", model="seedance-2-0-fast", params={"resolution": "1080p"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_param"
    assert stats(sim, "ark")["creates"] == 1  # the refused one never reached the upstream


def test_content_redirect_to_another_origin_drops_the_key(sim):
    doc = run(sim, "seedance-2-0-videos", "a lighthouse at dusk [sim:redirect]")
    assert doc["status"] == "succeeded", doc
    assert stats(sim, "videos")["content_requests"] >= 1
    no_key_at_the_media_origin(sim)


# --- money: kill -9 at every step, lost answers -------------------------------------------------

def kill_workers(sim):
    for pid in sim.worker_pids():
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not sim.worker_pids(), what="workers gone")


def test_worker_killed_right_after_the_create_answer_resumes_the_same_task(sim):
    job = sim.generate("killed after create [sim:steps=30] [sim:delay=0.1]", model="seedance-2-0").json()["task_id"]
    wait_for(lambda: sim.status(job).get("upstream_task_id"), what="task id")
    kill_workers(sim)
    sim.sora("reap")
    doc = sim.wait(job, timeout=60)
    assert doc["status"] == "succeeded", doc
    assert stats(sim, "ark")["creates"] == 1


def test_worker_killed_mid_poll_resumes_polling(sim):
    job = sim.generate("killed mid poll [sim:steps=30] [sim:delay=0.1]", model="wan-2-7-t2v").json()["task_id"]
    wait_for(lambda: stats(sim, "dashscope")["polls"] >= 3, what="a few polls")
    kill_workers(sim)
    assert sim.status(job)["status"] == "generating"
    sim.sora("reap")
    doc = sim.wait(job, timeout=60)
    assert doc["status"] == "succeeded" and stats(sim, "dashscope")["creates"] == 1, doc


def test_worker_killed_mid_download_resumes_with_range(sim):
    job = sim.generate("killed mid download [sim:big=3] [sim:slow=300]", model="seedance-2-0").json()["task_id"]
    # The local store downloads beside the final file (a dot-file nginx never serves), then renames.
    def part():
        found = list((sim.dir / "media").rglob(f".{job}.mp4.part"))
        return found[0] if found else None
    wait_for(lambda: part() is not None and part().stat().st_size > 200_000, what="half a download")
    kill_workers(sim)
    sim.sora("reap")
    doc = sim.wait(job, timeout=90)
    assert doc["status"] == "succeeded" and doc["size_bytes"] == 3 << 20, doc
    assert stats(sim, "ark")["creates"] == 1
    assert sim.sim_stats()["range_requests"] >= 1
    assert not list((sim.dir / "media").rglob(".*.part"))  # renamed into place, nothing left behind


@pytest.mark.parametrize("how", ["close", "500", "timeout"])
def test_lost_ark_create_answer_is_found_in_the_task_list(sim, how):
    doc = run(sim, "seedance-2-0", f"lost answer [sim:lost={how}]")
    assert doc["status"] == "succeeded", doc
    s = stats(sim, "ark")
    assert s["creates"] == 1 and s["tasks_created"] == 1 and s["lists"] >= 1, s


def test_lost_create_answer_without_a_task_list_ends_ambiguous(sim):
    doc = run(sim, "wan-2-7-t2v", "lost answer [sim:lost]")
    assert doc["status"] == "failed" and doc["error"]["kind"] == "ambiguous", doc
    assert doc["error"]["code"] == "create_cut" and doc["can_retry"] is False
    time.sleep(0.3)  # a bounded claim: nothing creates a second task in the meantime
    sim.sora("reap")
    assert stats(sim, "dashscope")["creates"] == 1


# --- the failure matrix of video-task-apis.md §7 --------------------------------------------------

MATRIX = [
    ("seedance-2-0", "[sim:input_moderation]", "moderation", "input", "released"),
    ("wan-2-7-t2v", "[sim:input_moderation]", "moderation", "input", "released"),
    ("seedance-2-0-videos", "[sim:input_moderation]", "moderation", "input", "released"),
    ("seedance-2-0", "[sim:output_moderation]", "moderation", "output", "released"),
    ("wan-2-7-t2v", "[sim:ip_infringement]", "moderation", "output", "released"),
    ("seedance-2-0-videos", "[sim:output_moderation]", "moderation", "output", "released"),
    ("wan-2-7-t2v", "[sim:fail]", "upstream", "task_failed", "released"),
    ("seedance-2-0", "[sim:429=1]", "upstream", "rate_limited", "released"),
    ("wan-2-7-t2v", "[sim:429=none]", "upstream", "rate_limited", "released"),
    ("seedance-2-0-videos", "[sim:no_channel]", "upstream", "model_unavailable", "released"),
    ("wan-2-7-t2v", "[sim:500]", "ambiguous", "create_5xx", "reserved"),
    ("seedance-2-0", "[sim:503]", "ambiguous", "create_5xx", "reserved"),
    ("seedance-2-0", "[sim:nourl]", "no_link", "succeeded_without_url", "settled"),
    ("wan-2-7-t2v", "[sim:nourl]", "no_link", "succeeded_without_url", "settled"),
    ("seedance-2-0", "[sim:task_expired]", "upstream", "task_expired", "released"),
    ("seedance-short-deadline", "[sim:stuck]", "timeout", "deadline", "reserved"),
    ("seedance-2-0", "[sim:expired]", "transfer", "download_http", "settled"),
]


@pytest.mark.parametrize("model,marker,kind,code,cost", MATRIX, ids=[f"{m}-{k}" for m, k, *_ in MATRIX])
def test_failure_matrix(sim, model, marker, kind, code, cost):
    doc = run(sim, model, f"a quiet harbour {marker}")
    assert doc["status"] == "failed", doc
    assert (doc["error"]["kind"], doc["error"]["code"]) == (kind, code), doc["error"]
    assert doc["cost_state"] == cost, doc
    assert "message" not in doc["error"]
    s = stats(sim, DIALECT[model])
    expected = 3 if "429" in marker else 1
    assert s["creates"] == expected, s
    assert doc["can_retry"] is (code == "deadline"), doc
    no_key_at_the_media_origin(sim)


def test_a_failed_poll_then_recovery_succeeds(sim):
    doc = run(sim, "seedance-2-0", "flaky gateway [sim:poll500=2]")
    assert doc["status"] == "succeeded" and stats(sim, "ark")["creates"] == 1


def test_unknown_task_after_24h_is_task_unknown(sim):
    job = sim.generate("forgotten [sim:stuck]", model="wan-2-7-t2v").json()["task_id"]
    wait_for(lambda: sim.status(job)["phase"] == "upstream_queued", what="queued upstream")
    requests.post(sim.sim + "/_sim/clock", json={"advance": 25 * 3600}, timeout=5)
    try:
        doc = sim.wait(job, timeout=30)
    finally:
        requests.post(sim.sim + "/_sim/clock", json={"advance": 0, "offset": 0}, timeout=5)
    assert doc["error"]["code"] == "task_unknown", doc


def test_deadline_then_retry_follows_the_same_task(sim):
    doc = run(sim, "seedance-short-deadline", "slow upstream [sim:steps=40] [sim:delay=0.15]")
    assert doc["error"]["code"] == "deadline" and doc["can_retry"] is True, doc
    r = requests.post(f"{sim.base}/api/jobs/{doc['task_id']}/retry", timeout=10)
    assert r.status_code == 202 and r.json()["status"] == "generating", r.text
    doc = sim.wait(doc["task_id"], timeout=60)
    assert doc["status"] in ("succeeded", "failed")
    assert stats(sim, "ark")["creates"] == 1


# --- cancel ----------------------------------------------------------------------------------------

def test_cancel_while_queued_upstream(sim):
    job = sim.generate("never mind [sim:stuck]", model="wan-2-7-t2v").json()["task_id"]
    wait_for(lambda: sim.status(job)["phase"] == "upstream_queued", what="queued upstream")
    assert sim.status(job)["can_cancel"] is True
    r = requests.post(f"{sim.base}/api/jobs/{job}/cancel", timeout=10)
    assert r.status_code == 202, r.text
    doc = sim.wait(job, until=("cancelled", "failed", "succeeded"))
    assert doc["status"] == "cancelled" and doc["cost_state"] == "released", doc
    assert stats(sim, "dashscope")["cancels"] == 1


def test_a_running_task_cannot_be_cancelled(sim):
    job = sim.generate("too late [sim:steps=40] [sim:delay=0.1]", model="seedance-2-0").json()["task_id"]
    wait_for(lambda: sim.status(job)["phase"] == "generating", what="running upstream")
    r = requests.post(f"{sim.base}/api/jobs/{job}/cancel", timeout=10)
    assert r.status_code == 409 and r.json()["error"]["params"]["reason"] == "upstream_running", r.text
    assert sim.wait(job, timeout=60)["status"] == "succeeded"


# --- plain CGI: the worker never inherits the request ------------------------------------------------

def test_cgi_worker_environment_has_no_request_variables_or_secrets():
    st = Stack(stack_dir("cgi-env"), free_port(), cgi=True).start()
    try:
        r = requests.post(st.base + "/api/generate", timeout=10,
                          json={"model": "seedance-2-0", "prompt": "env check [sim:steps=30] [sim:delay=0.1]"},
                          headers={"Proxy": "http://127.0.0.1:1", "X-Leak": "request-secret", "Cookie": "a=b"})
        assert r.status_code == 202, r.text
        job = r.json()["task_id"]
        wait_for(lambda: st.worker_pids(), what="a worker")
        for pid in st.worker_pids():
            env = dict(kv.split(b"=", 1) for kv in open(f"/proc/{pid}/environ", "rb").read().split(b"\0") if b"=" in kv)
            assert not [k for k in env if k.startswith(b"HTTP_")], env.keys()
            assert b"request-secret" not in b"".join(env.values())
            assert not any(b"KEY" in k or b"SECRET" in k or b"PASSWORD" in k or b"TOKEN" in k for k in env), env.keys()
        assert st.wait(job, timeout=60)["status"] == "succeeded"
    finally:
        st.stop()


def test_no_connection_carries_a_second_request(sim):
    """libcurl resends a request whose reused connection died before any answer, and a create
    resent so could be paid twice. So the worker opens a connection for every request and closes
    it after: the simulator's API listener counts as many connections as requests."""
    doc = run(sim, "seedance-2-0")
    assert doc["status"] == "succeeded", doc
    s = sim.sim_stats()
    assert s["dialects"]["ark"]["polls"] >= 2, s["dialects"]["ark"]
    assert s["connections"] == s["http_requests"], {k: s[k] for k in ("connections", "http_requests")}
