"""Transfer faults with the local store: disk full while downloading (a tiny tmpfs as the media
folder, where downloads are written), a full spool disk mid-generation, a size limit, and an
upstream link that has expired."""
import os
import subprocess

import pytest
import requests

from stack import Stack, free_port, stack_dir


def test_disk_full_while_downloading_fails_cleanly():
    st = Stack(stack_dir("diskfull"), free_port(), extra_env={"SORA_DOWNLOAD_ATTEMPTS": "2"})
    media = st.dir / "media"
    media.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0755", "tmpfs", str(media)],
                             capture_output=True).returncode == 0
    if not mounted:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        st.start()
        doc = st.wait(st.generate("fills the disk [sim:big=12]").json()["task_id"], timeout=60)
        assert doc["status"] == "failed" and doc["error"]["kind"] == "transfer", doc
        assert doc["error"]["code"] == "disk_full", doc["error"]
        assert not list(media.rglob("*.part"))  # the partial file is given back at once
        st.sim_reset()
        # Space is free again: the next (small) job goes through on the same filesystem.
        ok = st.wait(st.generate("fits").json()["task_id"])
        assert ok["status"] == "succeeded", ok
    finally:
        st.stop()
        subprocess.run(["umount", "-l", str(media)])


def test_video_over_the_size_limit_is_refused(sim):
    st = Stack(stack_dir("limit"), free_port(), extra_env={"SORA_MAX_VIDEO_BYTES": str(1 << 20)}).start()
    try:
        doc = st.wait(st.generate("too big [sim:big=2]").json()["task_id"])
        assert doc["error"]["kind"] == "transfer" and doc["error"]["code"] == "too_large", doc
        assert doc["error"]["params"]["limit_bytes"] == 1 << 20
        assert list((st.spool / "jobs" / doc["task_id"]).glob("download*")) == []
    finally:
        st.stop()


def test_responder_starts_the_reaper_at_most_once_a_minute(sim):
    """Nobody runs cron: a dead worker is still noticed because requests trigger `sora reap`."""
    import signal
    import time
    from test_detached import wait_for, worker_pids
    job = sim.generate("orphaned [sim:delay=0.5] [sim:steps=20]").json()["task_id"]
    sim.wait(job, until=("generating",))
    for pid in worker_pids(sim):
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not worker_pids(sim))
    stamp = sim.spool / ".reap-stamp"
    if stamp.exists():
        old = time.time() - 120
        os.utime(stamp, (old, old))
    other = sim.generate("any request triggers maintenance").json()["task_id"]
    doc = sim.wait(job, timeout=30)
    assert doc["status"] == "failed" and doc["error"]["kind"] == "interrupted", doc
    sim.wait(other)


def fill(path):
    """Fills the filesystem under `path` with one file until the disk refuses more."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 512):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)


@pytest.mark.parametrize("model,prompt", [
    ("sora-v2-portrait", "disk fills mid-stream [sim:steps=30] [sim:delay=0.1] [sim:big=2]"),
    ("seedance-2-0", "disk fills while the task runs [sim:steps=30] [sim:delay=0.1] [sim:big=2]"),
])
def test_a_full_spool_disk_never_loses_the_paid_result(model, prompt):
    """The spool's disk fills while the job is generating. The result link (chat) or the task id
    (Ark) is still written — the job's reserved space is given up for it — so the video is kept
    (it downloads to the media folder, another disk here), or, if the spool cannot even hold the
    status, the job ends as a retryable transfer failure: never as "interrupted before the link",
    and always with one generation."""
    st = Stack(stack_dir("diskfull-mid"), free_port(), extra_env={"SORA_DOWNLOAD_ATTEMPTS": "1"})
    spool = st.dir / "spool"
    spool.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m,mode=0755", "tmpfs", str(spool)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        st.start()
        job = st.generate(prompt, model=model).json()["task_id"]
        st.wait(job, until=("generating",))
        fill(spool / "filler")
        doc = st.wait(job, timeout=60)
        state = (spool / "jobs" / job / "state.json").read_text()
        assert '"upstream_link"' in state
        if doc["status"] == "failed":
            assert doc["error"]["kind"] == "transfer" and doc["can_retry"] is True, doc
            (spool / "filler").unlink()
            r = requests.post(f"{st.base}/api/jobs/{job}/retry", timeout=10)
            assert r.status_code == 202 and r.json()["status"] == "transferring", r.text
            doc = st.wait(job, timeout=60)
        assert doc["status"] == "succeeded", doc
        stats = st.sim_stats()
        assert stats["submissions"] + sum(d["creates"] for d in stats["dialects"].values()) == 1
    finally:
        st.stop()
        subprocess.run(["umount", "-l", str(spool)])
