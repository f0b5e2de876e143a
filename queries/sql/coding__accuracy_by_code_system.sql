-- purpose: AHIMA code-over-code accuracy components by code system (ICD-10-CM, ICD-10-PCS, CPT, HCPCS, ...).
-- grain: one row per code system with at least one audit finding on an encounter in the filtered set.
-- params: filters
-- counts: guarded n_audited_encounters; derived audit_codes_reviewed, audit_codes_correct, codes_deleted <- n_audited_encounters
-- totals: parts n_audited_encounters, audit_codes_reviewed, audit_codes_correct, codes_deleted
with enc as (
    select encounter_id
    from {{filtered_encounters}}
),

findings as (
    select a.encounter_id, f.code_system, f.finding_type
    from enc as e
    join audits as a on a.encounter_id = e.encounter_id
    join audit_findings as f on f.audit_id = a.audit_id
),

final as (
    select code_system,
           count(distinct encounter_id) as n_audited_encounters,
           sum(case when finding_type <> 'deleted' then 1 else 0 end) as audit_codes_reviewed,
           sum(case when finding_type = 'correct' then 1 else 0 end) as audit_codes_correct,
           sum(case when finding_type = 'deleted' then 1 else 0 end) as codes_deleted
    from findings
    group by code_system
)

select * from final order by audit_codes_reviewed desc, code_system
