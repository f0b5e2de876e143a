-- purpose: Charges, allowed, paid and contractual adjustments per payer or per attending specialty (components of the collection rates).
-- grain: one row per payer (dimension = payer) or attending specialty (dimension = specialty) with at least one service line.
-- params: filters, dimension text = payer
-- counts: guarded n_encounters; derived n_claims <- n_encounters
-- suppress: n_encounters -> charges, allowed_amount, paid_amount, contractual_adjustments, net_charges
-- totals: parts n_encounters, n_claims
-- Service-line sums, contractual adjustments included (rules in data/marts/mart_reimbursement_claims.sql),
-- summed from the monthly cube; a claim's lines belong to one encounter, so its claims add up across cells.
with facts as (
    select case when $dimension = 'specialty' then specialty_code else payer_id end as group_id,
           line_encounters, line_claims, charges, allowed_amount, paid_amount, contractual_adjustments
    from {{monthly_claims}}
    where $dimension in ('payer', 'specialty')
),

grouped as (
    select group_id,
           cast(sum(line_encounters) as bigint) as n_encounters,
           cast(sum(line_claims) as bigint) as n_claims,
           sum(charges) as charges,
           coalesce(sum(allowed_amount), 0) as allowed_amount,
           coalesce(sum(paid_amount), 0) as paid_amount,
           coalesce(sum(contractual_adjustments), 0) as contractual_adjustments
    from facts
    group by group_id
    having sum(line_encounters) > 0
),

final as (
    select g.group_id,
           coalesce(case when $dimension = 'specialty' then sp.specialty_name else p.payer_name end,
                    g.group_id, 'unknown') as group_label,
           g.n_encounters, g.n_claims, g.charges, g.allowed_amount, g.paid_amount,
           g.contractual_adjustments,
           g.charges - g.contractual_adjustments as net_charges
    from grouped as g
    left join payers as p on $dimension = 'payer' and p.payer_id = g.group_id
    left join ref_specialty as sp on $dimension = 'specialty' and sp.specialty_code = g.group_id
)

select * from final order by charges desc, group_id
