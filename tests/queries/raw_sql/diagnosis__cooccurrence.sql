-- purpose: The ICD-10-CM nodes (at the chosen level) most often coded on the same encounter as the selected diagnoses: encounters with both, with the node, with the selection, and all encounters in the filtered set (share and lift in queries/stats/cooccurrence.py).
-- grain: one row per hierarchy node at the chosen level coded on at least one encounter with the selection (selection codes themselves excluded), the most frequent first, at most `limit`.
-- params: filters, dx_chapters list[text], dx_blocks list[text], dx_categories list[text], dx_codes list[text], principal_only bool = false, level text = category, limit int = 25
-- counts: guarded n_code, n_selected, n_total; part n_both <- n_code
-- principal_only restricts the selection (the selected diagnosis is principal/first-listed); co-coded
-- diagnoses count in any position. level is compared with fixed names (anything else means category).
with filtered as (
    select encounter_id, code_system, code, category, block, chapter, is_principal
    from mart_dx_codes
    where {{mart_filter}}
),

selected as (
    select distinct encounter_id
    from filtered
    where {{dx_selection}}
      and (not $principal_only or is_principal = 1)
),

others as (
    select distinct case $level when 'chapter' then chapter when 'block' then block
                                when 'code' then code else category end as node,
           encounter_id
    from filtered
    where code_system = 'ICD10CM' and not {{dx_selection}}
),

node_counts as (
    select node, count(*) as n_code from others where node is not null group by node
),

both_counts as (
    select o.node, count(*) as n_both
    from others as o
    join selected as s on s.encounter_id = o.encounter_id
    where o.node is not null
    group by o.node
),

totals as (
    select (select count(*) from mart_dx_encounters where {{mart_filter}}) as n_total,
           (select count(*) from selected) as n_selected
),

labels as (
    select chapter as node, min(chapter_description) as label from ref_icd10cm where $level = 'chapter' group by chapter
    union all
    select block as node, min(block_description) as label from ref_icd10cm where $level = 'block' group by block
    union all
    select code as node, description as label from ref_icd10cm where $level not in ('chapter', 'block')
),

final as (
    select b.node, coalesce(l.label, 'Not in ref_icd10cm') as label,
           b.n_both, c.n_code, t.n_selected, t.n_total
    from both_counts as b
    join node_counts as c on c.node = b.node
    cross join totals as t
    left join labels as l on l.node = b.node
    order by b.n_both desc, b.node
    limit $limit
)

select * from final
