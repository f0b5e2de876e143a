-- purpose: Payers offered in the global payer filter (those with encounters in scope).
-- grain: one row per payer.
-- params: none
with used as (
    select distinct e.payer_id
    from mart_encounters as e
    where e.payer_id is not null
      and ($scope_facilities::varchar[] is null or list_contains($scope_facilities::varchar[], e.facility_id))
),

final as (
    select u.payer_id as value, coalesce(p.payer_name, u.payer_id) as label, p.payer_type
    from used as u
    left join payers as p on p.payer_id = u.payer_id
)

select * from final order by label, value
