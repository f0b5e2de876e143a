-- purpose: Appeals of initial denials per payer and for all payers: filed, resolved, overturned, days denial -> appeal -> resolution, and days from service to payment.
-- grain: one row per payer with at least one claim adjudicated for the first time, plus one row for all payers (payer_id null, is_total true).
-- params: filters, carc_category text
-- counts: guarded claims_denied, claims_paid; derived lines_denied <- claims_denied; part claims_appealed <- claims_denied; derived lines_appealed <- claims_appealed; part claims_resolved <- claims_appealed; derived lines_resolved <- claims_resolved; part lines_overturned <- lines_resolved; part lines_pending <- lines_appealed; derived lines_paid <- claims_paid
-- suppress: claims_appealed -> days_to_appeal_sum; claims_resolved -> days_to_resolution_sum; claims_paid -> days_to_payment_sum
-- totals: row is_total
-- Lines denied on first adjudication with their appeal outcome (data/marts/mart_denials_initial.sql).
with denied as (
    select payer_id, claim_id, lines_denied, lines_appealed, lines_resolved, lines_overturned, lines_pending,
           days_to_appeal_sum, days_to_resolution_sum
    from mart_denials_initial
    where {{encounter_filter}}
      and ($carc_category::varchar is null or category_key = $carc_category::varchar)
),

-- Lines paid and days from service to the line's first adjudication with a payment, per encounter, summed from
-- the monthly cube (rules in data/marts/mart_denials_durations.sql); a claim's lines belong to one encounter.
facts as (
    select payer_id, claims_adjudicated, claims_paid, lines_paid, days_to_payment_sum
    from {{monthly_claims}}
),

-- One row per denied claim first (a claim's lines belong to one encounter, so to one payer): counting rows
-- then counts distinct claims.
denied_claims as (
    select payer_id, claim_id,
           sum(lines_denied) as lines_denied,
           sum(lines_appealed) as lines_appealed,
           sum(lines_resolved) as lines_resolved,
           sum(lines_overturned) as lines_overturned,
           sum(lines_pending) as lines_pending,
           sum(days_to_appeal_sum) as days_to_appeal_sum,
           sum(days_to_resolution_sum) as days_to_resolution_sum
    from denied
    group by payer_id, claim_id
),

denied_parts as (
    select payer_id,
           count(*) as claims_denied,
           cast(sum(lines_denied) as bigint) as lines_denied,
           count(case when lines_appealed > 0 then 1 end) as claims_appealed,
           sum(lines_appealed) as lines_appealed,
           count(case when lines_resolved > 0 then 1 end) as claims_resolved,
           sum(lines_resolved) as lines_resolved,
           sum(lines_overturned) as lines_overturned,
           sum(lines_pending) as lines_pending,
           sum(days_to_appeal_sum) as days_to_appeal_sum,
           sum(days_to_resolution_sum) as days_to_resolution_sum,
           0 as is_total_flag
    from denied_claims
    group by payer_id
    union all
    select null as payer_id,
           count(*), cast(sum(lines_denied) as bigint),
           count(case when lines_appealed > 0 then 1 end), sum(lines_appealed),
           count(case when lines_resolved > 0 then 1 end), sum(lines_resolved),
           sum(lines_overturned), sum(lines_pending), sum(days_to_appeal_sum), sum(days_to_resolution_sum),
           1
    from denied_claims
),

payment_parts as (
    select payer_id, cast(sum(claims_paid) as bigint) as claims_paid, cast(sum(lines_paid) as bigint) as lines_paid,
           sum(days_to_payment_sum) as days_to_payment_sum, 0 as is_total_flag
    from facts
    group by payer_id
    union all
    select null, cast(sum(claims_paid) as bigint), cast(sum(lines_paid) as bigint), sum(days_to_payment_sum), 1
    from facts
),

-- Every payer with a claim adjudicated for the first time, and the row for all payers.
keys as (
    select payer_id, 0 as is_total_flag from facts group by payer_id having sum(claims_adjudicated) > 0
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
