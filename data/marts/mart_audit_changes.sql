-- mart: mart_audit_changes
-- grain: one row per audit and (code system, finding type, original code and modifiers, corrected code and modifiers) among the findings that changed the coder's work.
-- depends: none
-- purpose: What an audit changed, written once: every finding other than 'correct' (added, deleted, revised, resequenced, POA, modifier) is a change. Record-level accuracy (no change at all), the error taxonomy and the code pairs all read it.
with final as (
    select audit_id,
           code_system,
           finding_type,
           original_code,
           corrected_code,
           original_modifiers,
           corrected_modifiers,
           count(*) as n_findings
    from audit_findings
    where finding_type <> 'correct'
    group by audit_id, code_system, finding_type, original_code, corrected_code, original_modifiers,
             corrected_modifiers
)

select * from final
