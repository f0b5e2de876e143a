-- purpose: Summary of one data-quality run (the latest when run_id is not given): rows read, loaded and rejected, and checks passed, warned and failed.
-- grain: one row for the chosen run (none when no run is recorded or the id is unknown).
-- params: run_id text
-- scope: none: data-quality runs check whole files and tables across facilities; the page is for administrators only (dashboard/access.py)
-- counts: public rows_read, rows_loaded, rows_rejected, checks_run, checks_passed, checks_warned, checks_failed
with chosen as (
    select run_id
    from dq_runs
    where ($run_id::varchar is null and started_at = (select max(started_at) from dq_runs))
       or run_id = $run_id::varchar
    order by run_id desc
    limit 1
),

results as (
    select q.run_id,
           count(*) as checks_run,
           sum(case when q.status = 'pass' then 1 else 0 end) as checks_passed,
           sum(case when q.status = 'warn' then 1 else 0 end) as checks_warned,
           sum(case when q.status = 'fail' then 1 else 0 end) as checks_failed
    from dq_results as q
    join chosen as c on c.run_id = q.run_id
    group by q.run_id
),

final as (
    select r.run_id, r.kind, r.mode, r.source_format, r.sources, r.started_at, r.finished_at, r.status,
           r.rows_read, r.rows_loaded, r.rows_rejected,
           cast(coalesce(s.checks_run, 0) as bigint) as checks_run,
           cast(coalesce(s.checks_passed, 0) as bigint) as checks_passed,
           cast(coalesce(s.checks_warned, 0) as bigint) as checks_warned,
           cast(coalesce(s.checks_failed, 0) as bigint) as checks_failed
    from dq_runs as r
    join chosen as c on c.run_id = r.run_id
    left join results as s on s.run_id = r.run_id
)

select * from final
