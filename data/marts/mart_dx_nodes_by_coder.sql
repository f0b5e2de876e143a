-- mart: mart_dx_nodes_by_coder
-- grain: one row per encounter per ICD-10-CM hierarchy node, as mart_dx_nodes (the same rows and columns)
-- depends: mart_dx_nodes
-- purpose: mart_dx_nodes sorted by coder first, then as mart_dx_nodes is (level, repeat flag, discharge date), so that a coder filter reads only its coders' row groups. The monthly node cubes have no coder, so under a coder filter the diagnosis treemap, period comparison and co-occurrence read encounter-level rows for the whole window; in mart_dx_nodes' order a coder's rows are spread over every row group of the window. Read through {{dx_nodes}} (queries/dx_filters.py), which picks this twin only when a coder filter is set: re-sorting mart_dx_nodes itself would make every date-window read without a coder slower (docs/decisions.md, "A coder-sorted twin of mart_dx_nodes").
with final as (
    select * from mart_dx_nodes
)

select * from final order by coder_id, level, is_repeat, discharge_date
