-- mart: mart_dx_node_patients
-- grain: one row per ICD-10-CM hierarchy node (level + node), position (any, principal), discharge month and month of the patient's previous encounter with the node (null for the first) with at least one encounter
-- depends: mart_dx_nodes
-- purpose: Distinct patients per node for any window of whole months without a dimension filter, by addition: mart_dx_nodes rows counted by (month, previous month); a patient has exactly one row in months M1..M2 whose previous month is before M1 (or none), so the sum of n_rows over month in M1..M2 and prev_month < M1 is the number of distinct patients, exactly. Position 'principal' repeats it over the rows whose principal/first-listed code is under the node.
with final as (
    select level, node, 'any' as position, discharge_month,
           cast(date_trunc('month', prev_date) as date) as prev_month,
           count(*) as n_rows
    from mart_dx_nodes
    group by level, node, discharge_month, cast(date_trunc('month', prev_date) as date)
    union all
    select level, node, 'principal' as position, discharge_month,
           cast(date_trunc('month', prev_principal_date) as date) as prev_month,
           count(*) as n_rows
    from mart_dx_nodes
    where is_principal = 1
    group by level, node, discharge_month, cast(date_trunc('month', prev_principal_date) as date)
)

select * from final order by level, node, position, discharge_month, prev_month
