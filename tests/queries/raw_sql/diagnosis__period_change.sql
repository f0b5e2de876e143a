-- purpose: Encounters with a diagnosis under each ICD-10-CM node (at the chosen level) and all encounters seen, in two periods, under the global filters other than dates: the inputs of the period comparison (queries/stats/period_change.py).
-- grain: one row per hierarchy node at the chosen level with at least one encounter in either period.
-- params: filters, period1_start date, period1_end date, period2_start date, period2_end date, level text = category, principal_only bool = false
-- counts: guarded n_encounters_1, n_encounters_2; part dx_encounters_1 <- n_encounters_1; part dx_encounters_2 <- n_encounters_2
-- The global date filter is replaced by the two periods (inclusive, by discharge date); level is compared with
-- fixed names (chapter, block, category, code; anything else means category). ICD-10-CM only.
with denominators as (
    select count(case when discharge_date between $period1_start and $period1_end then 1 end) as n_encounters_1,
           count(case when discharge_date between $period2_start and $period2_end then 1 end) as n_encounters_2
    from mart_dx_encounters
    where {{dimension_filter}}
),

numerators as (
    select case $level when 'chapter' then chapter when 'block' then block
                       when 'code' then code else category end as node,
           count(distinct case when discharge_date between $period1_start and $period1_end
                               then encounter_id end) as dx_encounters_1,
           count(distinct case when discharge_date between $period2_start and $period2_end
                               then encounter_id end) as dx_encounters_2
    from mart_dx_codes
    where {{dimension_filter}}
      and code_system = 'ICD10CM'
      and (not $principal_only or is_principal = 1)
      and (discharge_date between $period1_start and $period1_end
           or discharge_date between $period2_start and $period2_end)
    group by 1
),

labels as (
    select distinct 'chapter' as level, chapter as node, chapter_description as label from ref_icd10cm
    union all
    select distinct 'block' as level, block as node, block_description as label from ref_icd10cm
    union all
    select level, code as node, description as label from ref_icd10cm where level in ('category', 'code', 'subcategory')
),

final as (
    select n.node, coalesce(l.label, 'Not in ref_icd10cm') as label,
           n.dx_encounters_1, d.n_encounters_1, n.dx_encounters_2, d.n_encounters_2
    from numerators as n
    cross join denominators as d
    left join (select node, min(label) as label from labels
               where level = case when $level in ('chapter', 'block') then $level else level end
               group by node) as l on l.node = n.node
    where n.node is not null
)

select * from final order by node
