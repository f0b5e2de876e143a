-- purpose: Failed rows of each check on each table in one run, for the check x table matrix (zeros included so passing cells show). Counts of 1..threshold on encounter-level tables are suppressed.
-- grain: one row per check per table in the run (dq_results).
-- params: run_id text, encounter_tables list[text]
-- scope: none: data-quality runs check whole files and tables across facilities; the page is for administrators only (dashboard/access.py)
-- counts: guarded encounter_rows_failed; public rows_checked, rows_failed
-- suppress: encounter_rows_failed -> rows_failed, pct_failed
with results as (
    select check_id, table_name, rows_checked, rows_failed, status
    from dq_results
    where run_id = $run_id::varchar
),

example_encounters as (
    select check_id, table_name, count(distinct encounter_id) as n_example_encounters
    from dq_failures
    where run_id = $run_id::varchar
    group by check_id, table_name
),

final as (
    select r.check_id, r.table_name, r.rows_checked, r.rows_failed,
           case when r.rows_checked > 0 then cast(r.rows_failed as double) / r.rows_checked end as pct_failed,
           r.status,
           case when coalesce(list_contains($encounter_tables::varchar[], r.table_name), true)
                     or coalesce(e.n_example_encounters, 0) > 0
                then r.rows_failed else 0 end as encounter_rows_failed
    from results as r
    left join example_encounters as e on e.check_id = r.check_id and e.table_name = r.table_name
)

select * from final
order by check_id, table_name
