-- purpose: Audit components by discharge month (code-over-code, record-level and DRG accuracy) for the accuracy trend.
-- grain: one row per discharge month with at least one audited encounter in the filtered set.
-- params: filters
-- counts: guarded n_audited_encounters; derived n_audits, audit_codes_reviewed, audit_codes_correct, drg_audits <- n_audited_encounters; part records_no_change <- n_audits; part drg_unchanged, drg_changed <- drg_audits
-- totals: parts n_audited_encounters, n_audits, audit_codes_reviewed, audit_codes_correct, drg_audits, records_no_change, drg_unchanged, drg_changed
with enc as (
    select encounter_id, encounter_type, discharge_date
    from {{filtered_encounters}}
),

audited as (
    select a.audit_id, a.encounter_id, a.drg_before, a.drg_after, e.encounter_type,
           date_trunc('month', e.discharge_date) as month
    from enc as e
    join audits as a on a.encounter_id = e.encounter_id
),

per_audit as (
    select d.audit_id,
           sum(case when f.finding_type is not null and f.finding_type <> 'deleted' then 1 else 0 end) as codes_reviewed,
           sum(case when f.finding_type = 'correct' then 1 else 0 end) as codes_correct,
           sum(case when f.finding_type is not null and f.finding_type <> 'correct' then 1 else 0 end) as n_changes
    from audited as d
    left join audit_findings as f on f.audit_id = d.audit_id
    group by d.audit_id
),

final as (
    select cast(d.month as date) as month,
           count(distinct d.encounter_id) as n_audited_encounters,
           count(*) as n_audits,
           sum(p.codes_reviewed) as audit_codes_reviewed,
           sum(p.codes_correct) as audit_codes_correct,
           sum(case when p.n_changes = 0 then 1 else 0 end) as records_no_change,
           sum(case when d.encounter_type = 'inpatient' and d.drg_before is not null and d.drg_after is not null
                    then 1 else 0 end) as drg_audits,
           sum(case when d.encounter_type = 'inpatient' and d.drg_before is not null and d.drg_after is not null
                     and d.drg_before = d.drg_after then 1 else 0 end) as drg_unchanged,
           sum(case when d.encounter_type = 'inpatient' and d.drg_before is not null and d.drg_after is not null
                     and d.drg_before <> d.drg_after then 1 else 0 end) as drg_changed
    from audited as d
    join per_audit as p on p.audit_id = d.audit_id
    group by d.month
)

select * from final order by month
