-- purpose: The encounters behind one entity's value on one compliance measure (its denominator encounters, those in the numerator first), with strata columns for an audit worklist. Encounter ids are blanked when the entity has 1..threshold encounters in the numerator or in the denominator (the list would point at a handful of people).
-- grain: one row per encounter in the entity's denominator of the measure (mart_compliance_events).
-- params: filters, measure_id text = EM_OFFICE_EST_HIGH, entity_id text
-- counts: guarded n_flagged_encounters, n_encounters; public units_numerator, units_denominator
-- suppress: n_flagged_encounters -> encounter_id; n_encounters -> encounter_id
-- units_* are the measure's units (lines, codes, stays) of this one encounter: they describe a row already
-- identified by its encounter id, and are shown only with it (blanked by the service when the id is).
with events as (
    select encounter_id, numerator, denominator, discharge_date, facility_id, specialty_code, payer_id, coder_id
    from mart_compliance_events
    where measure_id = $measure_id and entity_id = $entity_id and {{mart_filter}}
),

final as (
    select v.encounter_id, v.discharge_date,
           cast(date_trunc('month', v.discharge_date) as date) as discharge_month,
           v.facility_id, v.specialty_code, v.payer_id, v.coder_id, e.encounter_type,
           v.numerator > 0 as in_numerator,
           v.numerator as units_numerator, v.denominator as units_denominator,
           sum(case when v.numerator > 0 then 1 else 0 end) over () as n_flagged_encounters,
           count(*) over () as n_encounters
    from events as v
    join encounters as e on e.encounter_id = v.encounter_id
)

select * from final order by in_numerator desc, discharge_date, encounter_id
