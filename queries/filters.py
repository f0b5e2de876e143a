"""Global filter semantics, defined once for every query and every page.

Every filter is optional; absent or an empty list means "all". Dates select encounters
by discharge date (inclusive on both ends), as CMS PEPPER counts discharges. The other
filters select encounters whose facility / attending specialty / primary payer / coder
is in the list. The server-side scope (facilities this user may see) is applied on top
and never comes from the browser.
"""
from __future__ import annotations

from dataclasses import dataclass

from codedash.queries.params import ParamSpec

FILTER_SPECS: tuple[ParamSpec, ...] = (
    ParamSpec("start_date", "date"),
    ParamSpec("end_date", "date"),
    ParamSpec("facilities", "list[text]"),
    ParamSpec("specialties", "list[text]"),
    ParamSpec("payers", "list[text]"),
    ParamSpec("coders", "list[text]"),
)
FILTER_NAMES = tuple(s.name for s in FILTER_SPECS)

# The global filter predicate, written once. It names the encounter's columns unqualified, so it
# applies to `encounters` and to every mart that carries them (discharge_date, facility_id,
# specialty_code, payer_id, coder_id): included as {{encounter_filter}} in a single-table WHERE.
# Static text owned by the project: user values are bound as parameters, never formatted in.
DATE_FILTER_SQL = """($start_date::date is null or discharge_date >= $start_date::date)
      and ($end_date::date is null or discharge_date <= $end_date::date)"""
DIMENSION_FILTER_SQL = """($facilities::varchar[] is null or list_contains($facilities::varchar[], facility_id))
      and ($specialties::varchar[] is null or list_contains($specialties::varchar[], specialty_code))
      and ($payers::varchar[] is null or list_contains($payers::varchar[], payer_id))
      and ($coders::varchar[] is null or list_contains($coders::varchar[], coder_id))
      and ($scope_facilities::varchar[] is null or list_contains($scope_facilities::varchar[], facility_id))"""
ENCOUNTER_FILTER_SQL = "{{date_filter}}\n      and {{dimension_filter}}"

# A discharge month lies wholly inside the date window: the monthly cube answers it.
FULL_MONTHS_SQL = """($start_date::date is null or discharge_month >= $start_date::date)
      and ($end_date::date is null or month_end <= $end_date::date)"""

# The complement of {{full_months}} inside the date window, on a mart's own discharge_date: the days of the
# window's first and last month when those are only partly covered. Written as ranges with constant bounds
# (the first whole month's start, the end of the last whole month) so DuckDB skips every row group of the
# whole months instead of testing each row's month; a window inside one month is all partial days. Used
# with {{encounter_filter}} on the encounter-level twin of a cube that carries every filter dimension.
_FIRST_WHOLE = "cast(date_trunc('month', $start_date::date - interval 1 day) + interval 1 month as date)"
_AFTER_WHOLE = "cast(date_trunc('month', $end_date::date + interval 1 day) as date)"
PARTIAL_MONTHS_SQL = f"""(($start_date::date is not null and discharge_date < {_FIRST_WHOLE})
       or ($end_date::date is not null and discharge_date >= {_AFTER_WHOLE}
           and ($start_date::date is null or discharge_date >= {_FIRST_WHOLE})))"""


def _cube_rows(cube: str, detail: str) -> str:
    """The filtered rows of a monthly cube as if they were encounter rows.

    Whole months of the date window come from the cube; the days of partly covered months come from its
    encounter-level twin with the same columns, and so does everything when a coder filter is set (cubes
    have no coder). DuckDB drops the branch a bound parameter rules out. Every measure is additive, so
    the union sums exactly. `cube` and `detail` are mart names written below, never user input.
    """
    return f"""(
    select * from {cube}
    where $coders::varchar[] is null and {{{{dimension_filter}}}} and {{{{full_months}}}}
    union all
    select * from {detail}
    where {{{{encounter_filter}}}} and ($coders::varchar[] is not null or not ({{{{full_months}}}}))
)"""


# {{monthly_claims}}: data/marts/mart_monthly_claims.sql; {{monthly_procedures}}: mart_lines_procedures_monthly.sql.
MONTHLY_CLAIMS_SQL = _cube_rows("mart_monthly_claims", "mart_monthly_claims_by_encounter")
MONTHLY_PROCEDURES_SQL = _cube_rows("mart_lines_procedures_monthly", "mart_lines_procedures")

# The filtered encounter set with every column of `encounters`; query files include it as {{filtered_encounters}}.
FILTERED_ENCOUNTERS_SQL = """(
    select e.*
    from encounters as e
    where {{encounter_filter}}
)"""

# Claims of the filtered encounters with their outcome on the payer's first adjudication. The HFMA
# initial-denial rule itself is written once, in data/marts/mart_claims_initial.sql; this fragment
# only applies the global filters to that mart. Included as {{initial_claims}}.
INITIAL_CLAIMS_SQL = """(
    select c.*
    from mart_claims_initial as c
    where {{encounter_filter}}
)"""

# Parameters the runner binds itself; a caller can never supply them.
SCOPE_PARAM = "scope_facilities"


@dataclass(frozen=True)
class Scope:
    """Facilities a user may see. None = all (today's only scope; later: from the signed-in user)."""
    facilities: tuple[str, ...] | None = None

    def bind_value(self) -> list[str] | None:
        return None if self.facilities is None else list(self.facilities)


ALL = Scope()
