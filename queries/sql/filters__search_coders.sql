-- purpose: Coders the global coder filter offers while the user types: names containing `search` (all when absent), at most `limit_rows` of them, plus the coders already selected, so long lists never travel to the browser whole.
-- grain: one row per coder (who coded encounters in scope): the selected ones first, then the first `limit_rows` matches by name.
-- params: search text, selected list[text], limit_rows int = 50
with used as (
    select distinct e.coder_id
    from mart_encounters as e
    where e.coder_id is not null
      and ($scope_facilities::varchar[] is null or list_contains($scope_facilities::varchar[], e.facility_id))
),

labelled as (
    select u.coder_id as value, coalesce(c.coder_name, u.coder_id) as label,
           $selected::varchar[] is not null and list_contains($selected::varchar[], u.coder_id) as is_selected
    from used as u
    left join coders as c on c.coder_id = u.coder_id
),

matches as (
    select value, label,
           row_number() over (order by label, value) as match_rank
    from labelled
    where not is_selected
      and ($search::varchar is null or instr(lower(label), lower($search::varchar)) > 0)
),

final as (
    select value, label, 0 as sort_group from labelled where is_selected
    union all
    select value, label, 1 as sort_group from matches where match_rank <= $limit_rows
)

select value, label from final order by sort_group, label, value
