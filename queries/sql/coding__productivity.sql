-- purpose: Coding productivity components per coder and encounter type: encounters final-coded, hours of coding time, days worked (on that type, and on any type: coder_days_all repeats the coder's distinct coding days across every encounter type on each of the coder's rows).
-- grain: one row per coder (encounters.coder_id) and encounter type with at least one encounter of the filtered set whose coding has both a start and a later completion time.
-- params: filters
-- counts: guarded n_coded; public coder_days, coder_days_all
-- suppress: n_coded -> coding_hours, coder_days, coder_days_all
-- coding_seconds is set only for a timed session (mart_coding_encounters); whole seconds summed as
-- integers, so the hours equal a sum of doubles exactly.
with timed as (
    select coder_id, encounter_type, coding_seconds, coding_day
    from mart_coding_encounters
    where {{mart_filter}}
      and coder_id is not null
      and coding_seconds is not null
),

-- a coder's day counts once however many encounter types they coded that day
days_all as (
    select coder_id, count(distinct coding_day) as coder_days_all
    from timed
    group by coder_id
),

by_coder_type as (
    select coder_id,
           encounter_type,
           count(*) as n_coded,
           cast(sum(coding_seconds) as double) / 3600 as coding_hours,
           count(distinct coding_day) as coder_days
    from timed
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
