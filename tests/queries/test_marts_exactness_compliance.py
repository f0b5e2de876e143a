"""The compliance marts give the raw-table answer: per entity numerator and denominator of several measures,
written here again straight from the canonical tables, equal on the small demo under several filters."""
from __future__ import annotations

import pytest

from codedash.queries import compliance

FILTERS = [{}, {"start_date": "2025-01-01", "end_date": "2025-12-31"}, {"facilities": ["F002", "F003"]},
           {"payers": ["P001"], "coders": ["C001", "C002", "C005", "C012"]}]

_WHERE = """($start_date::date is null or e.discharge_date >= $start_date::date)
  and ($end_date::date is null or e.discharge_date <= $end_date::date)
  and ($facilities::varchar[] is null or list_contains($facilities::varchar[], e.facility_id))
  and ($payers::varchar[] is null or list_contains($payers::varchar[], e.payer_id))
  and ($coders::varchar[] is null or list_contains($coders::varchar[], e.coder_id))"""

RAW = {
    "EM_OFFICE_EST_HIGH": f"""
        select e.attending_provider_id as entity_id,
               sum(case when s.code in ('99214', '99215') then 1 else 0 end) as numerator, count(*) as denominator
        from service_lines s join encounters e using (encounter_id)
        where s.code in ('99211', '99212', '99213', '99214', '99215') and e.attending_provider_id is not null
          and {_WHERE}
        group by 1""",
    "MOD25_PROV": f"""
        select e.attending_provider_id as entity_id,
               sum(case when '25' in (coalesce(s.modifier_1, ''), coalesce(s.modifier_2, ''), coalesce(s.modifier_3, ''),
                                      coalesce(s.modifier_4, ''))
                         and exists (select 1 from service_lines p join ref_procedure_labels pl
                                       on pl.code_system = p.code_system and pl.code = p.code
                                     where p.encounter_id = s.encounter_id and p.service_date = s.service_date
                                       and pl.category = 'surgery') then 1 else 0 end) as numerator,
               count(*) as denominator
        from service_lines s join encounters e using (encounter_id)
        join ref_procedure_labels l on l.code_system = s.code_system and l.code = s.code
        where l.em_family is not null and l.em_family <> '' and e.attending_provider_id is not null and {_WHERE}
        group by 1""",
    "UNSPEC_CODER": f"""
        select e.coder_id as entity_id, sum(case when r.unspecified then 1 else 0 end) as numerator,
               count(*) as denominator
        from diagnoses d join encounters e using (encounter_id) left join ref_icd10cm r on r.code = d.code
        where d.code_system = 'ICD10CM' and e.coder_id is not null and {_WHERE}
        group by 1""",
    "PEP_MCC_FAC": f"""
        select e.facility_id as entity_id, sum(case when m.severity = 'MCC' then 1 else 0 end) as numerator,
               count(*) as denominator
        from encounters e join ref_msdrg m on m.drg_version = e.drg_version and m.drg_code = e.drg_code
        where e.encounter_type = 'inpatient' and {_WHERE}
          and m.base_drg in (select base_drg from ref_msdrg x where x.drg_version = m.drg_version
                             group by base_drg having count(*) > 1 and max(case when severity = 'MCC' then 1 else 0 end) = 1)
        group by 1""",
    "NCCI_MUE_PROV": f"""
        with units as (
            select s.encounter_id, s.code, s.service_date, sum(s.units) as day_units, max(s.units) as line_units
            from service_lines s group by 1, 2, 3)
        select e.attending_provider_id as entity_id,
               count(distinct case when (m.adjudication_indicator = '1' and u.line_units > m.mue_value)
                                     or (m.adjudication_indicator <> '1' and u.day_units > m.mue_value)
                                   then u.encounter_id end) as numerator,
               count(distinct u.encounter_id) as denominator
        from units u join ncci_mue m on m.code = u.code join encounters e using (encounter_id)
        where e.attending_provider_id is not null and {_WHERE}
        group by 1""",
    "DENIAL_CODING_PROV": f"""
        with claims as (
            select a.claim_id, min(a.encounter_id) as encounter_id,
                   max(case when a.denied and c.coding_related then 1 else 0 end) as coding_denied
            from adjudications a left join ref_carc c on c.carc_code = a.carc_code
            where a.adjudication_seq = 1 group by a.claim_id)
        select e.attending_provider_id as entity_id, sum(coding_denied) as numerator, count(*) as denominator
        from claims join encounters e using (encounter_id)
        where e.attending_provider_id is not null and {_WHERE}
        group by 1""",
}


@pytest.fixture(scope="module")
def demo(small_demo_db):
    from codedash.data.database import open_readonly
    return open_readonly(small_demo_db)


@pytest.mark.parametrize("measure_id", sorted(RAW))
@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f) or "all")
def test_mart_equals_the_raw_tables(demo, measure_id, filters):
    params = {"start_date": None, "end_date": None, "facilities": None, "payers": None, "coders": None, **filters}
    raw = demo.execute(RAW[measure_id], params).df()
    raw = {r.entity_id: (int(r.numerator), int(r.denominator)) for r in raw.itertuples() if r.denominator > 0}
    got = compliance.measure_values(demo, measure_id, filters, suppressed=False)
    got = {r.entity_id: (int(r.numerator), int(r.denominator)) for r in got.itertuples()}
    assert got == raw
    assert raw, "the comparison saw data"
