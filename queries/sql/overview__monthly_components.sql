-- purpose: Numerators and denominators of every overview KPI by discharge month; queries/metrics.py turns them into rates.
-- grain: one row per discharge month with at least one encounter in the filtered set.
-- params: filters
-- suppress: n_encounters -> paid_amount, billed_amount, denied_amount, claims_submitted, claims_denied; claims_submitted -> billed_amount, claims_denied, denied_amount; claims_denied -> denied_amount; n_audited_encounters -> audit_codes_reviewed, audit_codes_correct; drg_discharges -> drg_weight_sum
with enc as (
    select discharge_month as month, is_audited, audit_codes_reviewed, audit_codes_correct, drg_weight
    from mart_encounters
    where {{encounter_filter}}
),

-- Encounter counts, AHIMA audit code counts and the CMS case-mix weights (rules in data/marts/mart_encounters.sql).
encounters_by_month as (
    select month,
           count(*) as n_encounters,
           count(case when is_audited = 1 then 1 end) as n_audited_encounters,
           sum(audit_codes_reviewed) as audit_codes_reviewed,
           sum(audit_codes_correct) as audit_codes_correct,
           count(drg_weight) as drg_discharges,
           sum(drg_weight) as drg_weight_sum
    from enc
    group by month
),

-- HFMA initial denial rate: claims (and billed dollars) denied on first adjudication (data/marts/mart_claims_initial.sql).
claims_by_month as (
    select discharge_month as month,
           count(*) as claims_submitted,
           sum(is_denied) as claims_denied,
           sum(billed_amount) as billed_amount,
           sum(denied_amount) as denied_amount
    from {{initial_claims}}
    group by discharge_month
),

paid_by_month as (
    select discharge_month as month, sum(paid_amount) as paid_amount
    from mart_reimbursement_claims
    where {{encounter_filter}}
    group by discharge_month
),

final as (
    select m.month,
           m.n_encounters,
           m.n_audited_encounters,
           coalesce(m.audit_codes_reviewed, 0) as audit_codes_reviewed,
           coalesce(m.audit_codes_correct, 0) as audit_codes_correct,
           coalesce(c.claims_submitted, 0) as claims_submitted,
           coalesce(c.claims_denied, 0) as claims_denied,
           coalesce(c.billed_amount, 0) as billed_amount,
           coalesce(c.denied_amount, 0) as denied_amount,
           coalesce(p.paid_amount, 0) as paid_amount,
           m.drg_discharges,
           coalesce(m.drg_weight_sum, 0) as drg_weight_sum
    from encounters_by_month as m
    left join claims_by_month as c on c.month = m.month
    left join paid_by_month as p on p.month = m.month
)

select * from final order by month
