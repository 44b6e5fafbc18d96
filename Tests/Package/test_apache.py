"""The shared-hosting tarball behind a real Apache (mod_cgid, mod_headers), set up two ways:
- `htaccess`: as README.txt says, with the tarball's .htaccess (mod_rewrite) and nothing in the
  server's own configuration but what a host provides (AllowOverride All);
- `server`: the tarball's apache/server.conf in the server's configuration, no .htaccess.
Either way the page and its versioned assets load, sign-in by token reaches the CGI, a job is
accepted at once while its detached worker goes on, the status files are served uncached and only
for job ids, and the video is served."""
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import time

import pytest
import requests

from conftest import start_sim, write_hosting_config
from stack import free_port

APACHE = shutil.which("apache2") or "/usr/sbin/apache2"
MODULES = "/usr/lib/apache2/modules"
pytestmark = [pytest.mark.skipif(os.geteuid() != 0, reason="Apache drops to the hosting user (nobody) from root"),
              pytest.mark.skipif(not os.path.exists(APACHE), reason="no apache2 (make test and .ci/run install it)")]
TOKEN = "apache-token-0123456789"


def apache_conf(run, root, port, include=None):
    mods = ["mpm_event", "authz_core", "mime", "dir", "rewrite", "headers", "env", "cgid", "alias"]
    return "\n".join([
        *(f"LoadModule {m}_module {MODULES}/mod_{m}.so" for m in mods),
        f"ServerName 127.0.0.1", f"Listen 127.0.0.1:{port}", f"PidFile {run}/httpd.pid",
        f"ErrorLog {run}/error.log", "LogLevel warn", f"ScriptSock {run}/cgid.sock",
        "User nobody", "Group nogroup", "TypesConfig /etc/mime.types",
        f"DocumentRoot {root}", "DirectoryIndex index.html",
        "<Directory />", "    AllowOverride None", "    Require all denied", "</Directory>",
        # What a shared host gives a customer's web root: .htaccess may set anything.
        f"<Directory {root}>", "    AllowOverride All", "    Require all granted", "</Directory>",
        f"Include {include}" if include else "", ""])


@pytest.fixture(params=["htaccess", "server"])
def site(request, tarball):
    """README.txt's steps 1-3 in a fresh home (the hosting user is nobody), a simulator as the
    gateway, and Apache serving public_html with the .htaccess, or www/ by apache/server.conf.
    Yields (base URL, home, sim URL)."""
    home = pathlib.Path(tempfile.mkdtemp(prefix="sora-apache-home-"))
    run = pathlib.Path(tempfile.mkdtemp(prefix="sora-apache-run-"))
    os.chmod(home, 0o755)
    os.chmod(run, 0o755)  # the CGI daemon's socket is opened by the children, as nobody
    subprocess.run(["tar", "-xzf", str(tarball), "-C", str(home)], check=True)
    top, web = home / "sora-fcgi", home / "public_html"
    sim, sim_url = start_sim()
    httpd = None
    try:
        write_hosting_config(home, sim_url, TOKEN)
        include = None
        if request.param == "htaccess":
            web.mkdir()
            shutil.copytree(top / "www", web, dirs_exist_ok=True)
            shutil.copy(top / "bin/sora", web / "api.cgi")
            (web / "status").symlink_to(top / "spool/status")
            (web / "media").symlink_to(top / "media")
            (web / ".htaccess").write_text((top / "apache/htaccess").read_text().replace("/home/USER", str(home)))
        else:
            web = top / "www"
            include = run / "sora.conf"
            include.write_text((top / "apache/server.conf").read_text().replace("/home/USER", str(home)))
        subprocess.run(["chown", "-R", "nobody:nogroup", str(home)], check=True)
        port = free_port()
        (run / "httpd.conf").write_text(apache_conf(run, web, port, include))
        httpd = subprocess.Popen([APACHE, "-f", str(run / "httpd.conf"), "-DFOREGROUND"], start_new_session=True,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 20
        while True:
            try:
                requests.get(base + "/", timeout=2)
                break
            except requests.ConnectionError:
                assert httpd.poll() is None and time.time() < deadline, httpd.stderr.read() if httpd.poll() is not None else "apache did not listen"
                time.sleep(0.05)
        yield base, home, sim_url
    finally:
        if httpd:
            httpd.terminate()
            httpd.wait(timeout=20)
        sim.terminate()
        sim.wait(timeout=10)
        subprocess.run(["pkill", "-9", "-f", f"SORA_CONFIG={home}"], check=False)  # a worker left by a failure
        print((run / "error.log").read_text() if (run / "error.log").exists() else "")
        shutil.rmtree(run, ignore_errors=True)


def test_the_page_and_its_versioned_assets_load(site):
    base, _, _ = site
    page = requests.get(base + "/", timeout=5)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assets = re.findall(r'(?:src|href)="(v/[0-9a-f]+/(?:js|css)/[\w.-]+)"', page.text)
    assert len(assets) >= 2, page.text[:500]
    version = assets[0].split("/")[1]
    # The module's relative imports resolve under the same prefix: the locale tables, on-demand parts.
    for path in assets + [f"v/{version}/js/strings-zh.js", f"v/{version}/js/signin.js"]:
        r = requests.get(f"{base}/{path}", timeout=5)
        assert r.status_code == 200, (path, r.status_code)
        assert r.headers["Content-Type"].split(";")[0] in ("text/javascript", "application/javascript", "text/css"), (path, r.headers)
        assert "max-age=31536000" in r.headers.get("Cache-Control", ""), (path, r.headers)
    assert requests.get(f"{base}/v/{version}/../../../sora-fcgi/sora.env", timeout=5).status_code in (400, 403, 404)


def test_a_job_through_apache_cgi(site):
    base, home, _ = site
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert requests.get(base + "/api/jobs", timeout=10).status_code == 401  # the token is what signs in
    assert requests.get(base + "/api/jobs", headers=auth, timeout=10).status_code == 200
    r = requests.post(base + "/api/generate", json={"model": "seedance-2-0-fast", "prompt": "behind apache"},
                      headers=auth, timeout=30)
    assert r.status_code == 202, r.text
    job = r.json()["task_id"]
    # Apache answered while the job still runs: the worker holds none of the CGI's pipes.
    first = requests.get(f"{base}/status/{job}.json", timeout=5)
    assert first.status_code == 200 and first.json()["status"] not in ("succeeded", "failed"), first.text
    assert first.headers.get("Cache-Control") == "no-store" and "Last-Modified" not in first.headers and "ETag" not in first.headers
    deadline = time.time() + 60
    while time.time() < deadline:
        doc = requests.get(f"{base}/status/{job}.json", timeout=5).json()
        if doc["status"] in ("succeeded", "failed"):
            break
        time.sleep(0.1)
    assert doc["status"] == "succeeded", doc
    video = requests.get(base + doc["video_url"], timeout=10)
    assert video.status_code == 200 and video.headers["Content-Type"] == "video/mp4" and video.content[4:8] == b"ftyp"
    # Only job-id status files: nothing else of the spool's status folder.
    (home / "sora-fcgi/spool/status/notes.json").write_text("{}")
    assert requests.get(f"{base}/status/notes.json", timeout=5).status_code == 404
