-- purpose: Charges, allowed, paid and contractual adjustments by discharge month (components of the net and gross collection rates).
-- grain: one row per discharge month with at least one service line in the filtered set.
-- params: filters
-- suppress: n_encounters -> n_claims, charges, allowed_amount, paid_amount, contractual_adjustments, net_charges; n_claims -> charges, allowed_amount, paid_amount, contractual_adjustments, net_charges
-- Service-line sums per claim, contractual adjustments included (rules in data/marts/mart_reimbursement_claims.sql).
with claims as (
    select discharge_month, encounter_id, claim_id, charges, allowed_amount, paid_amount, contractual_adjustments
    from mart_reimbursement_claims
    where {{encounter_filter}}
),

final as (
    select discharge_month as month,
           count(distinct encounter_id) as n_encounters,
           count(distinct claim_id) as n_claims,
           sum(charges) as charges,
           coalesce(sum(allowed_amount), 0) as allowed_amount,
           coalesce(sum(paid_amount), 0) as paid_amount,
           coalesce(sum(contractual_adjustments), 0) as contractual_adjustments,
           sum(charges) - coalesce(sum(contractual_adjustments), 0) as net_charges
    from claims
    group by discharge_month
)

select * from final order by month
