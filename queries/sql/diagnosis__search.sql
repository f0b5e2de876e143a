-- purpose: The code picker of the diagnosis trends page: ICD-10-CM hierarchy nodes (chapters, blocks, categories, subcategories and codes of ref_icd10cm) whose code or description contains the search text, best matches first.
-- grain: one row per hierarchy node (level + node id) that matches.
-- params: search text, limit int = 25
-- scope: none: the ICD-10-CM code set (ref_icd10cm), no patient or facility rows
-- counts: public match_rank
-- Matching is case-insensitive on the code (with or without its dot) and on the description; a code that
-- starts with the text ranks before one that merely contains it. The text is a bound value: % and _ in it
-- are matched literally (contains() does not take patterns).
with needle as (
    select upper(replace(trim(coalesce($search, '')), '.', '')) as code_text, lower(trim(coalesce($search, ''))) as word
),

nodes as (
    select distinct 'chapter' as level, chapter as node, chapter_description as label, 'Chapter ' || chapter as shown
    from ref_icd10cm where chapter is not null
    union all
    select distinct 'block' as level, block as node, block_description as label, block as shown
    from ref_icd10cm where block is not null
    union all
    select level, code as node, description as label, code_dotted as shown
    from ref_icd10cm
),

matched as (
    select n.level, n.node, n.shown, n.label,
           case when upper(replace(n.node, '.', '')) = x.code_text then 0
                when starts_with(upper(replace(n.node, '.', '')), x.code_text) then 1
                when contains(upper(replace(n.node, '.', '')), x.code_text) then 2
                else 3 end as match_rank
    from nodes as n, needle as x
    where length(x.word) > 0
      and (contains(upper(replace(n.node, '.', '')), x.code_text) or contains(lower(n.label), x.word))
),

final as (
    select level, node, shown, label, match_rank
    from matched
    order by match_rank,
             case level when 'chapter' then 0 when 'block' then 1 when 'category' then 2
                        when 'subcategory' then 3 else 4 end,
             node
    limit $limit
)

select * from final
