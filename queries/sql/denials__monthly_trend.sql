-- purpose: Monthly HFMA initial denial rate, overall and for a focus: one payer and/or one denial reason (CARC code and/or codedash category).
-- grain: one row per discharge month with at least one claim adjudicated for the first time.
-- params: filters, focus_payer text, focus_carc text, focus_category text
-- counts: guarded claims_adjudicated, focus_claims_adjudicated; part claims_denied <- claims_adjudicated; part focus_claims_denied <- focus_claims_adjudicated
-- suppress: claims_adjudicated -> billed_amount; claims_denied -> denied_amount; focus_claims_adjudicated -> focus_billed_amount; focus_claims_denied -> focus_denied_amount
-- totals: parts claims_adjudicated, claims_denied, focus_claims_adjudicated, focus_claims_denied
-- Claims on first adjudication and their denials (data/marts/mart_claims_initial.sql), summed from the monthly
-- cube; the focus payer's share of them too, as payer is a dimension of the cube.
with facts as (
    select discharge_month, payer_id, claims_adjudicated, claims_denied, billed_amount, denied_amount
    from {{monthly_claims}}
),

-- Claims with a line denied for the focus reason (CARC code and/or codedash category, data/marts/mart_denials_initial.sql).
focus_claims as (
    select claim_id, min(discharge_month) as discharge_month, min(payer_id) as payer_id,
           sum(denied_amount) as focus_denied_amount, 1 as is_focus_denied
    from mart_denials_initial
    where {{encounter_filter}}
      and ($focus_carc::varchar is null or carc_code = $focus_carc::varchar)
      and ($focus_category::varchar is null or category = $focus_category::varchar)
    group by claim_id
),

focus_by_month as (
    select discharge_month,
           sum(is_focus_denied) as focus_claims_denied,
           sum(focus_denied_amount) as focus_denied_amount
    from focus_claims
    where $focus_payer::varchar is null or payer_id = $focus_payer::varchar
    group by discharge_month
),

by_month as (
    select discharge_month,
           cast(sum(claims_adjudicated) as bigint) as claims_adjudicated,
           sum(claims_denied) as claims_denied,
           sum(billed_amount) as billed_amount,
           sum(denied_amount) as denied_amount,
           sum(case when $focus_payer::varchar is null or payer_id = $focus_payer::varchar
                    then claims_adjudicated else 0 end) as focus_claims_adjudicated,
           sum(case when $focus_payer::varchar is null or payer_id = $focus_payer::varchar
                    then billed_amount else 0 end) as focus_billed_amount
    from facts
    group by discharge_month
    having sum(claims_adjudicated) > 0
),

final as (
    select m.discharge_month as month,
           m.claims_adjudicated, m.claims_denied, m.billed_amount, m.denied_amount,
           m.focus_claims_adjudicated,
           coalesce(f.focus_claims_denied, 0) as focus_claims_denied,
           m.focus_billed_amount,
           coalesce(f.focus_denied_amount, 0) as focus_denied_amount
    from by_month as m
    left join focus_by_month as f on f.discharge_month = m.discharge_month
)

select * from final order by month
