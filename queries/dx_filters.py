"""The diagnosis selection of the trends page as a predicate on mart_dx_codes, written once.

A selection is a set of ICD-10-CM hierarchy nodes: chapters ('10'), blocks ('J09-J18'), categories
('J18') and codes (any code of ref_icd10cm, billable or not: a subcategory such as 'J101' selects every
code that starts with it, matched on the code's 4-, 5- and 6-character prefixes). Selecting a node selects every code
under it. Every value is a bound list parameter; an empty selection matches nothing. Only ICD-10-CM
rows match: ICD-9-CM codes are never mixed into an ICD-10-CM series (docs/decisions.md).
Included as {{dx_selection}} in a WHERE over mart_dx_codes (names unqualified). It is never NULL: a code
outside ref_icd10cm has no chapter or block, and `not {{dx_selection}}` must still keep it as a code other
than the selection (before, NULL dropped it from co-occurrence's other codes under a chapter or block selection).
"""
from __future__ import annotations

DX_SELECTION_SQL = """coalesce(code_system = 'ICD10CM' and (
          ($dx_chapters::varchar[] is not null and list_contains($dx_chapters::varchar[], chapter))
       or ($dx_blocks::varchar[] is not null and list_contains($dx_blocks::varchar[], block))
       or ($dx_categories::varchar[] is not null and list_contains($dx_categories::varchar[], category))
       or ($dx_codes::varchar[] is not null
           and list_has_any([substr(code, 1, 4), substr(code, 1, 5), substr(code, 1, 6), code], $dx_codes::varchar[]))), false)"""

# The categories the selection can reach, as a subquery: a chapter's or block's categories in ref_icd10cm, the
# category of a code of ref_icd10cm under a selected code, a selected category, and the first three characters
# of a selected code (a code outside ref_icd10cm has that category in mart_dx_codes). Every row that
# {{dx_selection}} matches has its category in this set, so `category in {{dx_selection_categories}}` beside it
# changes no answer; mart_dx_codes is sorted by category, so the semi join's key range skips the row groups of
# every other category (a list test alone prunes nothing). Included as {{dx_selection_categories}}.
DX_SELECTION_CATEGORIES_SQL = """(
    select r.category from ref_icd10cm as r
    where ($dx_chapters::varchar[] is not null and list_contains($dx_chapters::varchar[], r.chapter))
       or ($dx_blocks::varchar[] is not null and list_contains($dx_blocks::varchar[], r.block))
       or ($dx_codes::varchar[] is not null
           and list_has_any([substr(r.code, 1, 4), substr(r.code, 1, 5), substr(r.code, 1, 6), r.code], $dx_codes::varchar[]))
    union
    select unnest(coalesce($dx_categories::varchar[], []::varchar[]))
    union
    select substr(unnest(coalesce($dx_codes::varchar[], []::varchar[])), 1, 3)
)"""

# The label of each node at the level $level names (chapter, block; anything else: the code's own description,
# categories included -- a code is unique in ref_icd10cm), as a subquery of (node, label). Written once for the
# views that rank nodes; grouping all 98,000 reference rows by node for every level took a third of a period
# comparison. Included as {{dx_node_labels}}.
DX_NODE_LABELS_SQL = """(
    select chapter as node, min(chapter_description) as label from ref_icd10cm where $level = 'chapter' group by chapter
    union all
    select block as node, min(block_description) as label from ref_icd10cm where $level = 'block' group by block
    union all
    select code as node, description as label from ref_icd10cm where $level not in ('chapter', 'block')
)"""

# the selection's parameters, as a query header declares them
SELECTION_PARAMS = ("dx_chapters", "dx_blocks", "dx_categories", "dx_codes")

# True when no dimension filter and no scope restricts the encounters (only dates may): distinct patients
# are then counted by adding first occurrences (data/marts/mart_dx_node_patients.sql). Included as
# {{dx_no_dimensions}}; the parameters are the global filters'.
DX_NO_DIMENSIONS_SQL = """($facilities::varchar[] is null and $specialties::varchar[] is null
       and $payers::varchar[] is null and $coders::varchar[] is null and $scope_facilities::varchar[] is null)"""

# The encounter-level node rows: mart_dx_nodes, or its coder-sorted twin when a coder filter is set (the
# cubes have no coder, so such a filter reads rows for the whole window, and only the twin lets a coder filter
# skip row groups). DuckDB drops the branch the bound parameter rules out. Included as {{dx_nodes}} where a
# query would read mart_dx_nodes.
DX_NODES_SQL = """(
    select * from mart_dx_nodes where $coders::varchar[] is null
    union all
    select * from mart_dx_nodes_by_coder where $coders::varchar[] is not null
)"""

# True when the date window is made of whole calendar months (open ends count as whole): the monthly
# patient cube answers it; otherwise the encounter-level rows do. Included as {{dx_whole_months}}.
DX_WHOLE_MONTHS_SQL = """(($start_date::date is null or day($start_date::date) = 1)
       and ($end_date::date is null or $end_date::date = last_day($end_date::date)))"""
