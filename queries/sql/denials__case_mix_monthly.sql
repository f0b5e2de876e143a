-- purpose: Components of the case mix index by discharge month, with the inpatient discharges whose MS-DRG version has no relative weight in the reference tables.
-- grain: one row per discharge month with at least one inpatient discharge in the filtered set.
-- params: filters
-- counts: guarded inpatient_discharges; part drg_discharges, unweighted_discharges <- inpatient_discharges
-- suppress: drg_discharges -> drg_weight_sum
-- totals: parts inpatient_discharges, drg_discharges, unweighted_discharges
with enc as (
    select encounter_id, discharge_date, drg_code, drg_version
    from {{filtered_encounters}}
    where encounter_type = 'inpatient'
),

-- CMS case mix index: MS-DRG relative weights of inpatient discharges with a weighted DRG (as the overview).
weighted as (
    select e.encounter_id, e.discharge_date, r.relative_weight
    from enc as e
    left join ref_msdrg as r on r.drg_version = e.drg_version and r.drg_code = e.drg_code
),

final as (
    select cast(date_trunc('month', discharge_date) as date) as month,
           count(*) as inpatient_discharges,
           sum(case when relative_weight is not null then 1 else 0 end) as drg_discharges,
           coalesce(sum(relative_weight), 0) as drg_weight_sum,
           sum(case when relative_weight is null then 1 else 0 end) as unweighted_discharges
    from weighted
    group by 1
)

select * from final order by month
