-- purpose: Monthly HFMA initial denial rate, overall and for a focus: one payer and/or one denial reason (CARC code and/or codedash category).
-- grain: one row per discharge month with at least one claim adjudicated for the first time.
-- params: filters, focus_payer text, focus_carc text, focus_category text
-- suppress: claims_adjudicated -> billed_amount, claims_denied, denied_amount; claims_denied -> denied_amount; focus_claims_adjudicated -> focus_billed_amount, focus_claims_denied, focus_denied_amount; focus_claims_denied -> focus_denied_amount
with enc as (
    select encounter_id, discharge_date, payer_id
    from {{filtered_encounters}}
),

initial_lines as (
    select j.claim_id, e.discharge_date, e.payer_id, j.billed_amount, j.denied,
           j.denied
             and ($focus_carc::varchar is null or j.carc_code = $focus_carc::varchar)
             and ($focus_category::varchar is null or r.category = $focus_category::varchar) as focus_denied
    from enc as e
    join adjudications as j on j.encounter_id = e.encounter_id
    left join ref_carc as r on r.carc_code = j.carc_code
    where j.adjudication_seq = 1
),

initial_claims as (
    select claim_id,
           min(discharge_date) as discharge_date,
           min(payer_id) as payer_id,
           sum(billed_amount) as billed_amount,
           sum(case when denied then billed_amount else 0 end) as denied_amount,
           max(case when denied then 1 else 0 end) as is_denied,
           sum(case when focus_denied then billed_amount else 0 end) as focus_denied_amount,
           max(case when focus_denied then 1 else 0 end) as is_focus_denied
    from initial_lines
    group by claim_id
),

final as (
    select cast(date_trunc('month', discharge_date) as date) as month,
           count(*) as claims_adjudicated,
           sum(is_denied) as claims_denied,
           sum(billed_amount) as billed_amount,
           sum(denied_amount) as denied_amount,
           sum(case when $focus_payer::varchar is null or payer_id = $focus_payer::varchar then 1 else 0 end)
               as focus_claims_adjudicated,
           sum(case when $focus_payer::varchar is null or payer_id = $focus_payer::varchar
                    then is_focus_denied else 0 end) as focus_claims_denied,
           sum(case when $focus_payer::varchar is null or payer_id = $focus_payer::varchar
                    then billed_amount else 0 end) as focus_billed_amount,
           sum(case when $focus_payer::varchar is null or payer_id = $focus_payer::varchar
                    then focus_denied_amount else 0 end) as focus_denied_amount
    from initial_claims
    group by 1
)

select * from final order by month
