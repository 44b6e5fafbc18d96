"""The worker is fully detached: own session, no inherited descriptors, minimal environment; it
survives the responder and nginx; a killed worker is settled by `sora reap` without resubmitting."""
import fcntl
import os
import signal
import subprocess
import threading
import time

import requests

from stack import Stack, free_port, proc_stat, stack_dir, wait_for


def worker_pids(stack):
    return stack.worker_pids()


def test_worker_is_detached_with_clean_fds_and_env(sim):
    r = requests.post(sim.base + "/api/generate", json={"model": "sora-v2-portrait",
                      "prompt": "slow one [sim:delay=0.4] [sim:steps=10]"},
                      headers={"Proxy": "http://evil.example:3128", "X-Secret": "s"}, timeout=10)
    job = r.json()["task_id"]
    pid = wait_for(lambda: worker_pids(sim))[0]
    links = {}
    for f in os.listdir(f"/proc/{pid}/fd"):
        try:
            links[int(f)] = os.readlink(f"/proc/{pid}/fd/{f}")
        except FileNotFoundError:
            pass  # the worker closed it meanwhile (curl sockets come and go)
    # stdin /dev/null, stdout+stderr the job log; nothing from the responder (no sockets).
    assert links[0] == "/dev/null"
    assert links[1].endswith(f"/jobs/{job}/worker.log") and links[2] == links[1]
    assert not any(v.startswith("socket:") and f <= 2 for f, v in links.items())
    responders = sim.responder_pids()
    assert len(responders) >= 2
    for responder in responders:
        # The FastCGI listen socket (every responder's fd 0) never reaches the worker.
        listen = os.readlink(f"/proc/{responder}/fd/0")
        assert listen.startswith("socket:") and listen not in links.values()
        # Only the worker's own descriptors remain: stdio, its files and at most its curl sockets.
        assert all(f <= 2 or not v.startswith("socket:") or v not in
                   [os.readlink(f"/proc/{responder}/fd/{g}") for g in os.listdir(f"/proc/{responder}/fd")
                    if os.path.exists(f"/proc/{responder}/fd/{g}")] for f, v in links.items())
        assert os.getsid(pid) == pid != os.getsid(responder)
    # Nor a request's socket, which the responder has closed by now: every FastCGI connection is
    # a Unix socket bound to the pool's path (an accepted one shows its listener's), while the
    # worker's own (libcurl's socketpair) have no path.
    unix = {line.split()[6] for line in open("/proc/net/unix").readlines()[1:]
            if len(line.split()) > 7 and line.split()[7].startswith(str(sim.dir))}
    assert not [v for v in links.values() if v.startswith("socket:[") and v[8:-1] in unix], links
    env = open(f"/proc/{pid}/environ", "rb").read().decode().split("\0")
    names = {e.split("=", 1)[0] for e in env if e}
    assert not any(n.startswith("HTTP_") for n in names), names
    assert "SORA_CONFIG" in names
    # GnuTLS (loaded by Debian's libcurl through librtmp, unused) is not initialised in workers.
    assert "GNUTLS_NO_IMPLICIT_INIT=1" in env
    # Background work yields the CPU to the responders (nice 10), which keep their own.
    # (Set in the child before exec, so from the moment the worker shows up as one.)
    assert os.getpriority(os.PRIO_PROCESS, pid) == 10
    assert all(os.getpriority(os.PRIO_PROCESS, r) == 0 for r in responders)
    # Its new session is a scheduling group of its own where autogroup is on: the group gets the
    # same nice, or its nice 10 would count for nothing against the responders.
    if open("/proc/sys/kernel/sched_autogroup_enabled").read().strip() == "1" and os.geteuid() == 0:
        assert open(f"/proc/{pid}/autogroup").read().split()[-1] == "10"
    assert sim.wait(job)["status"] == "succeeded"


def test_job_survives_responder_kill_and_nginx_restart(sim):
    job = sim.generate("survivor [sim:delay=0.3] [sim:steps=10]").json()["task_id"]
    sim.wait(job, until=("generating",))
    for responder in sim.responder_pids():
        os.kill(responder, signal.SIGKILL)
    subprocess.run(["nginx", "-p", str(sim.dir), "-c", str(sim.dir / "nginx.conf"), "-s", "stop"], check=True)
    status_file = sim.spool / "status" / f"{job}.json"
    import json
    wait_for(lambda: json.loads(status_file.read_text())["status"] in ("succeeded", "failed"), timeout=60)
    sim.restart_front()
    doc = sim.status(job)
    assert doc["status"] == "succeeded", doc
    assert sim.sim_stats()["submissions"] == 1


def test_kill_after_link_captured_resumes_transfer(sim):
    job = sim.generate("slow download [sim:slow]").json()["task_id"]
    sim.wait(job, until=("transferring",))
    for pid in worker_pids(sim):
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not worker_pids(sim))
    report = sim.sora("reap").stdout
    assert job in report
    doc = sim.wait(job, timeout=90)
    assert doc["status"] == "succeeded", doc
    assert sim.sim_stats()["submissions"] == 1


