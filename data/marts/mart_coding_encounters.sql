-- mart: mart_coding_encounters
-- grain: one row per encounter, with its filter attributes and its coding and billing milestones.
-- depends: none
-- purpose: Productivity, turnaround and DNFB without reading the encounters or service lines at request time. Written here once: a coding session counts for productivity only when it has a start and a later completion (coding_seconds is null otherwise); turnaround is the days from discharge to the date of final coding; coding and billing milestones are compared by date ("by the end of that day"), an encounter never billed being unbilled until 9999-12-31; charges are the encounter's billed charges (DNFB dollars).
with charges as (
    select encounter_id, sum(charge_amount) as charges
    from service_lines
    group by encounter_id
),

timed as (
    select e.*,
           coalesce(e.coding_started_at is not null and e.coding_completed_at is not null
                    and e.coding_completed_at > e.coding_started_at, false) as is_timed_session
    from encounters as e
),

final as (
    select e.discharge_date,
           e.facility_id,
           e.specialty_code,
           e.payer_id,
           e.coder_id,
           e.encounter_type,
           case when e.is_timed_session then date_diff('second', e.coding_started_at, e.coding_completed_at) end
               as coding_seconds,
           case when e.is_timed_session then cast(e.coding_started_at as date) end as coding_day,
           cast(e.coding_completed_at as date) as coded_date,
           date_diff('day', e.discharge_date, cast(e.coding_completed_at as date)) as turnaround_days,
           -- DNFB until the end of this day: the final-billing date, or never (9999-12-31) if not billed;
           -- a plain date comparison lets the as-of filter skip row groups billed long ago
           coalesce(cast(e.final_billed_at as date), date '9999-12-31') as unbilled_until,
           coalesce(c.charges, 0) as charges
    from timed as e
    left join charges as c on c.encounter_id = e.encounter_id
)

select * from final order by discharge_date
