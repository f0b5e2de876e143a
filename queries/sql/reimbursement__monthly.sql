-- purpose: Charges, allowed, paid and contractual adjustments by discharge month (components of the net and gross collection rates).
-- grain: one row per discharge month with at least one service line in the filtered set.
-- params: filters
-- counts: guarded n_encounters; derived n_claims <- n_encounters
-- suppress: n_encounters -> charges, allowed_amount, paid_amount, contractual_adjustments, net_charges
-- totals: parts n_encounters, n_claims
-- Service-line sums, contractual adjustments included (rules in data/marts/mart_reimbursement_claims.sql),
-- summed from the monthly cube; a claim's lines belong to one encounter, so its claims add up across cells.
with facts as (
    select * from {{monthly_claims}}
),

final as (
    select discharge_month as month,
           cast(sum(line_encounters) as bigint) as n_encounters,
           cast(sum(line_claims) as bigint) as n_claims,
           sum(charges) as charges,
           coalesce(sum(allowed_amount), 0) as allowed_amount,
           coalesce(sum(paid_amount), 0) as paid_amount,
           coalesce(sum(contractual_adjustments), 0) as contractual_adjustments,
           sum(charges) - coalesce(sum(contractual_adjustments), 0) as net_charges
    from facts
    group by discharge_month
    having sum(line_encounters) > 0
)

select * from final order by month
