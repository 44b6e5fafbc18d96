"""One table for `make bench`: each benchmark records its figures here (Tests/artifacts/bench.jsonl,
or the file SORA_BENCH_RESULTS names), and `python3 Tests/Benchmarks/results.py` prints them, with
the baseline measured in the same run, the ratio and the issue's target.

    record("stream reading", "MB/s", ours, baseline=py, baseline_name="httpx-sse", target="≥ 10×", ok=ratio >= 10)
"""
import json
import os
import pathlib
import sys

# `make test`'s smoke run of the benchmarks keeps its rows apart (SORA_BENCH_RESULTS).
FILE = pathlib.Path(os.environ.get("SORA_BENCH_RESULTS") or pathlib.Path(__file__).resolve().parents[1] / "artifacts" / "bench.jsonl")


def percentile(xs, q):
    """The value at fraction q (0.99 for p99) of the sorted sample, the index clamped to it."""
    s = sorted(xs)
    return s[min(len(s) - 1, int(len(s) * q))]


def record(what, unit, value, baseline=None, baseline_name="", target="", ok=None, ratio=None):
    """Appends one row. `ratio` defaults to value / baseline."""
    FILE.parent.mkdir(parents=True, exist_ok=True)
    if ratio is None and baseline:
        ratio = value / baseline
    row = {"what": what, "unit": unit, "value": value, "baseline": baseline, "baseline_name": baseline_name,
           "ratio": ratio, "target": target, "ok": ok}
    with FILE.open("a") as f:
        f.write(json.dumps(row) + "\n")


def reset():
    FILE.parent.mkdir(parents=True, exist_ok=True)
    FILE.write_text("")


def fmt(x):
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"
    return str(x)


def main():
    if "--reset" in sys.argv:
        return reset()
    rows = [json.loads(l) for l in FILE.read_text().splitlines() if l.strip()] if FILE.exists() else []
    head = ["what", "ours", "baseline (same run)", "ratio", "target", ""]
    table = [[r["what"], f"{fmt(r['value'])} {r['unit']}", f"{r['baseline_name']}: {fmt(r['baseline'])}" if r["baseline"] is not None else "—",
              f"×{fmt(r['ratio'])}" if r["ratio"] is not None else "—", r["target"],
              {True: "ok", False: "MISSED", None: ""}[r["ok"]]] for r in rows]
    widths = [max(len(str(c)) for c in col) for col in zip(head, *table)] if table else [len(h) for h in head]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"
    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for t in table:
        print(line(t))
    if "--check" in sys.argv and any(r["ok"] is False for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
