-- mart: mart_lines_procedures
-- grain: one row per claim, encounter, procedure code (code system and code) and CARC category of denial (null = not denied) of lines adjudicated for the first time
-- depends: mart_encounters
-- purpose: Line-level initial denials per CPT/HCPCS code with the encounter's filter dimensions, narrow and kept out of the shared marts because procedure codes are many: the denial-rate-by-procedure view reads it instead of joining adjudications to service lines.
with initial_lines as (
    select j.claim_id, j.encounter_id, s.code_system, s.code, j.billed_amount,
           case when j.denied then coalesce(r.category, 'uncategorised') end as denied_category
    from adjudications as j
    join service_lines as s on s.encounter_id = j.encounter_id and s.line_number = j.line_number
    left join ref_carc as r on r.carc_code = j.carc_code
    where j.adjudication_seq = 1 and s.code is not null
),

grouped as (
    select claim_id, encounter_id, code_system, code, denied_category,
           count(*) as n_lines,
           sum(billed_amount) as billed_amount
    from initial_lines
    group by claim_id, encounter_id, code_system, code, denied_category
),

final as (
    select g.claim_id, g.encounter_id, g.code_system, g.code, g.denied_category, g.n_lines, g.billed_amount,
           e.discharge_date, e.discharge_month, e.facility_id, e.specialty_code, e.payer_id, e.coder_id
    from grouped as g
    join mart_encounters as e on e.encounter_id = g.encounter_id
)

select * from final order by discharge_date, claim_id, code_system, code
