-- purpose: Encounters and distinct patients with at least one diagnosis under each ICD-10-CM hierarchy node (chapter, block, category, code) in the filtered set: the treemap of the diagnosis trends page.
-- grain: one row per hierarchy node (level + node) with at least one encounter in the filtered set.
-- params: filters, principal_only bool = false
-- counts: guarded n_encounters, n_patients
-- tree: node <- parent by level: chapter, block, category, code
-- Counts are distinct at every level (an encounter with J18.9 and J20.9 counts once in chapter 10), so a
-- node is not the sum of its children; `tree` still treats children as parts of their parent for
-- complementary suppression (queries/suppression.py hierarchy_hidden), which can only hide more.
-- Node ids are unique across levels (chapters are numbers, blocks ranges, codes letters + digits). ICD-10-CM only.
with encounters_ as (
    -- encounters per node are additive: whole months without a coder filter from the monthly cube, the
    -- days of partly covered months and every coder filter from the encounter-level rows
    select level, node,
           min(case when $principal_only then parent_principal else parent end) as parent,
           sum(case when $principal_only then n_principal else n_encounters end) as n_encounters
    from (
        select level, node, parent, parent_principal, n_encounters, n_principal
        from mart_dx_node_months
        where $coders::varchar[] is null and {{dimension_filter}} and {{full_months}}
        union all
        select level, node, parent, parent_principal, 1, is_principal
        from {{dx_nodes}}
        where {{encounter_filter}} and ($coders::varchar[] is not null or not ({{full_months}}))
    ) as cells
    group by level, node
),

patients as (
    -- without a dimension filter: each patient's first row in the window (previous date before it), added
    -- up, from the monthly patient cube for whole months, else from the rows; with one: distinct patients
    select level, node, sum(n_rows) as n_patients
    from (
        select level, node, n_rows
        from mart_dx_node_patients
        where {{dx_no_dimensions}} and {{dx_whole_months}}
          and position = case when $principal_only then 'principal' else 'any' end
          and ($start_date::date is null or discharge_month >= $start_date::date)
          and ($end_date::date is null or discharge_month <= $end_date::date)
          and (prev_month is null or prev_month < $start_date::date)
        union all
        select level, node, 1
        from {{dx_nodes}}
        where {{dx_no_dimensions}} and not {{dx_whole_months}} and {{date_filter}}
          and case when $principal_only
                   then is_principal = 1 and (prev_principal_date is null or prev_principal_date < $start_date::date)
                   else prev_date is null or prev_date < $start_date::date end
    ) as firsts
    group by level, node
    union all
    -- with one: patients with a single (principal) encounter with the node are counted by addition (cube for
    -- whole months without a coder filter, rows otherwise); only repeat patients' rows need a distinct count
    select level, node, sum(n_patients) as n_patients
    from (
        select level, node, case when $principal_only then n_single_principal else n_single end as n_patients
        from mart_dx_node_months
        where not {{dx_no_dimensions}} and $coders::varchar[] is null and {{dimension_filter}} and {{full_months}}
        union all
        select level, node, 1
        from {{dx_nodes}}
        where not {{dx_no_dimensions}} and {{encounter_filter}}
          and ($coders::varchar[] is not null or not ({{full_months}}))
          and case when $principal_only then is_principal = 1 and is_principal_repeat = 0 else is_repeat = 0 end
        union all
        select level, node, count(distinct patient_id)
        from {{dx_nodes}}
        where not {{dx_no_dimensions}} and {{encounter_filter}}
          and is_repeat = 1 and (not $principal_only or is_principal_repeat = 1)
        group by level, node
    ) as parts
    group by level, node
),

grouped as (
    select e.level, e.node, e.parent, cast(e.n_encounters as bigint) as n_encounters,
           cast(p.n_patients as bigint) as n_patients,
           case e.level when 'chapter' then e.node when 'block' then e.parent end as chapter,
           case e.level when 'block' then e.node when 'category' then e.parent end as block,
           case e.level when 'category' then e.node when 'code' then e.parent end as category,
           case e.level when 'code' then e.node end as code
    from encounters_ as e
    join patients as p on p.level = e.level and p.node = e.node
    where e.n_encounters > 0
),

chapters as (
    select chapter, min(chapter_description) as label from ref_icd10cm group by chapter
),

blocks as (
    select block, min(block_description) as label from ref_icd10cm group by block
),

final as (
    select g.level,
           g.node,
           g.parent,
           case g.level when 'chapter' then coalesce(c.label, 'Not in ref_icd10cm')
                        when 'block' then coalesce(b.label, 'Not in ref_icd10cm')
                        else coalesce(r.description, 'Not in ref_icd10cm') end as label,
           case g.level when 'code' then coalesce(r.code_dotted, g.code)
                        when 'category' then g.category
                        when 'chapter' then 'Chapter ' || g.chapter else g.block end as shown,
           g.n_encounters, g.n_patients
    from grouped as g
    left join chapters as c on c.chapter = g.chapter
    left join blocks as b on b.block = g.block
    left join ref_icd10cm as r
        on r.code = case g.level when 'code' then g.code when 'category' then g.category end
)

select * from final
order by case level when 'chapter' then 0 when 'block' then 1 when 'category' then 2 else 3 end,
         n_encounters desc, node
