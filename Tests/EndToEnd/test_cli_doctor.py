"""`sora doctor` on a real stack, healthy and then broken one way at a time: each broken thing
is a FAIL with its fix, and where it can be shown, the same breakage really hurts (nginx answers
502, a job cannot be written, a job fails as `config`)."""
import json
import os
import pathlib
import signal
import subprocess
import time

import pytest
import requests

from cli import cli_env, config_copy, json_lines, sora, wait_for
from stack import BIN, Stack, free_port, stack_dir


@pytest.fixture(scope="module")
def st():
    s = Stack(stack_dir("doctor"), free_port()).start()
    yield s
    s.stop()


def doctor(stack, *args, config=None, **kw):
    out = sora(stack, "doctor", "--nginx-conf", str(stack.dir / "nginx.conf"), *args, config=config, **kw)
    report = json.loads(out.stdout)
    assert report["ok"] == (out.returncode == 0), out.stdout
    return out, report["findings"]


def lines(findings, check, level=None):
    return [f for f in findings if f["check"] == check and (level is None or f["level"] == level)]


def secrets_of(stack):
    values = []
    for line in (stack.dir / "sora.env").read_text().splitlines():
        name, _, value = line.partition("=")
        if name.endswith(("_KEY", "_TOKEN", "_HASH", "PASSWORD")) and value:
            values.append(value)
    return values


def total_creates(stack):
    s = stack.sim_stats()
    return s["submissions"] + sum(d["creates"] for d in s["dialects"].values())


def test_healthy_stack_passes_and_the_gateway_check_pays_nothing(st):
    before, lists = total_creates(st), sum(d["lists"] for d in st.sim_stats()["dialects"].values())
    out, findings = doctor(st)
    assert out.returncode == 0, out.stdout
    assert not [f for f in findings if f["level"] == "FAIL"]
    for check in ("config", "key", "binary", "spool", "media", "nginx", "socket", "workers", "reaper", "disk", "gateway", "clock"):
        assert lines(findings, check, "OK"), (check, findings)
    assert len(lines(findings, "socket", "OK")) == 2  # both pools
    assert len(lines(findings, "gateway", "OK")) == 4  # ark, dashscope, /v1/videos, chat
    assert total_creates(st) == before, "never a paid call"
    assert sum(d["lists"] for d in st.sim_stats()["dialects"].values()) == lists + 3
    assert not any(v in out.stdout + out.stderr for v in secrets_of(st))
    # Without --nginx-conf the running nginx that serves this spool is found.
    found = json.loads(sora(st, "doctor", "--offline").stdout)["findings"]
    assert lines(found, "nginx", "OK") and len(lines(found, "socket", "OK")) == 2


def test_a_socket_nginx_cannot_open(st):
    sock = st.dir / "sora.sock"
    os.chmod(sock, 0o600)  # root's alone; nginx's workers run as nobody
    try:
        out, findings = doctor(st, "--offline")
        assert out.returncode == 1
        (bad,) = lines(findings, "socket", "FAIL")
        assert str(sock) in bad["message"] and "cannot open" in bad["message"] and "nobody" in bad["message"]
        assert "-M 0660 -U nobody" in bad["fix"]
        # It is real: nginx cannot reach the responders.
        assert requests.get(st.base + "/api/health", timeout=5).status_code == 502
    finally:
        os.chmod(sock, 0o666)
    assert requests.get(st.base + "/api/health", timeout=5).status_code == 200


