-- purpose: Encounters on which two ICD-10-CM nodes (at the chosen level, from a given list) are both coded, and, for the pseudo-node 'selection', encounters with the selected diagnoses and each node: the co-occurrence heatmap.
-- grain: one row per ordered pair of nodes (node_a, node_b) from the list or 'selection' with at least one encounter coding both; the diagonal is encounters with the node.
-- params: filters, dx_chapters list[text], dx_blocks list[text], dx_categories list[text], dx_codes list[text], principal_only bool = false, level text = category, nodes list[text]
-- counts: guarded n_both
-- level and the selection mean what they mean in diagnosis__cooccurrence.sql. At most 63 listed nodes count (bits
-- of a mask; the page lists 10); a node listed twice counts once.
with selection_rows as (
    select encounter_key, is_principal, case $level when 'chapter' then chapter when 'block' then block
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
    select distinct 'selection' as node, encounter_key
    from selection_rows
    where (not $principal_only or is_principal = 1)
    union all
    select node, encounter_key
    from {{dx_nodes}}
    where {{encounter_filter}}
      and level = case when $level in ('chapter', 'block', 'code') then $level else 'category' end
      and $nodes::varchar[] is not null and list_contains($nodes::varchar[], node)
      and node <> 'selection'
      and not (node = '?' and $level in ('chapter', 'block'))
      and node not in (select node from overlap)
    union all
    select distinct case $level when 'chapter' then chapter when 'block' then block
                                when 'code' then code else category end as node, encounter_key
    from mart_dx_codes
    where {{mart_filter}} and code_system = 'ICD10CM' and not {{dx_selection}}
      and $nodes::varchar[] is not null
      and list_contains($nodes::varchar[], case $level when 'chapter' then chapter when 'block' then block
                                when 'code' then code else category end)
      and case $level when 'chapter' then chapter when 'block' then block
                                when 'code' then code else category end in (select node from overlap)
),

-- each encounter's nodes as one bit mask (bit 0 the selection, bit i the i-th listed node), counted per mask:
-- a few hundred masks instead of a self-join of every member row on the encounter; a pair's count is the sum
-- over the masks that carry both bits
masks as (
    select mask, count(*) as n
    from (
        select encounter_key,
               bit_or(case when node = 'selection' then 1::ubigint
                           when list_position($nodes::varchar[], node) <= 63
                           then 1::ubigint << list_position($nodes::varchar[], node)
                           else 0::ubigint end) as mask
        from members
        group by encounter_key
    ) as per_encounter
    group by mask
),

names as (
    select 0 as bit, 'selection' as node
    union all
    select i as bit, ($nodes::varchar[])[i] as node
    from range(1, least(coalesce(len($nodes::varchar[]), 0), 63) + 1) as t(i)
),

final as (
    select a.node as node_a, b.node as node_b, cast(sum(m.n) as bigint) as n_both
    from masks as m
    join names as a on (m.mask >> a.bit) & 1 = 1
    join names as b on (m.mask >> b.bit) & 1 = 1
    group by a.node, b.node
)

select * from final order by node_a, node_b
