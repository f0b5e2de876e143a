-- purpose: The ICD-10-CM nodes (at the chosen level) most often coded on the same encounter as the selected diagnoses: encounters with both, with the node, with the selection, and all encounters in the filtered set (share and lift in queries/stats/cooccurrence.py).
-- grain: one row per hierarchy node at the chosen level coded on at least one encounter with the selection (selection codes themselves excluded), the most frequent first, at most `limit`.
-- params: filters, dx_chapters list[text], dx_blocks list[text], dx_categories list[text], dx_codes list[text], principal_only bool = false, level text = category, limit int = 25
-- counts: guarded n_code, n_selected, n_total; part n_both <- n_code
-- principal_only restricts the selection (the selected diagnosis is principal/first-listed); co-coded
-- diagnoses count in any position. level is compared with fixed names (anything else means category).
with selection_rows as (
    select encounter_key, is_principal, case $level when 'chapter' then chapter when 'block' then block
                                when 'code' then code else category end as node
    from mart_dx_codes
    where {{mart_filter}} and code_system = 'ICD10CM' and category in {{dx_selection_categories}} and {{dx_selection}}
),

selected as (
    select distinct encounter_key from selection_rows where (not $principal_only or is_principal = 1)
),

-- nodes with a selected code under them: their other codes are counted from the code rows; every other
-- node has no selected code, so its encounters are the node's own (the additive cube) and its rows in
-- mart_dx_nodes are all "other" codes
overlap as (
    select distinct node from selection_rows where node is not null
),

level_nodes as (
    select level, node, n_encounters
    from (
        select level, node, n_encounters
        from mart_dx_node_months
        where $coders::varchar[] is null and {{dimension_filter}} and {{full_months}}
        union all
        select level, node, 1
        from {{dx_nodes}}
        where {{encounter_filter}} and ($coders::varchar[] is not null or not ({{full_months}}))
    ) as cells
    where level = case when $level in ('chapter', 'block', 'code') then $level else 'category' end
      and not (node = '?' and $level in ('chapter', 'block'))
),

overlap_others as (
    select distinct case $level when 'chapter' then chapter when 'block' then block
                                when 'code' then code else category end as node, encounter_key
    from mart_dx_codes
    where {{mart_filter}} and code_system = 'ICD10CM' and not {{dx_selection}}
      and case $level when 'chapter' then chapter when 'block' then block
                                when 'code' then code else category end in (select node from overlap)
),

node_counts as (
    select node, cast(sum(n_encounters) as bigint) as n_code
    from level_nodes
    where node not in (select node from overlap)
    group by node
    union all
    select node, count(*) as n_code from overlap_others group by node
),

both_counts as (
    select n.node, count(*) as n_both
    from {{dx_nodes}} as n
    join selected as s on s.encounter_key = n.encounter_key
    where {{encounter_filter}}
      and n.level = case when $level in ('chapter', 'block', 'code') then $level else 'category' end
      and not (n.node = '?' and $level in ('chapter', 'block'))
      and n.node not in (select node from overlap)
    group by n.node
    union all
    select o.node, count(*) as n_both
    from overlap_others as o
    join selected as s on s.encounter_key = o.encounter_key
    group by o.node
),

totals as (
    select (select cast(coalesce(sum(n_encounters), 0) as bigint) from (
                select n_encounters from mart_dx_encounter_months
                where $coders::varchar[] is null and {{dimension_filter}} and {{full_months}}
                union all
                select 1 from mart_dx_encounters
                where {{encounter_filter}} and ($coders::varchar[] is not null or not ({{full_months}}))
            ) as cells) as n_total,
           (select count(*) from selected) as n_selected
),

labels as (
    select * from {{dx_node_labels}}
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
