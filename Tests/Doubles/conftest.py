"""Shared fixtures for the doubles' tests: start a server on a free loopback port, stop it after."""

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

OSS_AK = "LTAI5tExampleAccessKeyId"
OSS_SK = "ExampleSecret0123456789abcdefXYZ"
OSS_BUCKET = "examplebucket"
OSS_REGION = "cn-hangzhou"


class OSSDouble:
    """A running oss_double.py process plus helpers for its control API."""

    def __init__(self, tmp):
        self.data_dir = os.path.join(tmp, "oss-data")
        cmd = [sys.executable, os.path.join(HERE, "oss_double.py"), "--port", "0", "--access-key-id", OSS_AK,
               "--access-key-secret", OSS_SK, "--bucket", OSS_BUCKET, "--region", OSS_REGION, "--data-dir", self.data_dir]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("oss-double listening on http://"):
            self.proc.kill()
            raise RuntimeError("oss double did not start: %r %s" % (line, self.proc.stderr.read()))
        self.url = line.split(" on ", 1)[1]
        self.port = int(self.url.rsplit(":", 1)[1])

    def control(self, method, path, payload=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        body = json.dumps(payload).encode() if payload is not None else None
        conn.request(method, "/_oss/" + path, body=body, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        data = json.loads(resp.read() or b"null")
        conn.close()
        return data

    def faults(self, *rules):
        return self.control("POST", "faults", list(rules))

    def uploads(self):
        return self.control("GET", "uploads")

    def requests(self):
        return self.control("GET", "requests")

    def reset(self):
        self.control("DELETE", "faults")
        self.control("DELETE", "requests")
        self.control("POST", "clock", {"offset": 0})

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


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


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, timeout=20.0):
    import socket
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("port %d did not open" % port)
