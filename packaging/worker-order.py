#!/usr/bin/env python3
"""Writes packaging/worker-order.txt: the functions of the release binary that a worker runs,
for lld's --symbol-ordering-file (the Makefile's RELEASE flags).

Why: the kernel maps a binary's code 64 KB around each first touch (fault-around), and a
worker's code lay spread over 13 MB of text, so 7.8 MiB of it counted in every worker's RSS.
Linked first, together, it takes about 5 MiB; most of what remains sits in the Swift runtime's
and Foundation's prebuilt objects, which lld can move only as whole sections.

How: real workers run under valgrind's callgrind, on a stack with the simulated upstream, one
job per task protocol (chat stream, Ark, DashScope, /v1/videos) to local storage, then to S3
(moto) with a multipart upload. Only names are kept; a name the binary no longer has is skipped
by lld, so a stale file costs memory, never correctness. Run it after changing the worker:

    make build-release && .venv/bin/python packaging/worker-order.py
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "EndToEnd"))
sys.path.insert(0, str(ROOT / "Tests" / "Doubles"))
OUT = ROOT / "packaging" / "worker-order.txt"
MODELS = ["sora-v2-portrait", "seedance-2-0", "wan-2-7-t2v", "seedance-2-0-videos"]


def collect(binary, work):
    """Function names of `binary` that callgrind saw run in any worker."""
    names = set()
    for out in work.glob("cg.*.out"):
        obj = None
        for line in out.open(errors="replace"):
            if line.startswith("ob="):
                obj = line[3:].strip()
            elif line.startswith("fn=") and obj == str(binary):
                name = re.sub(r"'\d+$", "", line[3:].strip())  # callgrind's recursion marks
                if not name.startswith("0x"):
                    names.add(name)
    return names


def run_jobs(wrapper, work, env, models, prompt):
    os.environ["SORA_BIN"] = str(wrapper)
    from stack import Stack, free_port, stack_dir
    st = Stack(stack_dir("order"), free_port(), extra_env=env).start()
    try:
        for model in models:
            r = st.generate(prompt, model=model)
            r.raise_for_status()
            doc = st.wait(r.json()["task_id"], timeout=600)
            print(f"{model}: {doc['status']}", flush=True)
            assert doc["status"] == "succeeded", doc
    finally:
        st.stop()
        shutil.rmtree(st.dir, ignore_errors=True)


def main():
    release = ROOT / ".build" / "release" / "sora"
    if shutil.which("valgrind") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "valgrind"], check=True)
    with tempfile.TemporaryDirectory(prefix="sora-order-") as tmp:
        work = pathlib.Path(tmp)
        # Debian 12's valgrind can't read the DWARF 5 the toolchain writes; the symbol table is enough.
        plain = work / "sora"
        subprocess.run(["objcopy", "--strip-debug", str(release), str(plain)], check=True)
        wrapper = work / "sora-wrapper"
        wrapper.write_text(
            "#!/bin/sh\n"
            f'[ "$1" = worker ] && exec {shutil.which("valgrind")} -q --tool=callgrind --demangle=no --compress-strings=no '
            f'--callgrind-out-file={work}/cg.%p.out {plain} "$@"\n'
            f'exec {release} "$@"\n')
        wrapper.chmod(0o755)
        run_jobs(wrapper, work, {"SORA_POLL_INTERVAL": "1"}, MODELS, "a worker's usual path")
        from doubles import Moto
        moto = Moto()
        try:
            s3 = moto.storage_env(SORA_POLL_INTERVAL="1", STORAGE_MULTIPART_THRESHOLD="5M")
            run_jobs(wrapper, work, s3, MODELS[:2], "to S3 in parts [sim:big=12]")
        finally:
            moto.stop()
        names = collect(plain, work)
    OUT.write_text("".join(n + "\n" for n in sorted(names)))
    print(f"{OUT.relative_to(ROOT)}: {len(names)} functions")


if __name__ == "__main__":
    main()
