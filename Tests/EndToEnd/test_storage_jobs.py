"""Whole jobs into durable object storage: S3 (moto, read back with boto3) and Aliyun OSS (the
signature-verifying OSS double, read back with Aliyun's own SDK oss2). The stored bytes must equal
the simulator's video exactly."""
import pathlib
import shutil
import sys
import tempfile
from urllib.parse import urlsplit

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "Doubles"))
from doubles import OSS_AK, OSS_BUCKET, OSS_REGION, OSS_SK, Moto, OSSDouble  # noqa: E402
from stack import Stack, free_port, stack_dir  # noqa: E402

MEDIA = ROOT / "Tests" / "Doubles" / "media"
pytest.importorskip("boto3")
pytest.importorskip("moto")


@pytest.fixture(scope="module")
def moto():
    m = Moto()
    yield m
    m.stop()


def s3_env(moto, **extra):
    return moto.storage_env(**{"STORAGE_RETRY_BASE_MS": "20", **extra})


def run_stack(env):
    return Stack(stack_dir("store"), free_port(), extra_env=env).start()


def test_job_ends_in_s3_with_identical_bytes(moto):
    st = run_stack(s3_env(moto))
    try:
        assert requests.get(st.base + "/api/health").json()["storage"]["backend"] == "s3"
        doc = st.wait(st.generate("into s3", model="sora-v2-landscape-15s").json()["task_id"])
        assert doc["status"] == "succeeded", doc
        key = urlsplit(doc["video_url"]).path.split("/videos/", 1)[1]
        assert key.startswith("sora/") and f"/sora-v2-landscape-15s/{doc['task_id']}.mp4" in key
        body = moto.s3.get_object(Bucket="videos", Key=key)["Body"].read()
        assert body == (MEDIA / "landscape-15s.mp4").read_bytes()
        assert doc["size_bytes"] == len(body)
        assert list((st.spool / "jobs" / doc["task_id"]).glob("download*")) == []
    finally:
        st.stop()


def test_big_video_goes_through_multipart(moto):
    st = run_stack(s3_env(moto, STORAGE_MULTIPART_THRESHOLD="8M", STORAGE_PART_SIZE="5M"))
    try:
        doc = st.wait(st.generate("big one [sim:big=12]").json()["task_id"], timeout=120)
        assert doc["status"] == "succeeded", doc
        key = urlsplit(doc["video_url"]).path.split("/videos/", 1)[1]
        head = moto.s3.head_object(Bucket="videos", Key=key)
        assert head["ContentLength"] == doc["size_bytes"] == 12 << 20
        assert "-" in head["ETag"]  # a multipart ETag: "<md5>-<parts>"
        assert moto.s3.list_multipart_uploads(Bucket="videos").get("Uploads", []) == []
    finally:
        st.stop()


def test_unreachable_store_fails_as_transfer_and_keeps_the_link_retryable():
    closed = free_port()
    env = {"STORAGE": "s3", "S3_ENDPOINT": f"http://127.0.0.1:{closed}", "S3_BUCKET": "videos", "S3_REGION": "us-east-1",
           "S3_ACCESS_KEY_ID": "k", "S3_SECRET_ACCESS_KEY": "do-not-print-me", "S3_PATH_STYLE": "1",
           "STORAGE_RETRY_ATTEMPTS": "2", "STORAGE_RETRY_BASE_MS": "20"}
    st = run_stack(env)
    try:
        doc = st.wait(st.generate("nowhere to store").json()["task_id"])
        assert doc["status"] == "failed" and doc["error"]["kind"] == "transfer", doc
        assert doc["error"]["code"] == "store_failed" and doc["can_retry"] is True, doc["error"]
        assert "do-not-print-me" not in str(doc)
        assert list((st.spool / "jobs" / doc["task_id"]).glob("download*")) == []
        assert st.sim_stats()["submissions"] == 1
    finally:
        st.stop()


