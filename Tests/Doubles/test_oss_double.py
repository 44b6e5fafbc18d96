"""Proves the OSS double right with independent clients (Aliyun's oss2 and alibabacloud-oss-v2) and
the reference's vectors, before the project's own uploader is tested against it.

Accepted: what the official SDKs send. Rejected: the same requests replayed with a changed
signature, date or signed header.
"""

import hashlib
import http.client
import os
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oss_double as od  # noqa: E402
from doubles import OSS_AK, OSS_BUCKET, OSS_REGION, OSS_SK  # noqa: E402

oss2 = pytest.importorskip("oss2")
from oss2.credentials import StaticCredentialsProvider  # noqa: E402

KEY = "videos/2025/11/25/sora-v2-portrait/job-42.mp4"


# ---------------------------------------------------------------- helpers

def make_bucket(oss, version, secret=OSS_SK, key_id=OSS_AK, virtual_host=False, session=None):
    if version == 1:
        auth = oss2.Auth(key_id, secret)
    else:
        auth = oss2.ProviderAuthV4(StaticCredentialsProvider(key_id, secret))
    kwargs = {"region": OSS_REGION} if version == 4 else {}
    if session is not None:
        kwargs["session"] = session
    if virtual_host:
        # The double acts as the HTTP proxy, so requests go to http://examplebucket.oss-cn-hangzhou.aliyuncs.com/…
        kwargs["proxies"] = {"http": oss.url}
        endpoint = "http://oss-cn-hangzhou.aliyuncs.com"
    else:
        endpoint = oss.url  # an IP endpoint: oss2 uses path style, the double's loopback fallback
    return oss2.Bucket(auth, endpoint, OSS_BUCKET, **kwargs)


def recording_session():
    """An oss2 session that keeps every prepared request it sent, for replays."""
    sess = oss2.Session()
    sent = []
    sess.session.hooks["response"].append(lambda r, *a, **k: sent.append(r.request))
    return sess, sent


def replay(oss, prepared, change=None, body=b""):
    """Sends a captured request again (optionally with changed headers) straight to the double."""
    headers = {k: v for k, v in prepared.headers.items()}
    for name, value in (change or {}).items():
        for existing in list(headers):
            if existing.lower() == name.lower():
                del headers[existing]
        if value is not None:
            headers[name] = value
    parts = urlsplit(prepared.url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    conn = http.client.HTTPConnection("127.0.0.1", oss.port, timeout=30)
    # oss2 wraps bodies in one-shot adapters, so the caller passes the bytes it uploaded.
    conn.request(prepared.method, target, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, data.decode("utf-8", "replace")


def code_of(xml_text):
    start = xml_text.find("<Code>")
    return xml_text[start + 6:xml_text.find("</Code>")] if start >= 0 else None


def bump_http_date(value, seconds):
    from email.utils import formatdate, parsedate_to_datetime
    return formatdate(parsedate_to_datetime(value).timestamp() + seconds, usegmt=True)


def bump_iso(value, seconds):
    import calendar
    t = calendar.timegm(time.strptime(value, "%Y%m%dT%H%M%SZ")) + seconds
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))


# ---------------------------------------------------------------- the double's algorithms vs the reference vectors

