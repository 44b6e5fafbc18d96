"""Operating the stack: two pools of responders (API, uploads), each sharing its socket, and all
of them stop; `stop` works without the binary that started the stack (a release-only
`make run`); `kill-workers` kills workers and nothing else."""
import os
import pathlib
import re
import signal
import subprocess

import requests

from stack import BIN, ROOT, STACK, Stack, alive, free_port, stack_dir, wait_for


def stack_processes(stack, by_environment=True):
    """Every process of the stack: the pids in its pid files, their process groups (nginx and
    fcgiwrap children), and (by_environment) anything with its config file in the environment
    (workers, one-shot reaper passes)."""
    pids = set()
    for name in ("nginx.pid", "responder.pid", "responder-uploads.pid", "sim.pid", "reaper.pid"):
        f = stack.dir / name
        if f.exists():
            pids.update(int(x) for x in f.read_text().split())
    groups = {os.getpgid(p) for p in pids if alive(p)}
    needle = f"SORA_CONFIG={stack.dir}/sora.env".encode()
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        pid = int(p)
        try:
            if os.getpgid(pid) in groups or \
                    by_environment and needle in open(f"/proc/{p}/environ", "rb").read().split(b"\0"):
                pids.add(pid)
        except OSError:
            continue
    return {p for p in pids if alive(p)}


def cmdline(pid):
    return open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")


def freeze(pids):
    for p in pids:
        os.kill(p, signal.SIGSTOP)


def thaw(pids):
    for p in pids:
        os.kill(p, signal.SIGCONT)


def post_bad_model(s):
    return requests.post(s.base + "/api/generate", data='{"model":"no-such-model","prompt":"x"}',
                         headers={"Content-Type": "application/json"}, timeout=5)


def test_default_pools_one_api_responder_per_core_and_twice_that_for_uploads(sim):
    """A submit spends most of its time waiting for fsync: the upload pool has twice the cores'
    responders (at least 4), the API's one per core (at least 2)."""
    cores = len(os.sched_getaffinity(0))
    assert len(sim.responder_pids("api")) == max(2, cores)
    assert len(sim.responder_pids("uploads")) == max(4, 2 * cores)


def test_two_pools_of_responders_share_their_sockets_and_all_stop():
    s = Stack(stack_dir("multi"), free_port(), extra_env={"SORA_RESPONDERS": "3", "SORA_UPLOAD_RESPONDERS": "2"}).start()
    try:
        api, uploads = s.responder_pids("api"), s.responder_pids("uploads")
        assert len(api) == 3 and len(uploads) == 2 and all(alive(p) for p in api + uploads)
        assert all(cmdline(p)[1:3] == [b"fcgi", b""] for p in api + uploads)
        # One listening socket per pool, inherited by all of its responders as fd 0.
        sockets = [{os.readlink(f"/proc/{p}/fd/0") for p in pool} for pool in (api, uploads)]
        assert len(sockets[0]) == len(sockets[1]) == 1 and sockets[0] != sockets[1]
        # Any one responder of a pool answers: freeze two of three, the third still serves.
        freeze(api[:2])
        try:
            for _ in range(10):
                assert requests.get(s.base + "/api/health", timeout=5).status_code == 200
        finally:
            thaw(api[:2])
        # Uploads go to their own pool, everything else to the API's: either keeps answering
        # while the other is frozen (nginx would otherwise wait, then answer 504).
        freeze(uploads)
        try:
            assert requests.get(s.base + "/api/health", timeout=5).status_code == 200
            assert requests.get(s.base + "/api/jobs", timeout=5).status_code in (200, 401)
        finally:
            thaw(uploads)
        freeze(api)
        try:
            r = post_bad_model(s)
            assert r.status_code == 400 and r.json()["error"]["code"] == "unknown_model", r.text
        finally:
            thaw(api)
        before = stack_processes(s)
        assert set(api + uploads) <= before
    finally:
        s.stop()
    assert not [p for p in before if alive(p)], "processes left after stop"


def test_fcgiwrap_children_stop_with_it():
    """fcgiwrap -c N pre-forks N children that outlive a SIGTERM to the parent alone; stop takes
    the whole process group."""
    s = Stack(stack_dir("cgi-multi"), free_port(), cgi=True,
              extra_env={"SORA_RESPONDERS": "3", "SORA_UPLOAD_RESPONDERS": "3"}).start()
    try:
        parents = s.responder_pids()
        assert len(parents) == 2  # one fcgiwrap per pool
        children = [int(p) for p in os.listdir("/proc") if p.isdigit() and alive(int(p))
                    and os.getpgid(int(p)) in parents and int(p) not in parents]
        assert len(children) == 6, children
        assert requests.get(s.base + "/api/health", timeout=5).status_code == 200
        before = stack_processes(s)
    finally:
        s.stop()
    assert not [p for p in before if alive(p)], "processes left after stop"
    assert not [p for p in children if alive(p)]


