#!/usr/bin/env python3
"""CPU time and memory of a real `sora worker` that follows one task for MINUTES minutes (issue 7:
target under 1 s of CPU and under 15 MB RSS for 10 minutes), with the production poll pace (5 s
for the first minute, then 15 s). The task is the simulator's Seedance dialect, paced to last
that long; the video at the end is a small sample, so the transfer barely counts.

Baseline, measured in the same run: `curl` fetching the same poll URL once (its CPU times the
number of polls the worker made, and its peak RSS). Ratios are worker / baseline.

Then the same over HTTPS for --tls-minutes (the simulator with a test CA's certificate; the
worker's SORA_CA_FILE and curl's --cacert name the system's CAs plus that CA): CPU a poll, worker
against one curl, which parses the whole bundle each time, as the worker did before it kept its
handle.

    python3 Tests/Benchmarks/poller_cost.py [--minutes 10] [--tls-minutes 2] [--bin .build/release/sora]
"""
import argparse
import os
import pathlib
import subprocess
import sys
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "EndToEnd"))

TICK = os.sysconf("SC_CLK_TCK")


def sample(pid):
    """(cpu seconds, VmHWM kB, Pss kB) of a live process, or None once it is gone."""
    try:
        stat = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        status = open(f"/proc/{pid}/status").read()
        rollup = open(f"/proc/{pid}/smaps_rollup").read()
    except OSError:
        return None
    cpu = (int(stat[11]) + int(stat[12])) / TICK  # utime + stime
    hwm = next(int(l.split()[1]) for l in status.splitlines() if l.startswith("VmHWM:"))
    pss = next((int(l.split()[1]) for l in rollup.splitlines() if l.startswith("Pss:")), 0)
    return cpu, hwm, pss


def curl_peak_rss(cmd):
    """curl's peak RSS in kB. Not from our own wait4: a child spawned from Python records Python's
    peak (26 MiB) as its own at exec. GNU time forks from its own small image, so its %M is
    curl's; without it, the inflated figure, said so."""
    if os.path.exists("/usr/bin/time"):
        out = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True)
        return int(out.stderr.strip().splitlines()[-1])
    p = subprocess.Popen(cmd)
    _, _, ru = os.wait4(p.pid, 0)
    print("(no /usr/bin/time: curl's peak RSS includes this Python's)")
    return ru.ru_maxrss


