-- mart: mart_dx_nodes
-- grain: one row per encounter per ICD-10-CM hierarchy node (level chapter, block, category or code) with at least one of the encounter's diagnoses under it
-- depends: mart_dx_codes, mart_dx_encounters
-- purpose: The encounter-level twin of the diagnosis cubes (mart_dx_node_months, mart_dx_node_patients): each hierarchy node once per encounter (is_principal when its principal/first-listed code is under the node; parent as the treemap shows it, '?' for codes not in ref_icd10cm, and parent_principal: the parent of its principal code), with the encounter's filter columns and patient, and the patient's previous discharge date with the same node (prev_date; prev_principal_date among the principal rows), so that distinct patients in a date window are counted by adding first occurrences: a patient has exactly one row in the window whose previous date is before the window. is_repeat marks the rows of a patient with more than one encounter with the node (is_principal_repeat: more than one principal one); a patient with a single row is counted by addition under any filter, so only repeat rows need a distinct count. Answers the days of partly covered months, coder filters and distinct patients under dimension filters. ICD-10-CM only. Sorted by level, is_repeat, then discharge date, so one level's rows (co-occurrence, period comparison) are a quarter of the row groups, a distinct count reads only repeat rows and a window only its row groups.
with coded as (
    select encounter_id, code, category,
           coalesce(block, '?') as block, coalesce(chapter, '?') as chapter, is_principal
    from mart_dx_codes
    where code_system = 'ICD10CM'
),

nodes as (
    select 'chapter' as level, chapter as node, cast(null as varchar) as parent,
           cast(null as varchar) as parent_principal, encounter_id, max(is_principal) as is_principal
    from coded group by chapter, encounter_id
    union all
    select 'block' as level, block as node, min(chapter) as parent,
           min(case when is_principal = 1 then chapter end) as parent_principal, encounter_id,
           max(is_principal) as is_principal
    from coded group by block, encounter_id
    union all
    select 'category' as level, category as node, min(block) as parent,
           min(case when is_principal = 1 then block end) as parent_principal, encounter_id,
           max(is_principal) as is_principal
    from coded group by category, encounter_id
    union all
    select 'code' as level, code as node, min(category) as parent,
           min(case when is_principal = 1 then category end) as parent_principal, encounter_id,
           max(is_principal) as is_principal
    from coded group by code, encounter_id
),

final as (
    select n.level, n.node, n.parent, n.parent_principal, n.encounter_id, e.encounter_key, e.patient_id, n.is_principal,
           e.discharge_date, e.discharge_month, last_day(e.discharge_date) as month_end,
           e.facility_id, e.specialty_code, e.payer_id, e.coder_id,
           max(e.discharge_date) over (partition by n.level, n.node, e.patient_id
                                       order by e.discharge_date, n.encounter_id
                                       rows between unbounded preceding and 1 preceding) as prev_date,
           case when n.is_principal = 1 then
               max(case when n.is_principal = 1 then e.discharge_date end)
                   over (partition by n.level, n.node, e.patient_id order by e.discharge_date, n.encounter_id
                         rows between unbounded preceding and 1 preceding) end as prev_principal_date,
           case when count(*) over (partition by n.level, n.node, e.patient_id) > 1 then 1 else 0 end as is_repeat,
           case when n.is_principal = 1 and sum(n.is_principal) over (partition by n.level, n.node, e.patient_id) > 1
                then 1 else 0 end as is_principal_repeat
    from nodes as n
    join mart_dx_encounters as e on e.encounter_id = n.encounter_id
)

-- a zone map is per row group (122,880 rows: about five days of discharges at 10M lines), so level must come before
-- the date to prune (ordering within a day by level and node pruned nothing and cost half of this mart's sort)
select * from final order by level, is_repeat, discharge_date
