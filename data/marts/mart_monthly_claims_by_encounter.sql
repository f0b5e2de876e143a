-- mart: mart_monthly_claims_by_encounter
-- grain: one row per encounter
-- depends: mart_encounters, mart_claims_initial, mart_reimbursement_claims, mart_denials_durations
-- purpose: Every additive measure of the overview, collection-rate, denial-rate-by-group, case-mix and appeals (payment) views for one encounter, in the columns of mart_monthly_claims: it answers the days of a date window that cover part of a month, and any view filtered by coder (the monthly cube has no coder). Sorted by discharge date so a window reads only its row groups.
with claims as (
    select encounter_id,
           count(*) as claims_adjudicated,
           sum(is_denied) as claims_denied,
           sum(billed_amount) as billed_amount,
           sum(denied_amount) as denied_amount
    from mart_claims_initial
    group by encounter_id
),

lines as (
    select encounter_id,
           count(distinct claim_id) as line_claims,
           sum(charges) as charges,
           sum(allowed_amount) as allowed_amount,
           sum(paid_amount) as paid_amount,
           sum(contractual_adjustments) as contractual_adjustments
    from mart_reimbursement_claims
    group by encounter_id
),

-- Lines paid and days from service to the paying adjudication (rules in mart_denials_durations.sql).
payments as (
    select encounter_id,
           count(distinct claim_id) as claims_paid,
           sum(n_lines) as lines_paid,
           sum(days_sum) as days_to_payment_sum
    from mart_denials_durations
    where measure = 'service_to_payment'
    group by encounter_id
),

final as (
    select e.discharge_date, e.discharge_month, last_day(e.discharge_date) as month_end,
           e.facility_id, e.specialty_code, e.payer_id, e.coder_id,
           1 as n_encounters,
           e.is_audited as n_audited_encounters,
           e.audit_codes_reviewed,
           e.audit_codes_correct,
           e.is_inpatient as inpatient_discharges,
           case when e.drg_weight is null then 0 else 1 end as drg_discharges,
           e.drg_weight as drg_weight_sum,
           coalesce(c.claims_adjudicated, 0) as claims_adjudicated,
           coalesce(c.claims_denied, 0) as claims_denied,
           c.billed_amount,
           c.denied_amount,
           case when l.encounter_id is null then 0 else 1 end as line_encounters,
           coalesce(l.line_claims, 0) as line_claims,
           l.charges, l.allowed_amount, l.paid_amount, l.contractual_adjustments,
           coalesce(p.claims_paid, 0) as claims_paid,
           coalesce(p.lines_paid, 0) as lines_paid,
           p.days_to_payment_sum
    from mart_encounters as e
    left join claims as c on c.encounter_id = e.encounter_id
    left join lines as l on l.encounter_id = e.encounter_id
    left join payments as p on p.encounter_id = e.encounter_id
)

select * from final order by discharge_date
