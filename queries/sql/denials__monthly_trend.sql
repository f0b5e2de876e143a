-- purpose: Monthly HFMA initial denial rate, overall and for a focus: one payer and/or one denial reason (CARC code and/or codedash category).
-- grain: one row per discharge month with at least one claim adjudicated for the first time.
-- params: filters, focus_payer text, focus_carc text, focus_category text
-- suppress: claims_submitted -> billed_amount, claims_denied, denied_amount; claims_denied -> denied_amount; focus_claims_submitted -> focus_billed_amount, focus_claims_denied, focus_denied_amount; focus_claims_denied -> focus_denied_amount
-- Claims on first adjudication (data/marts/mart_claims_initial.sql).
with claims as (
    select claim_id, discharge_month, payer_id, billed_amount, denied_amount, is_denied
    from {{initial_claims}}
),

-- The claim's lines denied for the focus reason (CARC code and/or codedash category, data/marts/mart_denials_initial.sql).
focus as (
    select claim_id, sum(denied_amount) as focus_denied_amount, 1 as is_focus_denied
    from mart_denials_initial
    where {{encounter_filter}}
      and ($focus_carc::varchar is null or carc_code = $focus_carc::varchar)
      and ($focus_category::varchar is null or category = $focus_category::varchar)
    group by claim_id
),

initial_claims as (
    select c.discharge_month, c.payer_id, c.billed_amount, c.denied_amount, c.is_denied,
           coalesce(f.focus_denied_amount, 0) as focus_denied_amount,
           coalesce(f.is_focus_denied, 0) as is_focus_denied
    from claims as c
    left join focus as f on f.claim_id = c.claim_id
),

final as (
    select discharge_month as month,
           count(*) as claims_submitted,
           sum(is_denied) as claims_denied,
           sum(billed_amount) as billed_amount,
           sum(denied_amount) as denied_amount,
           sum(case when $focus_payer::varchar is null or payer_id = $focus_payer::varchar then 1 else 0 end)
               as focus_claims_submitted,
           sum(case when $focus_payer::varchar is null or payer_id = $focus_payer::varchar
                    then is_focus_denied else 0 end) as focus_claims_denied,
           sum(case when $focus_payer::varchar is null or payer_id = $focus_payer::varchar
                    then billed_amount else 0 end) as focus_billed_amount,
           sum(case when $focus_payer::varchar is null or payer_id = $focus_payer::varchar
                    then focus_denied_amount else 0 end) as focus_denied_amount
    from initial_claims
    group by discharge_month
)

select * from final order by month
