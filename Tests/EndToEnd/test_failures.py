"""Every upstream misbehaviour of the chat flavour ends as `failed` with the right kind and code
(the page words them), and nothing is ever resubmitted upstream (the simulator counts submissions)."""
import pytest

CASES = [
    ("[sim:moderation]", "moderation", {"stream"}),
    ("[sim:cut]", "stream_cut", {"cut"}),
    ("[sim:401]", "upstream", {"auth"}),
    ("[sim:429]", "upstream", {"rate_limited"}),
    ("[sim:500]", "upstream", {"http"}),
    ("[sim:503]", "upstream", {"http", "model_unavailable"}),
    ("[sim:404]", "upstream", {"model_unavailable"}),
    ("[sim:error_in_stream]", "upstream", {"error_in_stream"}),
    ("[sim:stall]", "timeout", {"stall"}),
    ("[sim:nolink]", "no_link", {"stream_ended"}),
    ("[sim:video404]", "transfer", {"download_http"}),
    ("[sim:html]", "transfer", {"not_video"}),
    ("[sim:expired]", "transfer", {"download_http"}),
]


@pytest.mark.parametrize("marker,kind,codes", CASES, ids=[c[0] for c in CASES])
def test_failure_is_classified_and_never_resubmitted(sim, marker, kind, codes):
    r = sim.generate(f"a cat on a sofa {marker}")
    assert r.status_code == 202, r.text
    doc = sim.wait(r.json()["task_id"], timeout=60)
    assert doc["status"] == "failed", doc
    assert doc["error"]["kind"] == kind, doc["error"]
    assert doc["error"]["code"] in codes, doc["error"]
    assert "message" not in doc["error"]  # the page owns the words
    assert doc["phase"] == "failed" and doc["can_cancel"] is False
    assert sim.sim_stats()["submissions"] == 1
    assert not (sim.spool / "jobs" / doc["task_id"] / "download.part").exists()


def test_rate_limit_carries_retry_after_and_is_not_billed(sim):
    doc = sim.wait(sim.generate("busy gateway [sim:429=30]").json()["task_id"])
    assert doc["error"]["code"] == "rate_limited" and doc["error"]["params"]["retry_after"] == 30, doc["error"]
    assert doc["cost_usd"] == 0 and doc["cost_state"] == "released"  # refused before streaming: nothing billed


def test_transfer_failure_details_the_cause(sim):
    doc = sim.wait(sim.generate("html instead of video [sim:html]").json()["task_id"])
    assert "text/html" in doc["error"]["detail"]
    doc = sim.wait(sim.generate("dead link [sim:video404]").json()["task_id"])
    assert "404" in doc["error"]["detail"]
