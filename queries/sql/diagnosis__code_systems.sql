-- purpose: Encounters with at least one diagnosis of each code system (ICD-10-CM, ICD-9-CM) by discharge month in the filtered set: where both appear the trends page says so, and its series never mix them.
-- grain: one row per discharge month and diagnosis code system with at least one encounter.
-- params: filters
-- counts: guarded n_encounters
with final as (
    select discharge_month as month, code_system, count(distinct encounter_id) as n_encounters
    from mart_dx_codes
    where {{mart_filter}}
    group by discharge_month, code_system
)

select * from final order by month, code_system
