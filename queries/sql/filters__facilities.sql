-- purpose: Facilities offered in the global facility filter (only those inside the user's scope).
-- grain: one row per facility.
-- params: none
with final as (
    select f.facility_id as value, f.facility_name as label
    from facilities as f
    where ($scope_facilities::varchar[] is null or list_contains($scope_facilities::varchar[], f.facility_id))
)

select * from final order by label, value