def test_retry_transfer_after_store_comes_back(moto):
    # Start with a wrong bucket (permanent NoSuchBucket), then fix the config and retry.
    st = run_stack(s3_env(moto, S3_BUCKET="missing-bucket"))
    try:
        job = st.generate("retry me").json()["task_id"]
        doc = st.wait(job)
        assert doc["error"]["kind"] == "transfer" and "NoSuchBucket" in doc["error"]["detail"], doc
        env_file = st.dir / "sora.env"
        env_file.write_text(env_file.read_text().replace("S3_BUCKET=missing-bucket", "S3_BUCKET=videos"))
        r = requests.post(f"{st.base}/api/jobs/{job}/retry-transfer", timeout=5)
        assert r.status_code == 202, r.text
        doc = st.wait(job, until=("succeeded",), timeout=60)
        assert doc["video_url"] and st.sim_stats()["submissions"] == 1
        r = requests.post(f"{st.base}/api/jobs/{job}/retry-transfer", timeout=5)
        assert r.status_code == 409
    finally:
        st.stop()


def test_invalid_storage_config_is_reported_and_generate_refused():
    st = run_stack({"STORAGE": "s3", "S3_SECRET_ACCESS_KEY": "hidden-secret"})
    try:
        h = requests.get(st.base + "/api/health").json()
        names = {p["setting"] for p in h["problems"]}
        assert {"S3_BUCKET", "S3_ENDPOINT"} <= names or any("S3_BUCKET" in p["message"] for p in h["problems"]), h
        assert "hidden-secret" not in str(h)
        r = st.generate("would be wasted")
        assert r.status_code == 503 and r.json()["error"]["code"] == "storage_misconfigured"
        assert st.job_dirs() == []
    finally:
        st.stop()


def test_job_ends_in_oss_read_back_with_oss2():
    oss2 = pytest.importorskip("oss2")
    tmp = tempfile.mkdtemp(prefix="oss-e2e-")
    oss = OSSDouble(tmp)
    try:
        env = {"STORAGE": "oss", "OSS_ENDPOINT": f"http://oss-cn-hangzhou.localhost:{oss.port}", "OSS_BUCKET": OSS_BUCKET,
               "OSS_ACCESS_KEY_ID": OSS_AK, "OSS_ACCESS_KEY_SECRET": OSS_SK, "OSS_REGION": OSS_REGION,
               "STORAGE_RETRY_BASE_MS": "20"}
        st = run_stack(env)
        try:
            doc = st.wait(st.generate("into oss", model="sora-v2-portrait").json()["task_id"])
            assert doc["status"] == "succeeded", doc
            key = urlsplit(doc["video_url"]).path.lstrip("/")
            auth = oss2.ProviderAuthV4(oss2.credentials.StaticCredentialsProvider(OSS_AK, OSS_SK))
            bucket = oss2.Bucket(auth, oss.url, OSS_BUCKET, region=OSS_REGION)
            assert bucket.get_object(key).read() == (MEDIA / "portrait-10s.mp4").read_bytes()
        finally:
            st.stop()
        # Wrong secret: rejected by the double's signature check, reported as a transfer failure.
        st = run_stack({**env, "OSS_ACCESS_KEY_SECRET": "wrong-secret-value"})
        try:
            doc = st.wait(st.generate("wrong secret").json()["task_id"])
            assert doc["error"]["kind"] == "transfer" and "SignatureDoesNotMatch" in doc["error"]["detail"], doc
            assert "wrong-secret-value" not in str(doc)
        finally:
            st.stop()
    finally:
        oss.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def test_private_bucket_answers_carry_fresh_signed_links(moto):
    st = run_stack(s3_env(moto, S3_PRIVATE="true", S3_URL_TTL="600"))
    try:
        job = st.wait(st.generate("private bucket").json()["task_id"])["task_id"]
        api = requests.get(f"{st.base}/api/status/{job}", timeout=5).json()
        assert "X-Amz-Signature=" in api["video_url"] and "X-Amz-Expires=600" in api["video_url"]
        listed = requests.get(f"{st.base}/api/jobs?limit=1", timeout=5).json()["jobs"][0]
        assert "X-Amz-Signature=" in listed["video_url"]
        r = requests.get(api["video_url"], timeout=10)
        assert r.status_code == 200 and r.content == (MEDIA / "portrait-10s.mp4").read_bytes()
    finally:
        st.stop()
