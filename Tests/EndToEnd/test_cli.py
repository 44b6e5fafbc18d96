"""The command line against a real stack (nginx, responders, workers, simulated upstream):
`sora generate` locally (the in-process router on the stack's spool) and remotely (--url
through nginx with the admin token), and `jobs`, `show`, `cancel`, `retry-transfer`,
`download`. stdout is a pipe here, so every command speaks JSON; the terminal views are in
test_cli_terminal.py."""
import hashlib
import json
import os
import sys

import requests

from cli import config_copy, creates, json_lines, sora, wait_for
from stack import ROOT, stack_dir

sys.path.insert(0, str(ROOT / "Tests" / "Doubles"))
from doubles import FaultProxy, make_pki  # noqa: E402

MODEL = "seedance-2-0-fast"


def test_generate_wait_prints_json_lines_and_makes_one_job(sim):
    before = set(sim.job_dirs())
    out = sora(sim, "generate", "--model", MODEL, "--prompt", "a heron in the reeds [sim:steps=3] [sim:delay=0.2]",
               "--param", "duration=4", "--param", "resolution=480p", "--wait")
    assert out.returncode == 0, out.stderr
    docs = json_lines(out.stdout)
    assert len(docs) >= 2 and all(d["task_id"] == docs[0]["task_id"] for d in docs)
    assert docs[-1]["status"] == "succeeded" and docs[-1]["video_url"]
    assert [d["progress"] for d in docs] == sorted(d["progress"] for d in docs)
    # One line per change, not per poll.
    keys = [(d["status"], d["phase"], int(d["progress"])) for d in docs]
    assert len(keys) == len(set(keys)), keys
    job = docs[-1]["task_id"]
    assert set(sim.job_dirs()) - before == {job}
    assert creates(sim, "ark") == 1
    # Parameters were typed by the catalog: an int and an enum value, defaults filled in by the API.
    assert docs[-1]["params"]["duration"] == 4 and docs[-1]["params"]["resolution"] == "480p"
    # The job is the web's: the same status through the API and nginx's static status file.
    assert requests.get(f"{sim.base}/api/status/{job}", timeout=5).json()["status"] == "succeeded"
    assert requests.get(f"{sim.base}/status/{job}.json", timeout=5).json()["video_url"] == docs[-1]["video_url"]


def test_generate_without_wait_answers_like_the_api(sim):
    out = sora(sim, "generate", "--model", MODEL, "--prompt", "a kite over dunes [sim:steps=2] [sim:delay=0.1]")
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["status"] == "queued" and answer["status_url"].endswith(answer["task_id"] + ".json")
    assert sim.wait(answer["task_id"])["status"] == "succeeded"


def test_generate_keeps_the_apis_rules(sim, tmp_path):
    """Validation, idempotency and the budget hold are the router's own: refused calls exit with
    their documented codes and leave nothing in the spool."""
    before = set(sim.job_dirs())
    bad = sora(sim, "generate", "--model", "no-such-model", "--prompt", "x")
    assert bad.returncode == 20 and json.loads(bad.stdout)["error"]["code"] == "unknown_model"
    bad = sora(sim, "generate", "--model", MODEL, "--prompt", "x", "--param", "duration=99")
    assert bad.returncode == 20 and json.loads(bad.stdout)["error"]["code"] == "invalid_param"
    bad = sora(sim, "generate", "--model", MODEL, "--prompt", "x", "--image", "http://example.com/a.png")
    assert bad.returncode == 20 and json.loads(bad.stdout)["error"]["code"] == "image_url_invalid"
    assert set(sim.job_dirs()) == before

    # The same Idempotency-Key twice: one job, whichever caller (CLI, then HTTP with the same
    # body bytes: the API compares a hash of the raw body) used it.
    args = ["generate", "--model", MODEL, "--prompt", "one and only [sim:steps=2]", "--idempotency-key", "cli-key-1"]
    first = json.loads(sora(sim, *args).stdout)
    again = sora(sim, *args)
    assert again.returncode == 0 and json.loads(again.stdout)["task_id"] == first["task_id"]
    r = requests.post(f"{sim.base}/api/generate", headers={"Content-Type": "application/json", "Idempotency-Key": "cli-key-1"},
                      data=json.dumps({"model": MODEL, "prompt": "one and only [sim:steps=2]"}, separators=(",", ":"), sort_keys=True),
                      timeout=10)
    assert r.status_code == 200 and r.json()["task_id"] == first["task_id"]
    reused = sora(sim, "generate", "--model", MODEL, "--prompt", "something else", "--idempotency-key", "cli-key-1")
    assert reused.returncode == 20 and json.loads(reused.stdout)["error"]["code"] == "idempotency_key_reused"
    sim.wait(first["task_id"])
    assert creates(sim, "ark") == 1

    # The budget hold, on a spool of its own (today's spend of the shared one is unknown here).
    d = stack_dir("cli-budget")
    os.mkdir(f"{d}/spool")
    config = config_copy(sim, d, SORA_SPOOL_DIR=f"{d}/spool", SORA_DAILY_BUDGET_USD="0.01")
    over = sora(sim, "generate", "--model", MODEL, "--prompt", "too dear", config=config)
    assert over.returncode == 21 and json.loads(over.stdout)["error"]["code"] == "budget_exceeded"


