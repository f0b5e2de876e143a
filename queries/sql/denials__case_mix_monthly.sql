-- purpose: Components of the case mix index by discharge month, with the inpatient discharges whose MS-DRG version has no relative weight in the reference tables.
-- grain: one row per discharge month with at least one inpatient discharge in the filtered set.
-- params: filters
-- counts: guarded inpatient_discharges; part drg_discharges, unweighted_discharges <- inpatient_discharges
-- suppress: drg_discharges -> drg_weight_sum
-- totals: parts inpatient_discharges, drg_discharges, unweighted_discharges
-- CMS case mix index: MS-DRG relative weights of inpatient discharges (rule in data/marts/mart_encounters.sql),
-- summed from the monthly cube.
with facts as (
    select * from {{monthly_claims}}
),

final as (
    select discharge_month as month,
           cast(sum(inpatient_discharges) as bigint) as inpatient_discharges,
           sum(drg_discharges) as drg_discharges,
           coalesce(sum(drg_weight_sum), 0) as drg_weight_sum,
           sum(inpatient_discharges) - sum(drg_discharges) as unweighted_discharges
    from facts
    group by discharge_month
    having sum(inpatient_discharges) > 0
)

select * from final order by month
