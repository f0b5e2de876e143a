-- mart: mart_coding_code_pairs
-- grain: one row per audited encounter and (code system, finding type, original code and modifiers, corrected code and modifiers) of the changes its audits made.
-- depends: mart_audit_changes, mart_coding_audits
-- purpose: Original -> corrected code pairs (a high-cardinality dimension, kept in its own narrow mart); one row per encounter, so counting rows counts distinct audited encounters exactly.
with final as (
    select a.encounter_id,
           a.discharge_date, a.facility_id, a.specialty_code, a.payer_id, a.coder_id,
           c.code_system,
           c.finding_type,
           c.original_code,
           c.corrected_code,
           c.original_modifiers,
           c.corrected_modifiers,
           sum(c.n_findings) as n_findings
    from mart_audit_changes as c
    join mart_coding_audits as a on a.audit_id = c.audit_id
    group by a.encounter_id, a.discharge_date, a.facility_id, a.specialty_code, a.payer_id, a.coder_id,
             c.code_system, c.finding_type, c.original_code, c.corrected_code, c.original_modifiers,
             c.corrected_modifiers
)

select * from final order by discharge_date, encounter_id
