-- purpose: Link-back from audits to an audit worklist: for each listed encounter with an audit, whether it was audited since the worklist was drawn (or only before), and what the audits since then found.
-- grain: one row per audited encounter among $encounter_ids (an encounter never audited has no row; null list = every audited encounter)
-- params: encounter_ids list[text], drawn_on date
-- Per-encounter facts, no count columns: queries/worklist.py shows them only for a worklist whose flagged
-- cell is above the suppression threshold (identifiers rule), like the worklist itself.
with audited as (
    select a.encounter_id,
           a.audit_id,
           a.audit_date,
           a.drg_before,
           a.drg_after,
           a.dollar_impact,
           a.audit_date >= coalesce($drawn_on::date, date '1900-01-01') as since_drawn
    from audits a
    join encounters e on e.encounter_id = a.encounter_id
    where ($encounter_ids::varchar[] is null or list_contains($encounter_ids::varchar[], a.encounter_id))
      and ($scope_facilities::varchar[] is null or list_contains($scope_facilities::varchar[], e.facility_id))
),

finding_types as (
    select distinct d.encounter_id, f.finding_type
    from audited d
    join audit_findings f on f.audit_id = d.audit_id
    where d.since_drawn and f.finding_type <> 'correct'
),

types_text as (
    select encounter_id, string_agg(finding_type, ', ' order by finding_type) as finding_types
    from finding_types
    group by encounter_id
),

per_encounter as (
    select encounter_id,
           bool_or(since_drawn) as audited_since_drawn,
           bool_or(not since_drawn) as audited_before_drawn,
           max(case when since_drawn then audit_date end) as last_audit_date,
           string_agg(case when since_drawn then audit_id end, ', ' order by audit_id) as audit_ids,
           bool_or(since_drawn and drg_before is distinct from drg_after) as revised_drg,
           sum(case when since_drawn then dollar_impact end) as dollar_impact
    from audited
    group by encounter_id
),

final as (
    select p.encounter_id,
           p.audited_since_drawn,
           p.audited_before_drawn,
           p.last_audit_date,
           p.audit_ids,
           case when not p.audited_since_drawn then null
                else coalesce(t.finding_types, 'no change') end as finding_types,
           coalesce(p.revised_drg, false) as revised_drg,
           p.dollar_impact
    from per_encounter p
    left join types_text t on t.encounter_id = p.encounter_id
)

select * from final
order by encounter_id
