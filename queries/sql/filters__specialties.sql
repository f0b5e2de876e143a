-- purpose: Attending-provider specialties offered in the global specialty filter (those with encounters in scope).
-- grain: one row per CMS specialty code.
-- params: none
with used as (
    select distinct e.specialty_code
    from mart_encounters as e
    where e.specialty_code is not null
      and ($scope_facilities::varchar[] is null or list_contains($scope_facilities::varchar[], e.facility_id))
),

final as (
    select u.specialty_code as value,
           coalesce(r.specialty_name, 'Specialty ' || u.specialty_code) || ' (' || u.specialty_code || ')' as label
    from used as u
    left join ref_specialty as r on r.specialty_code = u.specialty_code
)

select * from final order by label, value
