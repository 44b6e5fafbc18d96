#!/usr/bin/env python3
"""What many workers at once cost the machine (issue 9: "200 workers today share 616 MiB of PSS").

N jobs of the simulator's Seedance dialect, long enough to outlast the measurement, are submitted
to one stack; once every worker is following its task at the production poll pace, each
worker's /proc/<pid>/smaps_rollup is read: RSS counts the pages a process has mapped, shared or
not; PSS splits each shared page among the processes that map it, so the workers' PSS adds up to
what they really take.

Baseline, measured in the same run: one lone worker following the same kind of task, its RSS
times N, which is what N workers would take if they shared nothing.

    python3 Tests/Benchmarks/workers_pss.py [--workers 200] [--bin .build/release/sora]
"""
import argparse
import concurrent.futures
import os
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "EndToEnd"))

PROMPT = "a long quiet task [sim:steps=4000]"  # never ends while measured: the stack is stopped after


def rollup(pid):
    """{"Rss": kB, "Pss": kB, "Pss_Anon": kB, ...} of a live process, or None once it is gone."""
    try:
        text = open(f"/proc/{pid}/smaps_rollup").read()
    except OSError:
        return None
    out = {}
    for line in text.splitlines()[1:]:
        name, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            out[name] = int(rest.split()[0])
    return out


def following(st, n, timeout):
    """Waits until n workers run and each has polled its task (the simulator counts polls; every
    worker polls at the same pace, so 2n polls means all of them are past their first)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        pids = st.worker_pids()
        if len(pids) >= n and st.sim_stats()["dialects"]["ark"]["polls"] >= 2 * n:
            return pids
        time.sleep(0.2)
    raise SystemExit(f"{len(st.worker_pids())} of {n} workers running after {timeout} s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=200)
    ap.add_argument("--bin", default=str(ROOT / ".build" / "release" / "sora"))
    a = ap.parse_args()
    os.environ["SORA_BIN"] = a.bin
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from results import record
    from stack import Stack, free_port, stack_dir
    env = {"SORA_MAX_WORKERS": str(a.workers + 1), "SORA_NGINX_RATE_LIMITS": "off",
           "SORA_POLL_INTERVAL": "5", "SORA_POLL_SLOW_INTERVAL": "15", "SORA_GENERATION_TIMEOUT": "900"}
    # The lone worker first, in a stack of its own.
    st = Stack(stack_dir("pss-one"), free_port(), extra_env=env).start()
    try:
        st.generate(PROMPT, model="seedance-2-0").raise_for_status()
        one = rollup(following(st, 1, 120)[0])
    finally:
        st.stop()
    st = Stack(stack_dir("pss-many"), free_port(), extra_env=env).start()
    try:
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            for r in pool.map(lambda _: st.generate(PROMPT, model="seedance-2-0"), range(a.workers)):
                r.raise_for_status()
        pids = following(st, a.workers, 120 + a.workers)
        many = [r for r in map(rollup, pids) if r]
    finally:
        st.stop()
    n = len(many)
    total = {k: sum(r.get(k, 0) for r in many) / 1024 for k in ("Rss", "Pss", "Pss_Anon", "Pss_File")}
    unshared = n * one["Rss"] / 1024
    print(f"binary: {a.bin}")
    print(f"one worker alone: RSS {one['Rss'] / 1024:.1f} MiB, PSS {one['Pss'] / 1024:.1f} MiB")
    print(f"{n} workers at once: RSS {total['Rss']:.0f} MiB in all, PSS {total['Pss']:.0f} MiB in all "
          f"({total['Pss'] / n:.2f} a worker: private {total['Pss_Anon'] / n:.2f}, files {total['Pss_File'] / n:.2f})")
    print(f"{n} × one worker's RSS (nothing shared): {unshared:.0f} MiB; PSS / that: ×{total['Pss'] / unshared:.2f}")
    record(f"{n} workers at once: PSS in all", "MiB", total["Pss"], unshared, f"{n} × one worker's RSS", "—", None)
    record(f"{n} workers at once: PSS a worker", "MiB", total["Pss"] / n, one["Rss"] / 1024, "one worker's RSS", "—", None)


if __name__ == "__main__":
    main()
