-- purpose: Most frequent original -> corrected code pairs in audit findings (what coders get wrong, and what it should have been).
-- grain: one row per (code system, finding type, original code and modifiers, corrected code and modifiers), the most frequent first, at most $limit rows.
-- params: filters, finding_type text, limit int = 25
-- counts: guarded n_audited_encounters; derived n_findings <- n_audited_encounters
-- totals: parts n_audited_encounters, n_findings by finding_type
-- One mart row per encounter and code pair (mart_coding_code_pairs), so count(*) counts distinct
-- audited encounters.
with final as (
    select code_system,
           finding_type,
           original_code,
           corrected_code,
           original_modifiers,
           corrected_modifiers,
           count(*) as n_audited_encounters,
           cast(sum(n_findings) as bigint) as n_findings
    from mart_coding_code_pairs
    where {{mart_filter}}
      and ($finding_type::varchar is null or finding_type = $finding_type::varchar)
    group by code_system, finding_type, original_code, corrected_code, original_modifiers, corrected_modifiers
)

select * from final
order by n_findings desc, code_system, finding_type, original_code nulls first, corrected_code nulls first,
         original_modifiers nulls first, corrected_modifiers nulls first
limit $limit
