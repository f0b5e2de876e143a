"""Mart builds outside a database, DuckDB vs Spark local[2], from the same Parquet dataset (`make bench`).

For each database: `codedash export --format parquet` once, then `codedash marts build` on each engine, each in
its own process so its peak memory is its own: seconds, service lines per second, and the peak resident memory
of the command's process tree (for Spark: Python plus the JVM running Spark's driver and executors in local mode). Run alone:
    python -m tests.benchmarks.engines var/bench/1M-<version>.duckdb [...]
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINES = ("duckdb", "spark")


def _tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants (Linux /proc), in MB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/statm") as f:
                rss[int(entry)] = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total / 1e6


def _timed(argv: list[str]) -> tuple[float, float, str]:
    """(seconds, peak resident memory of the command's whole process tree in MB, sampled every 0.2 s, output)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, text=True)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, _tree_rss_mb(proc.pid))
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        log.seek(0)
        out = log.read()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{out[-3000:]}")
    return seconds, peak, out


def measure(db: Path, engines=ENGINES) -> dict:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    lines = con.execute("select count(*) from service_lines").fetchone()[0]
    con.close()
    result = {"db": db.name, "service_lines": lines, "engines": {}}
    cli = [sys.executable, "-m", "codedash.dashboard.cli"]
    with tempfile.TemporaryDirectory(prefix="codedash-bench-engines-") as tmp:
        lake = Path(tmp) / "lake"
        seconds, _, _ = _timed([*cli, "export", "--db", str(db), "--out", str(lake)])
        result["export_s"] = seconds
        result["lake_mb"] = sum(f.stat().st_size for f in lake.rglob("*.parquet")) / 1e6
        for engine in engines:
            out_dir = Path(tmp) / f"marts-{engine}"
            seconds, peak, _ = _timed([*cli, "marts", "build", "--engine", engine, "--input", str(lake),
                                       "--output", str(out_dir)])
            result["engines"][engine] = {
                "seconds": seconds, "lines_per_s": lines / seconds, "peak_mb": peak,
                "marts_mb": sum(f.stat().st_size for f in out_dir.rglob("*.parquet")) / 1e6}
            print(f"  {db.name}: {engine:<6} {seconds:7.1f} s  {lines / seconds:12,.0f} lines/s  "
                  f"peak {peak:,.0f} MB", flush=True)
    return result


def main(argv: list[str]) -> int:
    results = [measure(Path(p)) for p in argv]
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
