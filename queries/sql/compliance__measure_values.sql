-- purpose: Numerator and denominator of one compliance outlier measure (queries/definitions/outlier_measures.csv) per entity (attending provider, coder or facility) under the global filters, with the entity's peer group; queries/compliance.py adds value, peer value and the statistics of queries/stats.
-- grain: one row per entity with at least one encounter in the measure's denominator (mart_compliance_events.entity_id; read from mart_compliance_monthly).
-- params: filters, measure_id text = EM_OFFICE_EST_HIGH, entity_type text = provider, peer text = specialty
-- counts: guarded n_encounters; derived denominator <- n_encounters; part numerator <- denominator; public n_peer_entities
-- suppress: numerator -> value
-- totals: parts n_encounters, denominator, numerator by peer_group
-- The peer value shown beside each row is the pooled rate of its peer group, so every group's parts add up to
-- a total the view reveals: the totals clause makes the engine hide a second cell wherever one is hidden.
-- Whole months of the window come from the monthly cube (every filter dimension is in its grain), the days of
-- partly covered months from the event rows; the two are disjoint and every column is a sum, so the totals
-- are those of the event rows alone (tests/queries/test_marts_exactness_compliance.py).
with events as (
    select entity_id, n_encounters, numerator, denominator
    from mart_compliance_monthly
    where measure_id = $measure_id and {{dimension_filter}} and {{full_months}}
    union all
    select entity_id, 1 as n_encounters, numerator, denominator
    from mart_compliance_events
    where measure_id = $measure_id and {{encounter_filter}} and {{partial_months}}
),

by_entity as (
    select entity_id,
           cast(sum(n_encounters) as bigint) as n_encounters,
           sum(numerator) as numerator,
           sum(denominator) as denominator
    from events
    group by entity_id
),

labelled as (
    select b.entity_id,
           coalesce(case $entity_type when 'provider' then p.provider_name
                                      when 'coder' then c.coder_name
                                      else f.facility_name end, b.entity_id) as entity_label,
           case when $peer = 'specialty' and $entity_type = 'provider' then coalesce(p.specialty_code, 'unknown')
                else 'all' end as peer_group,
           b.n_encounters, b.numerator, b.denominator
    from by_entity as b
    left join providers as p on $entity_type = 'provider' and p.provider_id = b.entity_id
    left join coders as c on $entity_type = 'coder' and c.coder_id = b.entity_id
    left join facilities as f on $entity_type = 'facility' and f.facility_id = b.entity_id
),

final as (
    select l.entity_id, l.entity_label, l.peer_group,
           coalesce(s.specialty_name, case when l.peer_group = 'all' then 'All' else l.peer_group end) as peer_label,
           count(*) over (partition by l.peer_group) as n_peer_entities,
           l.n_encounters, l.numerator, l.denominator,
           cast(l.numerator as double) / l.denominator as value
    from labelled as l
    left join ref_specialty as s on s.specialty_code = l.peer_group
)

select * from final order by peer_group, entity_id
