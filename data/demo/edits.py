"""The demo's NCCI edit set — a DEMONSTRATION SET generated for the demo data, not CMS's — and its planted violations.

The PTP pairs and MUE values below are made up for the demo's procedure mix (edit_source = 'demo' on every
row; data/README.md and the compliance page say so). They are not CMS edits and must not be read as such;
a real CMS file loads with `codedash load-edits PATH` and replaces them.

Planted, deterministically, after the encounters are generated (ground truth GT08 and GT09):
- GT08 (PTP): the attending provider with the most encounters billing an ECG with reading (93000) and a
  venipuncture (36415) on one date — ties by provider id — has the venipuncture line of each such encounter
  billed as 93010 (ECG reading only) with no modifier: the demo pair 93000/93010 has modifier indicator 0.
- GT09 (MUE): the physical-therapy (specialty 65) provider with the most encounters billing therapeutic
  exercise (97110) — ties by id — bills 6 units on each such line; the demo MUE of 97110 is 4 (MAI 3).
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

DEMO_RELEASE = "demonstration set — not CMS's"
_EFFECTIVE = dt.date(2023, 1, 1)

# column 1, column 2, modifier indicator ('0' never separately billable; '1' an NCCI modifier bypasses)
DEMO_PTP = [
    ("93000", "93010", "0"),
    ("93000", "93005", "0"),
    ("80053", "82947", "0"),
    ("29881", "20610", "1"),
    ("17000", "11102", "1"),
    ("45378", "43239", "1"),
    ("70450", "70486", "1"),
]
# code, MUE value, adjudication indicator
DEMO_MUE = [
    ("97110", 4, "3"), ("97140", 4, "3"), ("J1100", 10, "3"), ("J3301", 8, "3"), ("93000", 2, "2"),
    ("20610", 2, "1"), ("99213", 1, "2"), ("99214", 1, "2"), ("99215", 1, "2"),
]


def edit_rows() -> tuple[pd.DataFrame, pd.DataFrame]:
    """(ncci_ptp rows, ncci_mue rows) of the demonstration set."""
    ptp = pd.DataFrame([(c1, c2, _EFFECTIVE, None, m, "demo", None, DEMO_RELEASE) for c1, c2, m in DEMO_PTP],
                       columns=["column1_code", "column2_code", "effective_date", "deletion_date",
                                "modifier_indicator", "edit_source", "source_file", "release"])
    mue = pd.DataFrame([(c, v, a, "demo", "demo", None, DEMO_RELEASE) for c, v, a in DEMO_MUE],
                       columns=["code", "mue_value", "adjudication_indicator", "service_type", "edit_source",
                                "source_file", "release"])
    return ptp, mue


_PTP_PROVIDER_SQL = """
select e.attending_provider_id
from service_lines as a
join service_lines as b on b.encounter_id = a.encounter_id and b.service_date = a.service_date
join encounters as e on e.encounter_id = a.encounter_id
where a.code = '93000' and b.code = '36415' and e.attending_provider_id is not null
group by e.attending_provider_id
order by count(distinct a.encounter_id) desc, e.attending_provider_id
limit 1
"""

_MUE_PROVIDER_SQL = """
select e.attending_provider_id
from service_lines as s
join encounters as e on e.encounter_id = s.encounter_id
where s.code = '97110' and e.specialty_code = '65' and e.attending_provider_id is not null
group by e.attending_provider_id
order by count(distinct s.encounter_id) desc, e.attending_provider_id
limit 1
"""


def plant(con) -> list[tuple]:
    """Install the demonstration edit set and plant GT08/GT09; returns their ground-truth rows."""
    ptp, mue = edit_rows()
    for table, df in (("ncci_ptp", ptp), ("ncci_mue", mue)):
        con.execute(f"delete from {table}")                 # table: one of two literals
        con.register("_demo_edits", df)
        con.execute(f"insert into {table} by name select * from _demo_edits")   # the same literal table
        con.unregister("_demo_edits")
    rows = []
    found = con.execute(_PTP_PROVIDER_SQL).fetchone()
    if found:
        con.execute("""
            update service_lines as s set code = '93010', modifier_1 = null, modifier_2 = null
            from (select b.encounter_id, min(b.line_number) as line_number
                  from service_lines as a
                  join service_lines as b on b.encounter_id = a.encounter_id and b.service_date = a.service_date
                  join encounters as e on e.encounter_id = a.encounter_id
                  where a.code = '93000' and b.code = '36415' and e.attending_provider_id = $p
                  group by b.encounter_id) as t
            where s.encounter_id = t.encounter_id and s.line_number = t.line_number""", {"p": found[0]})
        rows.append(("GT08", "ncci_ptp", "provider", found[0],
                     "Provider bills ECG reading only (93010) with a full ECG (93000) on one date, no modifier "
                     "(demonstration PTP pair 93000/93010, modifier indicator 0); peers never do.", None,
                     "93000/93010"))
    found = con.execute(_MUE_PROVIDER_SQL).fetchone()
    if found:
        con.execute("""
            update service_lines as s set units = 6
            from encounters as e
            where e.encounter_id = s.encounter_id and s.code = '97110' and e.attending_provider_id = $p""",
                    {"p": found[0]})
        rows.append(("GT09", "ncci_mue", "provider", found[0],
                     "Physical therapist bills 6 units of 97110 per date against a demonstration MUE of 4; "
                     "peers bill at most 3.", None, "97110"))
    return rows
