-- purpose: Distributions of days from denial to appeal, appeal to resolution, and service to payment, in fixed buckets.
-- grain: one row per measure (denial_to_appeal, appeal_to_resolution, service_to_payment) and day bucket with at least one line.
-- params: filters, carc_category text
-- counts: guarded n_claims; derived n_lines <- n_claims; public bucket_order
-- totals: parts n_claims, n_lines by measure
with enc as (
    select encounter_id
    from {{filtered_encounters}}
),

initial_lines as (
    select j.*, coalesce(r.category, 'uncategorised') as category
    from enc as e
    join adjudications as j on j.encounter_id = e.encounter_id
    left join ref_carc as r on r.carc_code = j.carc_code
    where j.adjudication_seq = 1
),

appealed as (
    select claim_id, adjudication_date, appeal_date, appeal_resolved_date, appeal_outcome
    from initial_lines
    where denied and appeal_filed and appeal_date is not null
      and ($carc_category::varchar is null or category = $carc_category::varchar)
),

paying as (
    select j.claim_id, j.line_number, min(j.adjudication_seq) as paying_seq
    from enc as e
    join adjudications as j on j.encounter_id = e.encounter_id
    where j.paid_amount > 0
    group by j.claim_id, j.line_number
),

durations as (
    select 'denial_to_appeal' as measure, claim_id, date_diff('day', adjudication_date, appeal_date) as days
    from appealed
    union all
    select 'appeal_to_resolution', claim_id, date_diff('day', appeal_date, appeal_resolved_date)
    from appealed
    where appeal_outcome in ('overturned', 'upheld') and appeal_resolved_date is not null
    union all
    select 'service_to_payment', p.claim_id, date_diff('day', s.service_date, j.adjudication_date)
    from paying as p
    join adjudications as j
      on j.claim_id = p.claim_id and j.line_number = p.line_number and j.adjudication_seq = p.paying_seq
    join service_lines as s on s.encounter_id = j.encounter_id and s.line_number = j.line_number
),

bucketed as (
    select measure, claim_id,
           case when days < 15 then 1 when days < 30 then 2 when days < 45 then 3
                when days < 60 then 4 when days < 90 then 5 when days < 120 then 6 else 7 end as bucket_order
    from durations
),

final as (
    select measure, bucket_order,
           case bucket_order when 1 then '0-14' when 2 then '15-29' when 3 then '30-44' when 4 then '45-59'
                when 5 then '60-89' when 6 then '90-119' else '120+' end as bucket,
           count(distinct claim_id) as n_claims,
           count(*) as n_lines
    from bucketed
    group by measure, bucket_order
)

select * from final order by measure, bucket_order
