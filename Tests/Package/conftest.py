"""The packages under test: the newest .deb and tarball in dist/ (make deb, make tarball), or
the files named by SORA_DEB / SORA_TARBALL."""
import os
import pathlib
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
