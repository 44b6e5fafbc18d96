"""events.log is appended by many processes at once (responders, workers, reaper passes). Each
line must arrive whole: several `sora log-burst` processes write lines of varying size, some far
over a page, into one log at the same time, and every line must parse."""
import json
import subprocess
from collections import Counter

from stack import BIN

WRITERS = 8
EVENTS = 250


def test_concurrent_writers_never_tear_a_line(tmp_path):
    log = tmp_path / "events.log"
    procs = [subprocess.Popen([str(BIN), "log-burst", "--path", str(log), "--count", str(EVENTS), "--padding", "997"],
                              env={"PATH": "/usr/bin:/bin"}, stderr=subprocess.PIPE)
             for _ in range(WRITERS)]
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read()
    lines = log.read_bytes().split(b"\n")
    assert lines.pop() == b"", "the log ends with a newline"
    events = []
    for i, line in enumerate(lines):
        try:
            events.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"line {i} is torn: {line[:120]!r}…") from None
    assert len(events) == WRITERS * EVENTS
    per_writer = Counter(e["pid"] for e in events)
    assert len(per_writer) == WRITERS and set(per_writer.values()) == {EVENTS}
    for e in events:
        assert e["event"] == "log_burst" and len(e["pad"]) == (e["n"] * 997) % 70_000
    assert max(len(line) for line in lines) > 65536  # lines past a page, past a pipe's atomic size
    # Each writer's lines are in its own order.
    for pid in per_writer:
        assert [e["n"] for e in events if e["pid"] == pid] == list(range(EVENTS))
