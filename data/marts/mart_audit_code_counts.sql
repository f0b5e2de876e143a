-- mart: mart_audit_code_counts
-- grain: one row per audit and code system with at least one audit finding.
-- depends: none
-- purpose: The AHIMA code-over-code counts, written once: the codes an auditor reviewed are every finding except the codes the auditor deleted (the coder's codes that should not be there); correct codes are findings of type 'correct'. Deleted codes are counted apart so the code-system view can show them.
with final as (
    select audit_id,
           code_system,
           cast(sum(case when finding_type <> 'deleted' then 1 else 0 end) as bigint) as codes_reviewed,
           cast(sum(case when finding_type = 'correct' then 1 else 0 end) as bigint) as codes_correct,
           cast(sum(case when finding_type = 'deleted' then 1 else 0 end) as bigint) as codes_deleted
    from audit_findings
    group by audit_id, code_system
)

select * from final
