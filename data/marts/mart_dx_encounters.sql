-- mart: mart_dx_encounters
-- grain: one row per encounter
-- depends: none
-- purpose: Denominators of the diagnosis trends page: every encounter with the global filter columns (discharge date and month, facility, attending specialty, payer, coder) and the research strata (payer type, age band, sex) and its patient, so encounters seen and distinct patients seen can be counted exactly for any selection of months and strata. Age bands are written once, here. is_month_repeat marks the encounters of a patient with more than one encounter in the month: a patient with a single one is a distinct patient of that month under any filter, so patients seen per month add up except over repeat rows. Sorted by is_month_repeat, then discharge date, so the distinct count over repeat rows reads only their row groups (about 7% of the rows) and a date window still reads only its row groups in each part.
with final as (
    select e.encounter_id,
           -- a dense integer key: the co-occurrence views join and group encounters on it (a string key
           -- costs about twice as much per row at 10M)
           row_number() over (order by e.encounter_id) as encounter_key,
           e.patient_id,
           e.discharge_date,
           cast(date_trunc('month', e.discharge_date) as date) as discharge_month,
           e.facility_id, e.specialty_code, e.payer_id, e.coder_id,
           coalesce(e.payer_type, 'unknown') as payer_type,
           case when e.age_years is null then 'unknown'
                when e.age_years < 18 then '0-17'
                when e.age_years < 45 then '18-44'
                when e.age_years < 65 then '45-64'
                when e.age_years < 75 then '65-74'
                else '75+' end as age_band,
           coalesce(e.sex, 'U') as sex,
           e.age_years,
           last_day(e.discharge_date) as month_end,
           case when count(*) over (partition by e.patient_id, cast(date_trunc('month', e.discharge_date) as date)) > 1
                then 1 else 0 end as is_month_repeat
    from encounters as e
)

select * from final order by is_month_repeat, discharge_date, encounter_id
