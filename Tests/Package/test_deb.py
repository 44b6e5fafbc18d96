"""The Debian package, installed for real on this machine (`dpkg -i`; meant for CI and throwaway
containers, needs root), then: `sora doctor`, one simulated job through nginx, the command line
locally and remotely, and `dpkg --purge` at the end so nothing is left for other tests.

There is no systemd in the container: the installed units' commands are started by hand the
way systemd would run them (their ExecStart= with Environment=, RuntimeDirectory= made first, a
session of their own), and the reaper timer is stood in for by `sora reap --every 60` as the
unit's user. A debootstrap chroot was not used: it downloads a base system from a mirror at
every run (minutes, and a network dependency CI should not have)."""
import json
import os
import pathlib
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import time

import pytest
import requests

from conftest import ROOT
from stack import free_port, wait_for

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("dpkg"), reason="installs a package: root and dpkg only")

UNITS = pathlib.Path("/lib/systemd/system")
CONFIG = pathlib.Path("/etc/sora-fcgi/sora.env")
TOKEN = "deb-test-token-" + os.urandom(8).hex()


def run(*argv, check=True, **kw):
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120, **kw)
    if check:
        assert out.returncode == 0, f"{argv}: {out.stdout}{out.stderr}"
    return out


def service(name, instance=""):
    """ExecStart (split), Environment, RuntimeDirectory and User of an installed unit."""
    s = {"Environment": {}}
    for line in (UNITS / name).read_text().replace("%i", instance).splitlines():
        key, _, value = line.partition("=")
        if key == "Environment":
            k, _, v = value.partition("=")
            s["Environment"][k] = v
        elif key in ("ExecStart", "RuntimeDirectory", "User", "PIDFile"):
            s[key] = value
    # systemd substitutes ${NAME} from the unit's environment (the pools' sizes).
    s["ExecStart"] = shlex.split(re.sub(r"\$\{(\w+)\}", lambda m: s["Environment"][m.group(1)], s["ExecStart"]))
    return s


def purge():
    run("dpkg", "--purge", "sora-fcgi", check=False)
    shutil.rmtree("/var/lib/sora-fcgi", ignore_errors=True)  # what a straggler of an earlier run made
    if subprocess.run(["getent", "passwd", "sora-fcgi"], capture_output=True).returncode == 0:
        run("userdel", "sora-fcgi", check=False)
    run("groupdel", "sora-fcgi", check=False)
    for d in ("/run/sora-fcgi-api", "/run/sora-fcgi-uploads"):
        shutil.rmtree(d, ignore_errors=True)


