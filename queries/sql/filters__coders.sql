-- purpose: Coders offered in the global coder filter (those who coded encounters in scope).
-- grain: one row per coder.
-- params: none
with used as (
    select distinct e.coder_id
    from mart_encounters as e
    where e.coder_id is not null
      and ($scope_facilities::varchar[] is null or list_contains($scope_facilities::varchar[], e.facility_id))
),

final as (
    select u.coder_id as value, coalesce(c.coder_name, u.coder_id) as label
    from used as u
    left join coders as c on c.coder_id = u.coder_id
)

select * from final order by label, value
