-- purpose: Example failing rows kept for one check in one run (table, file, line, column, offending value, message). Encounter ids are blanked when the examples concern 1..threshold distinct encounters (an offending value in an encounter_id column counts as the encounter id); a value of a patient_id column is never returned.
-- grain: one row per example failure of the check in the run (dq_failures).
-- params: run_id text, check_id text
-- scope: none: data-quality runs check whole files and tables across facilities; the page is for administrators only (dashboard/access.py)
-- counts: guarded n_encounters; public line
-- suppress: n_encounters -> encounter_id
with examples as (
    select table_name, file, line, column_name, value, message,
           lower(coalesce(column_name, '')) as col,
           coalesce(encounter_id,
                    case when lower(coalesce(column_name, '')) = 'encounter_id' then value end) as encounter_id
    from dq_failures
    where run_id = $run_id::varchar and check_id = $check_id::varchar
),

encounters as (
    select count(distinct encounter_id) as n_encounters
    from examples
),

final as (
    select x.table_name, x.file, x.line, x.column_name,
           -- identifiers never travel in the value column: patient ids never, encounter ids via encounter_id
           case when x.col in ('patient_id', 'encounter_id') then null else x.value end as value,
           case when x.col = 'patient_id' and x.value is not null and position(x.value in coalesce(x.message, '')) > 0
                then 'withheld: the message quotes a patient id'
                else x.message end as message,
           case when x.col = 'patient_id' then true else false end as value_withheld,
           x.encounter_id, n.n_encounters
    from examples as x
    cross join encounters as n
)

select * from final
order by table_name, file, line, column_name
