"""`sora batch`: 20 jobs, 4 at a time, interrupted half-way and resumed, make exactly 20 jobs
upstream (the simulator counts creates); the budget stops it; the results file says how each
line ended."""
import json
import os
import signal
import subprocess

import pytest

from cli import cli_env, config_copy, creates, json_lines, sora
from stack import BIN, stack_dir

MODEL = "seedance-2-0-fast"


def write_batch(path, n, tag):
    with open(path, "w") as f:
        f.write("# a comment line, and a blank one, are skipped\n\n")
        for i in range(n):
            f.write(json.dumps({"model": MODEL, "prompt": f"{tag} shot {i} [sim:steps=3] [sim:delay=0.15]",
                                "params": {"duration": 4}, "name": f"shot-{i}"}) + "\n")


def overlap(docs):
    """The most jobs that were unfinished at the same moment (from the spool's own times)."""
    events = sorted([(d["created_at"], 1) for d in docs] + [(d["finished_at"], -1) for d in docs], key=lambda e: (e[0], e[1]))
    n = most = 0
    for _, step in events:
        n += step
        most = max(most, n)
    return most


@pytest.mark.parametrize("interrupt", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_batch_of_20_interrupted_and_resumed_makes_20_jobs(sim, tmp_path, interrupt):
    tag = f"batch-{interrupt.name}-{os.getpid()}"
    batch = tmp_path / "shots.jsonl"
    write_batch(batch, 20, tag)
    results = tmp_path / "shots.results.jsonl"

    proc = subprocess.Popen([str(BIN), "batch", str(batch), "--concurrency", "4"], env=cli_env(sim),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    events, finished = [], 0
    for line in proc.stdout:  # JSON lines: stdout is not a terminal
        events.append(json.loads(line))
        finished += events[-1]["event"] == "finished"
        if finished == 6:
            proc.send_signal(interrupt)
            break
    rest = proc.communicate(timeout=30)[0]
    events += json_lines(rest)
    assert proc.returncode == (130 if interrupt == signal.SIGINT else -9), events[-3:]
    if interrupt == signal.SIGINT:
        assert events[-1]["event"] == "detached" and len(events[-1]["running"]) <= 4
    submitted_first = [e for e in events if e["event"] == "submitted"]
    assert 6 <= len(submitted_first) < 20
    in_flight = max_in_flight(events)
    assert in_flight <= 4, in_flight
    done_first = len(results.read_text().splitlines())
    assert done_first >= 6

    out = sora(sim, "batch", str(batch), "--concurrency", "4")
    assert out.returncode == 0, out.stdout[-1000:] + out.stderr
    events = json_lines(out.stdout)
    assert events[0] == {"event": "start", "lines": 20, "skipped": done_first, "concurrency": 4}
    # Lines submitted before the interruption answer their first job (Idempotency-Key replay).
    replayed = [e for e in events if e["event"] == "submitted" and e["replayed"]]
    assert len(replayed) == len(submitted_first) - done_first
    assert max_in_flight(events) <= 4
    assert events[-1]["event"] == "summary" and events[-1]["succeeded"] == 20

    lines = json_lines(results.read_text())
    assert len(lines) == 20 and {r["name"] for r in lines} == {f"shot-{i}" for i in range(20)}
    assert all(r["outcome"] == "succeeded" and r["key"].startswith("batch-") for r in lines)
    ids = {r["task_id"] for r in lines}
    assert len(ids) == 20
    assert creates(sim, "ark") == 20, "exactly one create per line, interruption or not"
    docs = [sim.status(i) for i in ids]
    assert all(tag in d["orig_prompt"] for d in docs)
    assert overlap(docs) <= 4, "never more than 4 jobs at once"

    # A third run finds every line done: nothing is submitted.
    again = sora(sim, "batch", str(batch), "--concurrency", "4")
    assert again.returncode == 0 and json_lines(again.stdout)[0]["skipped"] == 20
    assert creates(sim, "ark") == 20


def max_in_flight(events):
    n = most = 0
    for e in events:
        if e["event"] == "submitted":
            n += 1
        elif e["event"] == "finished" and e["result"].get("task_id"):
            n -= 1
        most = max(most, n)
    return most


def test_batch_stops_at_the_budget_and_resumes_nothing_twice(sim, tmp_path):
    # A spool of its own, so the day's spend is known: two jobs of ~$0.50 fit in $1.20.
    d = stack_dir("cli-batch-budget")
    os.mkdir(f"{d}/spool")
    config = config_copy(sim, d, SORA_SPOOL_DIR=f"{d}/spool", SORA_DAILY_BUDGET_USD="1.2")
    batch = tmp_path / "dear.jsonl"
    write_batch(batch, 4, "budget")
    with open(batch, "a") as f:
        f.write(json.dumps({"model": "no-such-model", "prompt": "refused"}) + "\n")
    out = sora(sim, "batch", str(batch), "--concurrency", "1", config=config)
    assert out.returncode == 21, out.stdout[-800:]
    events = json_lines(out.stdout)
    stopped = [e for e in events if e["event"] == "stopped"]
    assert stopped and stopped[0]["reason"] == "budget_exceeded" and stopped[0]["not_submitted"] == 3
    results = json_lines((tmp_path / "dear.results.jsonl").read_text())
    assert [r["outcome"] for r in results] == ["succeeded", "succeeded"]
    assert creates(sim, "ark") == 2

    again = sora(sim, "batch", str(batch), "--concurrency", "1", config=config)
    assert again.returncode == 21 and creates(sim, "ark") == 2
    assert len((tmp_path / "dear.results.jsonl").read_text().splitlines()) == 2
