-- mart: mart_lines_procedures_monthly
-- grain: one row per discharge month, facility, attending specialty, primary payer, procedure code and denial category (as mart_lines_procedures)
-- depends: mart_lines_procedures
-- purpose: mart_lines_procedures summed over the encounters of each month x facility x specialty x payer cell (same columns; discharge_date and coder_id are null), for the denial-rate-by-procedure view. A claim's lines belong to one encounter, so its claims add up across cells. No coder: a coder filter reads mart_lines_procedures.
with final as (
    select cast(null as date) as discharge_date, discharge_month, month_end,
           facility_id, specialty_code, payer_id, cast(null as varchar) as coder_id,
           code_system, code, is_all_categories, category_key,
           sum(n_claims) as n_claims,
           sum(claims_denied) as claims_denied,
           sum(lines_adjudicated) as lines_adjudicated,
           sum(lines_denied) as lines_denied,
           sum(billed_amount) as billed_amount,
           sum(denied_amount) as denied_amount
    from mart_lines_procedures
    group by discharge_month, month_end, facility_id, specialty_code, payer_id, code_system, code,
             is_all_categories, category_key
)

select * from final order by discharge_month, facility_id, specialty_code, payer_id, code_system, code
