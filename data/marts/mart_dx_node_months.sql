-- mart: mart_dx_node_months
-- grain: one row per ICD-10-CM hierarchy node (level + node), discharge month, facility, attending specialty and primary payer with at least one encounter
-- depends: mart_dx_nodes
-- purpose: The additive cube of the diagnosis treemap and period comparison: encounters with a diagnosis under each node (any position, and principal/first-listed) per month x facility x specialty x payer cell, summed from mart_dx_nodes (each encounter is in one cell, so adding cells is exact), with the smallest parent seen in the cell (min of mins is the min). n_single (n_single_principal) counts the encounters of patients with no other (principal) encounter with the node: each is a distinct patient, so they add up under any filter. No coder and no distinct patients: a coder filter and partly covered months read mart_dx_nodes, patients come from mart_dx_node_patients or mart_dx_nodes.
with final as (
    select level, node, discharge_month, month_end, facility_id, specialty_code, payer_id,
           cast(null as varchar) as coder_id,
           min(parent) as parent,
           min(parent_principal) as parent_principal,
           count(*) as n_encounters,
           sum(is_principal) as n_principal,
           sum(case when is_repeat = 0 then 1 else 0 end) as n_single,
           sum(case when is_principal = 1 and is_principal_repeat = 0 then 1 else 0 end) as n_single_principal
    from mart_dx_nodes
    group by level, node, discharge_month, month_end, facility_id, specialty_code, payer_id
)

select * from final order by discharge_month, level, node, facility_id, specialty_code, payer_id