def test_kill_before_link_fails_interrupted_without_resubmitting(sim):
    job = sim.generate("killed early [sim:delay=0.5] [sim:steps=20]").json()["task_id"]
    sim.wait(job, until=("generating",))
    time.sleep(0.3)
    for pid in worker_pids(sim):
        os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not worker_pids(sim))
    sim.sora("reap")
    doc = sim.status(job)
    assert doc["status"] == "failed" and doc["error"]["kind"] == "interrupted", doc
    assert doc["error"]["code"] == "before_link" and doc["can_retry"] is False
    sim.sora("reap")
    time.sleep(0.5)
    assert sim.sim_stats()["submissions"] == 1


def test_plain_cgi_through_fcgiwrap():
    cgi = Stack(stack_dir("cgi"), free_port(), cgi=True).start()
    try:
        r = cgi.generate("cgi mode [sim:delay=0.2]")
        assert r.status_code == 202, r.text
        doc = cgi.wait(r.json()["task_id"])
        assert doc["status"] == "succeeded"
        assert requests.get(cgi.url(doc["video_url"]), timeout=5).content[4:8] == b"ftyp"
        r = requests.post(cgi.base + "/api/generate", data="{}", headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_model"
    finally:
        cgi.stop()


def test_workers_start_one_after_another_and_each_starts_the_next():
    """A submit starts no worker while another is starting (`private/starting.lock`, handed to the
    child); the starting worker starts the next one for jobs still waiting. A lock held for over
    10 s (a worker stuck in its start) is passed over."""
    st = Stack(stack_dir("paced"), free_port(), extra_env={"SORA_REAP_EVERY": "3600"}).start()
    try:
        st.hold_off_reap_passes()
        lock = st.spool / "private" / "starting.lock"
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)  # as if a worker were starting
        waiting = st.generate("waits for the next start [sim:steps=2]", model="seedance-2-0").json()["task_id"]
        _no_worker_starts(st, waiting)
        fcntl.flock(fd, fcntl.LOCK_UN)
        # This one's worker takes the lock, and once it has its job it starts a worker for the
        # waiting job: long before its own job ends (a minute) or the reaper passes (an hour).
        long = st.generate("long [sim:steps=60] [sim:delay=1]", model="seedance-2-0").json()["task_id"]
        assert st.wait(waiting, timeout=30)["status"] == "succeeded"
        assert st.status(long)["status"] in ("queued", "generating")
        # Stuck: held, and last taken a minute ago.
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.utime(lock, (time.time() - 60, time.time() - 60))
        before = set(st.worker_pids())
        stuck = st.generate("past a stuck start [sim:steps=2]", model="seedance-2-0").json()["task_id"]
        wait_for(lambda: set(st.worker_pids()) - before, timeout=10)  # forked; exec'd a moment later
        assert st.wait(stuck, timeout=30)["status"] == "succeeded"
        os.close(fd)
    finally:
        st.stop()


def _no_worker_starts(stack, job, seconds=1.0):
    """Watches for a while that no worker runs and `job` stays queued. A worker forked at the
    submit shows up only once it has exec'd, a moment after the answer: a single look could
    miss it."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        assert stack.worker_pids() == [] and stack.status(job)["status"] == "queued"
        time.sleep(0.05)


def _worker_of(stack, job):
    """The pid of the worker started for `job` (its command line names it), or None."""
    for pid in stack.worker_pids():
        try:
            if job.encode() in open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0"):
                return pid
        except OSError:
            pass
    return None


def _started_at(pid):
    """The process's start, in seconds since boot (/proc/<pid>/stat, field 22)."""
    return int(proc_stat(pid)[19]) / os.sysconf("SC_CLK_TCK")


def test_a_worker_starts_the_next_once_the_submits_go_quiet_or_after_a_second():
    """A worker that finds jobs waiting starts the next worker only once no job has been made for
    0.25 s (the `jobs/` directory's time), or after 1 s at most: in a burst, the CPU goes to the
    submits. Here "submits" keep coming (the directory is touched every 50 ms)."""
    st = Stack(stack_dir("quiet"), free_port(), extra_env={"SORA_REAP_EVERY": "3600"}).start()
    busy = threading.Event()
    busy.set()

    def submits_keep_coming():
        while busy.is_set():
            os.utime(st.spool / "jobs")
            time.sleep(0.05)

    toucher = threading.Thread(target=submits_keep_coming)
    try:
        st.hold_off_reap_passes()
        lock = st.spool / "private" / "starting.lock"
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)  # as if a worker were starting: this job gets none
        waiting = st.generate("waits for a quiet moment [sim:steps=2]", model="seedance-2-0").json()["task_id"]
        _no_worker_starts(st, waiting)
        os.close(fd)
        toucher.start()
        long = st.generate("long [sim:steps=60] [sim:delay=1]", model="seedance-2-0").json()["task_id"]
        first = wait_for(lambda: _worker_of(st, long), timeout=10)
        second = wait_for(lambda: _worker_of(st, waiting), timeout=30)
        # Started by the first worker after its one-second wait (without it: tens of ms later).
        assert _started_at(second) - _started_at(first) >= 0.9
        busy.clear()
        assert st.wait(waiting, timeout=30)["status"] == "succeeded"
    finally:
        busy.clear()
        if toucher.is_alive():
            toucher.join()
        st.stop()