def test_double_v1_matches_reference_vectors():
    h = {"content-md5": "eB5eJF1ptWaXm4bijSPyxw==", "content-type": "text/html",
         "x-oss-date": "Wed, 28 Dec 2022 10:27:41 GMT", "x-oss-meta-author": "alice", "x-oss-meta-magic": "abracadabra"}
    sts = od.v1_string_to_sign("PUT", h, h["x-oss-date"], "examplebucket", "nelson", [])
    assert od.v1_signature("sk", sts) == "kSHKmLxlyEAKtZPkJhG9bZb5k7M="
    sts = od.v1_string_to_sign("PUT", h, h["x-oss-date"], "examplebucket", "nelson", [("acl", "")])
    assert od.v1_signature("sk", sts) == "/afkugFbmWDQ967j1vr6zygBLQk="
    g = {"x-oss-date": "Wed, 28 Dec 2022 10:27:41 GMT"}
    sts = od.v1_string_to_sign("GET", g, g["x-oss-date"], "examplebucket", "", [("resourceGroup", ""), ("non-resousce", "null")])
    assert od.v1_signature("sk", sts) == "vkQmfuUDyi1uDi3bKt67oemssIs="
    sts = od.v1_string_to_sign("GET", {}, "1699807420", "bucket", "key", [("versionId", "versionId")])
    assert od.uri_encode(od.v1_signature("sk", sts)) == "dcLTea%2BYh9ApirQ8o8dOPqtvJXQ%3D"
    sts = od.v1_string_to_sign("PUT", {"content-type": "video/mp4", "x-oss-object-acl": "public-read"},
                               "Tue, 25 Nov 2025 08:00:00 GMT", "examplebucket", "videos/2025/11/job-42.mp4", [])
    assert od.v1_signature(OSS_SK, sts) == "+SOou93XWLrt4mbJWRMQ4dr+nFw="


def test_double_v4_matches_reference_vectors():
    query = [("param1", "value1"), ("+param1", "value3"), ("|param1", "value4"), ("+param2", ""), ("|param2", ""), ("param2", "")]
    headers = {"x-oss-head1": "value", "abc": "value", "zabc": "value", "xyz": "value", "content-type": "text/plain",
               "x-oss-content-sha256": "UNSIGNED-PAYLOAD", "x-oss-date": "20231216T162057Z"}
    canonical = od.v4_canonical_request("PUT", "bucket", "1234+-/123/1.txt", query, headers, [])
    assert hashlib.sha256(canonical.encode()).hexdigest() == "f4613657f1b108998e8dbd10a1aa5da621dc2c6e02c9ddec0f163664848704c4"
    assert od.v4_signing_key("sk", "20231216", "cn-hangzhou").hex() == "b412a03b134ebddd720f5167b5de6db66620ebb3b01cff4d49e3ccb09f8de97f"
    sts = od.v4_string_to_sign(canonical, "20231216T162057Z", "20231216/cn-hangzhou/oss/aliyun_v4_request")
    assert od.v4_signature("sk", "20231216", "cn-hangzhou", sts) == "e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe"
    headers["x-oss-date"] = "20231216T172512Z"
    canonical = od.v4_canonical_request("PUT", "bucket", "1234+-/123/1.txt", query, headers, ["abc", "zabc"])
    sts = od.v4_string_to_sign(canonical, "20231216T172512Z", "20231216/cn-hangzhou/oss/aliyun_v4_request")
    assert od.v4_signature("sk", "20231216", "cn-hangzhou", sts) == "4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f"
    # Signed URL #15.
    q = query + [("x-oss-signature-version", "OSS4-HMAC-SHA256"), ("x-oss-credential", "ak/20231217/cn-hangzhou/oss/aliyun_v4_request"),
                 ("x-oss-date", "20231217T025437Z"), ("x-oss-expires", "599")]
    h = {"x-oss-head1": "value", "abc": "value", "zabc": "value", "xyz": "value", "content-type": "application/octet-stream"}
    canonical = od.v4_canonical_request("PUT", "bucket", "1234+-/123/1.txt", q, h, [])
    assert hashlib.sha256(canonical.encode()).hexdigest() == "48814c11f278d51662015bf2f896b66ca10b6de0187ed8d952e341bbce0aa336"
    sts = od.v4_string_to_sign(canonical, "20231217T025437Z", "20231217/cn-hangzhou/oss/aliyun_v4_request")
    assert od.v4_signature("sk", "20231217", "cn-hangzhou", sts) == "a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe"


# ---------------------------------------------------------------- oss2 requests are accepted

