"""The shared-hosting tarball, unpacked in a "home directory" and used without root: the binary
answers a CGI request as the hosting user (nobody here) and returns at once while its detached
worker makes the video; the cron line from cron.txt settles the spool; `sora doctor` says what
it cannot check there and that the cron line is missing."""
import json
import os
import pathlib
import subprocess
import tarfile
import tempfile
import time

import pytest

from conftest import start_sim, write_hosting_config

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="runs the hosting user's commands as nobody (setpriv)")
AS_NOBODY = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


def test_tarball_layout_cgi_and_cron_without_root(tarball):
    home = pathlib.Path(tempfile.mkdtemp(prefix="sora-home-"))
    os.chmod(home, 0o755)
    with tarfile.open(tarball) as t:
        names = t.getnames()
    subprocess.run(["tar", "-xzf", str(tarball), "-C", str(home)], check=True)  # as the README says
    for name in ("sora-fcgi/bin/sora", "sora-fcgi/www/index.html", "sora-fcgi/apache/htaccess", "sora-fcgi/cron.txt",
                 "sora-fcgi/sora.env.example", "sora-fcgi/README.txt", "sora-fcgi/nginx/sora-locations.conf.in"):
        assert name in names, name
    top = home / "sora-fcgi"
    htaccess = (top / "apache/htaccess").read_text()
    assert "RewriteRule ^api/ api.cgi" in htaccess and "HTTP_AUTHORIZATION" in htaccess and "no-store" in htaccess

    sim, url = start_sim()
    try:
        write_hosting_config(home, url, "tarball-token-0123456789")
        subprocess.run(["chown", "-R", "nobody:nogroup", str(home)], check=True)
        env = {"PATH": "/usr/bin:/bin", "SORA_CONFIG": str(top / "sora.env")}

        # A CGI request, as Apache (or fcgiwrap) runs it: no arguments, GATEWAY_INTERFACE set.
        body = json.dumps({"model": "seedance-2-0-fast", "prompt": "on shared hosting"}).encode()
        cgi = {**env, "GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "POST", "REQUEST_URI": "/api/generate",
               "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
               "HTTP_AUTHORIZATION": "Bearer tarball-token-0123456789", "REMOTE_ADDR": "127.0.0.1"}
        started = time.time()
        out = subprocess.run([*AS_NOBODY, str(top / "bin/sora")], input=body, env=cgi, capture_output=True, timeout=30)
        took = time.time() - started
        head, _, answer = out.stdout.partition(b"\r\n\r\n")
        assert out.returncode == 0 and head.startswith(b"Status: 202"), out.stdout[:300] + out.stderr[:300]
        job = json.loads(answer)["task_id"]
        status = top / "spool/status" / f"{job}.json"
        # The request ended while the job still runs: the worker does not hold the CGI's output open.
        assert json.loads(status.read_text())["status"] != "succeeded" and took < 2.0, took
        deadline = time.time() + 60
        while json.loads(status.read_text())["status"] not in ("succeeded", "failed") and time.time() < deadline:
            time.sleep(0.1)
        doc = json.loads(status.read_text())
        assert doc["status"] == "succeeded", doc
        assert (top / "media").stat().st_uid == 65534 and (top / "spool/jobs" / job).stat().st_uid == 65534

        # The cron line, as cron runs it (/bin/sh, $HOME set), as the hosting user.
        line = [l for l in (top / "cron.txt").read_text().splitlines() if l and not l.startswith("#")][0]
        command = line.split(None, 5)[5]
        cron = subprocess.run([*AS_NOBODY, "env", "-i", f"HOME={home}", "PATH=/usr/bin:/bin", "/bin/sh", "-c", command],
                              capture_output=True, text=True, timeout=30)
        assert cron.returncode == 0, cron.stderr
        assert "interrupted" in (top / "spool/reap.log").read_text()

        # doctor as the hosting user: nothing nginx-shaped to check; the cron line is not installed.
        report = subprocess.run([*AS_NOBODY, str(top / "bin/sora"), "doctor"], env=env, capture_output=True, text=True, timeout=60)
        findings = json.loads(report.stdout)["findings"]
        assert {f["check"] for f in findings if f["level"] == "FAIL"} == {"reaper"}, findings
        assert {f["check"] for f in findings if f["level"] == "SKIP"} >= {"nginx", "socket"}
        assert "* * * * * SORA_CONFIG=" in [f for f in findings if f["check"] == "reaper"][0]["fix"]
    finally:
        sim.terminate()
        sim.wait(timeout=10)


# glibc's own libraries and GCC's runtime, which README.txt calls glibc or needs no word for.
GLIBC = {"libc", "libm", "ld-linux-x86-64", "libgcc_s", "libpthread", "libdl", "librt"}


def test_readme_names_every_library_the_binary_needs(tarball):
    """A host must have each shared library the binary names (readelf's NEEDED); README.txt says
    which, and the list once left out libsqlite3. libstdc++ and libcurl are linked in, like Swift's
    runtime."""
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["tar", "-xzf", str(tarball), "-C", d, "sora-fcgi/bin/sora", "sora-fcgi/README.txt"], check=True)
        dynamic = subprocess.run(["readelf", "-d", f"{d}/sora-fcgi/bin/sora"], capture_output=True, text=True, check=True).stdout
        readme = pathlib.Path(d, "sora-fcgi/README.txt").read_text()
    needed = {line.split("[", 1)[1].split(".so", 1)[0] for line in dynamic.splitlines() if "(NEEDED)" in line}
    assert {"libfcgi", "libsqlite3", "libssl", "libcrypto"} <= needed, needed
    assert "libstdc++" not in needed, "the release build links libstdc++ in (the Makefile's CXX_STATIC)"
    # libcurl comes from its archive, without the libraries of the protocols the worker turns
    # off (packaging/static-curl.sh), which cost each worker about 4 MiB.
    assert not needed & {"libcurl", "libldap-2.5", "liblber-2.5", "librtmp", "libssh2", "libgssapi_krb5"}, needed
    missing = sorted(n for n in needed - GLIBC if n not in readme)
    assert not missing, f"README.txt does not name {missing}"
