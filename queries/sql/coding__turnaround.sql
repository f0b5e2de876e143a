-- purpose: Turnaround from discharge to final coding, as a distribution by encounter type (days from discharge_date to the date of coding_completed_at).
-- grain: one row per encounter type and turnaround bucket (0-1, 2-3, 4-7, 8-14, 15-30, >30 days) holding at least one final-coded encounter of the filtered set.
-- params: filters
-- counts: guarded n_coded; public bucket_order
-- suppress: n_coded -> turnaround_days_sum
-- totals: parts n_coded by encounter_type
-- turnaround_days (discharge to the date of final coding) comes from mart_coding_encounters.
with bucketed as (
    select encounter_type,
           turnaround_days as days,
           case when turnaround_days <= 1 then 1 when turnaround_days <= 3 then 2 when turnaround_days <= 7 then 3
                when turnaround_days <= 14 then 4 when turnaround_days <= 30 then 5 else 6 end as bucket_order
    from mart_coding_encounters
    where {{mart_filter}}
      and coded_date is not null
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
