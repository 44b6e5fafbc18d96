#!/usr/bin/env python3
"""1,000 jobs submitted by 32 concurrent clients through nginx and the responders (each submit
validates, holds the estimate in the ledger, writes the job durably and spawns a detached
worker), against the same 32 clients fetching a static status file 1,000 times in the same run.
Target (issue 9): client p99 < 100 ms, the median of three runs.

    python3 Tests/Benchmarks/bench_submits.py [--jobs 1000] [--clients 32] [--runs 3] [--client ab|python] [--churn]
                                              [--bin .build/release/sora]
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "EndToEnd"))
sys.path.insert(0, str(ROOT / "Tests" / "Benchmarks"))


def run(port, n, clients, make):
    """n requests over `clients` keep-alive connections; each request's latency in ms."""
    per = [n // clients + (1 if i < n % clients else 0) for i in range(clients)]

    def client(count):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        out = []
        for _ in range(count):
            method, path, body, headers, expect = make()
            t = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            out.append((time.perf_counter() - t) * 1000)
            assert r.status == expect, r.status
        conn.close()
        return out

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        return [ms for part in pool.map(client, per) for ms in part]


def run_ab(port, n, clients, method, path, body, headers):
    """The same with ApacheBench: one C process on epoll. Python's 32 threads take turns on the GIL
    (5 ms slices), which added 15-30 ms to the static file's own p99. Returns (p50, p99, seconds).
    ab's percentiles mean something from 100 requests up (below, its p99 is garbage)."""
    if not shutil.which("ab"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "apache2-utils"], check=True, capture_output=True)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = ["ab", "-q", "-k", "-n", str(n), "-c", str(clients), "-e", f"{tmp}/pct.csv"]
        for k, v in headers.items():
            cmd += ["-T", v] if k == "Content-Type" else ["-H", f"{k}: {v}"]
        if method == "POST":
            pathlib.Path(f"{tmp}/body").write_text(body)
            cmd += ["-p", f"{tmp}/body"]
        out = subprocess.run(cmd + [f"http://127.0.0.1:{port}{path}"], check=True, capture_output=True, text=True).stdout
        pct = dict(line.split(",") for line in pathlib.Path(f"{tmp}/pct.csv").read_text().splitlines()[1:])
    assert int(re.search(r"Complete requests:\s+(\d+)", out)[1]) == n, out
    assert "Non-2xx" not in out, out
    return float(pct["50"]), float(pct["99"]), float(re.search(r"Time taken for tests:\s+([\d.]+)", out)[1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--bin", default=str(ROOT / ".build" / "release" / "sora"))
    ap.add_argument("--runs", type=int, default=3, help="runs, each on a fresh stack; the median p99 is recorded")
    ap.add_argument("--client", choices=["ab", "python"], default="ab", help="ab (default) or 32 Python threads")
    ap.add_argument("--churn", action="store_true", help="jobs that end at once: worker start-up competes with the submits")
    a = ap.parse_args()
    os.environ["SORA_BIN"] = a.bin
    from results import percentile as p, record
    from stack import FAST_ENV, Stack, free_port, stack_dir
    # Jobs as long as real ones (minutes), followed at the production poll pace: the 50 workers
    # spend the burst waiting, as they would. `--churn` makes every job end within a second
    # instead, so that 1,000 workers start, download and store while the submits run.
    env = {"SORA_MAX_WORKERS": "50", "SORA_NGINX_RATE_LIMITS": "off"}
    if not a.churn:
        env.update({"SORA_POLL_INTERVAL": "5", "SORA_POLL_SLOW_INTERVAL": "15", "SORA_GENERATION_TIMEOUT": "900"})
    runs = []
    for _ in range(a.runs):
        st = Stack(stack_dir("submits"), free_port(), extra_env=env).start()
        try:
            seed = st.wait(st.generate("seed", model="seedance-2-0").json()["task_id"])["task_id"]
            body = json.dumps({"model": "seedance-2-0", "prompt": "many at once " + ("[sim:steps=1]" if a.churn else "[sim:steps=4000]")})
            headers = {"Content-Type": "application/json", "Authorization": "Bearer " + FAST_ENV["SORA_ADMIN_TOKEN"]}
            if a.client == "ab":
                _, s99, _ = run_ab(st.port, a.jobs, a.clients, "GET", f"/status/{seed}.json", None, {})
                p50, p99, wall = run_ab(st.port, a.jobs, a.clients, "POST", "/api/generate", body, headers)
            else:
                static = run(st.port, a.jobs, a.clients, lambda: ("GET", f"/status/{seed}.json", None, {}, 200))
                t = time.perf_counter()
                submits = run(st.port, a.jobs, a.clients, lambda: ("POST", "/api/generate", body, headers, 202))
                wall = time.perf_counter() - t
                s99, p50, p99 = p(static, 0.99), statistics.median(submits), p(submits, 0.99)
            created = len(list((st.spool / "jobs").iterdir()))
        finally:
            st.stop()
        assert created == a.jobs + 1, created
        print(f"{a.jobs} submits from {a.clients} clients ({a.client}) in {wall:.1f} s: p50 {p50:.1f} ms, "
              f"p99 {p99:.1f} ms (static file p99 {s99:.1f} ms); every job written once", flush=True)
        runs.append((p99, s99))
    # The run with the median p99 (the disk of a shared VM makes single runs vary by half).
    p99, s99 = sorted(runs)[len(runs) // 2]
    if a.runs > 1:
        print(f"median of {a.runs} runs: p99 {p99:.1f} ms (static file p99 {s99:.1f} ms); all: "
              + ", ".join(f"{r[0]:.1f}" for r in sorted(runs)))
    record(f"{a.jobs} submits, {a.clients} clients: p99" + (" (jobs ending at once)" if a.churn else "")
           + (f", median of {a.runs} runs" if a.runs > 1 else ""), "ms", p99, s99, "static file p99",
           "" if a.churn else "< 100 ms", None if a.churn else p99 < 100)


if __name__ == "__main__":
    main()
