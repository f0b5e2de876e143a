"""`make bench`: speed and memory figures for building the demo and answering the overview.

Prints figures; never passes or fails on time. Each build runs in its own process so its peak
memory (ru_maxrss) is its own. Sizes: CODEDASH_BENCH_SIZES (default "default,large").
Then `codedash load` throughput for CODEDASH_BENCH_LOAD_SIZES service lines (default 1M and 10M; tests/benchmarks/load.py).
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUILD_CHILD = r"""
import json, resource, sys, time
from data.database import build_database
from data.demo import generate
from data.reference import build_reference
path, n = sys.argv[1], int(sys.argv[2])
t0 = time.perf_counter()
build_database(path, build_reference, lambda con: generate(con, n, seed=42))
elapsed = time.perf_counter() - t0
import duckdb
con = duckdb.connect(path, read_only=True)
lines = con.execute("select count(*) from service_lines").fetchone()[0]
print(json.dumps({"seconds": elapsed, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "service_lines": lines}))
"""

FILTER_CASES = {
    "all data": {},
    "last 12 months": {"start_date": "2025-10-01", "end_date": "2026-09-30"},
    "12 months, one payer": {"start_date": "2025-10-01", "end_date": "2026-09-30", "payers": ["P003"]},
    "12 months, 2 facilities + specialty": {"start_date": "2025-10-01", "end_date": "2026-09-30",
                                            "facilities": ["F001", "F003"], "specialties": ["11"]},
    "one coder": {"coders": ["C009"]},
}


def build(n: int, path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", BUILD_CHILD, str(path), str(n)], check=True,
                         capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2])
    return json.loads(out.stdout.strip().splitlines()[-1])


def time_overview(path: Path, repeats: int = 5) -> dict[str, tuple[float, float]]:
    from data.database import open_readonly
    from queries.overview import overview_kpis

    con = open_readonly(path)
    results = {}
    for name, filters in FILTER_CASES.items():
        overview_kpis(con, filters)                      # warm
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            overview_kpis(con, filters)
            times.append((time.perf_counter() - t0) * 1000)
        results[name] = (statistics.median(times), max(times))
    con.close()
    return results


def main() -> int:
    from data.demo import SIZES

    sizes = [s.strip() for s in os.environ.get("CODEDASH_BENCH_SIZES", "default,large").split(",") if s.strip()]
    print(f"codedash benchmark — {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="codedash-bench-") as tmp:
        for size in sizes:
            n = SIZES[size] if size in SIZES else int(size)
            path = Path(tmp) / f"{size}.duckdb"
            print(f"\n== demo build: {size} ({n:,} encounters) ==", flush=True)
            r = build(n, path)
            print(f"  build time (reference + generation): {r['seconds']:.1f} s")
            print(f"  service lines: {r['service_lines']:,} ({r['service_lines'] / r['seconds']:,.0f} lines/s)")
            print(f"  peak memory: {r['peak_rss_mb']:,.0f} MB")
            print(f"  file size: {path.stat().st_size / 1e6:,.0f} MB")
            print("  overview KPIs (both periods + monthly trend), median / max of 5 runs:", flush=True)
            for name, (median, worst) in time_overview(path).items():
                print(f"    {name:<38} {median:8.1f} ms {worst:8.1f} ms")
            path.unlink()
        from tests.benchmarks import load as load_bench    # codedash load throughput and memory
        load_sizes = [int(n) for n in os.environ.get("CODEDASH_BENCH_LOAD_SIZES", "1000000,10000000").split(",") if n]
        load_bench.run(load_sizes, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