@pytest.mark.parametrize("version", [1, 4])
@pytest.mark.parametrize("virtual_host", [False, True])
def test_oss2_object_round_trip(oss, version, virtual_host):
    bucket = make_bucket(oss, version, virtual_host=virtual_host)
    data = os.urandom(300_000)
    result = bucket.put_object(KEY, data, headers={"x-oss-meta-job": "42"})
    assert result.status == 200
    assert result.etag == hashlib.md5(data).hexdigest().upper()
    assert bucket.get_object(KEY).read() == data  # oss2 also checks our CRC-64 header here
    head = bucket.head_object(KEY)
    assert head.content_length == len(data)
    assert head.content_type == "video/mp4"  # guessed by oss2 from .mp4, and signed
    assert head.headers["x-oss-meta-job"] == "42"
    assert bucket.get_object(KEY, byte_range=(10, 19)).read() == data[10:20]
    bucket.delete_object(KEY)
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.get_object(KEY)
    log = oss.requests()
    assert {e["auth"] for e in log} == {"v1-header" if version == 1 else "v4-header"}
    assert all(e["status"] in (200, 204, 206, 404) for e in log)


@pytest.mark.parametrize("version", [1, 4])
def test_oss2_multipart_upload(oss, version):
    bucket = make_bucket(oss, version)
    parts_data = [os.urandom(150_000), os.urandom(120_000), os.urandom(5_000)]
    upload_id = bucket.init_multipart_upload(KEY).upload_id
    assert [u["upload_id"] for u in oss.uploads()] == [upload_id]
    done = []
    for n, chunk in enumerate(parts_data, start=1):
        done.append(oss2.models.PartInfo(n, bucket.upload_part(KEY, upload_id, n, chunk).etag))
    listed = list(oss2.PartIterator(bucket, KEY, upload_id))
    assert [(p.part_number, p.size) for p in listed] == [(1, 150_000), (2, 120_000), (3, 5_000)]
    uploads = list(oss2.ObjectUploadIterator(bucket, KEY))
    assert [u.upload_id for u in uploads] == [upload_id]
    bucket.complete_multipart_upload(KEY, upload_id, done)
    assert bucket.get_object(KEY).read() == b"".join(parts_data)
    head = bucket.head_object(KEY)
    assert head.etag.endswith("-3")
    assert head.object_type == "Multipart"
    assert oss.uploads() == []


def test_multipart_completion_checks(oss):
    bucket = make_bucket(oss, 4)
    upload_id = bucket.init_multipart_upload(KEY).upload_id
    e1 = bucket.upload_part(KEY, upload_id, 1, os.urandom(50_000)).etag  # too small for a non-last part
    e2 = bucket.upload_part(KEY, upload_id, 2, os.urandom(1_000)).etag
    with pytest.raises(oss2.exceptions.ServerError) as err:
        bucket.complete_multipart_upload(KEY, upload_id, [oss2.models.PartInfo(1, e1), oss2.models.PartInfo(2, e2)])
    assert err.value.code == "EntityTooSmall"
    # oss2 sorts the parts itself, so an out-of-order list goes through its request plumbing directly.
    reversed_xml = ("<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>%s</ETag></Part>"
                    "<Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part></CompleteMultipartUpload>" % (e2, e1))
    with pytest.raises(oss2.exceptions.ServerError) as err:
        bucket._Bucket__do_object("POST", KEY, params={"uploadId": upload_id}, data=reversed_xml)
    assert err.value.code == "InvalidPartOrder"
    with pytest.raises(oss2.exceptions.ServerError) as err:
        bucket.complete_multipart_upload(KEY, upload_id, [oss2.models.PartInfo(2, "0" * 32)])
    assert err.value.code == "InvalidPart"
    with pytest.raises(oss2.exceptions.ServerError) as err:
        bucket.upload_part(KEY, upload_id, 10001, b"x")
    assert err.value.code == "InvalidArgument"
    bucket.abort_multipart_upload(KEY, upload_id)
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        bucket.upload_part(KEY, upload_id, 3, b"late part")
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        list(oss2.PartIterator(bucket, KEY, upload_id))
    assert oss.uploads() == []
    assert list(oss2.ObjectUploadIterator(bucket, KEY)) == []


