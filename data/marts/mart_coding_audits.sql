-- mart: mart_coding_audits
-- grain: one row per audit of an encounter in the encounters table, with that encounter's filter attributes.
-- depends: mart_audit_code_counts, mart_audit_changes
-- purpose: Per-audit accuracy components for the coder and monthly accuracy views, so they read no findings at request time. Record accuracy (the auditor changed nothing), the DRG rule (an inpatient audit with a DRG before and after; changed when they differ) and the dollar-impact sides (+ under-coded, - over-coded) are written here once. coder_id is the encounter's coder (what the coder filter selects); audit_coder_id is the coder whose work was audited (what the views group by).
with codes as (
    select audit_id,
           sum(codes_reviewed) as codes_reviewed,
           sum(codes_correct) as codes_correct
    from mart_audit_code_counts
    group by audit_id
),

changes as (
    select audit_id, sum(n_findings) as n_changes
    from mart_audit_changes
    group by audit_id
),

audited as (
    select a.audit_id,
           a.encounter_id,
           a.coder_id as audit_coder_id,
           e.discharge_date,
           e.facility_id,
           e.specialty_code,
           e.payer_id,
           e.coder_id,
           e.encounter_type = 'inpatient' and a.drg_before is not null and a.drg_after is not null as is_drg_audit,
           a.drg_before,
           a.drg_after,
           a.dollar_impact
    from audits as a
    join encounters as e on e.encounter_id = a.encounter_id
),

final as (
    select d.audit_id,
           d.encounter_id,
           d.audit_coder_id,
           d.discharge_date,
           cast(date_trunc('month', d.discharge_date) as date) as discharge_month,
           d.facility_id,
           d.specialty_code,
           d.payer_id,
           d.coder_id,
           -- one flagged audit per encounter (and per encounter and audited coder): the filters select
           -- whole encounters, so summing a flag counts distinct audited encounters exactly
           case when row_number() over (partition by d.encounter_id order by d.audit_id) = 1
                then 1 else 0 end as first_of_encounter,
           case when row_number() over (partition by d.encounter_id, d.audit_coder_id order by d.audit_id) = 1
                then 1 else 0 end as first_of_encounter_for_coder,
           coalesce(k.codes_reviewed, 0) as codes_reviewed,
           coalesce(k.codes_correct, 0) as codes_correct,
           case when coalesce(c.n_changes, 0) = 0 then 1 else 0 end as record_no_change,
           case when d.is_drg_audit then 1 else 0 end as drg_audit,
           case when d.is_drg_audit and d.drg_before = d.drg_after then 1 else 0 end as drg_unchanged,
           case when d.is_drg_audit and d.drg_before <> d.drg_after then 1 else 0 end as drg_changed,
           case when d.dollar_impact > 0 then 1 else 0 end as under_coded,
           case when d.dollar_impact > 0 then d.dollar_impact else 0 end as under_coded_amount,
           case when d.dollar_impact < 0 then 1 else 0 end as over_coded,
           case when d.dollar_impact < 0 then d.dollar_impact else 0 end as over_coded_amount,
           coalesce(d.dollar_impact, 0) as net_impact
    from audited as d
    left join codes as k on k.audit_id = d.audit_id
    left join changes as c on c.audit_id = d.audit_id
)

-- sorted by discharge date so a date window reads only the row groups it needs
select * from final order by discharge_date, audit_id
