"""Starts a real stack for the end-to-end tests: sora-sim + `sora fcgi` (spawn-fcgi) + nginx on
loopback, through nginx/stack.sh exactly as `make run` does, with a fast simulator pace and
short timeouts. Everything is torn down (workers included) at the end of the session."""
import json
import os
import secrets
import pathlib
import socket
import subprocess
import time

import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
STACK = ROOT / "nginx" / "stack.sh"
BIN = pathlib.Path(os.environ.get("SORA_BIN") or ROOT / ".build" / "debug" / "sora")

FAST_ENV = {
    "SORA_SIM_ARGS": "--step-delay 0.05 --steps 4 --link-ttl 3600",
    "SORA_STALL_TIMEOUT": "2",
    "SORA_GENERATION_TIMEOUT": "40",
    "SORA_DOWNLOAD_TIMEOUT": "5",
    "SORA_RETRY_BASE_DELAY": "0.1",
    "SORA_CONNECT_TIMEOUT": "3",
    "SORA_CREATE_TIMEOUT": "3",
    "SORA_POLL_INTERVAL": "0.05",
    "SORA_POLL_SLOW_INTERVAL": "0.05",
    # The built-in catalog plus the Sora chat entries unretired (the chat flavour stays tested)
    # and a model with a 3 s deadline.
    "SORA_CATALOG": str(pathlib.Path(__file__).resolve().parent / "catalog-e2e.json"),
    # The tests fire requests far faster than a person; the rate-limit test sets its own rates.
    "SORA_NGINX_GENERATE_RATE": "100000r/s",
    "SORA_NGINX_LOGIN_RATE": "100000r/s",
    # Sign-in stays on: the tests use the API as a script does, with the admin token.
    "SORA_ADMIN_TOKEN": "e2e-" + secrets.token_hex(16),
}


def _authorize_stack_requests():
    """Every request the tests send to a stack's /api/ carries the admin token, unless the test
    sets an Authorization header itself (`{"Authorization": None}` sends none: anonymous)."""
    original = requests.sessions.Session.request

    def request(self, method, url, *args, headers=None, **kwargs):
        if isinstance(url, str) and "/api/" in url and url.startswith("http://127.0.0.1:"):
            headers = dict(headers or {})
            if not any(k.lower() == "authorization" for k in headers):
                headers["Authorization"] = "Bearer " + FAST_ENV["SORA_ADMIN_TOKEN"]
        return original(self, method, url, *args, headers=headers, **kwargs)

    requests.sessions.Session.request = request


