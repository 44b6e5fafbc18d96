#!/usr/bin/env python3
"""Peak memory of a real `sora worker` during a whole job whose video goes to S3 (moto) through
multipart, against a baseline job with a tiny video measured in the same run.

The worker is spawned by the responder as usual; this script samples /proc/<pid>/status of every
worker of the stack (VmHWM = peak RSS, RssAnon = private memory) until the job ends.

    python3 Tests/Benchmarks/worker_rss.py [--size-mb 200] [--threshold 64M] [--bin .build/release/sora]
"""
import argparse
import os
import pathlib
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "EndToEnd"))
sys.path.insert(0, str(ROOT / "Tests" / "Doubles"))


def kb(field, text):
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def watch(stack, stop, peak):
    """Samples every worker of this stack every 20 ms; keeps the largest VmHWM and RssAnon."""
    needle = f"SORA_CONFIG={stack.dir}/sora.env".encode()
    while not stop.is_set():
        for p in os.listdir("/proc"):
            if not p.isdigit():
                continue
            try:
                if needle not in open(f"/proc/{p}/environ", "rb").read():
                    continue
                if b"worker" not in open(f"/proc/{p}/cmdline", "rb").read():
                    continue
                st = open(f"/proc/{p}/status").read()
            except OSError:
                continue
            peak["hwm"] = max(peak["hwm"], kb("VmHWM", st))
            peak["anon"] = max(peak["anon"], kb("RssAnon", st))
        time.sleep(0.02)


def run_job(stack, prompt):
    peak = {"hwm": 0, "anon": 0}
    stop = threading.Event()
    t = threading.Thread(target=watch, args=(stack, stop, peak))
    t.start()
    try:
        doc = stack.wait(stack.generate(prompt).json()["task_id"], timeout=900)
    finally:
        stop.set()
        t.join()
    assert doc["status"] == "succeeded", doc
    return doc, peak


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=200)
    ap.add_argument("--threshold", help="STORAGE_MULTIPART_THRESHOLD (default: the worker's, 64M)")
    ap.add_argument("--bin", default=str(ROOT / ".build" / "release" / "sora"))
    a = ap.parse_args()
    os.environ["SORA_BIN"] = a.bin
    from doubles import Moto
    from stack import Stack, free_port, stack_dir
    moto = Moto()
    env = moto.storage_env(SORA_DOWNLOAD_TIMEOUT="600")
    if a.threshold:
        env["STORAGE_MULTIPART_THRESHOLD"] = a.threshold
    st = Stack(stack_dir("rss"), free_port(), extra_env=env)
    st.start()
    try:
        small, base = run_job(st, "baseline: a 15 KB sample video")
        big, peak = run_job(st, f"big video [sim:big={a.size_mb}]")
        print(f"binary: {a.bin}")
        print(f"baseline job ({small['size_bytes'] / 1e3:.0f} kB, single PUT): peak RSS {base['hwm'] / 1024:.1f} MiB, "
              f"private {base['anon'] / 1024:.1f} MiB")
        print(f"big job ({big['size_bytes'] / 2**20:.0f} MiB, multipart):     peak RSS {peak['hwm'] / 1024:.1f} MiB, "
              f"private {peak['anon'] / 1024:.1f} MiB")
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from results import record
        record(f"worker peak RSS, whole job, {big['size_bytes'] / 2**20:.0f} MiB to S3", "MiB", peak["hwm"] / 1024, base["hwm"] / 1024,
               "tiny-video job", "≤ 15 MB", peak["hwm"] / 1024 * 1.048576 <= 15)
        print(f"ratio big/baseline: peak RSS ×{peak['hwm'] / max(base['hwm'], 1):.2f}, "
              f"private ×{peak['anon'] / max(base['anon'], 1):.2f}; growth {(peak['hwm'] - base['hwm']) / 1024:+.1f} MiB")
    finally:
        st.stop()
        moto.stop()


if __name__ == "__main__":
    main()
