#!/usr/bin/env python3
"""Size of the release binary, stripped, and what it links: the deployable piece that every
worker maps. Target (issue 9): ≤ 20 MB stripped, no ICU.

    python3 Tests/Benchmarks/binary_size.py [--bin .build/release/sora]
"""
import argparse
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "Benchmarks"))


def worker_layout(binary):
    """How much of packaging/worker-order.txt the binary still has, and how many 64 KB blocks of
    its code those functions touch (the kernel's fault-around unit): the file goes stale as the
    worker changes (`make worker-order` rewrites it), which costs memory, never correctness."""
    wanted = set((ROOT / "packaging" / "worker-order.txt").read_text().split())
    nm = subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True).stdout
    found = [(p[2], int(p[0], 16)) for p in (l.split() for l in nm.splitlines()) if len(p) == 3 and p[2] in wanted]
    blocks = {addr >> 16 for _, addr in found}
    return (f"worker's functions (packaging/worker-order.txt): {len({n for n, _ in found})} of {len(wanted)} found, "
            f"in {len(blocks)} blocks of 64 KB ({len(blocks) * 64 / 1024:.1f} MiB)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / ".build" / "release" / "sora"))
    a = ap.parse_args()
    from results import record
    with tempfile.TemporaryDirectory() as tmp:
        stripped = os.path.join(tmp, "sora")
        subprocess.run(["strip", "-o", stripped, a.bin], check=True)
        size = os.path.getsize(stripped)
    libs = subprocess.run(["ldd", a.bin], capture_output=True, text=True).stdout
    icu = [l.split()[0] for l in libs.splitlines() if "icu" in l.lower()]
    foundation = subprocess.run(["sh", "-c", f"strings -n 12 {a.bin} | grep -c 'icudt\\|ICU_DATA' || true"], capture_output=True, text=True).stdout.strip()
    print(f"{a.bin}: {os.path.getsize(a.bin) / 2**20:.1f} MiB, stripped {size / 2**20:.1f} MiB; ICU libraries linked: {icu or 'none'}; "
          f"ICU data markers: {foundation}")
    print(subprocess.run(["size", a.bin], capture_output=True, text=True).stdout)
    print(worker_layout(a.bin))
    record("release binary, stripped", "MB", size / 1e6, None, "", "≤ 20 MB", size / 1e6 <= 20)


if __name__ == "__main__":
    main()