def test_content_md5_is_checked(oss):
    bucket = make_bucket(oss, 4)
    good = oss2.utils.content_md5(b"hello")
    assert bucket.put_object(KEY, b"hello", headers={"Content-MD5": good}).status == 200
    with pytest.raises(oss2.exceptions.ServerError) as err:
        bucket.put_object(KEY, b"hellO", headers={"Content-MD5": good})
    assert (err.value.status, err.value.code) == (400, "InvalidDigest")
    assert bucket.get_object(KEY).read() == b"hello"  # the failed write left the old object intact


def test_forbid_overwrite(oss):
    bucket = make_bucket(oss, 1)
    bucket.put_object(KEY, b"one")
    with pytest.raises(oss2.exceptions.ServerError) as err:
        bucket.put_object(KEY, b"two", headers={"x-oss-forbid-overwrite": "true"})
    assert (err.value.status, err.value.code) == (409, "FileAlreadyExists")


# ---------------------------------------------------------------- the same requests, tampered, are rejected

@pytest.mark.parametrize("version", [1, 4])
def test_tampered_replays_are_rejected(oss, version):
    sess, sent = recording_session()
    bucket = make_bucket(oss, version, session=sess)
    payload = b"payload bytes"
    bucket.put_object(KEY, payload, headers={"x-oss-meta-job": "42", "Content-Type": "video/mp4"})
    original = sent[-1]

    def replay_put(change=None):
        return replay(oss, original, change, payload)

    date_header = "x-oss-date" if version == 4 else "Date"
    bump = bump_iso if version == 4 else bump_http_date
    auth = original.headers["Authorization"]
    flipped = auth[:-2] + ("A" if auth[-2] != "A" else "B") + auth[-1]

    assert replay_put()[0] == 200  # an unchanged replay passes: the replay is faithful
    assert replay_put({"User-Agent": "other"})[0] == 200  # unsigned header: still fine

    cases = {
        "signature": ({"Authorization": flipped}, "SignatureDoesNotMatch"),
        "date by one second": ({date_header: bump(original.headers[date_header], 1)}, "SignatureDoesNotMatch"),
        "date by an hour": ({date_header: bump(original.headers[date_header], 3600)}, "RequestTimeTooSkewed"),
        "content-type": ({"Content-Type": "text/plain"}, "SignatureDoesNotMatch"),
        "x-oss-meta header": ({"x-oss-meta-job": "43"}, "SignatureDoesNotMatch"),
        "added x-oss header": ({"x-oss-object-acl": "public-read"}, "SignatureDoesNotMatch"),
    }
    for name, (change, expected) in cases.items():
        status, body = replay_put(change)
        assert (status, code_of(body)) == (403, expected), name
        assert "<RequestId>" in body and "<HostId>" in body
        if expected == "SignatureDoesNotMatch":
            assert "<StringToSign>" in body and "<StringToSignBytes>" in body and OSS_SK not in body


def test_v4_additional_headers_are_signed_and_validated(oss):
    sess, sent = recording_session()
    auth = oss2.ProviderAuthV4(StaticCredentialsProvider(OSS_AK, OSS_SK))
    bucket = oss2.Bucket(auth, oss.url, OSS_BUCKET, region=OSS_REGION, session=sess)
    # oss2 lists extra signed headers through the request's "additional headers".
    bucket.put_object(KEY, b"x", headers={"x-custom": "1"})
    original = sent[-1]
    assert replay(oss, original, body=b"x")[0] == 200
    malformed = original.headers["Authorization"].replace("Credential=", "AdditionalHeaders=host;,Credential=", 1)
    status, body = replay(oss, original, {"Authorization": malformed}, b"x")
    assert status == 400 and code_of(body) == "InvalidArgument"


