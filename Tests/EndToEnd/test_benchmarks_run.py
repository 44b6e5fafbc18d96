"""A smoke run of `make bench`: each benchmark script of its list runs once, at the smallest size
that still takes its whole path, against the debug build. Only that it still runs is checked
(exit status 0, its result line, a row recorded where it records one); no figure is judged, as a
debug build is slow. The rows go to a file of the test's (SORA_BENCH_RESULTS), never to
Tests/artifacts/bench.jsonl, and the stacks to a directory of the test's, removed afterwards."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

import pytest

from stack import ROOT, Stack

BENCH = ROOT / "Tests" / "Benchmarks"
DEBUG = ROOT / ".build" / "debug"
SORA, PROBE, STREAM = DEBUG / "sora", DEBUG / "sora-store-probe", DEBUG / "sora-stream-bench"

# script: (arguments, the result line it prints, whether it records rows).
SCRIPTS = {
    "binary_size": (["--bin", SORA], r"stripped [\d.]+ MiB; ICU libraries linked", True),
    "stream_read": (["--bin", STREAM, "--size-mb", "0.2", "--small-mb", "0.1", "--runs", "1"],
                    r"(?m)^our peak RSS: .* target: flat", True),
    "bench_api": (["--requests", "2", "--library", "20"], r"(?m)^jobs/0k +p50 .* of static$", True),
    "bench_throughput": (["--bin", SORA, "--seconds", "1"], r"static status file: .* req/s; /api/status: .* ratio", True),
    # Fewer than 100 requests: ApacheBench's percentiles (-e) are not meaningful, which is no matter here.
    "bench_submits": (["--bin", SORA, "--jobs", "4", "--clients", "2", "--runs", "1"],
                      r"4 submits from 2 clients \(ab\) in .* p99 .* every job written once", True),
    "bench_download": (["--bin", SORA, "--size-mb", "1"], r"1 MiB: worker download .* curl -o \+ fsync .* worker wrote", True),
    # Two sizes: the second fills the spool on top of the first and indexes again.
    "bench_library": (["--requests", "2", "--sizes", "20,40"], r"worst p99 at 40 jobs", True),
    "bench_upload_load": (["--clients", "1", "--mb", "0.1", "--seconds", "0.1"],
                          r"p99 under load .* target p99 < 100 ms under load: (met|MISSED)", True),
    # 11 MiB in 5 MiB parts (S3's smallest) past a 6 MiB threshold: a multipart upload of 3 parts.
    # The limits are lifted: the script's exit status is its verdict on memory, not judged here.
    "upload_rss": (["--probe", PROBE, "--size-mb", "11", "--part-size", "5M", "--threshold", "6M",
                    "--limit-mb", "1e9", "--max-growth-mb", "1e9"], r"(?m)^PASS: private .* growth over baseline", True),
    # A 21 MiB video past a 6 MiB threshold: multipart too (16 MiB parts, the worker's default).
    "worker_rss": (["--bin", SORA, "--size-mb", "21", "--threshold", "6M"], r"ratio big/baseline: peak RSS ×[\d.]+", True),
    # A task of three seconds, followed at the production pace: two polls; then the same over HTTPS.
    "poller_cost": (["--bin", SORA, "--minutes", "0.05", "--tls-minutes", "0.05"],
                    r"(?s)targets: CPU < 1 s: (ok|MISSED); RSS < 15 MB: (ok|MISSED).*over HTTPS .* ms a poll .* ratio [\d.]+", True),
    # Three workers at once, each past its first poll (5 s at the production pace).
    "workers_pss": (["--bin", SORA, "--workers", "3"], r"(?m)^3 × one worker's RSS .* PSS / that: ×[\d.]+$", True),
}
TIMEOUT = 120  # each script; about 5-15 s here


def test_every_benchmark_of_make_bench_is_run_here():
    make_bench = (ROOT / "Makefile").read_text().split("\nbench:", 1)[1].split("\n\n", 1)[0]
    listed = re.findall(r"Tests/Benchmarks/(\w+)\.py", make_bench)
    assert sorted(set(listed) - {"results"}) == sorted(SCRIPTS)


@pytest.fixture(scope="module")
def debug_builds():
    """The debug binaries (`swift build --build-tests` builds them; any missing is built here)."""
    for binary in (SORA, PROBE, STREAM):
        if not binary.exists():
            out = subprocess.run(["swift", "build", "--product", binary.name], cwd=ROOT, capture_output=True,
                                 text=True, timeout=900)
            assert out.returncode == 0 and binary.exists(), f"swift build --product {binary.name} failed:\n{out.stdout[-3000:]}{out.stderr[-3000:]}"


@pytest.fixture
def stacks_dir():
    """The benchmark's stacks go here (beside other tests' in /tmp, which nginx's workers can
    traverse); any it left running are stopped, and the directory goes."""
    root = tempfile.mkdtemp(prefix="sora-bench-smoke-")
    yield root
    for d in os.listdir(root):
        if os.path.exists(os.path.join(root, d, "sora.env")):
            Stack(os.path.join(root, d), 0).stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("script", list(SCRIPTS))
def test_benchmark_still_runs(script, debug_builds, stacks_dir, tmp_path):
    args, result_line, records = SCRIPTS[script]
    args = [str(a) for a in args]
    rows = tmp_path / "bench.jsonl"
    env = dict(os.environ, SORA_BENCH_RESULTS=str(rows), SORA_STACKS_DIR=stacks_dir, SORA_BIN=str(SORA))
    cmd = [sys.executable, str(BENCH / f"{script}.py"), *args]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        output = proc.communicate(timeout=TIMEOUT)[0]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the script and what it started (moto, wrk, ab)
        output = proc.communicate()[0]
        pytest.fail(f"{script} still running after {TIMEOUT} s: {' '.join(cmd)}\n{output[-4000:]}")
    assert proc.returncode == 0, f"{script} exited {proc.returncode}: {' '.join(cmd)}\n{output[-4000:]}"
    assert re.search(result_line, output), f"{script} printed no result line /{result_line}/:\n{output[-4000:]}"
    if records:
        recorded = [json.loads(line) for line in rows.read_text().splitlines()] if rows.exists() else []
        assert recorded and all(r["what"] and r["unit"] for r in recorded), f"{script} recorded no row in {rows}:\n{output[-4000:]}"
