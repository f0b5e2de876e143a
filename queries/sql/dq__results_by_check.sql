-- purpose: Result of every check on every table in one run, with the catalog's description, severity and threshold, and how many example failures (and distinct encounters among them) were kept for drill-down. Failed-row counts of 1..threshold on encounter-level tables are suppressed (docs/decisions.md, "Data-quality counts and small cells").
-- grain: one row per check per table in the run (dq_results).
-- params: run_id text, encounter_tables list[text]
-- scope: none: data-quality runs check whole files and tables across facilities; the page is for administrators only (dashboard/access.py)
-- counts: guarded encounter_rows_failed; public rows_checked, rows_failed, n_examples
-- suppress: encounter_rows_failed -> rows_failed, pct_failed, n_examples
with results as (
    select run_id, check_id, table_name, rows_checked, rows_failed, status
    from dq_results
    where run_id = $run_id::varchar
),

examples as (
    select check_id, table_name,
           count(*) as n_examples,
           count(distinct encounter_id) as n_example_encounters
    from dq_failures
    where run_id = $run_id::varchar
    group by check_id, table_name
),

final as (
    select r.check_id, r.table_name, c.column_name, c.description, c.severity, c.threshold,
           r.rows_checked, r.rows_failed,
           case when r.rows_checked > 0 then cast(r.rows_failed as double) / r.rows_checked end as pct_failed,
           r.status,
           -- rows_failed when the rows belong to encounters (null list = treat every table so), else 0
           case when coalesce(list_contains($encounter_tables::varchar[], r.table_name), true)
                     or coalesce(e.n_example_encounters, 0) > 0
                then r.rows_failed else 0 end as encounter_rows_failed,
           coalesce(e.n_examples, 0) as n_examples
    from results as r
    left join dq_checks as c on c.check_id = r.check_id
    left join examples as e on e.check_id = r.check_id and e.table_name = r.table_name
)

select * from final
order by case status when 'fail' then 0 when 'warn' then 1 else 2 end, check_id, table_name
