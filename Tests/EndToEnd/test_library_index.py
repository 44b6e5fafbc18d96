"""The library index through nginx: several responder processes and detached workers keep it
current, and `sora reindex` (or the reaper, for a missing index) rebuilds it from the status
files with the same listing."""
import concurrent.futures
import fcntl
import json
import os
import sqlite3
import threading
import uuid

import requests

from stack import Stack, free_port, stack_dir

QUERIES = ["limit=200", "limit=2", "status=failed&limit=200", "status=succeeded&limit=200",
           "model=seedance-2-0&limit=200", "q=index+check&limit=200", "q=%E7%8B%90%E7%8B%B8&limit=200", "q=ZZ&limit=200"]


def listings(stack, extra=()):
    out = {}
    for q in QUERIES + list(extra):
        page = requests.get(f"{stack.base}/api/jobs?{q}", timeout=10).json()
        out[q] = ([j["task_id"] for j in page["jobs"]], [j["status"] for j in page["jobs"]], page["total"], page["next_before"])
    return out


def index_files(stack):
    return [stack.spool / "private" / f"index.sqlite{s}" for s in ("", "-wal", "-shm")]


def from_status_files(stack):
    """What the library must show, read straight from the status files (the source of truth)."""
    docs = {}
    for p in (stack.spool / "status").glob("*.json"):
        if len(p.stem) == 26:  # job ids; not the change feed
            d = json.loads(p.read_text())
            docs[d["task_id"]] = d["status"]
    return docs


def indexed(stack):
    """The index's own rows, read with Python's sqlite3: proves the index (not the status-file
    fallback) holds what the listing shows."""
    db = sqlite3.connect(f"file:{index_files(stack)[0]}?mode=ro", uri=True)
    try:
        return dict(db.execute("SELECT id, status FROM jobs").fetchall())
    finally:
        db.close()


def test_reindex_rebuilds_the_same_listing(sim):
    tag = uuid.uuid4().hex[:8]
    jobs = [sim.generate(f"index check {tag} red fox {i}").json()["task_id"] for i in range(3)]
    jobs.append(sim.generate(f"index check {tag} 狐狸 [sim:nolink]").json()["task_id"])
    jobs.append(sim.generate(f"index check {tag} other model", model="seedance-2-0").json()["task_id"])
    for j in jobs:
        sim.wait(j)
    extra = [f"q={tag}&limit=200", f"q={jobs[1][:16]}", f"q={jobs[1][:16].upper()}"]
    before = listings(sim, extra)
    assert before[f"q={tag}&limit=200"][2] == 5 and before[f"q={jobs[1][:16]}"][0] == [jobs[1]]
    assert before["limit=2"][3] is not None

    for f in index_files(sim):
        f.unlink(missing_ok=True)
    out = sim.sora("reindex")
    assert json.loads(out.stdout)["jobs"] == len(from_status_files(sim))
    assert indexed(sim) == from_status_files(sim)
    assert listings(sim, extra) == before

    # No index at all: the status files answer, and the reaper's next pass builds it.
    for f in index_files(sim):
        f.unlink(missing_ok=True)
    assert listings(sim, extra) == before
    sim.sora("reap")
    assert index_files(sim)[0].exists()
    assert listings(sim, extra) == before


def notes(stack):
    """The notes workers leave instead of writing rows (LibraryIndex+Notes.swift)."""
    d = stack.spool / "private" / "index-pending"
    return set(os.listdir(d)) if d.exists() else set()


def test_many_responders_and_workers_keep_it_current(sim):
    """Jobs made through several responder processes (which write their rows) and run by
    detached workers (which leave notes, so that no worker opens SQLite): after the next listing
    the index agrees with the status files, and with a rebuild, job for job."""
    assert len(sim.responder_pids()) >= 2
    sim.sora("reindex")
    tag = uuid.uuid4().hex[:8]
    made, errors = [], []

    def submit(n):
        for i in range(n):
            marker = " [sim:nolink]" if i % 3 == 0 else ""
            r = sim.generate(f"concurrent {tag} {i}{marker}")
            (made if r.status_code == 202 else errors).append(r.json().get("task_id") or r.text)

    threads = [threading.Thread(target=submit, args=(6,)) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(made) == 30
    for j in made:
        sim.wait(j)
    sim.drain()

    truth = from_status_files(sim)
    # Every job changed state in its worker: each left a note, and its row waits for a reader.
    assert set(made) <= notes(sim)
    assert any(indexed(sim)[j] != truth[j] for j in made)
    page = requests.get(f"{sim.base}/api/jobs?q={tag}&limit=200", timeout=10).json()
    assert not notes(sim) and indexed(sim) == truth
    assert page["total"] == 30 and {j["task_id"]: j["status"] for j in page["jobs"]} == {j: truth[j] for j in made}
    for state in ("succeeded", "failed"):
        listed = requests.get(f"{sim.base}/api/jobs?status={state}&limit=200", timeout=10).json()
        assert listed["total"] == sum(1 for s in truth.values() if s == state)
    before = listings(sim, [f"q={tag}&limit=200"])
    sim.sora("reindex")
    assert listings(sim, [f"q={tag}&limit=200"]) == before
    assert "index_write_failed" not in (sim.spool / "events.log").read_text()


def test_responders_write_into_the_file_a_rebuild_puts_in_place():
    """A FastCGI responder keeps its connection to the index between requests. A rebuild renames a
    new file into place, and a deleted index is built anew: the jobs made after either must land
    in the file now in place, whichever upload responder takes them, not in the one their
    connections had open."""
    st = Stack(stack_dir("index-kept"), free_port(), extra_env={"SORA_REAP_EVERY": "3600"}).start()
    try:
        # Only the responders write rows here: no worker starts (the starting lock is held) and
        # no reaper pass runs.
        st.hold_off_reap_passes()
        fd = os.open(st.spool / "private" / "starting.lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        st.sora("reindex")
        made = []
        for step in ("connections opened", "reindexed", "deleted and rebuilt"):
            if step == "reindexed":
                st.sora("reindex")
            elif step == "deleted and rebuilt":
                for f in index_files(st):
                    f.unlink(missing_ok=True)
                st.sora("reindex")
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                made += pool.map(lambda i: st.generate(f"kept {step} {i}").json()["task_id"], range(16))
            rows = indexed(st)
            assert {j: rows.get(j) for j in made} == {j: "queued" for j in made}, step
        assert len(st.responder_pids("uploads")) >= 2
        assert "index_write_failed" not in (st.spool / "events.log").read_text()
        os.close(fd)
    finally:
        st.stop()
