-- purpose: Failed rows of every check in every run (summed over the tables it ran on), for the history of failures across loads. Counts of 1..threshold on encounter-level tables are suppressed.
-- grain: one row per run per check.
-- params: encounter_tables list[text]
-- scope: none: data-quality runs check whole files and tables across facilities; the page is for administrators only (dashboard/access.py)
-- counts: guarded encounter_rows_failed; public rows_checked, rows_failed
-- suppress: encounter_rows_failed -> rows_failed, pct_failed
with example_encounters as (
    select run_id, check_id, table_name, count(distinct encounter_id) as n_example_encounters
    from dq_failures
    group by run_id, check_id, table_name
),

per_table as (
    select q.run_id, q.check_id, q.rows_checked, q.rows_failed,
           case when coalesce(list_contains($encounter_tables::varchar[], q.table_name), true)
                     or coalesce(e.n_example_encounters, 0) > 0
                then q.rows_failed else 0 end as encounter_rows_failed,
           case q.status when 'fail' then 2 when 'warn' then 1 else 0 end as status_rank
    from dq_results as q
    left join example_encounters as e
           on e.run_id = q.run_id and e.check_id = q.check_id and e.table_name = q.table_name
),

final as (
    select t.run_id, r.started_at, r.kind, t.check_id,
           cast(sum(t.rows_checked) as bigint) as rows_checked,
           cast(sum(t.rows_failed) as bigint) as rows_failed,
           case when sum(t.rows_checked) > 0
                then cast(sum(t.rows_failed) as double) / sum(t.rows_checked) end as pct_failed,
           cast(sum(t.encounter_rows_failed) as bigint) as encounter_rows_failed,
           case max(t.status_rank) when 2 then 'fail' when 1 then 'warn' else 'pass' end as status
    from per_table as t
    join dq_runs as r on r.run_id = t.run_id
    group by t.run_id, r.started_at, r.kind, t.check_id
)

select * from final
order by started_at, run_id, check_id
