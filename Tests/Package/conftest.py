"""The packages under test: the newest .deb and tarball in dist/ (make deb, make tarball), or
the files named by SORA_DEB / SORA_TARBALL."""
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "EndToEnd"))  # stack.py's helpers (free_port)


def newest(pattern):
    found = sorted((ROOT / "dist").glob(pattern), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


@pytest.fixture(scope="session")
def deb():
    path = pathlib.Path(os.environ["SORA_DEB"]) if os.environ.get("SORA_DEB") else newest("sora-fcgi_*.deb")
    if not path:
        pytest.skip("no .deb in dist/ (make deb)")
    return path


@pytest.fixture(scope="session")
def tarball():
    path = pathlib.Path(os.environ["SORA_TARBALL"]) if os.environ.get("SORA_TARBALL") else newest("sora-fcgi-*.tar.gz")
    if not path:
        pytest.skip("no tarball in dist/ (make tarball)")
    return path


def start_sim():
    """The simulated gateway a hosting test talks to (key sk-sim, a job of about 3 s).
    Returns the process (its own session) and its URL."""
    sim = subprocess.Popen(["python3", str(ROOT / "Tests/Doubles/sora_sim.py"), "--host", "127.0.0.1", "--port", "0",
                            "--api-key", "sk-sim", "--step-delay", "0.4", "--steps", "6", "--quiet"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    return sim, re.search(r"http://[0-9.:]+", sim.stdout.readline()).group(0)


def write_hosting_config(home, sim_url, token):
    """README.txt's step 2 in an unpacked tarball: the example config with this home, the
    simulator's key and URL, an admin token and a quick poll pace, mode 0600."""
    top = home / "sora-fcgi"
    config = (top / "sora.env.example").read_text().replace("/home/USER", str(home))
    config = config.replace("SORA_API_KEY=\n", "SORA_API_KEY=sk-sim\n").replace("https://api.apiyi.com/v1", sim_url + "/v1")
    config += f"SORA_ADMIN_TOKEN={token}\nSORA_POLL_INTERVAL=0.1\nSORA_POLL_SLOW_INTERVAL=0.1\n"
    (top / "sora.env").write_text(config)
    os.chmod(top / "sora.env", 0o600)
