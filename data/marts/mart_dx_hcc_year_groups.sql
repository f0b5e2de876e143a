-- mart: mart_dx_hcc_year_groups
-- grain: one row per calendar year x grouping ('payer_type' or 'facility') x group x age x sex x set of HCC-mapped ICD-10-CM codes with at least one patient seen that year
-- depends: mart_dx_hcc_encounters
-- purpose: The risk adjustment view's answer for a whole calendar year without a dimension filter (the page's default), grouped at build time: each patient seen in the year once, attributed to the payer type and the facility of their last encounter of the year (highest recency), with the highest age of the year (65 when none is known), the sex of that last encounter and the sorted, comma-separated set of the year's HCC-mapped codes ('' for none), exactly as queries/sql/diagnosis__hcc_groups.sql computes them from mart_dx_hcc_encounters for any other filter. Sorted by year and grouping, so one year's groups are a few row groups.
with rows_ as (
    select patient_id, year(discharge_date) as year, recency, code, age_years, sex, payer_type, facility_id
    from mart_dx_hcc_encounters
),

patients as (
    select patient_id, year,
           arg_max(payer_type, recency) as payer_type,
           arg_max(facility_id, recency) as facility_id,
           coalesce(max(age_years), 65) as age,
           arg_max(sex, recency) as sex
    from rows_
    group by patient_id, year
),

code_sets as (
    select patient_id, year, array_to_string(list_sort(list(distinct code)), ',') as codes
    from rows_
    where code is not null
    group by patient_id, year
),

profiles as (
    select p.year, p.payer_type, p.facility_id, p.age, p.sex, coalesce(s.codes, '') as codes
    from patients as p
    left join code_sets as s on s.patient_id = p.patient_id and s.year = p.year
),

final as (
    select year, 'payer_type' as grouping, payer_type as group_id, age, sex, codes, count(*) as n_patients
    from profiles
    group by year, payer_type, age, sex, codes
    union all
    select year, 'facility' as grouping, facility_id as group_id, age, sex, codes, count(*) as n_patients
    from profiles
    group by year, facility_id, age, sex, codes
)

select * from final order by year, grouping, group_id, age, sex, codes