def test_wrong_secret_and_unknown_key(oss):
    for version in (1, 4):
        with pytest.raises(oss2.exceptions.ServerError) as err:
            make_bucket(oss, version, secret="not-the-secret").put_object(KEY, b"x")
        assert (err.value.status, err.value.code) == (403, "SignatureDoesNotMatch")
        with pytest.raises(oss2.exceptions.ServerError) as err:
            make_bucket(oss, version, key_id="LTAIunknown").put_object(KEY, b"x")
        assert (err.value.status, err.value.code) == (403, "InvalidAccessKeyId")


def test_skewed_client_clock_is_refused(oss):
    oss.control("POST", "clock", {"offset": 3600})
    for version in (1, 4):
        with pytest.raises(oss2.exceptions.ServerError) as err:
            make_bucket(oss, version).put_object(KEY, b"x")
        assert (err.value.status, err.value.code) == (403, "RequestTimeTooSkewed")


# ---------------------------------------------------------------- signed URLs and ACLs

def fetch(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@pytest.mark.parametrize("version", [1, 4])
def test_signed_urls(oss, version):
    bucket = make_bucket(oss, version)
    bucket.put_object(KEY, b"video bytes")
    url = bucket.sign_url("GET", KEY, 600)
    assert fetch(url) == (200, b"video bytes")
    sig_param = "x-oss-signature=" if version == 4 else "Signature="
    i = url.index(sig_param) + len(sig_param)
    tampered = url[:i] + ("0" if url[i] != "0" else "1") + url[i + 1:]
    status, body = fetch(tampered)
    assert (status, code_of(body.decode())) == (403, "SignatureDoesNotMatch")
    oss.control("POST", "clock", {"offset": 3600})
    status, body = fetch(url)
    assert (status, code_of(body.decode())) == (403, "AccessDenied")
    assert b"expired" in body


def test_private_and_public_read_buckets(oss):
    oss.control("POST", "buckets", {"name": "publicbucket", "acl": "public-read"})
    private = make_bucket(oss, 4)
    private.put_object(KEY, b"secret video")
    status, body = fetch("%s/%s/%s" % (oss.url, OSS_BUCKET, KEY))
    assert (status, code_of(body.decode())) == (403, "AccessDenied")
    auth = oss2.ProviderAuthV4(StaticCredentialsProvider(OSS_AK, OSS_SK))
    public = oss2.Bucket(auth, oss.url, "publicbucket", region=OSS_REGION)
    public.put_object(KEY, b"public video")
    assert fetch("%s/publicbucket/%s" % (oss.url, KEY)) == (200, b"public video")
    anonymous_put = urllib.request.Request("%s/publicbucket/x" % oss.url, data=b"x", method="PUT")
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(anonymous_put, timeout=30)
    assert err.value.code == 403
    status, body = fetch("%s/nosuchbucket/%s" % (oss.url, KEY))
    assert (status, code_of(body.decode())) == (404, "NoSuchBucket")


# ---------------------------------------------------------------- fault injection

def test_fault_injection(oss):
    bucket = make_bucket(oss, 4)
    oss.faults({"kind": "status", "status": 503, "times": 2, "op": "PutObject"})
    for _ in range(2):
        with pytest.raises(oss2.exceptions.ServerError) as err:
            bucket.put_object(KEY, b"x")
        assert (err.value.status, err.value.code) == (503, "ServiceUnavailable")
    assert bucket.put_object(KEY, b"x").status == 200

    upload_id = bucket.init_multipart_upload(KEY).upload_id
    oss.faults({"kind": "status", "status": 500, "op": "UploadPart", "part_number": 2})
    bucket.upload_part(KEY, upload_id, 1, b"a" * 200_000)
    with pytest.raises(oss2.exceptions.ServerError) as err:
        bucket.upload_part(KEY, upload_id, 2, b"b")
    assert (err.value.status, err.value.code) == (500, "InternalError")
    bucket.upload_part(KEY, upload_id, 2, b"b")  # the fault fired once

    oss.faults({"kind": "reset", "op": "UploadPart", "part_number": 3, "after_bytes": 50_000})
    with pytest.raises(oss2.exceptions.RequestError):
        bucket.upload_part(KEY, upload_id, 3, b"c" * 200_000)
    assert 3 not in oss.uploads()[0]["parts"]  # a cut part leaves nothing behind
    bucket.abort_multipart_upload(KEY, upload_id)

    oss.faults({"kind": "slow", "delay_ms": 300, "op": "GetObject"})
    start = time.time()
    assert bucket.get_object(KEY).read() == b"x"
    assert time.time() - start >= 0.3

    oss.faults({"kind": "status", "status": 403, "op": "HeadObject"})
    with pytest.raises(oss2.exceptions.ServerError) as err:
        bucket.head_object(KEY)
    assert err.value.status == 403


# ---------------------------------------------------------------- the v2 SDK as a second independent client

def v2_client(oss, signature_version="v4", secret=OSS_SK):
    oss_v2 = pytest.importorskip("alibabacloud_oss_v2")
    cfg = oss_v2.config.load_default()
    cfg.credentials_provider = oss_v2.credentials.StaticCredentialsProvider(OSS_AK, secret)
    cfg.region = OSS_REGION
    cfg.endpoint = oss.url
    cfg.use_path_style = True
    cfg.signature_version = signature_version
    cfg.retry_max_attempts = 1
    return oss_v2, oss_v2.Client(cfg)


@pytest.mark.parametrize("signature_version", ["v4", "v1"])
def test_v2_sdk_round_trip(oss, signature_version):
    oss_v2, client = v2_client(oss, signature_version)
    data = os.urandom(200_000)
    client.put_object(oss_v2.PutObjectRequest(bucket=OSS_BUCKET, key=KEY, body=data, content_type="video/mp4"))
    assert client.get_object(oss_v2.GetObjectRequest(bucket=OSS_BUCKET, key=KEY)).body.read() == data
    assert client.head_object(oss_v2.HeadObjectRequest(bucket=OSS_BUCKET, key=KEY)).content_length == len(data)
    init = client.initiate_multipart_upload(oss_v2.InitiateMultipartUploadRequest(bucket=OSS_BUCKET, key=KEY))
    parts = []
    for n, chunk in enumerate([data[:150_000], data[150_000:]], start=1):
        r = client.upload_part(oss_v2.UploadPartRequest(bucket=OSS_BUCKET, key=KEY, upload_id=init.upload_id,
                                                        part_number=n, body=chunk))
        parts.append(oss_v2.UploadPart(part_number=n, etag=r.etag))
    client.complete_multipart_upload(oss_v2.CompleteMultipartUploadRequest(
        bucket=OSS_BUCKET, key=KEY, upload_id=init.upload_id,
        complete_multipart_upload=oss_v2.CompleteMultipartUpload(parts=parts)))
    assert client.get_object(oss_v2.GetObjectRequest(bucket=OSS_BUCKET, key=KEY)).body.read() == data
    client.delete_object(oss_v2.DeleteObjectRequest(bucket=OSS_BUCKET, key=KEY))
    expected = "v4-header" if signature_version == "v4" else "v1-header"
    assert {e["auth"] for e in oss.requests()} == {expected}


def test_v2_sdk_wrong_secret_and_presign(oss):
    oss_v2, bad = v2_client(oss, secret="wrong")
    with pytest.raises(Exception) as err:
        bad.put_object(oss_v2.PutObjectRequest(bucket=OSS_BUCKET, key=KEY, body=b"x"))
    assert "SignatureDoesNotMatch" in str(err.value)
    oss_v2, good = v2_client(oss)
    good.put_object(oss_v2.PutObjectRequest(bucket=OSS_BUCKET, key=KEY, body=b"presigned"))
    url = good.presign(oss_v2.GetObjectRequest(bucket=OSS_BUCKET, key=KEY)).url
    assert fetch(url) == (200, b"presigned")
