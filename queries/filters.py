"""Global filter semantics, defined once for every query and every page.

Every filter is optional; absent or an empty list means "all". Dates select encounters
by discharge date (inclusive on both ends), as CMS PEPPER counts discharges. The other
filters select encounters whose facility / attending specialty / primary payer / coder
is in the list. The server-side scope (facilities this user may see) is applied on top
and never comes from the browser.
"""
from __future__ import annotations

from dataclasses import dataclass

from queries.params import ParamSpec

FILTER_SPECS: tuple[ParamSpec, ...] = (
    ParamSpec("start_date", "date"),
    ParamSpec("end_date", "date"),
    ParamSpec("facilities", "list[text]"),
    ParamSpec("specialties", "list[text]"),
    ParamSpec("payers", "list[text]"),
    ParamSpec("coders", "list[text]"),
)
FILTER_NAMES = tuple(s.name for s in FILTER_SPECS)

# The SQL of the filtered encounter set; query files include it as {{filtered_encounters}}.
# Static text owned by the project: user values are bound as parameters, never formatted in.
FILTERED_ENCOUNTERS_SQL = """(
    select e.*
    from encounters as e
    where ($start_date::date is null or e.discharge_date >= $start_date::date)
      and ($end_date::date is null or e.discharge_date <= $end_date::date)
      and ($facilities::varchar[] is null or list_contains($facilities::varchar[], e.facility_id))
      and ($specialties::varchar[] is null or list_contains($specialties::varchar[], e.specialty_code))
      and ($payers::varchar[] is null or list_contains($payers::varchar[], e.payer_id))
      and ($coders::varchar[] is null or list_contains($coders::varchar[], e.coder_id))
      and ($scope_facilities::varchar[] is null or list_contains($scope_facilities::varchar[], e.facility_id))
)"""

# Claims of the filtered encounters with their outcome on the payer's first adjudication: the HFMA
# initial-denial rule, written once. A claim is denied when any of its lines was denied on first
# adjudication (adjudication_seq = 1); denied dollars are the billed charges of the denied lines.
# Included as {{initial_claims}}; it includes the filtered encounters itself.
INITIAL_CLAIMS_SQL = """(
    select j.claim_id,
           min(j.encounter_id) as encounter_id,
           sum(j.billed_amount) as billed_amount,
           sum(case when j.denied then j.billed_amount else 0 end) as denied_amount,
           max(case when j.denied then 1 else 0 end) as is_denied
    from adjudications as j
    join {{filtered_encounters}} as fe on fe.encounter_id = j.encounter_id
    where j.adjudication_seq = 1
    group by j.claim_id
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
