-- purpose: Distributions of days from denial to appeal, appeal to resolution, and service to payment, in fixed buckets.
-- grain: one row per measure (denial_to_appeal, appeal_to_resolution, service_to_payment) and day bucket with at least one line.
-- params: filters, carc_category text
-- counts: guarded n_claims; derived n_lines <- n_claims; public bucket_order
-- totals: parts n_claims, n_lines by measure
-- Days per line in fixed buckets (rules in data/marts/mart_denials_durations.sql); the CARC category
-- filter applies to the appeal measures only, as service-to-payment concerns every paid line.
with durations as (
    select measure, bucket_order, bucket, claim_id, n_lines
    from mart_denials_durations
    where {{encounter_filter}}
      and (measure = 'service_to_payment' or $carc_category::varchar is null
           or category_key = $carc_category::varchar)
),

final as (
    select measure, bucket_order, min(bucket) as bucket,
           -- a claim has one service-to-payment row per bucket; appeal measures may repeat it per category
           count(distinct case when measure <> 'service_to_payment' then claim_id end)
             + count(case when measure = 'service_to_payment' then 1 end) as n_claims,
           cast(sum(n_lines) as bigint) as n_lines
    from durations
    group by measure, bucket_order
)

select * from final order by measure, bucket_order
