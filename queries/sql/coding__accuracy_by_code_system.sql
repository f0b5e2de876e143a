-- purpose: AHIMA code-over-code accuracy components by code system (ICD-10-CM, ICD-10-PCS, CPT, HCPCS, ...).
-- grain: one row per code system with at least one audit finding on an encounter in the filtered set.
-- params: filters
-- counts: guarded n_audited_encounters; derived audit_codes_reviewed, audit_codes_correct, codes_deleted <- n_audited_encounters
-- totals: parts n_audited_encounters, audit_codes_reviewed, audit_codes_correct, codes_deleted
-- Counts come from mart_coding_code_systems (the AHIMA rule lives in mart_audit_code_counts); one mart
-- row per encounter and code system, so count(*) counts distinct audited encounters.
with final as (
    select code_system,
           count(*) as n_audited_encounters,
           sum(codes_reviewed) as audit_codes_reviewed,
           sum(codes_correct) as audit_codes_correct,
           sum(codes_deleted) as codes_deleted
    from mart_coding_code_systems
    where {{mart_filter}}
    group by code_system
)

select * from final order by audit_codes_reviewed desc, code_system
