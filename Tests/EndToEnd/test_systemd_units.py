"""The systemd units in nginx/systemd/, exercised without systemd (there is none in this
container): their Exec lines run the way systemd runs them — a fresh environment plus
Environment=, a new session, and a control group of their own (a real cgroup v2 group when one
can be created here) — and "stop" is done the way each KillMode does it:

- process:        ExecStop, then SIGTERM to the main process only;
- control-group:  ExecStop, then SIGTERM to every process of the control group.

It shows that workers land in the responder's (or the reaper pass's) control group despite
their own session, that KillMode=process leaves them running to the end, and that the default
would kill them. Not exercised: systemd itself (PIDFile handling, User=, RuntimeDirectory=,
the timer's schedule); `systemd-analyze verify` checks the files' syntax where it is installed.
"""
import itertools
import os
import pathlib
import re
import shlex
import shutil
import signal
import subprocess

import pytest
import requests

from stack import BIN, ROOT, Stack, alive, free_port, proc_stat, stack_dir, wait_for

UNITS = ROOT / "nginx" / "systemd"
_names = itertools.count()


def unit(name):
    """A unit file as {section: {key: [values]}} (systemd allows repeated keys)."""
    out, section = {}, None
    for line in (UNITS / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = out.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        section.setdefault(key.strip(), []).append(value.strip())
    return out


def expand(line, instance, env):
    """A command line as systemd runs it: `$$`, the instance (`%i`), then `${NAME}` from the
    unit's environment."""
    line = line.replace("$$", "$").replace("%i", instance)
    return re.sub(r"\$\{(\w+)\}", lambda m: env.get(m.group(1), ""), line)


def cgroup2_root():
    for line in open("/proc/mounts"):
        _, mountpoint, fstype, *_ = line.split()
        if fstype == "cgroup2":
            return pathlib.Path(mountpoint)
    return None


class Service:
    """One unit's processes (of a template: one instance's), started and stopped the way systemd
    would."""

    def __init__(self, name, stack, instance=""):
        self.name = name
        self.instance = instance
        self.unit = unit(name)
        self.stack = stack
        # Test-only substitutions: this stack's paths for the deployment's, and — because the
        # test runs as root with nginx's workers as `nobody` and without a `sora` user — a socket
        # open to all instead of handed to www-data, and no switch to the `sora` user.
        self.paths = {
            "/opt/sora-fcgi/sora": str(BIN),
            "/etc/sora-fcgi.env": str(stack.dir / "sora.env"),
            "/run/sora-fcgi-api/sora.sock": str(stack.dir / "sora.sock"),
            "/run/sora-fcgi-api/responder.pid": str(stack.dir / "responder.pid"),
            "/run/sora-fcgi-uploads/sora.sock": str(stack.dir / "sora-uploads.sock"),
            "/run/sora-fcgi-uploads/responder.pid": str(stack.dir / "responder-uploads.pid"),
        }
        self.cgroup = None
        root = cgroup2_root()
        if root:
            path = root / f"sora-test-{os.getpid()}-{next(_names)}"
            try:
                path.mkdir()
                self.cgroup = path
            except OSError:
                pass

    def command(self, key):
        (line,) = self.unit["Service"][key]
        line = expand(line, self.instance, self.environment())
        for deploy, here in self.paths.items():
            line = line.replace(deploy, here)
        args, out = shlex.split(line), []
        skip = False
        for i, a in enumerate(args):
            if skip:
                skip = False
                continue
            if a in ("-U", "-G", "-u", "-g") and args[0].endswith("spawn-fcgi"):
                skip = True
                continue
            out.append("0666" if i > 0 and args[i - 1] == "-M" else a)
        return out

    def environment(self):
        env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
        for assignment in self.unit["Service"].get("Environment", []):
            k, _, v = assignment.partition("=")
            env[k] = self.paths.get(v, v)
        return env

    def run(self, key, **kw):
        cgroup = self.cgroup

        def enter():  # systemd: a session of its own, and the unit's control group
            os.setsid()
            if cgroup:
                (cgroup / "cgroup.procs").write_text(str(os.getpid()))

        return subprocess.run(self.command(key), env=self.environment(), preexec_fn=enter,
                              capture_output=True, text=True, timeout=60, **kw)

    def members(self, roots=()):
        """The control group's processes (without cgroups: the roots and their descendants)."""
        if self.cgroup:
            return {int(p) for p in (self.cgroup / "cgroup.procs").read_text().split() if alive(int(p))}
        family, grew = set(roots), True
        while grew:
            grew = False
            for p in filter(str.isdigit, os.listdir("/proc")):
                try:
                    ppid = int(proc_stat(p)[1])
                except OSError:
                    continue
                if ppid in family and int(p) not in family and alive(int(p)):
                    family.add(int(p))
                    grew = True
        return family

    def stop(self, main_pid, roots=(), kill_mode=None):
        """`systemctl stop` under the unit's KillMode, or the one given (SIGKILL after a grace
        period, as systemd). A oneshot unit whose pass has exited is stopped the same way."""
        kill_mode = kill_mode or self.unit["Service"].get("KillMode", ["control-group"])[0]
        group = self.members(roots)
        if "ExecStop" in self.unit["Service"] and main_pid is not None:
            self.run("ExecStop")
        targets = {main_pid} - {None} if kill_mode == "process" else group
        for p in targets:
            if alive(p):
                os.kill(p, signal.SIGTERM)
        try:
            wait_for(lambda: not any(alive(p) for p in targets), timeout=10)
        except AssertionError:
            for p in targets:
                if alive(p):
                    os.kill(p, signal.SIGKILL)

    def cleanup(self):
        if self.cgroup:
            (self.cgroup / "cgroup.kill").write_text("1")
            wait_for(lambda: "populated 0" in (self.cgroup / "cgroup.events").read_text(), timeout=10)
            self.cgroup.rmdir()


@pytest.fixture
def unit_stack():
    """A stack whose own responders and reaper are stopped, so the units' processes replace them."""
    s = Stack(stack_dir("systemd"), free_port()).start()
    for name in ("responder.pid", "responder-uploads.pid", "reaper.pid"):
        for pid in map(int, (s.dir / name).read_text().split()):
            os.kill(pid, signal.SIGTERM)
            wait_for(lambda: not alive(pid), what=f"{name} process gone")
    (s.dir / "sora.sock").unlink()
    (s.dir / "sora-uploads.sock").unlink()
    yield s
    s.stop()


def test_units_use_kill_mode_process_and_the_timer_runs_the_reaper():
    for name in ("sora-fcgi@.service", "sora-fcgi-reap.service"):
        assert unit(name)["Service"]["KillMode"] == ["process"], name
    responder = unit("sora-fcgi@.service")["Service"]
    start = shlex.split(responder["ExecStart"][0])
    assert start[0].endswith("spawn-fcgi")
    # -F per pool: at least 2 API responders, 4 upload ones (submits wait on fsync).
    env = dict(a.split("=", 1) for a in responder["Environment"])
    for instance, least in (("api", 2), ("uploads", 4)):
        args = shlex.split(expand(responder["ExecStart"][0], instance, env))
        assert int(args[args.index("-F") + 1]) >= least, instance
    assert start[start.index("-P") + 1] == responder["PIDFile"][0]
    assert "responder.pid" in responder["ExecStop"][0]  # all responders, not only the main one
    timer = unit("sora-fcgi-reap.timer")["Timer"]
    assert timer["OnUnitActiveSec"] and timer["OnBootSec"]
    reap = unit("sora-fcgi-reap.service")["Service"]
    assert reap["Type"] == ["oneshot"] and shlex.split(reap["ExecStart"][0])[1:] == ["reap"]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_units_pass_systemd_analyze_verify(tmp_path):
    for f in UNITS.iterdir():
        (tmp_path / f.name).write_text(f.read_text().replace("/opt/sora-fcgi/sora", str(BIN)))
    units = ["sora-fcgi@api.service", "sora-fcgi@uploads.service", "sora-fcgi-reap.service", "sora-fcgi-reap.timer"]
    out = subprocess.run(["systemd-analyze", "verify", *[str(tmp_path / u) for u in units]],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and not out.stdout.strip() and not out.stderr.strip(), out.stdout + out.stderr


def start_responders(svc, stack):
    out = svc.run("ExecStart")  # Type=forking: started once spawn-fcgi has exited
    assert out.returncode == 0, out.stderr
    pids = stack.responder_pids(svc.instance)
    assert len(pids) >= 2 and all(alive(p) for p in pids)
    return pids


def start_pools(stack):
    """sora-fcgi@api and sora-fcgi@uploads, each in a control group of its own."""
    api = Service("sora-fcgi@.service", stack, "api")
    uploads = Service("sora-fcgi@.service", stack, "uploads")
    start_responders(api, stack)
    start_responders(uploads, stack)
    assert requests.get(stack.base + "/api/health", timeout=5).status_code == 200
    return api, uploads


def running_job(stack, prompt):
    job = stack.generate(prompt).json()["task_id"]
    stack.wait(job, until=("generating",))
    (worker,) = wait_for(stack.worker_pids, what="a worker")
    return job, worker


def test_responder_unit_stop_keeps_workers_with_kill_mode_process(unit_stack):
    s = unit_stack
    api, svc = start_pools(s)  # generate goes to the uploads pool: its responders start the workers
    try:
        responders = s.responder_pids("uploads")
        main = responders[0]  # systemd reads the first line of PIDFile
        job, worker = running_job(s, "through a restart [sim:delay=0.3] [sim:steps=12]")
        # The worker has a session of its own, apart from every responder's...
        assert os.getsid(worker) == worker and all(os.getsid(p) != worker for p in responders)
        # ...yet it is in the responder unit's control group: a session is not a cgroup.
        assert worker in svc.members(responders)

        svc.stop(main)  # as the unit says: KillMode=process
        wait_for(lambda: not any(alive(p) for p in responders), timeout=10, what="ExecStop stopping every responder")
        assert alive(worker), "KillMode=process must not touch the worker"
        assert all(alive(p) for p in s.responder_pids("api")), "the other instance is untouched"
        assert s.wait(job, timeout=60)["status"] == "succeeded"

        # The same stop under the default KillMode=control-group kills the worker mid-job.
        responders = start_responders(svc, s)
        job, worker = running_job(s, "killed by its cgroup [sim:delay=0.3] [sim:steps=40]")
        assert worker in svc.members(responders)
        svc.stop(responders[0], roots=responders, kill_mode="control-group")
        wait_for(lambda: not alive(worker), timeout=10, what="worker killed with its control group")
        s.sora("reap")
        doc = s.status(job)
        assert doc["status"] == "failed" and doc["error"]["kind"] == "interrupted", doc
    finally:
        svc.cleanup()
        api.cleanup()


def test_reaper_unit_pass_leaves_the_workers_it_starts(unit_stack):
    """A oneshot pass that resumes a transfer starts a worker inside its own control group,
    which systemd stops when the pass exits: KillMode=process keeps the worker."""
    s = unit_stack
    pools = start_pools(s)
    svc = Service("sora-fcgi-reap.service", s)
    try:
        job = s.generate("resume me [sim:slow=5]").json()["task_id"]
        s.wait(job, until=("transferring",))
        for pid in wait_for(s.worker_pids, what="a worker"):
            os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not s.worker_pids(), what="worker gone")
        out = svc.run("ExecStart")
        assert out.returncode == 0 and job in out.stdout, out.stdout + out.stderr
        resumed = [p for p in svc.members() if p in s.worker_pids()] if svc.cgroup else s.worker_pids()
        assert resumed, "the pass started a worker in its control group"
        # The pass has exited, so systemd stops the unit as its KillMode says.
        svc.stop(None)
        assert all(alive(p) for p in resumed), "stopping the finished pass killed its worker"
        assert s.wait(job, timeout=60)["status"] == "succeeded"
    finally:
        svc.cleanup()
        for pool in pools:
            pool.cleanup()