def test_an_unwritable_spool(st):
    """A deployment whose service user is `nobody`: its spool folders must be writable by nobody."""
    d = pathlib.Path(stack_dir("doctor-spool"))
    for sub in ("spool", "media"):
        (d / sub).mkdir()
        os.chown(d / sub, 65534, 65534)
    config = config_copy(st, d, SORA_SPOOL_DIR=d / "spool", SORA_MEDIA_DIR=d / "media")
    os.chmod(config, 0o644)  # test only: nobody reads it (a deployment: 0640 root:<service group>)
    ok = sora(st, "generate", "--model", "seedance-2-0-fast", "--prompt", "as nobody", config=config, user="nobody")
    assert ok.returncode == 0, ok.stdout + ok.stderr  # makes the spool's folders, as nobody
    sora(st, "show", json.loads(ok.stdout)["task_id"], "--wait", config=config)  # let its worker finish
    out, findings = doctor(st, "--offline", "--user", "nobody", config=config)
    assert lines(findings, "spool", "OK") and not lines(findings, "spool", "FAIL"), findings

    os.chmod(d / "spool" / "jobs", 0o555)
    try:
        out, findings = doctor(st, "--offline", "--user", "nobody", config=config)
        assert out.returncode == 1
        (bad,) = lines(findings, "spool", "FAIL")
        assert "nobody cannot write to" in bad["message"] and str(d / "spool" / "jobs") in bad["message"]
        assert bad["fix"].startswith("chown -R nobody:nogroup")
        # It is real: a job cannot be written there.
        refused = sora(st, "generate", "--model", "seedance-2-0-fast", "--prompt", "as nobody again", config=config, user="nobody")
        assert refused.returncode == 23 and json.loads(refused.stdout)["error"]["code"] == "spool_unavailable"
    finally:
        os.chmod(d / "spool" / "jobs", 0o700)


def test_a_missing_key(st):
    d = stack_dir("doctor-key")
    os.mkdir(f"{d}/spool")
    config = config_copy(st, d, drop=("SORA_API_KEY",), SORA_SPOOL_DIR=f"{d}/spool")
    out, findings = doctor(st, config=config)
    assert out.returncode == 1
    (bad,) = lines(findings, "key", "FAIL")
    assert bad["message"].startswith("SORA_API_KEY is not set") and "SORA_API_KEY=" in bad["fix"]
    assert not lines(findings, "gateway", "OK")  # nothing to try with
    assert not any(v in out.stdout for v in secrets_of(st))
    # It is real: the job fails as `config` (exit 17), without a create.
    job = sora(st, "generate", "--model", "seedance-2-0-fast", "--prompt", "no key", "--wait", config=config)
    assert job.returncode == 17, job.stdout[-300:]
    assert json_lines(job.stdout)[-1]["error"]["code"] == "no_key"


def test_an_unreachable_gateway_and_a_refused_key(st):
    d = stack_dir("doctor-gw")
    config = config_copy(st, d, SORA_BASE_URL=f"http://127.0.0.1:{free_port()}/v1")
    out, findings = doctor(st, config=config)
    assert out.returncode == 1
    bad = lines(findings, "gateway", "FAIL")
    assert len(bad) == 4 and all("unreachable" in f["message"] for f in bad)
    assert "SORA_BASE_URL" in bad[0]["fix"]

    config = config_copy(st, d, SORA_API_KEY="sk-not-the-right-one")
    out, findings = doctor(st, config=config)
    bad = lines(findings, "gateway", "FAIL")
    assert len(bad) == 4 and all("SORA_API_KEY was refused (HTTP 401)" in f["message"] for f in bad), bad
    assert "sk-not-the-right-one" not in out.stdout


def test_a_missing_reaper(st):
    out, findings = doctor(st, "--offline")
    assert lines(findings, "reaper", "OK")[0]["message"].startswith("`sora reap --every` loop")
    pid = int((st.dir / "reaper.pid").read_text())
    os.kill(pid, signal.SIGTERM)
    wait_for(lambda: not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split(")")[1].split()[0] == "Z",
             what="reaper gone")
    out, findings = doctor(st, "--offline")
    assert out.returncode == 1
    (bad,) = lines(findings, "reaper", "FAIL")
    assert "no reaper is scheduled" in bad["message"]
    assert "sora-fcgi-reap.timer" in bad["fix"] and f"SORA_CONFIG={st.dir}/sora.env" in bad["fix"] and " reap" in bad["fix"]
    # The fix works: a loop again (as the stack starts it), and the doctor is satisfied.
    loop = subprocess.Popen([str(BIN), "reap", "--every", "60"], env=cli_env(st), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: lines(doctor(st, "--offline")[1], "reaper", "OK"), what="reaper seen again")
    finally:
        loop.terminate()
        loop.wait(timeout=10)
