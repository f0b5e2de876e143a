"""`make bench` section: `codedash load` throughput (service lines per second) and peak memory.

Native files are generated with DuckDB (no Python row loops): N service lines in N/5 encounters with
valid codes and amounts, written as CSV and as Parquet. Each load runs in its own process into a copy
of a database that already has the reference tables (as a real site's database would), in replace
mode, with the whole check catalog; its peak RSS (ru_maxrss) is its own.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

GENERATE = """
copy (select 'E' || e as encounter_id, 'P' || (e % 200000) as patient_id, 'F' || (e % 5) as facility_id,
             'outpatient' as encounter_type, date '2023-10-01' + cast(e % 1000 as integer) as admit_date,
             date '2023-10-01' + cast(e % 1000 as integer) as discharge_date, 'PA' as payer_id,
             'medicare' as payer_type, cast(e % 95 as smallint) as age_years,
             case when e % 2 = 0 then 'F' else 'M' end as sex
      from range({n_enc}) t(e)) to '{dir}/encounters.{ext}' {opts};
copy (select 'E' || (i // 5) as encounter_id, cast(i % 5 + 1 as smallint) as line_number, 'C' || (i // 5) as claim_id,
             date '2023-10-01' + cast((i // 5) % 1000 as integer) as service_date, 'CPT' as code_system,
             ['99213', '99214', '36415', '80053', '71046'][i % 5 + 1] as code,
             cast(1 as decimal(10,2)) as units, cast(100 + i % 50 as decimal(14,2)) as charge_amount,
             cast(80 as decimal(14,2)) as allowed_amount, cast(60 as decimal(14,2)) as paid_amount
      from range({n}) t(i)) to '{dir}/service_lines.{ext}' {opts};
"""

CHILD = r"""
import json, resource, sys, time
from codedash.data.loading import load_native
files, db = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
report = load_native([files], db)
elapsed = time.perf_counter() - t0
print(json.dumps({"seconds": elapsed, "status": report.status,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rows": {t: c.rows_loaded for t, c in report.tables.items()}}))
"""


def generate(n: int, folder: Path, fmt: str) -> None:
    import duckdb

    folder.mkdir(parents=True, exist_ok=True)
    opts = "(header)" if fmt == "csv" else "(format parquet)"
    con = duckdb.connect()
    con.execute(GENERATE.format(n=n, n_enc=n // 5, dir=folder, ext=fmt, opts=opts))
    con.close()


def reference_db(path: Path) -> Path:
    from codedash.data.database import build_database
    from codedash.data.reference import build_reference

    build_database(path, build_reference)
    return path


def run(sizes: list[int], tmp: Path) -> list[dict]:
    """Print and return one row per size and format."""
    results: list[dict] = []
    base = reference_db(tmp / "reference.duckdb")
    print(f"\n== load (codedash load, native files, replace mode, all checks; {os.cpu_count()} cores) ==")
    print(f"  {'service lines':>14} {'format':<8} {'file MB':>8} {'seconds':>8} {'lines/s':>10} {'rows/s':>10} "
          f"{'peak MB':>8}  status", flush=True)
    for n in sizes:
        for fmt in ("csv", "parquet"):
            folder = tmp / f"files-{n}-{fmt}"
            generate(n, folder, fmt)
            size_mb = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
            db = tmp / "target.duckdb"
            shutil.copy(base, db)
            out = subprocess.run([sys.executable, "-c", CHILD, str(folder), str(db)], capture_output=True,
                                 text=True, cwd=ROOT)
            if out.returncode != 0:
                print(f"  {n:>14,} {fmt:<8} failed: {out.stderr.strip().splitlines()[-1:]}")
                results.append({"lines": n, "format": fmt, "failed": True})
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            rows = sum(r["rows"].values())
            results.append({"lines": n, "format": fmt, "file_mb": size_mb, "seconds": r["seconds"],
                            "lines_per_s": n / r["seconds"], "peak_mb": r["peak_rss_mb"], "status": r["status"]})
            print(f"  {n:>14,} {fmt:<8} {size_mb:>8,.0f} {r['seconds']:>8.1f} {n / r['seconds']:>10,.0f} "
                  f"{rows / r['seconds']:>10,.0f} {r['peak_rss_mb']:>8,.0f}  {r['status']}", flush=True)
            shutil.rmtree(folder)
            db.unlink()
    return results


def main() -> int:
    import tempfile

    sizes = [int(s) for s in os.environ.get("CODEDASH_BENCH_LOAD_SIZES", "1000000,10000000").split(",") if s]
    with tempfile.TemporaryDirectory(prefix="codedash-bench-load-") as tmp:
        run(sizes, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
