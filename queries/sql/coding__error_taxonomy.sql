-- purpose: Audit findings that changed the coder's work, by finding type (added, deleted, revised, resequenced, POA, modifier).
-- grain: one row per finding type other than 'correct' found in audits of the filtered encounters.
-- params: filters
-- counts: guarded n_audited_encounters; derived n_findings <- n_audited_encounters; derived n_error_findings
-- totals: column n_error_findings <- n_findings
with enc as (
    select encounter_id
    from {{filtered_encounters}}
),

findings as (
    select a.encounter_id, f.finding_type
    from enc as e
    join audits as a on a.encounter_id = e.encounter_id
    join audit_findings as f on f.audit_id = a.audit_id
    where f.finding_type <> 'correct'
),

by_type as (
    select finding_type,
           count(distinct encounter_id) as n_audited_encounters,
           count(*) as n_findings
    from findings
    group by finding_type
),

final as (
    select finding_type,
           n_audited_encounters,
           n_findings,
           sum(n_findings) over () as n_error_findings
    from by_type
)

select * from final order by n_findings desc, finding_type
