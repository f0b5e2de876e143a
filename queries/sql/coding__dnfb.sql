-- purpose: Discharged, not final billed (DNFB) as of the period end: encounters discharged on or before $end_date (latest discharge when absent) that were not final billed by the end of that day, with their charges, by aging bucket and by whether final coding was done. The caller passes no start_date: DNFB is a stock at a moment, not a flow over the period.
-- grain: one row per aging bucket (days from discharge to the as-of date: 0-3, 4-7, 8-14, 15-30, 31-60, >60) and coding status holding at least one DNFB encounter.
-- params: filters
-- counts: guarded n_encounters; public bucket_order
-- suppress: n_encounters -> charges
-- totals: parts n_encounters
with enc as (
    select encounter_id, discharge_date, coding_completed_at, final_billed_at
    from {{filtered_encounters}}
),

as_of as (
    select coalesce($end_date::date, max(discharge_date)) as as_of_date
    from enc
),

dnfb as (
    select e.encounter_id,
           date_diff('day', e.discharge_date, o.as_of_date) as days,
           case when e.coding_completed_at is null or cast(e.coding_completed_at as date) > o.as_of_date
                then 'not final coded' else 'coded, not billed' end as coding_status,
           o.as_of_date
    from enc as e
    cross join as_of as o
    where e.discharge_date <= o.as_of_date
      and (e.final_billed_at is null or cast(e.final_billed_at as date) > o.as_of_date)
),

charges as (
    select s.encounter_id, sum(s.charge_amount) as charges
    from service_lines as s
    join dnfb as d on d.encounter_id = s.encounter_id
    group by s.encounter_id
),

bucketed as (
    select d.encounter_id, d.coding_status, d.as_of_date, coalesce(c.charges, 0) as charges,
           case when d.days <= 3 then 1 when d.days <= 7 then 2 when d.days <= 14 then 3
                when d.days <= 30 then 4 when d.days <= 60 then 5 else 6 end as bucket_order
    from dnfb as d
    left join charges as c on c.encounter_id = d.encounter_id
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
