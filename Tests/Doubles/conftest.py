"""Fixtures for the doubles' tests; the helpers live in doubles.py (a conftest module name would
clash with Tests/EndToEnd/conftest.py when both folders run in one pytest session)."""
import pytest

import shutil
import tempfile

from doubles import OSSDouble


@pytest.fixture(scope="module")
def oss_double():
    tmp = tempfile.mkdtemp(prefix="oss-double-")
    server = OSSDouble(tmp)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def oss(oss_double):
    """The module's double with faults, log and clock reset for each test."""
    oss_double.reset()
    yield oss_double
    oss_double.reset()


