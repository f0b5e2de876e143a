-- purpose: Appeals of initial denials per payer and for all payers: filed, resolved, overturned, days denial -> appeal -> resolution, and days from service to payment.
-- grain: one row per payer with at least one claim adjudicated for the first time, plus one row for all payers (payer_id null, is_total true).
-- params: filters, carc_category text
-- counts: guarded claims_denied, claims_paid; derived lines_denied <- claims_denied; part claims_appealed <- claims_denied; derived lines_appealed <- claims_appealed; part claims_resolved <- claims_appealed; derived lines_resolved <- claims_resolved; part lines_overturned <- lines_resolved; part lines_pending <- lines_appealed; derived lines_paid <- claims_paid
-- suppress: claims_appealed -> days_to_appeal_sum; claims_resolved -> days_to_resolution_sum; claims_paid -> days_to_payment_sum
-- totals: row is_total
with enc as (
    select encounter_id, payer_id
    from {{filtered_encounters}}
),

-- First adjudication of each line; appeals are recorded on the denied adjudication.
initial_lines as (
    select e.payer_id, j.claim_id, j.line_number, j.adjudication_date, j.appeal_date, j.appeal_resolved_date,
           j.denied and ($carc_category::varchar is null
                         or coalesce(r.category, 'uncategorised') = $carc_category::varchar) as is_denied,
           j.appeal_filed, j.appeal_outcome
    from enc as e
    join adjudications as j on j.encounter_id = e.encounter_id
    left join ref_carc as r on r.carc_code = j.carc_code
    where j.adjudication_seq = 1
),

denied as (
    select payer_id, claim_id, line_number,
           appeal_filed and appeal_date is not null as appealed,
           appeal_outcome in ('overturned', 'upheld') and appeal_resolved_date is not null as resolved,
           appeal_outcome = 'overturned' and appeal_resolved_date is not null as overturned,
           appeal_filed and (appeal_outcome = 'pending' or appeal_outcome is null) as pending,
           date_diff('day', adjudication_date, appeal_date) as days_to_appeal,
           date_diff('day', appeal_date, appeal_resolved_date) as days_to_resolution
    from initial_lines
    where is_denied
),

-- The paying adjudication: the first adjudication of the line with a payment.
paying as (
    select e.payer_id, j.claim_id, j.line_number,
           min(j.adjudication_seq) as paying_seq
    from enc as e
    join adjudications as j on j.encounter_id = e.encounter_id
    where j.paid_amount > 0
    group by e.payer_id, j.claim_id, j.line_number
),

payment_days as (
    select p.payer_id, p.claim_id,
           date_diff('day', s.service_date, j.adjudication_date) as days_to_payment
    from paying as p
    join adjudications as j
      on j.claim_id = p.claim_id and j.line_number = p.line_number and j.adjudication_seq = p.paying_seq
    join service_lines as s on s.encounter_id = j.encounter_id and s.line_number = j.line_number
),

denied_parts as (
    select payer_id,
           count(distinct claim_id) as claims_denied,
           count(*) as lines_denied,
           count(distinct case when appealed then claim_id end) as claims_appealed,
           sum(case when appealed then 1 else 0 end) as lines_appealed,
           count(distinct case when appealed and resolved then claim_id end) as claims_resolved,
           sum(case when appealed and resolved then 1 else 0 end) as lines_resolved,
           sum(case when appealed and overturned then 1 else 0 end) as lines_overturned,
           sum(case when appealed and pending then 1 else 0 end) as lines_pending,
           sum(case when appealed then days_to_appeal else 0 end) as days_to_appeal_sum,
           sum(case when appealed and resolved then days_to_resolution else 0 end) as days_to_resolution_sum,
           0 as is_total_flag
    from denied
    group by payer_id
    union all
    select null as payer_id,
           count(distinct claim_id), count(*),
           count(distinct case when appealed then claim_id end),
           sum(case when appealed then 1 else 0 end),
           count(distinct case when appealed and resolved then claim_id end),
           sum(case when appealed and resolved then 1 else 0 end),
           sum(case when appealed and overturned then 1 else 0 end),
           sum(case when appealed and pending then 1 else 0 end),
           sum(case when appealed then days_to_appeal else 0 end),
           sum(case when appealed and resolved then days_to_resolution else 0 end),
           1
    from denied
),

payment_parts as (
    select payer_id, count(distinct claim_id) as claims_paid, count(*) as lines_paid,
           sum(days_to_payment) as days_to_payment_sum, 0 as is_total_flag
    from payment_days
    group by payer_id
    union all
    select null, count(distinct claim_id), count(*), sum(days_to_payment), 1
    from payment_days
),

keys as (
    select distinct payer_id, 0 as is_total_flag from initial_lines
    union all
    select null, 1
),

final as (
    select k.payer_id,
           case when k.is_total_flag = 1 then 'All payers' else coalesce(py.payer_name, k.payer_id) end as payer_name,
           k.is_total_flag = 1 as is_total,
           coalesce(d.claims_denied, 0) as claims_denied,
           coalesce(d.lines_denied, 0) as lines_denied,
           coalesce(d.claims_appealed, 0) as claims_appealed,
           coalesce(d.lines_appealed, 0) as lines_appealed,
           coalesce(d.claims_resolved, 0) as claims_resolved,
           coalesce(d.lines_resolved, 0) as lines_resolved,
           coalesce(d.lines_overturned, 0) as lines_overturned,
           coalesce(d.lines_pending, 0) as lines_pending,
           coalesce(d.days_to_appeal_sum, 0) as days_to_appeal_sum,
           coalesce(d.days_to_resolution_sum, 0) as days_to_resolution_sum,
           coalesce(p.claims_paid, 0) as claims_paid,
           coalesce(p.lines_paid, 0) as lines_paid,
           coalesce(p.days_to_payment_sum, 0) as days_to_payment_sum
    from keys as k
    left join denied_parts as d
      on d.is_total_flag = k.is_total_flag and (k.is_total_flag = 1 or d.payer_id = k.payer_id)
    left join payment_parts as p
      on p.is_total_flag = k.is_total_flag and (k.is_total_flag = 1 or p.payer_id = k.payer_id)
    left join payers as py on py.payer_id = k.payer_id
)

select * from final order by is_total desc, claims_denied desc, payer_id
