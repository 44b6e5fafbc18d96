#!/usr/bin/env python3
"""API latency benchmark: prints each measurement as a ratio to a baseline taken in the same run
(nginx serving a static status file), because absolute numbers on shared machines are noise.

    python3 Tests/Benchmarks/bench_api.py [--requests 300] [--library 10000]

Measures, through the real nginx + FastCGI responder started by nginx/stack.sh:
  static    GET /status/<id>.json           (baseline: nginx alone)
  health    GET /api/health                 (FastCGI round trip)
  generate  POST /api/generate              (validate, spool, fsync, spawn a detached worker)
  status    GET /api/status/<id>
  library   GET /api/jobs?limit=50 with N jobs in the spool (only a page of files is read)
"""
import argparse
import http.client
import json
import os
import pathlib
import shutil
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "EndToEnd"))
from stack import FAST_ENV, Stack, free_port, stack_dir  # noqa: E402
from results import percentile, record  # noqa: E402

AUTH = {"Authorization": "Bearer " + FAST_ENV["SORA_ADMIN_TOKEN"]}


def timed(conn, method, path, body=None, headers=None):
    t = time.perf_counter()
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    return (time.perf_counter() - t) * 1000, r.status, data


def series(port, n, method, path, body=None, headers=None, expect=200):
    if "/api/" in (path(0) if callable(path) else path):
        headers = {**AUTH, **(headers or {})}  # sign-in is on: the API is used as a script does
    conn = http.client.HTTPConnection("127.0.0.1", port)
    out = []
    for i in range(n):
        ms, status, data = timed(conn, method, path(i) if callable(path) else path, body, headers)
        assert status == expect, (status, data[:200])
        out.append(ms)
    conn.close()
    return out


def summary(name, xs, base):
    p50, p95 = statistics.median(xs), percentile(xs, 0.95)
    ratio = p50 / base if base else float("nan")
    print(f"{name:10s} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  ×{ratio:6.1f} of static")
    return p50, p95


def fill_library(stack, n):
    """Writes n finished jobs straight into the spool (what n real jobs would leave behind)."""
    sys.path.insert(0, str(pathlib.Path(__file__).parent))
    status_dir = stack.spool / "status"
    sample = json.loads(next(status_dir.glob("*.json")).read_text())
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    base_ms = int(time.time() * 1000) - n * 1000
    for i in range(n):
        ms = base_ms + i * 1000
        prefix = "".join(alphabet[(ms >> (5 * (9 - k))) & 31] for k in range(10))
        jid = prefix + os.urandom(10).hex()[:16].translate(str.maketrans("01234567890abcdef", "0123456789abcdefg"))
        jid = "".join(c if c in alphabet else "z" for c in jid)
        doc = dict(sample, task_id=jid, seq=1, status_url=f"/status/{jid}.json", orig_prompt=f"bench {i}")
        (status_dir / f"{jid}.json").write_text(json.dumps(doc))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--library", type=int, default=10000)
    a = ap.parse_args()
    # Through extra_env: Stack.env() drops this process's own SORA_* variables.
    stack = Stack(stack_dir("bench"), free_port(),
                  extra_env={"SORA_MAX_WORKERS": "2", "SORA_SIM_ARGS": "--step-delay 5 --steps 2 --quiet"})
    stack.start()
    try:
        job = stack.generate("benchmark seed [sim:nourl]", model="seedance-2-0").json()["task_id"]
        n = a.requests
        static = series(stack.port, n, "GET", f"/status/{job}.json")
        base = statistics.median(static)
        _, base95 = summary("static", static, base)
        health = summary("health", series(stack.port, n, "GET", "/api/health"), base)
        status = summary("status", series(stack.port, n, "GET", f"/api/status/{job}"), base)
        body = json.dumps({"model": "seedance-2-0", "prompt": "benchmark [sim:nourl]"})
        gen = series(stack.port, min(n, 100), "POST", "/api/generate", body=body,
                     headers={"Content-Type": "application/json"}, expect=202)
        generate = summary("generate", gen, base)
        fill_library(stack, a.library)
        jobs = summary(f"jobs/{a.library // 1000}k", series(stack.port, min(n, 100), "GET", "/api/jobs?limit=50"), base)
        for what, (p50, _) in (("GET /api/health", health), ("GET /api/status", status), ("POST /api/generate", generate)):
            record(f"{what} p50", "ms", p50, base, "static file p50")
        record(f"GET /api/jobs?limit=50, {a.library:,} jobs: p50", "ms", jobs[0], base, "static file p50")
        record(f"GET /api/jobs?limit=50, {a.library:,} jobs: p95", "ms", jobs[1], base95, "static file p95")
    finally:
        stack.stop()
        shutil.rmtree(stack.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
