-- purpose: Coding productivity components per coder and encounter type: encounters final-coded, hours of coding time, days worked (on that type, and on any type: coder_days_all).
-- grain: one row per coder (encounters.coder_id) and encounter type with at least one encounter of the filtered set whose coding has both a start and a later completion time.
-- params: filters
-- suppress: n_coded -> coding_hours, coder_days, coder_days_all
with enc as (
    select coder_id, encounter_type, coding_started_at, coding_completed_at
    from {{filtered_encounters}}
    where coder_id is not null
      and coding_started_at is not null
      and coding_completed_at is not null
      and coding_completed_at > coding_started_at
),

days_all as (
    select coder_id, count(distinct cast(coding_started_at as date)) as coder_days_all
    from enc
    group by coder_id
),

by_coder_type as (
    select coder_id,
           encounter_type,
           count(*) as n_coded,
           sum(cast(date_diff('second', coding_started_at, coding_completed_at) as double)) / 3600 as coding_hours,
           count(distinct cast(coding_started_at as date)) as coder_days
    from enc
    group by coder_id, encounter_type
),

final as (
    select b.coder_id,
           coalesce(c.coder_name, b.coder_id) as coder_name,
           b.encounter_type,
           b.n_coded,
           b.coding_hours,
           b.coder_days,
           d.coder_days_all
    from by_coder_type as b
    join days_all as d on d.coder_id = b.coder_id
    left join coders as c on c.coder_id = b.coder_id
)

select * from final order by coder_id, encounter_type