def test_make_stop_needs_no_binary():
    """`make run` builds only the release binary; `make stop` must not look for the debug one."""
    copy = pathlib.Path(stack_dir("bincopy")) / "sora"
    copy.write_bytes(BIN.read_bytes())
    copy.chmod(0o755)
    s = Stack(stack_dir("nobin"), free_port())
    env = s.env()
    env["SORA_BIN"] = str(copy)
    out = subprocess.run([str(STACK), "start", str(s.dir), str(s.port)], env=env, capture_output=True, text=True, timeout=60)
    try:
        assert out.returncode == 0, out.stderr
        before = stack_processes(s)
        assert len(before) >= 5  # nginx (master + worker), 2+ responders, reaper, simulator
        copy.unlink()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SORA_")}
        env["SORA_BIN"] = "/nonexistent/build/sora"  # as if no build of that kind existed
        out = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "stop", f"VAR={s.dir}"],
                             env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr + out.stdout
        assert not [p for p in before if alive(p)], "processes left after make stop"
    finally:
        s.stop()


def test_kill_workers_kills_only_workers(sim):
    job = sim.generate("victim [sim:delay=0.5] [sim:steps=40]").json()["task_id"]
    sim.wait(job, until=("generating",))
    workers = wait_for(sim.worker_pids, what="a worker")
    others = stack_processes(sim, by_environment=False)
    assert set(sim.responder_pids()) <= others and int((sim.dir / "reaper.pid").read_text()) in others
    subprocess.run([str(STACK), "kill-workers", str(sim.dir)], check=True, timeout=60)
    assert not [p for p in workers if alive(p)]
    assert all(alive(p) for p in others), "kill-workers killed something that is not a worker"
    assert requests.get(sim.base + "/api/health", timeout=5).status_code == 200
    sim.sora("reap")
    assert sim.status(job)["status"] == "failed"


def test_stop_ends_a_simulated_stacks_workers_but_not_a_real_gateways():
    """A simulated job's task goes with the simulator, so `stop` ends its worker too. A worker
    following a real gateway's (paid) task keeps running through a stop; the reaper resumes it
    if it dies. The "real" gateway here is the first stack's simulator, reached with its key."""
    simulated = Stack(stack_dir("stop-sim"), free_port()).start()
    real = None
    try:
        env = dict(l.split("=", 1) for l in (simulated.dir / "sora.env").read_text().splitlines() if "=" in l)
        real = Stack(stack_dir("stop-real"), free_port(),
                     extra_env={"SORA_API_KEY": env["SORA_API_KEY"], "SORA_BASE_URL": simulated.sim + "/v1"})
        real.start()
        assert "SORA_SIMULATED=0" in (real.dir / "sora.env").read_text().splitlines()
        workers = {}
        for s in (simulated, real):
            # A task, not a chat stream: a stream ends when the simulator does; polls go on.
            job = s.generate("a long one [sim:delay=0.5] [sim:steps=60]", model="seedance-2-0").json()["task_id"]
            s.wait(job, until=("generating",))
            workers[s] = wait_for(s.worker_pids, what="a worker")
        subprocess.run([str(STACK), "stop", str(real.dir)], check=True, timeout=60)
        assert all(alive(p) for p in workers[real]), "a stop killed a worker following a real gateway"
        subprocess.run([str(STACK), "stop", str(simulated.dir)], check=True, timeout=60)
        assert not [p for p in workers[simulated] if alive(p)], "a simulated stack's worker outlived its stop"
    finally:
        if real:
            real.stop()
        simulated.stop()


def test_the_readme_names_every_package_make_installs():
    """A newcomer reads in the quick start what `make run` and `make test` will apt-get (they need
    root or sudo for it); the lists are the Makefile's APT_PKGS and TEST_APT."""
    make = (ROOT / "Makefile").read_text()
    quick = (ROOT / "README.md").read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    named = set(" ".join(re.findall(r"`([^`]*)`", quick)).split())
    for var in ("APT_PKGS", "TEST_APT"):
        packages = re.search(rf"^{var}\s*:=(.*)$", make, re.M).group(1).split()
        assert packages, var
        missing = [p for p in packages if p not in named]
        assert not missing, f"the README's quick start does not name {missing} ({var} in the Makefile)"
