"""The diagnosis selection of the trends page as a predicate on mart_dx_codes, written once.

A selection is a set of ICD-10-CM hierarchy nodes: chapters ('10'), blocks ('J09-J18'), categories
('J18') and codes (any code of ref_icd10cm, billable or not: a subcategory such as 'J101' selects every
code that starts with it, matched on the code's 4-, 5- and 6-character prefixes). Selecting a node selects every code
under it. Every value is a bound list parameter; an empty selection matches nothing. Only ICD-10-CM
rows match: ICD-9-CM codes are never mixed into an ICD-10-CM series (docs/decisions.md).
Included as {{dx_selection}} in a WHERE over mart_dx_codes (names unqualified).
"""
from __future__ import annotations

DX_SELECTION_SQL = """(code_system = 'ICD10CM' and (
          ($dx_chapters::varchar[] is not null and list_contains($dx_chapters::varchar[], chapter))
       or ($dx_blocks::varchar[] is not null and list_contains($dx_blocks::varchar[], block))
       or ($dx_categories::varchar[] is not null and list_contains($dx_categories::varchar[], category))
       or ($dx_codes::varchar[] is not null
           and list_has_any([substr(code, 1, 4), substr(code, 1, 5), substr(code, 1, 6), code], $dx_codes::varchar[]))))"""

# the selection's parameters, as a query header declares them
SELECTION_PARAMS = ("dx_chapters", "dx_blocks", "dx_categories", "dx_codes")
