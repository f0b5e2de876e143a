-- purpose: Audit components per coder (AHIMA code-over-code and record-level accuracy, DRG accuracy, dollar impact of findings); queries/definitions/coding_quality.py turns them into rates.
-- grain: one row per audited coder (audits.coder_id) with at least one audit of an encounter in the filtered set.
-- params: filters
-- counts: guarded n_audited_encounters; derived n_audits, audit_codes_reviewed, audit_codes_correct, drg_audits <- n_audited_encounters; derived n_under_coded, n_over_coded <- n_audits; part records_no_change <- n_audits; part drg_unchanged, drg_changed <- drg_audits
-- suppress: n_under_coded -> under_coded_amount, net_impact; n_over_coded -> over_coded_amount, net_impact
-- totals: parts n_audited_encounters, n_audits, audit_codes_reviewed, audit_codes_correct, drg_audits, n_under_coded, n_over_coded, records_no_change, drg_unchanged, drg_changed
with enc as (
    select encounter_id, encounter_type
    from {{filtered_encounters}}
),

audited as (
    select a.audit_id, a.encounter_id, a.coder_id, a.drg_before, a.drg_after, a.dollar_impact, e.encounter_type
    from enc as e
    join audits as a on a.encounter_id = e.encounter_id
),

-- AHIMA code-over-code: the auditor's codes are every finding except codes the auditor deleted.
per_audit as (
    select d.audit_id,
           sum(case when f.finding_type is not null and f.finding_type <> 'deleted' then 1 else 0 end) as codes_reviewed,
           sum(case when f.finding_type = 'correct' then 1 else 0 end) as codes_correct,
           sum(case when f.finding_type is not null and f.finding_type <> 'correct' then 1 else 0 end) as n_changes
    from audited as d
    left join audit_findings as f on f.audit_id = d.audit_id
    group by d.audit_id
),

by_coder as (
    select d.coder_id,
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
                     and d.drg_before <> d.drg_after then 1 else 0 end) as drg_changed,
           sum(case when d.dollar_impact > 0 then 1 else 0 end) as n_under_coded,
           sum(case when d.dollar_impact > 0 then d.dollar_impact else 0 end) as under_coded_amount,
           sum(case when d.dollar_impact < 0 then 1 else 0 end) as n_over_coded,
           sum(case when d.dollar_impact < 0 then d.dollar_impact else 0 end) as over_coded_amount,
           sum(coalesce(d.dollar_impact, 0)) as net_impact
    from audited as d
    join per_audit as p on p.audit_id = d.audit_id
    group by d.coder_id
),

final as (
    select b.coder_id,
           coalesce(c.coder_name, b.coder_id) as coder_name,
           b.n_audited_encounters,
           b.n_audits,
           b.audit_codes_reviewed,
           b.audit_codes_correct,
           b.records_no_change,
           b.drg_audits,
           b.drg_unchanged,
           b.drg_changed,
           b.n_under_coded,
           cast(b.under_coded_amount as double) as under_coded_amount,
           b.n_over_coded,
           cast(b.over_coded_amount as double) as over_coded_amount,
           cast(b.net_impact as double) as net_impact
    from by_coder as b
    left join coders as c on c.coder_id = b.coder_id
)

select * from final order by coder_id
