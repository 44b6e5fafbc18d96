"""The gateway over TLS, with a CA of the test's own (a private CA, or a proxy that inspects TLS):
the simulator speaks HTTPS on its API and media listeners with a certificate that CA signed.

With SORA_CA_FILE naming the CA, jobs of each flavour go through (create, polls and download
over TLS). Without it, or with a file that can't be read, the handshake fails before anything
is sent: the job ends config/tls_failed, unbilled, and the simulator never saw a request."""
import json
import pathlib
import sys

import pytest
import requests

from stack import FAST_ENV, ROOT, Stack, free_port, stack_dir
from test_generate import assert_mp4_served

sys.path.insert(0, str(ROOT / "Tests" / "Doubles"))
from doubles import make_pki, tls_args  # noqa: E402


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return pathlib.Path(make_pki(tmp_path_factory.mktemp("pki")))


def tls_stack(pki, name, **env):
    sim_args = " ".join([FAST_ENV["SORA_SIM_ARGS"], *tls_args(pki)])
    st = Stack(stack_dir(name), free_port(), extra_env={"SORA_SIM_ARGS": sim_args, **env})
    st.sim_ca = str(pki / "ca.pem")
    return st.start()


@pytest.fixture(scope="module")
def trusted(pki):
    st = tls_stack(pki, "tls", SORA_CA_FILE=str(pki / "ca.pem"))
    yield st
    st.stop()


@pytest.mark.parametrize("model,dialect", [("seedance-2-0", "ark"), ("wan-2-7-t2v", "dashscope"),
                                           ("seedance-2-0-videos", "videos"), ("sora-v2-portrait", None)])
def test_jobs_go_through_over_tls_with_the_ca_file(trusted, model, dialect):
    assert trusted.sim.startswith("https://")
    trusted.drain()
    trusted.sim_reset()
    doc = trusted.wait(trusted.generate("a lantern over a dark harbour", model=model).json()["task_id"])
    assert doc["status"] == "succeeded", doc
    assert_mp4_served(trusted, doc)
    s = trusted.sim_stats()
    if dialect:
        assert s["dialects"][dialect]["creates"] == 1 and s["dialects"][dialect]["downloads"] >= 1, s["dialects"][dialect]
    else:
        assert s["submissions"] == 1 and s["downloads"] >= 1, s


@pytest.mark.parametrize("ca", [None, "/nonexistent/ca.pem"], ids=["no-ca-file", "unreadable-ca-file"])
def test_an_untrusted_certificate_fails_before_anything_is_sent(pki, ca):
    st = tls_stack(pki, "tls-untrusted", **({"SORA_CA_FILE": ca} if ca else {}))
    try:
        if ca:
            h = requests.get(st.base + "/api/health", timeout=5).json()
            assert any(p["setting"] == "SORA_CA_FILE" for p in h["problems"]), h
        for model in ("seedance-2-0", "sora-v2-portrait"):
            doc = st.wait(st.generate("a lantern over a dark harbour", model=model).json()["task_id"])
            assert doc["status"] == "failed", doc
            assert (doc["error"]["kind"], doc["error"]["code"]) == ("config", "tls_failed"), doc["error"]
            assert doc["cost_usd"] == 0 and doc["cost_state"] == "released", doc
        out = st.sora("doctor", check=False)
        gw = [f for f in json.loads(out.stdout)["findings"] if f["check"] == "gateway" and f["level"] == "FAIL"]
        assert out.returncode == 1 and gw and all("not trusted" in f["message"] and "SORA_CA_FILE" in f["fix"] for f in gw), out.stdout
        s = st.sim_stats()
        # The handshakes were refused, so no request reached the gateway; this one is the test's.
        assert s["http_requests"] == 1, s
        assert s["submissions"] == 0 and s["dialects"]["ark"]["creates"] == 0
    finally:
        st.stop()


def test_doctor_reaches_the_gateway_through_the_ca_file(trusted):
    out = trusted.sora("doctor", check=False)
    gw = [f for f in json.loads(out.stdout)["findings"] if f["check"] == "gateway"]
    assert gw and all(f["level"] == "OK" for f in gw), gw
