-- purpose: Discharged, not final billed (DNFB) as of the period end: encounters discharged on or before $end_date (latest discharge when absent) that were not final billed by the end of that day, with their charges, by aging bucket and by whether final coding was done. The caller passes no start_date: DNFB is a stock at a moment, not a flow over the period.
-- grain: one row per aging bucket (days from discharge to the as-of date: 0-3, 4-7, 8-14, 15-30, 31-60, >60) and coding status holding at least one DNFB encounter.
-- params: filters
-- counts: guarded n_encounters; public bucket_order
-- suppress: n_encounters -> charges
-- totals: parts n_encounters
-- Milestone dates and charges per encounter come from mart_coding_encounters; the DNFB rule, which
-- depends on the as-of date, is applied here and nowhere else.
with enc as (
    select discharge_date, coded_date, unbilled_until, charges
    from mart_coding_encounters
    where {{mart_filter}}
      -- implied by the DNFB rule below when the as-of date is $end_date; stated again as a constant
      -- comparison so the scan skips encounters billed before it
      and ($end_date::date is null or unbilled_until > $end_date::date)
),

as_of as (
    select coalesce($end_date::date, max(discharge_date)) as as_of_date
    from enc
),

dnfb as (
    select e.charges,
           o.as_of_date,
           date_diff('day', e.discharge_date, o.as_of_date) as days,
           case when e.coded_date is null or e.coded_date > o.as_of_date
                then 'not final coded' else 'coded, not billed' end as coding_status
    from enc as e
    cross join as_of as o
    where e.discharge_date <= o.as_of_date
      and e.unbilled_until > o.as_of_date
),

bucketed as (
    select charges, as_of_date, coding_status,
           case when days <= 3 then 1 when days <= 7 then 2 when days <= 14 then 3
                when days <= 30 then 4 when days <= 60 then 5 else 6 end as bucket_order
    from dnfb
),

final as (
    select cast(max(as_of_date) as date) as as_of_date,
           bucket_order,
           case bucket_order when 1 then '0-3 days' when 2 then '4-7 days' when 3 then '8-14 days'
                when 4 then '15-30 days' when 5 then '31-60 days' else '>60 days' end as bucket,
           coding_status,
           count(*) as n_encounters,
           cast(sum(charges) as double) as charges
    from bucketed
    group by bucket_order, coding_status
)

select * from final order by bucket_order, coding_status
