-- purpose: Patients seen in a calendar year grouped by payer type or facility (of their last encounter that year in the filtered set), age, sex and the set of their ICD-10-CM codes that map to a CMS-HCC V28 category (ref_hcc): the input of the risk scores computed with hccinfhir (queries/risk_adjustment.py).
-- grain: one row per group (payer type or facility) x age x sex x distinct set of HCC-mapped codes with at least one patient.
-- params: filters, year int = 2025, group text = payer_type
-- counts: guarded n_patients; public age
-- Only diagnoses of the filtered encounters of that year count. group is compared with fixed names
-- ('facility'; anything else means payer type). Age is the highest age_years of the year's encounters,
-- sex that of the last encounter (latest discharge date, then highest encounter id: mart_dx_hcc_encounters'
-- recency). A whole year without a dimension filter (the page's default) is read grouped from
-- mart_dx_hcc_year_groups; any other filter scans that year's rows of mart_dx_hcc_encounters (an
-- encounter's row per HCC-mapped code, or one row without a code), which the mart's groups were built from
-- the same way. No row is about fewer than the suppression threshold once suppressed.
with whole_year as (
    select {{dx_no_dimensions}}
           and ($start_date::date is null or $start_date::date <= make_date($year, 1, 1))
           and ($end_date::date is null or $end_date::date >= make_date($year, 12, 31)) as yes
),

rows_ as (
    select patient_id, recency, code, age_years, sex,
           case $group when 'facility' then facility_id else payer_type end as group_id
    from mart_dx_hcc_encounters
    where {{mart_filter}}
      and discharge_date between make_date($year, 1, 1) and make_date($year, 12, 31)
      and not (select yes from whole_year)
),

patients as (
    select arg_max(group_id, recency) as group_id,
           coalesce(max(age_years), 65) as age,
           arg_max(sex, recency) as sex,
           coalesce(array_to_string(list_sort(list_distinct(list(code))), ','), '') as codes
    from rows_
    group by patient_id
),

final as (
    select group_id, age, sex, codes, n_patients
    from mart_dx_hcc_year_groups
    where (select yes from whole_year) and year = $year
      and grouping = case $group when 'facility' then 'facility' else 'payer_type' end
    union all
    select group_id, age, sex, codes, count(*) as n_patients
    from patients
    group by group_id, age, sex, codes
)

select * from final order by group_id, age, sex, codes
