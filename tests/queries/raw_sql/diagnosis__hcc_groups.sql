-- purpose: Patients seen in a calendar year grouped by payer type or facility (of their last encounter that year in the filtered set), age, sex and the set of their ICD-10-CM codes that map to a CMS-HCC V28 category (ref_hcc): the input of the risk scores computed with hccinfhir (queries/risk_adjustment.py).
-- grain: one row per group (payer type or facility) x age x sex x distinct set of HCC-mapped codes with at least one patient.
-- params: filters, year int = 2025, group text = payer_type
-- counts: guarded n_patients; public age
-- Frozen copy (tests/queries/raw_reference.py): the query as it read mart_dx_encounters and mart_dx_codes,
-- with the last encounter's tie on a day broken by encounter id as the live query breaks it.
-- Only diagnoses of the filtered encounters of that year count. group is compared with fixed names
-- ('facility'; anything else means payer type). Age is the highest age_years of the year's encounters,
-- sex that of the last encounter. No row is about fewer than the suppression threshold once suppressed.
with encounters_ as (
    select patient_id, encounter_id, discharge_date, age_years, sex,
           case $group when 'facility' then facility_id else payer_type end as group_id
    from mart_dx_encounters
    where {{mart_filter}} and year(discharge_date) = $year
),

patients as (
    select patient_id,
           arg_max(group_id, (discharge_date, encounter_id)) as group_id,
           coalesce(max(age_years), 65) as age,
           arg_max(sex, (discharge_date, encounter_id)) as sex
    from encounters_
    group by patient_id
),

hcc_codes as (
    select distinct code from ref_hcc where model = 'V28'
),

codes as (
    select distinct c.patient_id, c.code
    from mart_dx_codes as c
    join hcc_codes as h on h.code = c.code
    where {{mart_filter}} and year(c.discharge_date) = $year and c.code_system = 'ICD10CM'
),

code_sets as (
    select patient_id, array_to_string(list_sort(list(code)), ',') as codes
    from codes
    group by patient_id
),

final as (
    select p.group_id, p.age, p.sex, coalesce(s.codes, '') as codes, count(*) as n_patients
    from patients as p
    left join code_sets as s on s.patient_id = p.patient_id
    group by p.group_id, p.age, p.sex, coalesce(s.codes, '')
)

select * from final order by group_id, age, sex, codes
