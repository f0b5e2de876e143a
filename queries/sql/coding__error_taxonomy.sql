-- purpose: Audit findings that changed the coder's work, by finding type (added, deleted, revised, resequenced, POA, modifier).
-- grain: one row per finding type other than 'correct' found in audits of the filtered encounters.
-- params: filters
-- counts: guarded n_audited_encounters; derived n_findings <- n_audited_encounters; derived n_error_findings
-- totals: column n_error_findings <- n_findings
-- One mart row per encounter and finding type (mart_coding_error_types), so count(*) counts distinct
-- audited encounters.
with by_type as (
    select finding_type,
           count(*) as n_audited_encounters,
           cast(sum(n_findings) as bigint) as n_findings
    from mart_coding_error_types
    where {{mart_filter}}
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