def alive(pid):
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def installed_processes():
    """Every process of the installed binary: responders, workers, reaper passes (a responder
    starts one now and then). None may outlive the test: it would recreate the spool after purge."""
    pids = []
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            argv = open(f"/proc/{p}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if argv[0] == b"/usr/bin/sora" and alive(p):
            pids.append(int(p))
    return pids


@pytest.fixture
def installed(deb, tmp_path):
    purge()  # a run that died half-way must not leave us on top of an old install
    started = time.time()
    out = run("dpkg", "-i", str(deb), check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    procs = []
    try:
        yield {"procs": procs, "tmp": tmp_path, "install_seconds": time.time() - started}
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(timeout=10)
        for d in ("api", "uploads"):
            pidfile = pathlib.Path(f"/run/sora-fcgi-{d}/responder.pid")
            if pidfile.exists():
                for pid in map(int, pidfile.read_text().split()):
                    if alive(pid):
                        os.kill(pid, signal.SIGTERM)
        nginx_pid = tmp_path / "nginx.pid"
        if nginx_pid.exists():
            os.kill(int(nginx_pid.read_text()), signal.SIGQUIT)
        try:
            wait_for(lambda: not installed_processes(), timeout=30, what="workers and passes finished")
        finally:
            for pid in installed_processes():
                os.kill(pid, signal.SIGKILL)
            wait_for(lambda: not installed_processes(), timeout=10, what="stragglers gone")
            purge()
            assert not os.path.exists("/usr/bin/sora") and not CONFIG.exists() and not os.path.exists("/var/lib/sora-fcgi")


def start_sim(procs, key):
    sim = subprocess.Popen(["python3", str(ROOT / "Tests/Doubles/sora_sim.py"), "--host", "127.0.0.1", "--port", "0",
                            "--api-key", key, "--step-delay", "0.2", "--steps", "3", "--quiet"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    procs.append(sim)
    return re.search(r"http://[0-9.:]+", sim.stdout.readline()).group(0)


def test_package_installs_checks_and_serves_a_simulated_job(installed):
    tmp, procs = installed["tmp"], installed["procs"]
    os.chmod(tmp, 0o755)

    # What the package put where, and with which owners.
    sora_user = pwd.getpwnam("sora-fcgi")
    assert sora_user.pw_uid < 1000 and sora_user.pw_shell in ("/usr/sbin/nologin", "/bin/false")
    st = CONFIG.stat()
    assert (st.st_mode & 0o777, st.st_uid, st.st_gid) == (0o640, 0, sora_user.pw_gid)
    for d in ("/var/lib/sora-fcgi/spool", "/var/lib/sora-fcgi/media"):
        assert os.stat(d).st_uid == sora_user.pw_uid
    for f in ("/usr/share/sora-fcgi/www/index.html", "/etc/nginx/snippets/sora-fcgi.conf", "/etc/nginx/conf.d/sora-fcgi-limits.conf",
              "/etc/nginx/sites-available/sora-fcgi", UNITS / "sora-fcgi@.service", UNITS / "sora-fcgi-reap.timer"):
        assert os.path.exists(f), f
    assert "libswift" not in run("ldd", "/usr/bin/sora").stdout, "Swift's runtime is linked in"
    assert "sora generate" in run("/usr/bin/sora", "--help").stdout or "generate" in run("/usr/bin/sora", "--help").stdout

    # The deployment: the simulated gateway as the config's upstream, fast polls, a token.
    key = "sim-" + os.urandom(6).hex()
    sim = start_sim(procs, key)
    with open(CONFIG, "a") as f:
        f.write(f"SORA_API_KEY={key}\nSORA_BASE_URL={sim}/v1\nSORA_SIMULATED=1\nSORA_ADMIN_TOKEN={TOKEN}\n"
                "SORA_POLL_INTERVAL=0.1\nSORA_POLL_SLOW_INTERVAL=0.1\n")
    # The base URL line from the package comes first; ours wins as the later one.
    assert CONFIG.stat().st_mode & 0o777 == 0o640

    # The units' commands, as systemd would run them (no systemd here).
    for instance in ("api", "uploads"):
        unit = service("sora-fcgi@.service", instance)
        os.makedirs(f"/run/{unit['RuntimeDirectory']}", exist_ok=True)
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", **unit["Environment"]}
        run(*unit["ExecStart"], env=env, start_new_session=True)  # Type=forking: spawn-fcgi exits
        size = {"api": 2, "uploads": 4}[instance]  # the unit's RESPONDERS_api / RESPONDERS_uploads
        assert len(pathlib.Path(unit["PIDFile"]).read_text().split()) == size
    reap = service("sora-fcgi-reap.service")
    assert reap["User"] == "sora-fcgi"
    as_user = ["setpriv", "--reuid=sora-fcgi", "--regid=sora-fcgi", "--init-groups"]
    env = {"PATH": "/usr/bin:/bin", **reap["Environment"]}
    run(*as_user, *reap["ExecStart"], env=env)  # one pass, as the timer starts it
    procs.append(subprocess.Popen([*as_user, *reap["ExecStart"], "--every", "60"], env=env, start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    # nginx with the installed snippet and zones, workers as www-data as on Debian.
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(f"""
user www-data;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body; fastcgi_temp_path {tmp}/fastcgi; proxy_temp_path {tmp}/proxy;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    include /etc/nginx/conf.d/sora-fcgi-limits.conf;
    server {{ listen 127.0.0.1:{port}; server_name localhost; include /etc/nginx/snippets/sora-fcgi.conf; }}
}}
""")
    run("nginx", "-c", str(conf))
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: requests.get(base + "/api/health", timeout=2).status_code == 200, timeout=60, what="nginx up")

    # sora doctor, as root with the packaged config (no SORA_CONFIG), finds nothing wrong.
    doctor = run("/usr/bin/sora", "doctor", "--nginx-conf", str(conf), env={"PATH": "/usr/sbin:/usr/bin:/bin"}, check=False)
    report = json.loads(doctor.stdout)
    assert doctor.returncode == 0, [f for f in report["findings"] if f["level"] not in ("OK", "SKIP")]
    findings = {(f["check"], f["level"]) for f in report["findings"]}
    assert ("socket", "OK") in findings and ("reaper", "OK") in findings and ("gateway", "OK") in findings
    users = [f["message"] for f in report["findings"] if f["check"] == "users"][0]
    assert "service user sora-fcgi" in users and "nginx user www-data" in users

    # One simulated job through nginx, as the page makes it.
    auth = {"Authorization": f"Bearer {TOKEN}"}
    page = requests.get(base + "/", timeout=5)
    assert page.status_code == 200 and "<html" in page.text.lower()
    r = requests.post(base + "/api/generate", headers={**auth, "Content-Type": "application/json"},
                      data=json.dumps({"model": "seedance-2-0-fast", "prompt": "installed and working"}), timeout=10)
    assert r.status_code == 202, r.text
    status_url = base + r.json()["status_url"]
    doc = wait_for(lambda: (d := requests.get(status_url, timeout=5).json())["status"] in ("succeeded", "failed") and d,
                   timeout=60, what="the job to end")
    assert doc["status"] == "succeeded", doc
    video = requests.get(base + doc["video_url"], timeout=10)
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    job_dir = pathlib.Path("/var/lib/sora-fcgi/spool/jobs") / doc["task_id"]
    assert job_dir.stat().st_uid == sora_user.pw_uid, "the worker ran as sora-fcgi"

    # The command line: remotely through nginx with the token, and locally as root — which
    # becomes sora-fcgi before touching the spool, so its job's files are the service's.
    remote = run("/usr/bin/sora", "generate", "--url", base, "--model", "wan-2-7-t2v", "--prompt", "remote", "--wait",
                 env={"PATH": "/usr/bin:/bin", "SORA_ADMIN_TOKEN": TOKEN})
    assert json.loads(remote.stdout.splitlines()[-1])["status"] == "succeeded"
    local = run("/usr/bin/sora", "generate", "--model", "seedance-2-0-fast", "--prompt", "local as root", "--wait",
                env={"PATH": "/usr/bin:/bin"})
    local_doc = json.loads(local.stdout.splitlines()[-1])
    assert local_doc["status"] == "succeeded"
    assert (pathlib.Path("/var/lib/sora-fcgi/spool/jobs") / local_doc["task_id"]).stat().st_uid == sora_user.pw_uid
    listed = json.loads(run("/usr/bin/sora", "jobs", env={"PATH": "/usr/bin:/bin"}).stdout)
    assert listed["total"] == 3
