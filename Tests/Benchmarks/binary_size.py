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
    record("release binary, stripped", "MB", size / 1e6, None, "", "≤ 20 MB", size / 1e6 <= 20)


if __name__ == "__main__":
    main()
