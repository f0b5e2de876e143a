-- purpose: CARC categories a denials cross-filter or a link may name (codedash's own categories and labels), plus 'uncategorised' for CARCs outside ref_carc.
-- grain: one row per CARC category.
-- params: none
-- scope: none: reference data (CARC categories), no patient or facility rows
with categories as (
    select category as value, min(category_label) as label
    from ref_carc
    group by category
),

final as (
    select value, label from categories
    union all
    select 'uncategorised' as value, 'Uncategorised CARC' as label
)

select * from final order by label, value
