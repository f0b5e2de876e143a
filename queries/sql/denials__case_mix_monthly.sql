-- purpose: Components of the case mix index by discharge month, with the inpatient discharges whose MS-DRG version has no relative weight in the reference tables.
-- grain: one row per discharge month with at least one inpatient discharge in the filtered set.
-- params: filters
-- suppress: inpatient_discharges -> unweighted_discharges; drg_discharges -> drg_weight_sum
-- CMS case mix index: MS-DRG relative weights of inpatient discharges (rule in data/marts/mart_encounters.sql).
with enc as (
    select discharge_month, drg_weight
    from mart_encounters
    where {{encounter_filter}} and is_inpatient = 1
),

final as (
    select discharge_month as month,
           count(*) as inpatient_discharges,
           sum(case when drg_weight is not null then 1 else 0 end) as drg_discharges,
           coalesce(sum(drg_weight), 0) as drg_weight_sum,
           sum(case when drg_weight is null then 1 else 0 end) as unweighted_discharges
    from enc
    group by discharge_month
)

select * from final order by month
