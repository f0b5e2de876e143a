-- purpose: Most frequent original -> corrected code pairs in audit findings (what coders get wrong, and what it should have been).
-- grain: one row per (code system, finding type, original code and modifiers, corrected code and modifiers), the most frequent first, at most $limit rows.
-- params: filters, finding_type text, limit int = 25
-- suppress: n_audited_encounters -> n_findings
with enc as (
    select encounter_id
    from {{filtered_encounters}}
),

findings as (
    select a.encounter_id, f.code_system, f.finding_type, f.original_code, f.corrected_code,
           f.original_modifiers, f.corrected_modifiers
    from enc as e
    join audits as a on a.encounter_id = e.encounter_id
    join audit_findings as f on f.audit_id = a.audit_id
    where f.finding_type <> 'correct'
      and ($finding_type::varchar is null or f.finding_type = $finding_type::varchar)
),

final as (
    select code_system,
           finding_type,
           original_code,
           corrected_code,
           original_modifiers,
           corrected_modifiers,
           count(distinct encounter_id) as n_audited_encounters,
           count(*) as n_findings
    from findings
    group by code_system, finding_type, original_code, corrected_code, original_modifiers, corrected_modifiers
)

select * from final
order by n_findings desc, code_system, finding_type, original_code nulls first, corrected_code nulls first,
         original_modifiers nulls first, corrected_modifiers nulls first
limit $limit
