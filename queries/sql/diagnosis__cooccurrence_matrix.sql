-- purpose: Encounters on which two ICD-10-CM nodes (at the chosen level, from a given list) are both coded, and, for the pseudo-node 'selection', encounters with the selected diagnoses and each node: the co-occurrence heatmap.
-- grain: one row per ordered pair of nodes (node_a, node_b) from the list or 'selection' with at least one encounter coding both; the diagonal is encounters with the node.
-- params: filters, dx_chapters list[text], dx_blocks list[text], dx_categories list[text], dx_codes list[text], principal_only bool = false, level text = category, nodes list[text]
-- counts: guarded n_both
-- level and the selection mean what they mean in diagnosis__cooccurrence.sql.
with selection_rows as (
    select encounter_id, is_principal, case $level when 'chapter' then chapter when 'block' then block
                                when 'code' then code else category end as node
    from mart_dx_codes
    where {{mart_filter}} and code_system = 'ICD10CM' and category in {{dx_selection_categories}} and {{dx_selection}}
),

-- listed nodes with a selected code under them are read from the code rows (their other codes only); the
-- others from mart_dx_nodes, whose rows are then all other codes (as in diagnosis__cooccurrence.sql)
overlap as (
    select distinct node from selection_rows where node is not null
),

members as (
    select distinct 'selection' as node, encounter_id
    from selection_rows
    where (not $principal_only or is_principal = 1)
    union all
    select node, encounter_id
    from mart_dx_nodes
    where {{encounter_filter}}
      and level = case when $level in ('chapter', 'block', 'code') then $level else 'category' end
      and $nodes::varchar[] is not null and list_contains($nodes::varchar[], node)
      and node <> 'selection'
      and not (node = '?' and $level in ('chapter', 'block'))
      and node not in (select node from overlap)
    union all
    select distinct case $level when 'chapter' then chapter when 'block' then block
                                when 'code' then code else category end as node, encounter_id
    from mart_dx_codes
    where {{mart_filter}} and code_system = 'ICD10CM' and not {{dx_selection}}
      and $nodes::varchar[] is not null
      and list_contains($nodes::varchar[], case $level when 'chapter' then chapter when 'block' then block
                                when 'code' then code else category end)
      and case $level when 'chapter' then chapter when 'block' then block
                                when 'code' then code else category end in (select node from overlap)
),

final as (
    select a.node as node_a, b.node as node_b, count(*) as n_both
    from members as a
    join members as b on b.encounter_id = a.encounter_id
    group by a.node, b.node
)

select * from final order by node_a, node_b
