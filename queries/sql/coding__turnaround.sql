-- purpose: Turnaround from discharge to final coding, as a distribution by encounter type (days from discharge_date to the date of coding_completed_at).
-- grain: one row per encounter type and turnaround bucket (0-1, 2-3, 4-7, 8-14, 15-30, >30 days) holding at least one final-coded encounter of the filtered set.
-- params: filters
-- counts: guarded n_coded; public bucket_order
-- suppress: n_coded -> turnaround_days_sum
-- totals: parts n_coded by encounter_type
with enc as (
    select encounter_type,
           date_diff('day', discharge_date, cast(coding_completed_at as date)) as days
    from {{filtered_encounters}}
    where coding_completed_at is not null
),

bucketed as (
    select encounter_type,
           days,
           case when days <= 1 then 1 when days <= 3 then 2 when days <= 7 then 3
                when days <= 14 then 4 when days <= 30 then 5 else 6 end as bucket_order
    from enc
),

final as (
    select encounter_type,
           bucket_order,
           case bucket_order when 1 then '0-1 days' when 2 then '2-3 days' when 3 then '4-7 days'
                when 4 then '8-14 days' when 5 then '15-30 days' else '>30 days' end as bucket,
           count(*) as n_coded,
           sum(days) as turnaround_days_sum
    from bucketed
    group by encounter_type, bucket_order
)

select * from final order by encounter_type, bucket_order
