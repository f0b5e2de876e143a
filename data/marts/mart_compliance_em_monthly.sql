-- mart: mart_compliance_em_monthly
-- grain: one row per E/M family, attending provider, E/M level, discharge month, facility, attending specialty, primary payer and coder with at least one encounter billing that level
-- depends: mart_compliance_em_levels
-- purpose: mart_compliance_em_levels summed per month and filter cell: the encounters billing each level (n_encounters; an encounter is one row per family and level there, so counting rows counts encounters) and the lines (n_lines), for the E/M level distributions and their chi-square without reading one row per encounter. Every global filter dimension is in the grain, so sums are exact; days of a partly covered month come from mart_compliance_em_levels.
with cells as (
    select em_family, provider_id, em_level,
           cast(date_trunc('month', discharge_date) as date) as discharge_month,
           last_day(discharge_date) as month_end,
           facility_id, specialty_code, payer_id, coder_id, n_lines
    from mart_compliance_em_levels
    where provider_id is not null
),

final as (
    select em_family, provider_id, em_level, discharge_month, month_end,
           facility_id, specialty_code, payer_id, coder_id,
           count(*) as n_encounters,
           cast(sum(n_lines) as bigint) as n_lines
    from cells
    group by em_family, provider_id, em_level, discharge_month, month_end, facility_id, specialty_code, payer_id,
             coder_id
)

select * from final order by em_family, discharge_month, provider_id, em_level, facility_id, specialty_code, payer_id, coder_id