_authorize_stack_requests()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """A running stack and helpers to drive it over HTTP."""

    def __init__(self, dir, port, cgi=False, extra_env=None, prefix=""):
        self.extra_env = dict(extra_env or {})
        if prefix:
            self.extra_env["SORA_NGINX_PREFIX"] = prefix
        self.dir = pathlib.Path(dir)
        self.cgi = cgi
        self.prefix = prefix
        # A simulator speaking TLS (--tls-cert) is reached by the tests with this CA bundle.
        self.sim_ca = None
        self.use_port(port)

    def use_port(self, port):
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"
        self.base = self.origin + self.prefix

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SORA_", "OSS_", "S3_", "STORAGE"))}
        env.update(FAST_ENV)
        env.update(self.extra_env)
        env["SORA_BIN"] = str(BIN)
        if self.cgi:
            env["SORA_CGI"] = "1"
        return env

    def start(self):
        for attempt in range(3):
            out = subprocess.run([str(STACK), "start", str(self.dir), str(self.port)], env=self.env(),
                                 capture_output=True, text=True, timeout=60)
            if out.returncode != 0:
                self.stop()  # leave nothing half-started behind
            # free_port() only found the port free: an outgoing connection may take it before nginx
            # binds it. Then another port, not a failed test.
            if out.returncode == 0 or "Address already in use" not in out.stderr + out.stdout or attempt == 2:
                break
            self.use_port(free_port())
        assert out.returncode == 0, out.stderr + out.stdout
        url = self.dir / "sim.url"  # none with a real gateway (SORA_API_KEY set)
        self.sim = url.read_text().strip() if url.exists() else None
        self.wait_reaper_idle()
        return self

    def wait_reaper_idle(self):
        """Waits until the reaper loop has made its first pass and sleeps (in `sigtimedwait`), and
        until the one-shot pass a responder starts after its first request has ended: a pass
        that came late would start workers for jobs a test means to leave queued."""
        pid_file = self.dir / "reaper.pid"

        def idle():
            if pid_file.exists():
                try:
                    if "sigtimedwait" not in open(f"/proc/{pid_file.read_text().strip()}/wchan").read():
                        return False  # "0" while it runs
                except OSError:
                    pass  # gone: no pass to come
            return not self._processes(b"reap", exclude=b"--every")
        wait_for(idle, timeout=30, what="the reaper's first pass")

    def hold_off_reap_passes(self):
        """Responders start a `sora reap` pass at most once a minute (`.reap-stamp`); the first
        request would start one, and it would start workers for jobs a test leaves queued."""
        (self.spool / ".reap-stamp").write_text(str(int(time.time())))

    def restart_front(self):
        out = subprocess.run([str(STACK), "front", str(self.dir), str(self.port)], env=self.env(),
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr + out.stdout

    def stop(self):
        # Stop first (the reaper among them), so nothing can start a worker after they are killed.
        subprocess.run([str(STACK), "stop", str(self.dir)], timeout=60)
        subprocess.run([str(STACK), "kill-workers", str(self.dir)], timeout=60)

    def responder_pids(self, pool=None):
        """The responder processes of one pool ("api", "uploads") or of both (spawn-fcgi -F
        writes one pid a line)."""
        files = {"api": "responder.pid", "uploads": "responder-uploads.pid"}
        names = [files[pool]] if pool else list(files.values())
        return [int(x) for name in names for x in (self.dir / name).read_text().split()]

    # --- HTTP helpers ---
    def url(self, path):
        return path if path.startswith("http") else self.origin + path

    def generate(self, prompt="a red fox running through fresh snow at dawn", model="sora-v2-portrait",
                 key=None, **extra):
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        body = {"model": model, "prompt": prompt, **extra}
        return requests.post(self.base + "/api/generate", data=json.dumps(body), headers=headers, timeout=10)

    def status(self, job):
        return requests.get(f"{self.base}/status/{job}.json", timeout=5).json()

    def wait(self, job, until=("succeeded", "failed"), timeout=60, seen=None):
        deadline = time.time() + timeout
        while time.time() < deadline:
            r = requests.get(f"{self.base}/status/{job}.json", timeout=5)
            assert r.status_code == 200, f"status file not readable: {r.status_code}"
            doc = r.json()
            if seen is not None:
                seen.append(doc)
            if doc["status"] in until:
                return doc
            time.sleep(0.05)
        raise AssertionError(f"job {job} still {doc['status']} after {timeout}s: {doc}")

    def worker_pids(self):
        """Workers of this stack (found by the config file in their environment)."""
        return self._processes(b"worker")

    def _processes(self, command, exclude=None):
        """This stack's `sora <command>` processes (found by the config file in their environment)."""
        needle = f"SORA_CONFIG={self.dir}/sora.env".encode()
        pids = []
        for p in os.listdir("/proc"):
            if not p.isdigit():
                continue
            try:
                args = open(f"/proc/{p}/cmdline", "rb").read().split(b"\0")
                if command in args and exclude not in args and \
                        needle in open(f"/proc/{p}/environ", "rb").read().split(b"\0"):
                    pids.append(int(p))
            except OSError:
                continue
        return pids

    def drain(self, timeout=60):
        """Waits until no worker runs and nothing is queued, so one test's jobs cannot leak into
        the next test's counters."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not self.worker_pids() and not list((self.spool / "queue").glob("*")):
                return
            time.sleep(0.05)

    def sim_stats(self):
        return requests.get(self.sim + "/_sim/stats", timeout=5, verify=self.sim_ca or True).json()

    def sim_reset(self):
        requests.post(self.sim + "/_sim/reset", timeout=5, verify=self.sim_ca or True)

    def sora(self, *args, check=True):
        env = {"PATH": "/usr/bin:/bin", "SORA_CONFIG": str(self.dir / "sora.env")}
        out = subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True, timeout=60)
        if check:
            assert out.returncode == 0, out.stderr
        return out

    @property
    def spool(self):
        return self.dir / "spool"

    def job_dirs(self):
        return sorted(p.name for p in (self.spool / "jobs").iterdir()) if (self.spool / "jobs").exists() else []


def proc_stat(pid):
    """The fields of /proc/<pid>/stat after the command name (the first is the state, field 3)."""
    return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def alive(pid):
    """Running and not a zombie (an orphan may stay a zombie where pid 1 does not reap)."""
    try:
        return proc_stat(pid)[0] not in ("Z", "X")
    except OSError:
        return False


def wait_for(pred, timeout=20, what="condition"):
    """Polls `pred` until it returns something true, and returns that."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"{what} not met within {timeout}s")


# The stack directories this process made: the test session removes them when every test passed,
# and keeps them all, logs included, when one failed (or with SORA_KEEP_STACKS=1).
made_dirs = []


def stack_dir(name):
    """A state directory nginx's unprivileged workers can traverse (pytest's own tmp is 0700).
    SORA_STACKS_DIR puts it elsewhere: `make bench` keeps its stacks beside the checkout, on the
    disk `make run` uses, as a long-lived /tmp can create files many times slower."""
    import tempfile
    root = os.environ.get("SORA_STACKS_DIR")
    if root:
        os.makedirs(root, exist_ok=True)
        os.chmod(root, 0o755)
    d = tempfile.mkdtemp(prefix=f"sora-e2e-{name}-", dir=root or None)
    os.chmod(d, 0o755)
    made_dirs.append(d)
    return d


