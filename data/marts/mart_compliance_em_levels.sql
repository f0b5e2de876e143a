-- mart: mart_compliance_em_levels
-- grain: one row per encounter, E/M family and E/M level billed on it (families: office new, office established, emergency department, initial and subsequent hospital care)
-- depends: none
-- purpose: The E/M level distribution per attending provider (CMS Comparative Billing Report style) and the share of the two highest levels of each family, with the encounter's filter dimensions, so the compliance page never reads service lines. is_high marks the two highest levels of the family (ref_procedure_labels.em_level).
with family_levels as (
    select em_family, max(em_level) as top_level
    from ref_procedure_labels
    where em_family in ('office_new', 'office_established', 'ed', 'inpatient_initial', 'inpatient_subsequent')
      and em_level is not null
    group by em_family
),

em_lines as (
    select s.encounter_id, l.em_family, l.em_level, count(*) as n_lines
    from service_lines as s
    join ref_procedure_labels as l on l.code_system = s.code_system and l.code = s.code
    join family_levels as f on f.em_family = l.em_family
    where l.em_level is not null
    group by s.encounter_id, l.em_family, l.em_level
),

final as (
    select m.encounter_id, e.attending_provider_id as provider_id,
           e.discharge_date, e.facility_id, e.specialty_code, e.payer_id, e.coder_id,
           m.em_family, m.em_level,
           case when m.em_level >= f.top_level - 1 then 1 else 0 end as is_high,
           m.n_lines
    from em_lines as m
    join family_levels as f on f.em_family = m.em_family
    join encounters as e on e.encounter_id = m.encounter_id
)

select * from final order by discharge_date, encounter_id, em_family, em_level
