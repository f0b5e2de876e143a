-- purpose: E/M level distribution of one E/M family per attending provider under the global filters (CMS Comparative Billing Report style); queries/compliance.py compares each provider's distribution with its specialty peers' (chi-square, queries/stats/distribution.py).
-- grain: one row per attending provider and E/M level of the family billed on the provider's encounters.
-- params: filters, em_family text = office_established
-- counts: guarded n_encounters; derived n_lines <- n_encounters; public em_level
-- totals: parts n_lines by provider_id
-- Whole months from the monthly cube, days of partly covered months from the encounter rows (disjoint; an
-- encounter is one row per family and level in mart_compliance_em_levels, so rows count encounters).
with cells as (
    select provider_id, em_level, n_encounters, n_lines
    from mart_compliance_em_monthly
    where em_family = $em_family and {{dimension_filter}} and {{full_months}}
    union all
    select provider_id, em_level, 1 as n_encounters, n_lines
    from mart_compliance_em_levels
    where em_family = $em_family and provider_id is not null and {{encounter_filter}} and {{partial_months}}
),

levels as (
    select provider_id, em_level, cast(sum(n_encounters) as bigint) as n_encounters, sum(n_lines) as n_lines
    from cells
    group by provider_id, em_level
),

final as (
    select l.provider_id, coalesce(p.provider_name, l.provider_id) as provider_name,
           coalesce(p.specialty_code, 'unknown') as peer_group,
           l.em_level, l.n_encounters, cast(l.n_lines as bigint) as n_lines
    from levels as l
    left join providers as p on p.provider_id = l.provider_id
)

select * from final order by peer_group, provider_id, em_level
