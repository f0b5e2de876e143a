-- mart: mart_denials_durations
-- grain: one row per claim, encounter, measure (denial_to_appeal, appeal_to_resolution, service_to_payment), CARC category (appeal measures only) and day bucket
-- depends: mart_encounters
-- purpose: Lines and summed days from denial to appeal and appeal to resolution (appealed lines denied on first adjudication) and from service to payment (each line's first adjudication with a payment), in the fixed day buckets, with the encounter's filter dimensions: the appeals and days-distribution views read it instead of adjudications and service lines.
with appealed as (
    select j.claim_id, j.encounter_id, coalesce(r.category, 'uncategorised') as category_key,
           j.adjudication_date, j.appeal_date, j.appeal_resolved_date, j.appeal_outcome
    from adjudications as j
    left join ref_carc as r on r.carc_code = j.carc_code
    where j.adjudication_seq = 1 and j.denied and j.appeal_filed and j.appeal_date is not null
),

-- The paying adjudication: the first adjudication of the line with a payment.
paying as (
    select claim_id, encounter_id, line_number, min(adjudication_seq) as paying_seq
    from adjudications
    where paid_amount > 0
    group by claim_id, encounter_id, line_number
),

durations as (
    select claim_id, encounter_id, 'denial_to_appeal' as measure, category_key,
           date_diff('day', adjudication_date, appeal_date) as days
    from appealed
    union all
    select claim_id, encounter_id, 'appeal_to_resolution', category_key,
           date_diff('day', appeal_date, appeal_resolved_date)
    from appealed
    where appeal_outcome in ('overturned', 'upheld') and appeal_resolved_date is not null
    union all
    select p.claim_id, p.encounter_id, 'service_to_payment', cast(null as varchar),
           date_diff('day', s.service_date, j.adjudication_date)
    from paying as p
    join adjudications as j
      on j.claim_id = p.claim_id and j.line_number = p.line_number and j.adjudication_seq = p.paying_seq
    join service_lines as s on s.encounter_id = j.encounter_id and s.line_number = j.line_number
),

bucketed as (
    select claim_id, encounter_id, measure, category_key, days,
           case when days < 15 then 1 when days < 30 then 2 when days < 45 then 3
                when days < 60 then 4 when days < 90 then 5 when days < 120 then 6 else 7 end as bucket_order
    from durations
),

grouped as (
    select claim_id, encounter_id, measure, category_key, bucket_order,
           count(*) as n_lines,
           sum(days) as days_sum
    from bucketed
    group by claim_id, encounter_id, measure, category_key, bucket_order
),

final as (
    select g.claim_id, g.encounter_id, g.measure, g.category_key, g.bucket_order,
           case g.bucket_order when 1 then '0-14' when 2 then '15-29' when 3 then '30-44' when 4 then '45-59'
                when 5 then '60-89' when 6 then '90-119' else '120+' end as bucket,
           g.n_lines, g.days_sum,
           e.discharge_date, e.discharge_month, e.facility_id, e.specialty_code, e.payer_id, e.coder_id
    from grouped as g
    join mart_encounters as e on e.encounter_id = g.encounter_id
)

select * from final order by discharge_date, claim_id, measure, category_key, bucket_order
