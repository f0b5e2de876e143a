"""Shared pieces of the importer tests: where the samples are, a reference DB built once per session,
loading an importer's Parquet output, and running every dashboard query on the result.

Counts asserted by the importer tests are computed here-independently from the raw files with the csv
module (never with the importers' SQL).
"""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from codedash.data.database import memory_database
from codedash.data.importers.base import load_into
from codedash.queries import settings

REF_TABLES = ("ref_icd10cm", "ref_icd10pcs", "ref_msdrg", "ref_cc_mcc", "ref_hcc", "ref_specialty", "ref_pos",
              "ref_carc", "ref_procedure_labels", "ref_sources")


def shared(*parts: str) -> Path:
    """A folder or file of the shared samples; skips the test when it is absent."""
    path = Path(settings.get("shared_data")).joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared sample {path} not found (set CODEDASH_SHARED_DATA to the samples folder)")
    return path


@pytest.fixture(scope="session")
def reference_db(tmp_path_factory):
    """A DuckDB file holding only the reference tables (built once; about 20 s)."""
    from codedash.data.database import build_database
    from codedash.data.reference import build_reference

    path = tmp_path_factory.mktemp("importer_ref") / "ref.duckdb"
    build_database(path, build_reference)
    return path


def loaded(reference_db: Path, out_dir: Path):
    """A fresh canonical in-memory DB with the reference tables and the importer's Parquet files."""
    con = memory_database()
    con.execute(f"attach '{reference_db}' as ref (read_only)")
    for t in REF_TABLES:
        con.execute(f"insert into {t} select * from ref.{t}")
    con.execute("detach ref")
    load_into(con, out_dir)
    from tests.fixtures import with_marts    # as every build does, so the dashboard queries find their marts
    return with_marts(con)


def count(con, table: str, where: str = "true") -> int:
    return con.execute(f"select count(*) from {table} where {where}").fetchone()[0]


def rows(path: Path, delimiter: str = ",") -> tuple[list[str], list[dict[str, str]]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        return list(reader.fieldnames or []), list(reader)


def norm(code: str | None) -> str:
    return "".join((code or "").split()).replace(".", "").upper()


def assert_dashboard_queries_run(con) -> None:
    """Every queries/sql file and the overview page render run on the imported data without error."""
    from codedash.dashboard.pages import overview
    from codedash.queries.overview import overview_kpis
    from codedash.queries.params import ParameterError
    from codedash.queries.runner import catalog, run

    ran = 0
    for q in catalog():
        try:
            run(con, q.name, {})
        except ParameterError:
            continue   # a query that needs a parameter the page always passes (e.g. run_id)
        ran += 1
    assert ran >= 20
    assert overview_kpis(con)["kpis"]
    cards, period = overview.render(con, {})
    assert "No data" not in str(period)
    assert render_every_page(con) >= 1


_OPTIONAL = {"raw_sel", "raw_selection", "selection", "current", "finding_type"}


def render_every_page(con) -> int:
    """Call every page's pure render function (`render*` / `body_*` taking (con, raw_filters, ...)) and every
    declared panel (`PAGE.render_panel`) with no filters.

    Extra parameters are given their default, or None when they are a page-local selection; functions
    needing anything else are left to the pages' own tests. Returns how many ran (each without error).
    """
    import importlib
    import inspect

    from codedash.dashboard.pages.registry import PAGES

    ran = 0
    for page in PAGES:
        if not page.module:
            continue
        module = importlib.import_module(page.module)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or not name.startswith(("render", "body_")):
                continue
            params = list(inspect.signature(fn).parameters.values())
            if [p.name for p in params[:2]] != ["con", "raw_filters"]:
                continue
            extra = params[2:]
            if any(p.default is inspect.Parameter.empty and p.name not in _OPTIONAL for p in extra):
                continue
            fn(con, {}, *[None if p.default is inspect.Parameter.empty else p.default for p in extra])
            ran += 1
        declared = getattr(module, "PAGE", None)      # pages declared as panels (dashboard/panels.py)
        for panel in getattr(declared, "panels", ()):
            declared.render_panel(panel.key, con, {}, declared.default_state())
            ran += 1
    return ran


def assert_nothing_written(out_dir: Path) -> None:
    assert not out_dir.exists() or not any(out_dir.iterdir()), f"files written despite the error: {list(out_dir.iterdir())}"


def truncated_copy(src: Path, dst: Path) -> int:
    """Copy src to dst cut in the middle of its last record; returns that record's 1-based line number."""
    data = src.read_bytes()
    body = data.rstrip(b"\r\n")
    last_start = body.rfind(b"\n") + 1
    cut = last_start + max(1, (len(body) - last_start) // 3)
    dst.write_bytes(data[:cut])
    return body.count(b"\n") + 1