def test_remote_generate_through_nginx_with_the_token(sim):
    out = sora(sim, "generate", "--model", "wan-2-7-t2v", "--prompt", "rain on a tin roof [sim:steps=3] [sim:delay=0.2]",
               "--wait", remote=True)
    assert out.returncode == 0, out.stderr
    docs = json_lines(out.stdout)
    assert docs[-1]["status"] == "succeeded" and creates(sim, "dashscope") == 1
    # Without the token the deployment refuses, and the exit code says so.
    anonymous = sora(sim, "jobs", remote=True, env={"SORA_ADMIN_TOKEN": ""})
    assert anonymous.returncode == 24 and json.loads(anonymous.stdout)["error"]["code"] == "unauthorized"
    wrong = sora(sim, "jobs", remote=True, env={"SORA_ADMIN_TOKEN": "not-the-token-at-all"})
    assert wrong.returncode == 24


def test_remote_behind_a_private_ca_names_it_with_ca_file(sim, tmp_path):
    """A deployment behind a private CA (a TLS proxy in front of the stack's nginx): --ca-file
    names the CA; without it the handshake fails before any request is sent, and says so."""
    pki = make_pki(str(tmp_path))
    ca = os.path.join(pki, "ca.pem")
    proxy = FaultProxy(sim.origin, pki=pki)
    try:
        url = proxy.url + sim.prefix
        out = sora(sim, "generate", "--model", "wan-2-7-t2v", "--prompt", "a kite over dunes [sim:steps=3] [sim:delay=0.2]",
                   "--wait", "--ca-file", ca, remote=True, url=url)
        assert out.returncode == 0, out.stderr
        assert json_lines(out.stdout)[-1]["status"] == "succeeded"
        seen = {(r["method"], r["path"].rsplit("/", 1)[0]) for r in proxy.control("GET", "requests")}
        assert {("POST", sim.prefix + "/api"), ("GET", sim.prefix + "/status")} <= seen, seen   # the submit and the polls
        proxy.control("DELETE", "requests")
        refused = sora(sim, "jobs", remote=True, url=url)
        assert refused.returncode == 25, refused.stderr
        assert "not trusted" in refused.stderr and "--ca-file" in refused.stderr
        assert proxy.control("GET", "requests") == [], "nothing sent over an untrusted connection"
    finally:
        proxy.stop()
    alone = sora(sim, "jobs", "--ca-file", ca)
    assert alone.returncode == 64 and "goes with --url" in alone.stderr
    unreadable = sora(sim, "jobs", "--ca-file", str(tmp_path / "missing.pem"), remote=True)
    assert unreadable.returncode == 64 and "cannot read" in unreadable.stderr


def test_generate_exit_code_tells_the_failure_kind(sim):
    out = sora(sim, "generate", "--model", MODEL, "--prompt", "refused later [sim:output_moderation=1]", "--wait")
    assert out.returncode == 10, (out.returncode, out.stdout[-500:])
    assert json_lines(out.stdout)[-1]["error"]["kind"] == "moderation"
    out = sora(sim, "generate", "--model", MODEL, "--prompt", "gateway trouble [sim:fail=1]", "--wait")
    assert out.returncode == 11 and json_lines(out.stdout)[-1]["error"]["kind"] == "upstream"


