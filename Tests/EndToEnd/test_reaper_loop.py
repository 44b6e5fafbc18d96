"""The periodic reaper (`sora reap --every`, started by stack.sh): a worker killed while nobody
calls /api/* is settled anyway, because the loop — not a request — runs the pass. Only static
status files are polled after the kill."""
import json
import os
import signal
import subprocess

import pytest

from stack import BIN, Stack, free_port, stack_dir, wait_for


@pytest.fixture(scope="module")
def reaping():
    s = Stack(stack_dir("reaper"), free_port(), extra_env={"SORA_REAP_EVERY": "2"}).start()
    yield s
    s.stop()


def api_requests(s):
    return sum(1 for line in (s.dir / "nginx-access.log").read_text().splitlines() if '"GET /api/' in line or '"POST /api/' in line)


def events(s, job):
    out = []
    for line in (s.spool / "events.log").read_text().splitlines():
        e = json.loads(line)
        if e.get("job") == job:
            out.append(e)
    return out


@pytest.mark.parametrize("prompt,stage,settled", [
    ("killed while generating [sim:delay=0.5] [sim:steps=40]", "generating", "reap_interrupted"),
    ("killed while downloading [sim:slow=5]", "transferring", "reap_resume"),
])
def test_killed_worker_is_settled_with_no_api_traffic(reaping, prompt, stage, settled):
    s = reaping
    job = s.generate(prompt).json()["task_id"]
    s.wait(job, until=(stage,))
    for pid in wait_for(s.worker_pids, what="a worker"):
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not s.worker_pids(), what="worker gone")
    before = api_requests(s)
    doc = s.wait(job, until=("succeeded", "failed"), timeout=120)  # static status file only
    if stage == "generating":
        assert doc["status"] == "failed" and doc["error"]["kind"] == "interrupted", doc
    else:
        assert doc["status"] == "succeeded", doc
    assert api_requests(s) == before, "something called the API meanwhile"
    # The reaper loop settled it (its pid is in the event, logged just after the status is
    # written), not a request-triggered pass.
    loop = int((s.dir / "reaper.pid").read_text())
    pids = wait_for(lambda: [e["pid"] for e in events(s, job) if e["event"] == settled], timeout=10, what=settled)
    assert pids == [loop], (loop, events(s, job))


def test_reap_every_stops_cleanly_on_sigterm_and_sigint(tmp_path):
    for sig in (signal.SIGTERM, signal.SIGINT):
        spool = tmp_path / sig.name / "spool"
        config = tmp_path / sig.name / "sora.env"
        config.parent.mkdir()
        config.write_text(f"SORA_SPOOL_DIR={spool}\nSORA_MEDIA_DIR={tmp_path / 'media'}\n")
        env = {"PATH": "/usr/bin:/bin", "SORA_CONFIG": str(config)}
        p = subprocess.Popen([str(BIN), "reap", "--every", "1"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            wait_for(lambda: (spool / "jobs").is_dir(), what="the first pass")  # a pass prepares the spool
            p.send_signal(sig)
            assert p.wait(timeout=10) == 0, p.stderr.read()
        finally:
            if p.poll() is None:
                p.kill()
    bad = subprocess.run([str(BIN), "reap", "--every", "0"], capture_output=True, text=True)
    assert bad.returncode != 0 and "--every" in bad.stderr
