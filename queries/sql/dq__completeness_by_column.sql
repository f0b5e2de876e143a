-- purpose: Completeness of every column of every canonical table in one run: rows, rows null or empty, rows present.
-- grain: one row per table per column in the run (dq_completeness).
-- params: run_id text
-- scope: none: data-quality runs check whole files and tables across facilities; the page is for administrators only (dashboard/access.py)
-- counts: public rows_total, rows_null, rows_present
with final as (
    select table_name, column_name, rows_total, rows_null,
           rows_total - rows_null as rows_present
    from dq_completeness
    where run_id = $run_id::varchar
)

select * from final
order by table_name, column_name
