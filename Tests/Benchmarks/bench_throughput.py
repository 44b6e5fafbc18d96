#!/usr/bin/env python3
"""Throughput of GET /api/status/<id> through nginx and the responders, against nginx serving the
same job's static status file, both measured here with wrk (32 connections, 2 threads).
Target (issue 9): the API at ≥ 0.25× static.

    python3 Tests/Benchmarks/bench_throughput.py [--seconds 5] [--bin .build/release/sora]
"""
import argparse
import os
import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "EndToEnd"))
sys.path.insert(0, str(ROOT / "Tests" / "Benchmarks"))


def wrk(url, seconds, headers=()):
    cmd = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency"]
    for h in headers:
        cmd += ["-H", h]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert not non2xx, out
    return rps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--bin", default=str(ROOT / ".build" / "release" / "sora"))
    a = ap.parse_args()
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    os.environ["SORA_BIN"] = a.bin
    from results import record
    from stack import FAST_ENV, Stack, free_port, stack_dir
    st = Stack(stack_dir("throughput"), free_port()).start()
    try:
        job = st.wait(st.generate("throughput seed", model="seedance-2-0").json()["task_id"])["task_id"]
        static = wrk(f"{st.base}/status/{job}.json", a.seconds)
        api = wrk(f"{st.base}/api/status/{job}", a.seconds, [f"Authorization: Bearer {FAST_ENV['SORA_ADMIN_TOKEN']}"])
    finally:
        st.stop()
    print(f"static status file: {static:,.0f} req/s; /api/status: {api:,.0f} req/s; ratio ×{api / static:.2f}")
    record("GET /api/status throughput", "req/s", api, static, "nginx static file", "≥ 0.25×", api / static >= 0.25)


if __name__ == "__main__":
    main()
