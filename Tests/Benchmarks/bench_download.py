#!/usr/bin/env python3
"""A big video's transfer by the worker (download straight beside its final place in the local
store, one fsync, a rename) against `curl -o` of the same signed link to the same filesystem, in
the same run. Also checks the worker wrote the file once (its write_bytes ≈ the file's size).
Target (issue 9): ≥ 0.9× curl's speed, file written once.

    python3 Tests/Benchmarks/bench_download.py [--size-mb 500] [--bin .build/release/sora]
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "EndToEnd"))
sys.path.insert(0, str(ROOT / "Tests" / "Benchmarks"))


def events(stack, job):
    out = {}
    for line in (stack.spool / "events.log").read_text().splitlines():
        e = json.loads(line)
        if e.get("job") == job and e["event"] in ("result_ready", "downloaded", "stored"):
            out[e["event"]] = e
    return out


def iso(s):
    from datetime import datetime
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=500)
    ap.add_argument("--bin", default=str(ROOT / ".build" / "release" / "sora"))
    a = ap.parse_args()
    os.environ["SORA_BIN"] = a.bin
    from results import record
    from stack import Stack, free_port, stack_dir
    st = Stack(stack_dir("download"), free_port(), extra_env={"SORA_DOWNLOAD_TIMEOUT": "600"}).start()
    writes = {"bytes": 0}
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            for pid in st.worker_pids():
                try:
                    io = dict(l.split(": ") for l in open(f"/proc/{pid}/io").read().splitlines())
                    writes["bytes"] = max(writes["bytes"], int(io["write_bytes"]))
                except OSError:
                    pass
            time.sleep(0.05)
    t = threading.Thread(target=watch)
    t.start()
    try:
        doc = st.wait(st.generate(f"a long take [sim:big={a.size_mb}]", model="seedance-2-0").json()["task_id"], timeout=900)
        stop.set()
        t.join()
        assert doc["status"] == "succeeded", doc
        ev = events(st, doc["task_id"])
        worker_s = ev["downloaded"]["seconds"]
        link = json.loads((st.spool / "jobs" / doc["task_id"] / "state.json").read_text())["upstream_link"]
        target = st.dir / "media" / "curl-copy.mp4"
        t0 = time.perf_counter()
        subprocess.run(["curl", "-sS", "--fail", "-o", str(target), link], check=True)
        with open(target, "rb+") as f:
            os.fsync(f.fileno())
        curl_s = time.perf_counter() - t0
        assert target.stat().st_size == doc["size_bytes"]
    finally:
        stop.set()
        st.stop()
    size = doc["size_bytes"]
    mb = size / 2**20
    print(f"{mb:.0f} MiB: worker download {worker_s:.2f} s ({mb / worker_s:.0f} MiB/s), curl -o + fsync {curl_s:.2f} s "
          f"({mb / curl_s:.0f} MiB/s); worker wrote {writes['bytes'] / 2**20:.0f} MiB for a {mb:.0f} MiB file")
    record(f"{mb:.0f} MiB download", "MiB/s", mb / worker_s, mb / curl_s, "curl -o", "≥ 0.9×", curl_s / worker_s >= 0.9)
    record("bytes written per byte stored", "×", writes["bytes"] / size, None, "", "1 (written once)", writes["bytes"] / size < 1.1)


if __name__ == "__main__":
    main()
