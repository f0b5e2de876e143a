-- mart: mart_dx_codes
-- grain: one row per encounter per distinct diagnosis code (code system + code)
-- depends: mart_dx_encounters
-- purpose: Numerators of the diagnosis trends page: each diagnosis code once per encounter (is_principal when it is in position 1, principal or first-listed), with its ICD-10-CM chapter, block and category from ref_icd10cm (ICD-9-CM codes keep their 3-character category and no chapter/block), the encounter's filter columns and strata, and its patient, so encounters and distinct patients with any set of codes are counted exactly. Sorted by category so a selection of codes reads few row groups.
with codes as (
    select d.encounter_id, d.code_system, d.code,
           max(case when d.sequence = 1 then 1 else 0 end) as is_principal
    from diagnoses as d
    group by d.encounter_id, d.code_system, d.code
),

final as (
    select c.encounter_id, e.encounter_key, e.patient_id, c.code_system, c.code, c.is_principal,
           case when c.code_system = 'ICD10CM' then coalesce(r.category, substr(c.code, 1, 3))
                else substr(c.code, 1, 3) end as category,
           case when c.code_system = 'ICD10CM' then r.block end as block,
           case when c.code_system = 'ICD10CM' then r.chapter end as chapter,
           e.discharge_date, e.discharge_month, e.facility_id, e.specialty_code, e.payer_id, e.coder_id,
           e.payer_type, e.age_band, e.sex
    from codes as c
    join mart_dx_encounters as e on e.encounter_id = c.encounter_id
    left join ref_icd10cm as r on r.code = c.code and c.code_system = 'ICD10CM'
)

select * from final order by code_system, category, code, discharge_date
