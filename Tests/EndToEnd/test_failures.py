"""Every upstream misbehaviour ends as `failed` with the right kind and a helpful message, and
nothing is ever resubmitted upstream (the simulator counts submissions)."""
import pytest

CASES = [
    ("[sim:moderation]", "moderation", ("改写", "提示词")),
    ("[sim:cut]", "stream_cut", ("重新提交",)),
    ("[sim:401]", "upstream", ("API Key", "密钥")),
    ("[sim:429]", "upstream", ("频率", "限流")),
    ("[sim:500]", "upstream", ("上游", "服务")),
    ("[sim:503]", "upstream", ("渠道", "下线")),
    ("[sim:404]", "upstream", ("下线", "模型")),
    ("[sim:error_in_stream]", "upstream", ("网关", "上游")),
    ("[sim:stall]", "timeout", ("超时", "停止等待")),
    ("[sim:nolink]", "no_link", ("链接",)),
    ("[sim:video404]", "transfer", ("转存",)),
    ("[sim:html]", "transfer", ("转存",)),
    ("[sim:expired]", "transfer", ("转存",)),
]


@pytest.mark.parametrize("marker,kind,words", CASES, ids=[c[0] for c in CASES])
def test_failure_is_classified_and_never_resubmitted(sim, marker, kind, words):
    r = sim.generate(f"a cat on a sofa {marker}")
    assert r.status_code == 202, r.text
    doc = sim.wait(r.json()["task_id"], timeout=60)
    assert doc["status"] == "failed", doc
    assert doc["error"]["kind"] == kind, doc["error"]
    msg = doc["error"]["message"]
    assert any(w in msg for w in words), msg
    assert sim.sim_stats()["submissions"] == 1
    assert not (sim.spool / "jobs" / doc["task_id"] / "download.part").exists()


def test_rate_limit_message_mentions_retry_after(sim):
    doc = sim.wait(sim.generate("busy gateway [sim:429]").json()["task_id"])
    assert doc["error"]["kind"] == "upstream"
    assert doc["cost_usd"] == 0  # rejected before streaming: nothing billed


def test_transfer_failure_details_the_cause(sim):
    doc = sim.wait(sim.generate("html instead of video [sim:html]").json()["task_id"])
    assert "text/html" in doc["error"]["detail"]
    doc = sim.wait(sim.generate("dead link [sim:video404]").json()["task_id"])
    assert "404" in doc["error"]["detail"]
