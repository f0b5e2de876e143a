-- mart: mart_monthly_claims
-- grain: one row per discharge month, facility, attending specialty and primary payer with at least one encounter
-- depends: mart_monthly_claims_by_encounter
-- purpose: The shared monthly cube of the overview, collection-rate, denial-rate-by-group, case-mix and appeals (payment) views: mart_monthly_claims_by_encounter summed over the encounters of each cell (same columns; discharge_date and coder_id are null). Every measure is a count or a sum of encounter values, so adding cells is exact; no distinct count of patients is stored. Coder (and every higher-cardinality dimension) is left out so the cube stays small; a coder filter reads the encounter-level mart instead.
with final as (
    select cast(null as date) as discharge_date, discharge_month, month_end,
           facility_id, specialty_code, payer_id, cast(null as varchar) as coder_id,
           sum(n_encounters) as n_encounters,
           sum(n_audited_encounters) as n_audited_encounters,
           sum(audit_codes_reviewed) as audit_codes_reviewed,
           sum(audit_codes_correct) as audit_codes_correct,
           sum(inpatient_discharges) as inpatient_discharges,
           sum(drg_discharges) as drg_discharges,
           sum(drg_weight_sum) as drg_weight_sum,
           sum(claims_adjudicated) as claims_adjudicated,
           sum(claims_denied) as claims_denied,
           sum(billed_amount) as billed_amount,
           sum(denied_amount) as denied_amount,
           sum(line_encounters) as line_encounters,
           sum(line_claims) as line_claims,
           sum(charges) as charges,
           sum(allowed_amount) as allowed_amount,
           sum(paid_amount) as paid_amount,
           sum(contractual_adjustments) as contractual_adjustments,
           sum(claims_paid) as claims_paid,
           sum(lines_paid) as lines_paid,
           sum(days_to_payment_sum) as days_to_payment_sum
    from mart_monthly_claims_by_encounter
    group by discharge_month, month_end, facility_id, specialty_code, payer_id
)

select * from final order by discharge_month, facility_id, specialty_code, payer_id