def test_jobs_filters_match_the_api(sim):
    marker = "lighthouse" + hashlib.sha1(os.urandom(8)).hexdigest()[:6]
    ids = [json.loads(sora(sim, "generate", "--model", MODEL, "--prompt", f"{marker} {i} [sim:steps=1]").stdout)["task_id"]
           for i in range(3)]
    for i in ids:
        sim.wait(i)
    for args, query in [(["--q", marker], {"q": marker}),
                        (["--q", marker, "--status", "succeeded", "--model", MODEL, "--limit", "2"],
                         {"q": marker, "status": "succeeded", "model": MODEL, "limit": 2})]:
        out = sora(sim, "jobs", *args)
        assert out.returncode == 0, out.stderr
        mine = json.loads(out.stdout)
        api = requests.get(f"{sim.base}/api/jobs", params=query, timeout=5).json()
        assert [j["task_id"] for j in mine["jobs"]] == [j["task_id"] for j in api["jobs"]]
        assert mine["total"] == api["total"] == 3
    assert len(json.loads(sora(sim, "jobs", "--q", marker, "--limit", "2").stdout)["jobs"]) == 2
    bad = sora(sim, "jobs", "--status", "nonsense")
    assert bad.returncode == 20 and json.loads(bad.stdout)["error"]["code"] == "invalid_status"
    # The old names still work.
    assert json.loads(sora(sim, "list", "--q", marker).stdout)["total"] == 3


def test_show_and_download(sim, tmp_path):
    job = json.loads(sora(sim, "generate", "--model", MODEL, "--prompt", "a red kite [sim:steps=1]").stdout)["task_id"]
    doc = sim.wait(job)
    shown = sora(sim, "show", job)
    assert shown.returncode == 0 and json.loads(shown.stdout) == requests.get(f"{sim.base}/api/status/{job}", timeout=5).json()
    assert json.loads(sora(sim, "status", job).stdout)["task_id"] == job  # the old name
    assert sora(sim, "show", "01zzzzzzzzzzzzzzzzzzzzzzzz").returncode == 26
    assert sora(sim, "show", "../../etc/passwd").returncode == 20

    served = requests.get(sim.origin + doc["video_url"], timeout=10).content
    target = tmp_path / "fox.mp4"
    out = sora(sim, "download", job, "-o", str(target))
    assert out.returncode == 0, out.stderr
    assert target.read_bytes() == served and not (tmp_path / "fox.mp4.part").exists()
    remote = tmp_path / "remote.mp4"
    assert sora(sim, "download", job, "-o", str(remote), remote=True).returncode == 0
    assert remote.read_bytes() == served


def test_cancel_while_queued_upstream(sim):
    job = json.loads(sora(sim, "generate", "--model", "wan-2-7-t2v", "--prompt", "never mind [sim:stuck]").stdout)["task_id"]
    wait_for(lambda: sim.status(job)["phase"] == "upstream_queued", what="queued upstream")
    out = sora(sim, "cancel", job)
    assert out.returncode == 0, out.stdout + out.stderr
    followed = sora(sim, "show", job, "--wait")
    assert followed.returncode == 19 and json_lines(followed.stdout)[-1]["status"] == "cancelled"
    again = sora(sim, "cancel", job)
    assert again.returncode == 27 and json.loads(again.stdout)["error"]["params"]["reason"] == "finished"
    assert sim.sim_stats()["dialects"]["dashscope"]["cancels"] == 1


def test_retry_transfer_follows_the_same_task(sim):
    """A task past our deadline fails as `timeout` with can_retry; `sora retry-transfer` follows
    the same task again (the API's retry): no second create."""
    out = sora(sim, "generate", "--model", "seedance-short-deadline", "--prompt", "slow sea [sim:steps=30] [sim:delay=0.15]", "--wait")
    assert out.returncode == 12, out.stdout[-400:]
    doc = json_lines(out.stdout)[-1]
    assert doc["error"]["code"] == "deadline" and doc["can_retry"] is True
    out = sora(sim, "retry-transfer", doc["task_id"], "--wait")
    assert out.returncode == 0, out.stdout[-400:]
    assert json_lines(out.stdout)[-1]["status"] == "succeeded"
    assert creates(sim, "ark") == 1
    assert sora(sim, "retry-transfer", doc["task_id"]).returncode == 27
