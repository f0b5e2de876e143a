-- mart: mart_dx_encounter_months
-- grain: one row per discharge month, facility, attending specialty, primary payer, payer type, age band and sex with at least one encounter
-- depends: mart_dx_encounters
-- purpose: The additive cube of the diagnosis trends denominators (encounters seen per month and stratum, in a period): mart_dx_encounters counted per cell (each encounter in one cell, so adding cells is exact; discharge_date and coder_id are null). n_single_month counts the encounters of patients with no other encounter that month: each is one distinct patient of the month, under any filter; the patients with more than one come from mart_dx_encounters (is_month_repeat). A coder filter and partly covered months read mart_dx_encounters.
with final as (
    select cast(null as date) as discharge_date, discharge_month, month_end,
           facility_id, specialty_code, payer_id, cast(null as varchar) as coder_id,
           payer_type, age_band, sex,
           count(*) as n_encounters,
           sum(case when is_month_repeat = 0 then 1 else 0 end) as n_single_month
    from mart_dx_encounters
    group by discharge_month, month_end, facility_id, specialty_code, payer_id, payer_type, age_band, sex
)

select * from final order by discharge_month, facility_id, specialty_code, payer_id, payer_type, age_band, sex
