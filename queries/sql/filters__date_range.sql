-- purpose: First and last discharge date in scope, to bound the date filter and choose its default.
-- grain: one row.
-- params: none
with final as (
    select min(e.discharge_date) as first_date, max(e.discharge_date) as last_date
    from mart_encounters as e
    where ($scope_facilities::varchar[] is null or list_contains($scope_facilities::varchar[], e.facility_id))
)

select * from final
