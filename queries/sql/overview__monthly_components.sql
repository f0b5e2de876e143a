-- purpose: Numerators and denominators of every overview KPI by discharge month; queries/metrics.py turns them into rates.
-- grain: one row per discharge month with at least one encounter in the filtered set.
-- params: filters
-- counts: guarded n_encounters, n_audited_encounters, claims_adjudicated, drg_discharges; derived audit_codes_reviewed, audit_codes_correct <- n_audited_encounters; part claims_denied <- claims_adjudicated
-- suppress: n_encounters -> paid_amount, billed_amount, denied_amount, claims_adjudicated, claims_denied; claims_adjudicated -> billed_amount; claims_denied -> denied_amount; drg_discharges -> drg_weight_sum
-- totals: parts n_encounters, n_audited_encounters, audit_codes_reviewed, audit_codes_correct, claims_adjudicated, claims_denied, drg_discharges
-- Encounter counts, AHIMA audit code counts, the HFMA initial-denial components, paid dollars and the CMS
-- case-mix weights, each summed from the monthly cube (rules in data/marts/: mart_encounters.sql,
-- mart_claims_initial.sql, mart_reimbursement_claims.sql).
with facts as (
    select * from {{monthly_claims}}
),

final as (
    select discharge_month as month,
           cast(sum(n_encounters) as bigint) as n_encounters,
           cast(sum(n_audited_encounters) as bigint) as n_audited_encounters,
           coalesce(sum(audit_codes_reviewed), 0) as audit_codes_reviewed,
           coalesce(sum(audit_codes_correct), 0) as audit_codes_correct,
           cast(sum(claims_adjudicated) as bigint) as claims_adjudicated,
           sum(claims_denied) as claims_denied,
           coalesce(sum(billed_amount), 0) as billed_amount,
           coalesce(sum(denied_amount), 0) as denied_amount,
           coalesce(sum(paid_amount), 0) as paid_amount,
           cast(sum(drg_discharges) as bigint) as drg_discharges,
           coalesce(sum(drg_weight_sum), 0) as drg_weight_sum
    from facts
    group by discharge_month
)

select * from final order by month
