-- purpose: Every recorded data-quality run (load, check or demo build), newest first: rows read, loaded and rejected, and how many checks passed, warned and failed. Feeds the run selector and the history of rows over runs.
-- grain: one row per run in dq_runs.
-- params: none
-- scope: none: data-quality runs check whole files and tables across facilities; the page is for administrators only (dashboard/access.py)
-- counts: public rows_read, rows_loaded, rows_rejected, checks_run, checks_passed, checks_warned, checks_failed
with results as (
    select run_id,
           count(*) as checks_run,
           sum(case when status = 'pass' then 1 else 0 end) as checks_passed,
           sum(case when status = 'warn' then 1 else 0 end) as checks_warned,
           sum(case when status = 'fail' then 1 else 0 end) as checks_failed
    from dq_results
    group by run_id
),

final as (
    select r.run_id, r.kind, r.mode, r.source_format, r.sources, r.started_at, r.finished_at, r.status,
           r.rows_read, r.rows_loaded, r.rows_rejected,
           cast(coalesce(s.checks_run, 0) as bigint) as checks_run,
           cast(coalesce(s.checks_passed, 0) as bigint) as checks_passed,
           cast(coalesce(s.checks_warned, 0) as bigint) as checks_warned,
           cast(coalesce(s.checks_failed, 0) as bigint) as checks_failed
    from dq_runs as r
    left join results as s on s.run_id = r.run_id
)

select * from final
order by started_at desc, run_id desc
