"""The change feed (docs/contract.md §7) through the real stack: the FastCGI responders queue
each event and write the feed once their answer has gone; workers write their own events. Every
event reaches the file nginx serves, numbered once."""
import concurrent.futures
import fcntl
import os

import requests

from stack import Stack, free_port, stack_dir, wait_for


def feed(stack):
    """The feed as nginx serves it ({"seq": 0, "events": []} before the first event)."""
    url = requests.get(stack.base + "/api/session", timeout=5).json()["feed_url"]
    r = requests.get(stack.url(url), timeout=5)
    if r.status_code == 404:
        return {"seq": 0, "events": []}
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    return r.json()


def feed_where(stack, check, what):
    """Waits for a feed that satisfies `check(feed)`, and returns it."""
    return wait_for(lambda: (lambda d: d if check(d) else None)(feed(stack)), timeout=10, what=what)


def test_events_of_submits_from_many_clients_all_reach_the_feed():
    st = Stack(stack_dir("feed"), free_port(), extra_env={"SORA_REAP_EVERY": "3600"}).start()
    try:
        # No worker at first (as if one were starting, and no reaper pass): only the
        # responders can write these events.
        st.hold_off_reap_passes()
        fd = os.open(st.spool / "private" / "starting.lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            jobs = list(pool.map(lambda i: st.generate(f"feed {i} [sim:steps=2]", model="seedance-2-0").json()["task_id"],
                                 range(24)))
        created = feed_where(st, lambda d: {e["job"] for e in d["events"] if e["type"] == "created"} >= set(jobs),
                             "every created event")
        seqs = [e["seq"] for e in created["events"]]
        assert seqs == list(range(1, len(seqs) + 1)) and created["seq"] == len(seqs) == len(jobs)
        assert st.worker_pids() == []
        os.close(fd)
        # The workers' events too: each job's last event says it succeeded.
        st.sora("reap")
        for job in jobs:
            st.wait(job)
        done = feed_where(st, lambda d: all([e for e in d["events"] if e["job"] == j][-1].get("status") == "succeeded"
                                            for j in jobs), "every job's success")
        assert done["spend"]["today_usd"] > 0
    finally:
        st.stop()
