-- purpose: Encounters with the selected diagnoses and all encounters seen, distinct patients with them and all distinct patients seen, by discharge month and one stratum (age band, sex, payer type, facility or none), and with with_total each month's all-strata row beside its strata: numerators and denominators of the rates per 1,000 (queries/stats/rates.py).
-- grain: one row per discharge month and stratum value with at least one encounter in the filtered set (is_total false), plus with a stratum and with_total one row per month over all strata (stratum 'All', is_total true); without a stratum the one row per month is its total (stratum 'all', is_total true).
-- params: filters, dx_chapters list[text], dx_blocks list[text], dx_categories list[text], dx_codes list[text], principal_only bool = false, stratum text = none, with_total bool = false
-- counts: guarded n_encounters, n_patients; part dx_encounters <- n_encounters; part dx_patients <- n_patients
-- totals: parts n_encounters, n_patients, dx_encounters, dx_patients by month
-- Denominators come from mart_dx_encounter_months and mart_dx_encounters, numerators from mart_dx_codes, all under the same filters;
-- patients are distinct within a month and stratum (not additive across months, nor across strata: the
-- all-strata row counts its own). stratum is compared with fixed names (an allow-list in SQL); anything
-- else means no stratum. Each row of every source is read once and counted in its stratum and, with
-- with_total, also in its month's total (the `views` cross join), so the stratified view is one query.
with views as (
    select is_total from (values (false), (true)) as t(is_total)
    where not is_total or ($with_total and coalesce($stratum, 'none') in ('age_band', 'sex', 'payer_type', 'facility'))
),

denominators as (
    -- encounters add up (the monthly cube for whole months without a coder filter, encounter rows otherwise);
    -- a patient with one encounter in the month is one patient of it under any filter, so patients seen are
    -- those single encounters added up plus a distinct count over the month's repeat patients only
    select month, is_total, stratum, cast(sum(n_enc) as bigint) as n_encounters, cast(sum(n_pat) as bigint) as n_patients
    from (
        select discharge_month as month, v.is_total, case when v.is_total then 'All' else case $stratum when 'age_band' then age_band when 'sex' then sex
                         when 'payer_type' then payer_type when 'facility' then facility_id
                         else 'all' end end as stratum,
               n_encounters as n_enc, n_single_month as n_pat
        from mart_dx_encounter_months
        cross join views as v
        where $coders::varchar[] is null and {{dimension_filter}} and {{full_months}}
        union all
        select discharge_month, v.is_total, case when v.is_total then 'All' else case $stratum when 'age_band' then age_band when 'sex' then sex
                         when 'payer_type' then payer_type when 'facility' then facility_id
                         else 'all' end end,
               1, case when is_month_repeat = 0 then 1 else 0 end
        from mart_dx_encounters
        cross join views as v
        where {{encounter_filter}} and ($coders::varchar[] is not null or not ({{full_months}}))
        union all
        select discharge_month, v.is_total, case when v.is_total then 'All' else case $stratum when 'age_band' then age_band when 'sex' then sex
                         when 'payer_type' then payer_type when 'facility' then facility_id
                         else 'all' end end,
               0, count(distinct patient_id)
        from mart_dx_encounters
        cross join views as v
        where {{encounter_filter}} and is_month_repeat = 1
        group by 1, 2, 3
    ) as cells
    group by 1, 2, 3
),

numerators as (
    select discharge_month as month, v.is_total,
           case when v.is_total then 'All' else case $stratum when 'age_band' then age_band when 'sex' then sex
                         when 'payer_type' then payer_type when 'facility' then facility_id
                         else 'all' end end as stratum,
           count(distinct encounter_id) as dx_encounters,
           count(distinct patient_id) as dx_patients
    from mart_dx_codes
    cross join views as v
    where {{mart_filter}}
      and code_system = 'ICD10CM' and category in {{dx_selection_categories}}
      and {{dx_selection}}
      and (not $principal_only or is_principal = 1)
    group by 1, 2, 3
),

final as (
    select d.month, d.stratum,
           d.is_total or coalesce($stratum, 'none') not in ('age_band', 'sex', 'payer_type', 'facility') as is_total,
           d.n_encounters, d.n_patients,
           coalesce(n.dx_encounters, 0) as dx_encounters,
           coalesce(n.dx_patients, 0) as dx_patients
    from denominators as d
    left join numerators as n on n.month = d.month and n.is_total = d.is_total and n.stratum = d.stratum
)

select * from final order by month, is_total, stratum
