"""End-to-end tests of the Swift uploaders (OSSStore, S3Store) through `sora-store-probe`.

OSS: against the signature-verifying OSS double that test_oss_double.py proves with Aliyun's SDKs.
S3: against moto (a third-party S3 implementation), read back independently with boto3; a
second moto instance runs with IAM authentication on, so it verifies our SigV4 signatures; a
small fault proxy in front of moto injects failures.
"""

import calendar
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from doubles import OSS_AK, OSS_BUCKET, OSS_REGION, OSS_SK, FaultProxy, Moto, free_port, make_pki, wait_for_port  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
KEY = "videos/2025/11/25/sora-v2-portrait/job-42.mp4"
MiB = 1 << 20


# ---------------------------------------------------------------- the probe

@pytest.fixture(scope="session")
def probe():
    path = os.environ.get("SORA_STORE_PROBE")
    if not path:
        bin_dir = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True,
                                 check=True).stdout.strip()
        path = os.path.join(bin_dir, "sora-store-probe")
        if not os.path.exists(path):
            subprocess.run(["swift", "build", "--product", "sora-store-probe"], cwd=ROOT, check=True)
    return path


def run_probe(probe, env, *args, timeout=300):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OSS_", "S3_", "STORAGE")) and k.lower() != "http_proxy"}
    base.update({"STORAGE_RETRY_BASE_MS": "20"})
    base.update(env)
    r = subprocess.run([probe, *args], env=base, capture_output=True, text=True, timeout=timeout)
    try:
        out = json.loads(r.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        out = {"raw": r.stdout}
    return r.returncode, out, r.stdout + r.stderr


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="storage-test-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def make_file(tmp, size, name="video.mp4"):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        remaining = size
        while remaining:
            n = min(remaining, 4 * MiB)
            f.write(os.urandom(n))
            remaining -= n
    return path


def read(path):
    with open(path, "rb") as f:
        return f.read()


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


# ---------------------------------------------------------------- OSS

oss2 = pytest.importorskip("oss2")


def oss_env(oss, **extra):
    env = {"STORAGE": "oss", "OSS_ENDPOINT": "http://oss-cn-hangzhou.localhost:%d" % oss.port, "OSS_BUCKET": OSS_BUCKET,
           "OSS_ACCESS_KEY_ID": OSS_AK, "OSS_ACCESS_KEY_SECRET": OSS_SK, "OSS_REGION": OSS_REGION}
    env.update(extra)
    return env


def oss_bucket(oss):
    auth = oss2.ProviderAuthV4(oss2.credentials.StaticCredentialsProvider(OSS_AK, OSS_SK))
    return oss2.Bucket(auth, oss.url, OSS_BUCKET, region=OSS_REGION)


@pytest.mark.parametrize("version", ["4", "1"])
def test_oss_single_put_virtual_host(oss, probe, tmp, version):
    src = make_file(tmp, 3 * MiB + 17)
    code, out, text = run_probe(probe, oss_env(oss, OSS_SIGNATURE_VERSION=version), "put", src, KEY)
    assert code == 0, text
    log = oss.requests()
    assert out == {"key": KEY, "size": 3 * MiB + 17,
                   "url": "http://%s.oss-cn-hangzhou.localhost:%d/%s" % (OSS_BUCKET, oss.port, KEY)}
    assert oss_bucket(oss).get_object(KEY).read() == read(src)
    assert oss_bucket(oss).head_object(KEY).content_type == "video/mp4"
    assert [(e["op"], e["status"]) for e in log] == [("PutObject", 200), ("HeadObject", 200)]
    assert all(e["host"] == "%s.oss-cn-hangzhou.localhost:%d" % (OSS_BUCKET, oss.port) for e in log)
    assert log[0]["content_md5"] and log[0]["auth"] == ("v4-header" if version == "4" else "v1-header")


def test_oss_multipart(oss, probe, tmp):
    src = make_file(tmp, 1536 * 1024 + 5)
    env = oss_env(oss, STORAGE_MULTIPART_THRESHOLD="1M", STORAGE_PART_SIZE="256K")
    code, out, text = run_probe(probe, env, "put", src, KEY)
    assert code == 0, text
    assert out["size"] == 1536 * 1024 + 5
    ops = [e["op"] for e in oss.requests()]
    assert ops == ["InitiateMultipartUpload"] + ["UploadPart"] * 7 + ["CompleteMultipartUpload", "HeadObject"]
    assert all(e["content_md5"] for e in oss.requests() if e["op"] == "UploadPart")
    assert oss_bucket(oss).get_object(KEY).read() == read(src)
    assert oss_bucket(oss).head_object(KEY).etag.endswith("-7")
    assert oss.uploads() == []


def test_oss_wrong_secret_is_rejected_clearly(oss, probe, tmp):
    src = make_file(tmp, 1000)
    secret = "Definitely-Wrong-Secret-Value-123"
    code, out, text = run_probe(probe, oss_env(oss, OSS_ACCESS_KEY_SECRET=secret), "put", src, KEY)
    assert code == 1
    err = out["error"]
    assert (err["code"], err["status"], err["kind"], err["attempts"], err["transient"]) == \
        ("SignatureDoesNotMatch", 403, "rejected", 1, False)
    assert "SignatureDoesNotMatch" in err["description"] and "PutObject" in err["description"]
    assert secret not in text and OSS_SK not in text


def test_oss_500_then_success(oss, probe, tmp):
    src = make_file(tmp, 2000)
    oss.faults({"kind": "status", "status": 500, "times": 2, "op": "PutObject"})
    code, out, text = run_probe(probe, oss_env(oss), "put", src, KEY)
    assert code == 0, text
    assert [(e["op"], e["status"]) for e in oss.requests()] == \
        [("PutObject", 500), ("PutObject", 500), ("PutObject", 200), ("HeadObject", 200)]


def test_oss_part_failures_then_success(oss, probe, tmp):
    src = make_file(tmp, 1024 * 1024)
    oss.faults({"kind": "status", "status": 503, "op": "UploadPart", "part_number": 2},
               {"kind": "reset", "op": "UploadPart", "part_number": 3, "after_bytes": 100_000})
    env = oss_env(oss, STORAGE_MULTIPART_THRESHOLD="512K", STORAGE_PART_SIZE="256K")
    code, out, text = run_probe(probe, env, "put", src, KEY)
    assert code == 0, text
    parts = [(e["part_number"], e["status"]) for e in oss.requests() if e["op"] == "UploadPart"]
    assert parts == [("1", 200), ("2", 503), ("2", 200), ("3", "reset"), ("3", 200), ("4", 200)]
    assert oss_bucket(oss).get_object(KEY).read() == read(src)
    assert oss.uploads() == []


def test_oss_final_part_failure_leaves_no_orphaned_upload(oss, probe, tmp):
    src = make_file(tmp, 1024 * 1024)
    oss.faults({"kind": "status", "status": 503, "times": 100, "op": "UploadPart", "part_number": 2})
    env = oss_env(oss, STORAGE_MULTIPART_THRESHOLD="512K", STORAGE_PART_SIZE="256K", STORAGE_RETRY_ATTEMPTS="3")
    code, out, text = run_probe(probe, env, "put", src, KEY + ".failed")
    assert code == 1
    err = out["error"]
    assert (err["operation"], err["code"], err["kind"], err["attempts"]) == ("UploadPart 2", "ServiceUnavailable", "unavailable", 3)
    ops = [e["op"] for e in oss.requests()]
    assert ops[-1] == "AbortMultipartUpload" and "CompleteMultipartUpload" not in ops
    assert oss.uploads() == []
    with pytest.raises(oss2.exceptions.NoSuchKey):
        oss_bucket(oss).get_object(KEY + ".failed")


def test_oss_403_fails_at_once(oss, probe, tmp):
    src = make_file(tmp, 1000)
    oss.faults({"kind": "status", "status": 403, "code": "AccessDenied", "times": 5, "op": "PutObject"})
    code, out, _ = run_probe(probe, oss_env(oss), "put", src, KEY)
    assert code == 1 and out["error"]["code"] == "AccessDenied" and out["error"]["attempts"] == 1
    assert len(oss.requests()) == 1


def test_oss_clock_skew_is_resynced_from_server_date(oss, probe, tmp):
    src = make_file(tmp, 1000)
    oss.control("POST", "clock", {"offset": 3600})
    code, out, text = run_probe(probe, oss_env(oss), "put", src, KEY)
    assert code == 0, text
    log = oss.requests()
    assert [(e["op"], e["status"], e.get("code")) for e in log[:2]] == \
        [("PutObject", 403, "RequestTimeTooSkewed"), ("PutObject", 200, None)]


def test_oss_no_such_bucket_is_permanent(oss, probe, tmp):
    src = make_file(tmp, 1000)
    code, out, _ = run_probe(probe, oss_env(oss, OSS_BUCKET="otherbucket"), "put", src, KEY)
    assert code == 1 and out["error"]["code"] == "NoSuchBucket" and out["error"]["attempts"] == 1


def test_oss_unreachable_store(probe, tmp):
    src = make_file(tmp, 1000)
    env = {"STORAGE": "oss", "OSS_ENDPOINT": "http://127.0.0.1:%d" % free_port(), "OSS_BUCKET": OSS_BUCKET,
           "OSS_ACCESS_KEY_ID": OSS_AK, "OSS_ACCESS_KEY_SECRET": OSS_SK, "OSS_REGION": OSS_REGION, "STORAGE_RETRY_ATTEMPTS": "3"}
    code, out, _ = run_probe(probe, env, "put", src, KEY)
    assert code == 1
    assert (out["error"]["kind"], out["error"]["attempts"], out["error"]["transient"]) == ("network", 3, True)


@pytest.mark.parametrize("version", ["4", "1"])
def test_oss_private_bucket_gets_working_signed_urls(oss, probe, tmp, version):
    src = make_file(tmp, 5000)
    # Path style on 127.0.0.1, so that Python's resolver can follow the link too.
    env = oss_env(oss, OSS_ENDPOINT=oss.url, OSS_PRIVATE="true", OSS_URL_TTL="600", OSS_SIGNATURE_VERSION=version)
    code, out, text = run_probe(probe, env, "put", src, KEY)
    assert code == 0, text
    assert ("x-oss-signature=" if version == "4" else "Signature=") in out["url"]
    assert fetch(out["url"]) == (200, read(src))
    plain = out["url"].split("?")[0]
    assert fetch(plain)[0] == 403  # the bucket is private: the signature is what lets it through
    code, fresh, _ = run_probe(probe, env, "url", KEY)
    assert code == 0 and fetch(fresh["url"]) == (200, read(src))


def test_oss_public_base_url_and_delete(oss, probe, tmp):
    src = make_file(tmp, 1000)
    env = oss_env(oss, OSS_PUBLIC_BASE_URL="https://cdn.example.com/")
    code, out, _ = run_probe(probe, env, "put", src, "a b/ü.mp4")
    assert code == 0 and out["url"] == "https://cdn.example.com/a%20b/%C3%BC.mp4"
    assert oss_bucket(oss).get_object("a b/ü.mp4").read() == read(src)
    code, _, _ = run_probe(probe, env, "delete", "a b/ü.mp4")
    assert code == 0
    assert not oss_bucket(oss).object_exists("a b/ü.mp4")


def test_config_problems_are_listed_without_secrets(probe):
    code, out, text = run_probe(probe, {"STORAGE": "oss", "OSS_ACCESS_KEY_SECRET": "hunter2-secret", "OSS_URL_TTL": "x"}, "check")
    assert code == 2
    problems = out["error"]["problems"]
    assert "OSS_ENDPOINT is missing" in problems and "OSS_BUCKET is missing" in problems
    assert "OSS_ACCESS_KEY_ID is missing" in problems and any(p.startswith("OSS_URL_TTL") for p in problems)
    assert "hunter2" not in text
    code, out, _ = run_probe(probe, {"STORAGE": "s3", "S3_PART_SIZE": "1"}, "check")
    assert code == 2 and "S3_BUCKET is missing" in out["error"]["problems"]


# ---------------------------------------------------------------- S3 (moto)

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto")


@pytest.fixture(scope="module")
def moto():
    server = Moto()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def moto_auth():
    server = Moto(auth=True)
    yield server
    server.stop()


@pytest.fixture
def proxy(moto):
    p = FaultProxy(moto.url)
    yield p
    p.stop()


def s3_env(endpoint, server, **extra):
    env = {"STORAGE": "s3", "S3_ENDPOINT": endpoint, "S3_BUCKET": "videos", "S3_REGION": "us-east-1",
           "S3_ACCESS_KEY_ID": server.key_id, "S3_SECRET_ACCESS_KEY": server.secret}
    env.update(extra)
    return env


def no_uploads_left(server):
    return server.s3.list_multipart_uploads(Bucket="videos").get("Uploads", []) == []


def test_s3_single_put(moto, probe, tmp):
    src = make_file(tmp, 3 * MiB + 1)
    code, out, text = run_probe(probe, s3_env(moto.url, moto), "put", src, KEY)
    assert code == 0, text
    assert out == {"key": KEY, "size": 3 * MiB + 1, "url": "%s/videos/%s" % (moto.url, KEY)}
    obj = moto.s3.get_object(Bucket="videos", Key=KEY)
    assert obj["Body"].read() == read(src) and obj["ContentType"] == "video/mp4"


def test_s3_multipart_with_small_threshold(moto, proxy, probe, tmp):
    src = make_file(tmp, 12 * MiB + 3)
    env = s3_env(proxy.url, moto, STORAGE_MULTIPART_THRESHOLD="5M", STORAGE_PART_SIZE="5M")
    code, out, text = run_probe(probe, env, "put", src, KEY + ".multi")
    assert code == 0, text
    ops = [e["op"] for e in proxy.control("GET", "requests")]
    assert ops == ["CreateMultipartUpload", "UploadPart", "UploadPart", "UploadPart", "CompleteMultipartUpload", "HeadObject"]
    obj = moto.s3.get_object(Bucket="videos", Key=KEY + ".multi")
    assert obj["Body"].read() == read(src)
    assert obj["ETag"].strip('"').endswith("-3") and obj["ContentType"] == "video/mp4"
    assert no_uploads_left(moto)


def put_without_then_with_the_ca(probe, proxy, pki, env, src):
    """A store behind a private CA: without SORA_CA_FILE, one refused handshake (no retries,
    nothing sent, the error names the setting); with it, the upload goes through (its output)."""
    code, out, text = run_probe(probe, env, "put", src, KEY + ".untrusted")
    assert code == 1 and out["error"]["kind"] == "network" and out["error"]["attempts"] == 1, text
    assert "SORA_CA_FILE" in out["error"]["message"], out
    assert proxy.control("GET", "requests") == []
    code, out, text = run_probe(probe, {**env, "SORA_CA_FILE": os.path.join(pki, "ca.pem")}, "put", src, KEY + ".tls")
    assert code == 0, text
    return out


def test_s3_over_tls_with_a_private_ca(moto, probe, tmp):
    """A store behind a private CA (a MinIO of one's own, say): a multipart upload over HTTPS."""
    pki = make_pki(os.path.join(tmp, "pki"))
    proxy = FaultProxy(moto.url, pki=pki)
    try:
        assert proxy.url.startswith("https://")
        src = make_file(tmp, 11 * MiB)
        env = s3_env(proxy.url, moto, STORAGE_MULTIPART_THRESHOLD="5M", STORAGE_PART_SIZE="5M")
        put_without_then_with_the_ca(probe, proxy, pki, env, src)
        assert [e["op"] for e in proxy.control("GET", "requests")][:2] == ["CreateMultipartUpload", "UploadPart"]
        assert moto.s3.get_object(Bucket="videos", Key=KEY + ".tls")["Body"].read() == read(src)
    finally:
        proxy.stop()


def test_oss_over_tls_with_a_private_ca(oss, probe, tmp):
    """OSS behind a private CA, over HTTPS to the bucket's virtual host."""
    pki = make_pki(os.path.join(tmp, "pki"), names=["*.oss-cn-hangzhou.localhost"])
    proxy = FaultProxy("http://127.0.0.1:%d" % oss.port, pki=pki)
    try:
        port = int(proxy.url.rsplit(":", 1)[1])
        env = oss_env(oss, OSS_ENDPOINT="https://oss-cn-hangzhou.localhost:%d" % port)
        src = make_file(tmp, 3 * MiB + 5)
        out = put_without_then_with_the_ca(probe, proxy, pki, env, src)
        assert out["url"] == "https://%s.oss-cn-hangzhou.localhost:%d/%s" % (OSS_BUCKET, port, KEY + ".tls")
        assert [e["method"] for e in proxy.control("GET", "requests")][:1] == ["PUT"]
        assert oss_bucket(oss).get_object(KEY + ".tls").read() == read(src)
    finally:
        proxy.stop()


def test_s3_part_failure_then_success(moto, proxy, probe, tmp):
    src = make_file(tmp, 11 * MiB)
    proxy.control("POST", "faults", [{"kind": "status", "status": 500, "op": "UploadPart", "part_number": 2},
                                     {"kind": "reset", "op": "UploadPart", "part_number": 3}])
    env = s3_env(proxy.url, moto, STORAGE_MULTIPART_THRESHOLD="5M", STORAGE_PART_SIZE="5M")
    code, out, text = run_probe(probe, env, "put", src, KEY + ".retry")
    assert code == 0, text
    parts = [(e["part_number"], e["status"]) for e in proxy.control("GET", "requests") if e["op"] == "UploadPart"]
    assert parts == [("1", 200), ("2", 500), ("2", 200), ("3", "reset"), ("3", 200)]
    assert moto.s3.get_object(Bucket="videos", Key=KEY + ".retry")["Body"].read() == read(src)
    assert no_uploads_left(moto)


def test_s3_abort_on_final_failure(moto, proxy, probe, tmp):
    src = make_file(tmp, 11 * MiB)
    proxy.control("POST", "faults", {"kind": "status", "status": 503, "times": 100, "op": "UploadPart", "part_number": 3})
    env = s3_env(proxy.url, moto, STORAGE_MULTIPART_THRESHOLD="5M", STORAGE_PART_SIZE="5M", STORAGE_RETRY_ATTEMPTS="3")
    code, out, _ = run_probe(probe, env, "put", src, KEY + ".abort")
    assert code == 1
    assert (out["error"]["operation"], out["error"]["code"], out["error"]["attempts"]) == ("UploadPart 3", "SlowDown", 3)
    log = proxy.control("GET", "requests")
    assert log[-1]["op"] == "AbortMultipartUpload" and log[-1]["status"] == 204
    assert no_uploads_left(moto)
    with pytest.raises(moto.s3.exceptions.NoSuchKey):
        moto.s3.get_object(Bucket="videos", Key=KEY + ".abort")


def test_s3_complete_failure_aborts_too(moto, proxy, probe, tmp):
    src = make_file(tmp, 6 * MiB)
    proxy.control("POST", "faults", {"kind": "status", "status": 400, "code": "InvalidPart", "op": "CompleteMultipartUpload"})
    env = s3_env(proxy.url, moto, STORAGE_MULTIPART_THRESHOLD="5M", STORAGE_PART_SIZE="5M")
    code, out, _ = run_probe(probe, env, "put", src, KEY + ".complete")
    assert code == 1 and out["error"]["code"] == "InvalidPart" and out["error"]["kind"] == "rejected"
    assert no_uploads_left(moto)


def test_s3_head_verification(moto, proxy, probe, tmp):
    src = make_file(tmp, 1000)
    proxy.control("POST", "faults", {"kind": "status", "status": 404, "code": "NoSuchKey", "op": "HeadObject"})
    code, out, _ = run_probe(probe, s3_env(proxy.url, moto), "put", src, KEY + ".verify")
    assert code == 1 and out["error"]["kind"] == "verification" and out["error"]["operation"] == "HeadObject"


def test_s3_403_is_permanent(moto, proxy, probe, tmp):
    src = make_file(tmp, 1000)
    proxy.control("POST", "faults", {"kind": "status", "status": 403, "code": "AccessDenied", "times": 10, "op": "PutObject"})
    code, out, _ = run_probe(probe, s3_env(proxy.url, moto), "put", src, KEY)
    assert code == 1 and out["error"]["attempts"] == 1 and out["error"]["code"] == "AccessDenied"
    assert len(proxy.control("GET", "requests")) == 1


def test_s3_signatures_verified_by_moto_iam_mode(moto_auth, probe, tmp):
    src = make_file(tmp, 6 * MiB + 5)
    code, out, text = run_probe(probe, s3_env(moto_auth.url, moto_auth), "put", src, "signed/single.mp4")
    assert code == 0, text
    env = s3_env(moto_auth.url, moto_auth, STORAGE_MULTIPART_THRESHOLD="5M", STORAGE_PART_SIZE="5M")
    code, out, text = run_probe(probe, env, "put", src, "signed/multi.mp4")
    assert code == 0, text
    for key in ("signed/single.mp4", "signed/multi.mp4"):
        assert moto_auth.s3.get_object(Bucket="videos", Key=key)["Body"].read() == read(src)
    wrong = "wrong/secret+value-0123456789"
    code, out, text = run_probe(probe, s3_env(moto_auth.url, moto_auth, S3_SECRET_ACCESS_KEY=wrong), "put", src, "signed/bad.mp4")
    assert code == 1 and out["error"]["code"] == "SignatureDoesNotMatch" and out["error"]["attempts"] == 1
    assert wrong not in text and moto_auth.secret not in text


def test_s3_presigned_url_matches_botocore(moto, probe, tmp, monkeypatch):
    src = make_file(tmp, 4000)
    env = s3_env(moto.url, moto, S3_PRIVATE="1", S3_URL_TTL="900")
    code, out, text = run_probe(probe, env, "put", src, KEY)
    assert code == 0, text
    q = parse_qs(urlsplit(out["url"]).query)
    assert q["X-Amz-Expires"] == ["900"] and q["X-Amz-SignedHeaders"] == ["host"]
    # botocore signs the same GET at the same instant; its signature must equal ours.
    import botocore.auth
    from botocore.config import Config
    stamp = datetime.datetime.strptime(q["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: stamp)
    client = boto3.client("s3", endpoint_url=moto.url, aws_access_key_id=moto.key_id, aws_secret_access_key=moto.secret,
                          region_name="us-east-1", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    theirs = client.generate_presigned_url("get_object", Params={"Bucket": "videos", "Key": KEY}, ExpiresIn=900)
    assert parse_qs(urlsplit(theirs).query)["X-Amz-Signature"] == q["X-Amz-Signature"]
    assert fetch(out["url"]) == (200, read(src))


def test_s3_unreachable_store(probe, tmp):
    src = make_file(tmp, 1000)
    env = {"STORAGE": "s3", "S3_ENDPOINT": "http://127.0.0.1:%d" % free_port(), "S3_BUCKET": "videos",
           "S3_ACCESS_KEY_ID": "a", "S3_SECRET_ACCESS_KEY": "b", "STORAGE_RETRY_ATTEMPTS": "2"}
    code, out, _ = run_probe(probe, env, "put", src, KEY)
    assert code == 1 and out["error"]["kind"] == "network" and out["error"]["attempts"] == 2


def test_s3_no_such_bucket(moto, probe, tmp):
    src = make_file(tmp, 1000)
    code, out, _ = run_probe(probe, s3_env(moto.url, moto, S3_BUCKET="missing-bucket"), "put", src, KEY)
    assert code == 1 and out["error"]["code"] == "NoSuchBucket" and out["error"]["attempts"] == 1
