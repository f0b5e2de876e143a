-- mart: mart_coding_code_systems
-- grain: one row per audited encounter and code system with at least one audit finding (all audits of the encounter together).
-- depends: mart_audit_code_counts, mart_coding_audits
-- purpose: Code-over-code counts by code system; one row per encounter, so counting rows counts distinct audited encounters exactly under any filter.
with final as (
    select a.discharge_date, a.facility_id, a.specialty_code, a.payer_id, a.coder_id,
           k.code_system,
           sum(k.codes_reviewed) as codes_reviewed,
           sum(k.codes_correct) as codes_correct,
           sum(k.codes_deleted) as codes_deleted
    from mart_audit_code_counts as k
    join mart_coding_audits as a on a.audit_id = k.audit_id
    group by a.encounter_id, a.discharge_date, a.facility_id, a.specialty_code, a.payer_id, a.coder_id,
             k.code_system
)

select * from final order by discharge_date, code_system