def follow(minutes, tls=None):
    """Runs one job of `minutes` at the production pace and one curl baseline; `tls` is a
    directory from `make_pki` (the simulator then speaks HTTPS). Returns the figures."""
    from stack import Stack, free_port, stack_dir
    from doubles import tls_args
    sim_tls = " " + " ".join(tls_args(tls)) if tls else ""
    # Over TLS, the worker verifies against the system's CAs plus the test CA, as a site that
    # adds a private CA does (README: SORA_CA_FILE), so the 140-odd certificates are parsed.
    bundle = None
    if tls:
        bundle = os.path.join(tls, "bundle.pem")
        system = pathlib.Path("/etc/ssl/certs/ca-certificates.crt")
        with open(bundle, "w") as f:
            f.write((system.read_text() if system.exists() else "") + pathlib.Path(tls, "ca.pem").read_text())
        os.chmod(bundle, 0o644)
    env = {"SORA_SIM_ARGS": "--step-delay 1 --steps 4 --link-ttl 3600" + sim_tls}
    if bundle:
        env["SORA_CA_FILE"] = bundle
    st = Stack(stack_dir("poller"), free_port(), extra_env={
        "SORA_POLL_INTERVAL": "5", "SORA_POLL_SLOW_INTERVAL": "15", "SORA_POLL_FAST_WINDOW": "60", **env})
    st.sim_ca = bundle
    st.start()
    try:
        seconds = minutes * 60
        steps = max(1, int(seconds // 10))
        r = st.generate(f"ten quiet minutes [sim:steps={steps}] [sim:delay={seconds / (steps + 1):.2f}]", model="seedance-2-0")
        job = r.json()["task_id"]
        pid = None
        while pid is None:
            pids = st.worker_pids()
            pid = pids[0] if pids else None
            time.sleep(0.01)
        last = None
        while True:
            s = sample(pid)
            if s is None:
                break
            last = s
            time.sleep(0.2)
        doc = st.wait(job, timeout=120)
        polls = st.sim_stats()["dialects"]["ark"]["polls"]
    finally:
        st.stop()
    assert doc["status"] == "succeeded", doc
    # One poll by curl against a fresh stack's task: same dialect, same kind of answer.
    st2 = Stack(stack_dir("poller-curl"), free_port(), extra_env=env)
    st2.sim_ca = bundle
    st2.start()
    try:
        key2 = next(l.split("=", 1)[1] for l in (st2.dir / "sora.env").read_text().splitlines() if l.startswith("SORA_API_KEY="))
        job2 = st2.wait(st2.generate("one", model="seedance-2-0").json()["task_id"])
        url2 = f"{st2.sim}/seedance/api/v3/contents/generations/tasks/{job2['upstream_task_id']}"
        curl = ["curl", "-s", "-o", "/dev/null", "-H", f"Authorization: Bearer {key2}", url2] + (["--cacert", bundle] if bundle else [])
        runs, curl_cpu = 20, 0.0
        for _ in range(runs):
            p = subprocess.Popen(curl)
            _, status, ru = os.wait4(p.pid, 0)  # this child's own usage, nothing else's
            assert status == 0
            curl_cpu += (ru.ru_utime + ru.ru_stime) / runs
        curl_rss = curl_peak_rss(curl)
    finally:
        st2.stop()
    cpu, hwm, pss = last
    return {"polls": polls, "cpu": cpu, "hwm": hwm, "pss": pss, "curl_cpu": curl_cpu, "curl_rss": curl_rss}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--tls-minutes", type=float, default=2,
                    help="then a task of this long over HTTPS (0: none)")
    ap.add_argument("--bin", default=str(ROOT / ".build" / "release" / "sora"))
    args = ap.parse_args()
    os.environ["SORA_BIN"] = args.bin
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.path.insert(0, str(ROOT / "Tests" / "Doubles"))
    from results import record
    r = follow(args.minutes)
    polls, cpu, hwm, pss, curl_cpu, curl_rss = (r[k] for k in ("polls", "cpu", "hwm", "pss", "curl_cpu", "curl_rss"))
    print(f"poller: one task followed for {args.minutes:g} min, {polls} polls (5 s first minute, then 15 s)")
    print(f"{'':24}{'worker':>12}{'curl ×polls':>14}{'ratio':>8}")
    print(f"{'CPU (s)':24}{cpu:>12.3f}{curl_cpu * polls:>14.3f}{cpu / max(curl_cpu * polls, 1e-9):>8.2f}")
    print(f"{'peak RSS (MiB)':24}{hwm / 1024:>12.1f}{curl_rss / 1024:>14.1f}{hwm / max(curl_rss, 1):>8.2f}")
    print(f"{'PSS at the end (MiB)':24}{pss / 1024:>12.1f}")
    print(f"targets: CPU < 1 s: {'ok' if cpu < 1 else 'MISSED'}; RSS < 15 MB: {'ok' if hwm < 15 * 1024 else 'MISSED'}")
    record(f"worker following a task {args.minutes:g} min: CPU", "s", cpu, curl_cpu * polls, "curl × polls", "< 1 s", cpu < 1)
    record(f"worker following a task {args.minutes:g} min: peak RSS", "MiB", hwm / 1024, curl_rss / 1024, "curl", "≤ 15 MB",
           hwm / 1024 * 1.048576 <= 15)
    record("worker PSS while polling", "MiB", pss / 1024)
    if args.tls_minutes <= 0:
        return
    import tempfile
    from doubles import make_pki
    with tempfile.TemporaryDirectory(prefix="sora-bench-pki-") as d:
        t = follow(args.tls_minutes, tls=make_pki(d))
    per, curl_per = t["cpu"] / max(t["polls"], 1), t["curl_cpu"]
    print(f"over HTTPS (system CAs + a test CA): {args.tls_minutes:g} min, {t['polls']} polls; "
          f"worker CPU {t['cpu']:.3f} s in all, {per * 1000:.1f} ms a poll (start and download included); "
          f"curl {curl_per * 1000:.1f} ms a poll; ratio {per / max(curl_per, 1e-9):.2f}; "
          f"peak RSS {t['hwm'] / 1024:.1f} MiB (curl {t['curl_rss'] / 1024:.1f})")
    record("worker polling over HTTPS: CPU a poll", "ms", per * 1000, curl_per * 1000, "curl, one poll", "—", None)
    record("worker polling over HTTPS: peak RSS", "MiB", t["hwm"] / 1024, t["curl_rss"] / 1024, "curl", "—", None)


if __name__ == "__main__":
    main()
