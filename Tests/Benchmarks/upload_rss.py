#!/usr/bin/env python3
"""Peak RSS of sora-store-probe while it uploads a large file through multipart.

Starts moto (S3, default) or the OSS double on loopback, uploads a 1 MiB file (baseline: a
single PUT) and then a large file (default 200 MiB, multipart with 16 MiB parts), and prints
the probe's peak RSS for each (GNU time's %M, the kernel's high-water mark) plus the
difference, and the private (anonymous) memory, which is what grows with the file. Exits
non-zero when the large upload's private memory exceeds --limit-mb (32) or its peak RSS grows
more than --max-growth-mb (8) over the baseline.

  python3 Tests/Benchmarks/upload_rss.py [--backend s3|oss] [--size-mb 200] [--threshold 64M] [--probe PATH]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "Tests", "Doubles"))
from doubles import OSS_AK, OSS_BUCKET, OSS_REGION, OSS_SK, OSSDouble, free_port, wait_for_port  # noqa: E402
sys.path.insert(0, HERE)
from results import record  # noqa: E402


def make_file(path, size):
    with open(path, "wb") as f:
        chunk = os.urandom(1 << 20)
        for _ in range(size >> 20):
            f.write(chunk)
        f.write(os.urandom(size & ((1 << 20) - 1)))


def child_of(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            kids = f.read().split()
        return int(kids[0]) if kids else None
    except OSError:
        return None


def poll_status(pid, peaks):
    """Folds VmHWM and RssAnon (KiB) of a running process into `peaks`."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                name, _, value = line.partition(":")
                if name in ("VmHWM", "RssAnon"):
                    peaks[name] = max(peaks.get(name, 0), int(value.split()[0]))
    except OSError:
        pass


def run(probe, env, path, key):
    """Runs one upload; returns ({"peak": MiB, "anon": MiB}, seconds, JSON answer).

    The peak comes from GNU time (%M, the kernel's ru_maxrss of its own child). Measuring with
    wait4 from here would be wrong: Python spawns with vfork, and the kernel then carries this
    (large) Python process's high-water mark into the child's. Private (anonymous) memory is
    sampled from /proc every 10 ms: it is the part that would grow with the video, while the
    rest of RSS is shared-library pages (Swift runtime, Foundation, libcurl, OpenSSL). Without
    /usr/bin/time the peak is VmHWM from the same sampling.
    """
    start = time.time()
    use_time = os.path.exists("/usr/bin/time")
    report = path + ".time"
    cmd = (["/usr/bin/time", "-f", "%M", "-o", report] if use_time else []) + [probe, "put", path, key]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peaks = {}
    target = None
    while proc.poll() is None:
        target = target or (child_of(proc.pid) if use_time else proc.pid)
        if target:
            poll_status(target, peaks)
        time.sleep(0.01)
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit("probe failed: %s %s" % (out.decode(), err.decode()))
    peak_kib = peaks.get("VmHWM", 0)
    if use_time:
        with open(report) as f:
            peak_kib = int(f.read().strip().splitlines()[-1])
    return {"peak": peak_kib / 1024.0, "anon": peaks.get("RssAnon", 0) / 1024.0}, time.time() - start, json.loads(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--backend", choices=["s3", "oss"], default="s3")
    p.add_argument("--size-mb", type=int, default=200)
    p.add_argument("--part-size", default="16M")
    p.add_argument("--threshold", default="64M", help="multipart from this size")
    p.add_argument("--limit-mb", type=float, default=32.0, help="limit for the upload's private memory")
    p.add_argument("--max-growth-mb", type=float, default=8.0, help="allowed peak-RSS growth over the 1 MiB baseline")
    p.add_argument("--probe")
    args = p.parse_args()
    probe = args.probe
    if not probe:
        bin_dir = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        probe = os.path.join(bin_dir, "sora-store-probe")
        if not os.path.exists(probe):
            subprocess.run(["swift", "build", "--product", "sora-store-probe"], cwd=ROOT, check=True)

    tmp = tempfile.mkdtemp(prefix="upload-rss-")
    server = None
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OSS_", "S3_", "STORAGE"))}
        env.update({"STORAGE_MULTIPART_THRESHOLD": args.threshold, "STORAGE_PART_SIZE": args.part_size})
        if args.backend == "s3":
            import boto3
            port = free_port()
            server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wait_for_port(port)
            url = "http://127.0.0.1:%d" % port
            boto3.client("s3", endpoint_url=url, aws_access_key_id="a", aws_secret_access_key="b",
                         region_name="us-east-1").create_bucket(Bucket="videos")
            env.update({"STORAGE": "s3", "S3_ENDPOINT": url, "S3_BUCKET": "videos", "S3_ACCESS_KEY_ID": "a",
                        "S3_SECRET_ACCESS_KEY": "b"})
            stop = lambda: (server.terminate(), server.wait())  # noqa: E731
        else:
            double = OSSDouble(tmp)
            env.update({"STORAGE": "oss", "OSS_ENDPOINT": double.url, "OSS_BUCKET": OSS_BUCKET, "OSS_ACCESS_KEY_ID": OSS_AK,
                        "OSS_ACCESS_KEY_SECRET": OSS_SK, "OSS_REGION": OSS_REGION})
            stop = double.stop
        small, large = os.path.join(tmp, "small.mp4"), os.path.join(tmp, "large.mp4")
        make_file(small, 1 << 20)
        make_file(large, args.size_mb << 20)
        base, base_t, _ = run(probe, env, small, "bench/small.mp4")
        big, big_t, out = run(probe, env, large, "bench/large.mp4")
        print("backend %s, probe %s" % (args.backend, probe))
        print("baseline (1 MiB, single PUT)    peak RSS %5.1f MiB, private %5.1f MiB  (%.1f s)" % (base["peak"], base["anon"], base_t))
        print("large (%d MiB, %s parts)  peak RSS %5.1f MiB, private %5.1f MiB  (%.1f s)"
              % (args.size_mb, args.part_size, big["peak"], big["anon"], big_t))
        print("difference                      peak RSS %+5.1f MiB, private %+5.1f MiB"
              % (big["peak"] - base["peak"], big["anon"] - base["anon"]))
        print("stored size %d bytes" % out["size"])
        # The gate is what the upload itself costs: private memory under the limit and no real
        # growth over the 1 MiB baseline. Absolute peak RSS is printed too; most of it is
        # shared-library pages that any Swift+Foundation+libcurl process maps (see the baseline).
        growth = big["peak"] - base["peak"]
        ok = big["anon"] < args.limit_mb and growth < args.max_growth_mb
        print("absolute peak RSS %.1f MiB is %s %.0f MiB (baseline alone: %.1f MiB)"
              % (big["peak"], "under" if big["peak"] < args.limit_mb else "over", args.limit_mb, base["peak"]))
        print("%s: private %.1f MiB (limit %.0f), growth over baseline %+.1f MiB (limit %.0f)"
              % ("PASS" if ok else "FAIL", big["anon"], args.limit_mb, growth, args.max_growth_mb))
        # The value is the growth; the ratio is peak over peak (growth over a 26 MiB baseline says little).
        record("a multipart upload's peak RSS growth, %d MiB to %s" % (args.size_mb, args.backend.upper()), "MiB", growth,
               base["peak"], "1 MiB single PUT", "flat", ok, ratio=big["peak"] / base["peak"])
        stop()
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
