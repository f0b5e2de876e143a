-- purpose: CARC codes a denials cross-filter or a link may name, each with codedash's category label (never X12 description text).
-- grain: one row per CARC code in ref_carc.
-- params: none
-- scope: none: reference data (ref_carc), no patient or facility rows
with final as (
    select carc_code as value, category_label as label
    from ref_carc
)

select * from final order by value
