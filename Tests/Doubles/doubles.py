"""Helpers shared by the doubles' tests and benchmarks: start a double on a free loopback port, stop it after."""

import http.client
import urllib.request
import json
import os
import shutil
import ssl
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


def make_pki(d, names=()):
    """A CA and a certificate for 127.0.0.1 (and localhost, and any DNS `names`) it signed, EC
    P-256, valid two days, in directory `d`: ca.pem, server.pem, server.key; readable by all (a
    stack's processes may run as another user). For the simulator's --tls-cert and the worker's
    SORA_CA_FILE."""
    d = str(d)
    os.makedirs(d, exist_ok=True)

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *ec, "-days", "2", "-subj", "/CN=sora-fcgi test CA", "-keyout", "ca.key", "-out", "ca.pem",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
    openssl("req", *ec, "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=" + ",".join(["IP:127.0.0.1", "DNS:localhost", *(f"DNS:{n}" for n in names)])
                + "\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", "ext.cnf", "-out", "server.pem")
    for name in os.listdir(d):
        os.chmod(os.path.join(d, name), 0o644)
    os.chmod(d, 0o755)
    return d


def tls_args(pki):
    """The `--tls-cert`/`--tls-key` arguments of the simulator and the fault proxy for a
    `make_pki` directory."""
    return ["--tls-cert", os.path.join(pki, "server.pem"), "--tls-key", os.path.join(pki, "server.key")]


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


class Moto:
    """moto (a third-party S3 implementation) as a real server on loopback, with a `videos` bucket;
    with auth=True its IAM mode verifies every SigV4 signature."""

    def __init__(self, auth=False):
        import boto3  # only where moto is used
        self.port = free_port()
        env = dict(os.environ)
        if auth:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = "4"  # user, policy, key, bucket; then every request is verified
        self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port)
        self.url = "http://127.0.0.1:%d" % self.port
        self.key_id, self.secret = "testing-key-id", "testing/secret+key"
        if auth:
            kw = dict(endpoint_url=self.url, aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1")
            iam = boto3.client("iam", **kw)
            iam.create_user(UserName="probe")
            iam.put_user_policy(UserName="probe", PolicyName="s3", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
            key = iam.create_access_key(UserName="probe")["AccessKey"]
            self.key_id, self.secret = key["AccessKeyId"], key["SecretAccessKey"]
        self.s3 = boto3.client("s3", endpoint_url=self.url, aws_access_key_id=self.key_id,
                               aws_secret_access_key=self.secret, region_name="us-east-1")
        self.s3.create_bucket(Bucket="videos")

    def storage_env(self, **extra):
        """The settings that make a stack keep its videos in this server's `videos` bucket."""
        return {"STORAGE": "s3", "S3_ENDPOINT": self.url, "S3_BUCKET": "videos", "S3_REGION": "us-east-1",
                "S3_ACCESS_KEY_ID": self.key_id, "S3_SECRET_ACCESS_KEY": self.secret, "S3_PATH_STYLE": "1", **extra}

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class FaultProxy:
    """A small TCP/HTTP proxy in front of moto that injects failures (moto has none)."""

    def __init__(self, upstream, pki=None):
        """`pki`: a `make_pki` directory; clients then speak HTTPS to the proxy (its CA: ca.pem)."""
        tls = tls_args(pki) if pki else []
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "fault_proxy.py"), "--upstream", upstream, "--port", "0", *tls],
                                     stdout=subprocess.PIPE, text=True)
        self.url = self.proc.stdout.readline().strip().split(" on ", 1)[1]
        self.ssl = ssl.create_default_context(cafile=os.path.join(pki, "ca.pem")) if pki else None

    def control(self, method, path, payload=None):
        req = urllib.request.Request(self.url + "/_proxy/" + path, method=method,
                                     data=json.dumps(payload).encode() if payload is not None else None)
        with urllib.request.urlopen(req, timeout=30, context=self.ssl) as r:
            return json.loads(r.read())

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


