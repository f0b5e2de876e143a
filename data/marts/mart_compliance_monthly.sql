-- mart: mart_compliance_monthly
-- grain: one row per compliance measure, entity, discharge month, facility, attending specialty, primary payer and coder with at least one encounter in the measure's denominator
-- depends: mart_compliance_events
-- purpose: mart_compliance_events summed over the encounters of each measure x entity x month x filter cell (n_encounters, numerator, denominator), so the compliance page sums a small table per request instead of re-aggregating one row per encounter and measure. Every global filter dimension is in the grain (coder too: three in four filter changes name coders, and a coder-less cube would send them all to the event rows), so a cell is wholly inside or outside any filter and the sums are exact. Days of a partly covered month still come from mart_compliance_events.
with cells as (
    select measure_id, entity_id,
           cast(date_trunc('month', discharge_date) as date) as discharge_month,
           last_day(discharge_date) as month_end,
           facility_id, specialty_code, payer_id, coder_id, numerator, denominator
    from mart_compliance_events
),

final as (
    select measure_id, entity_id, discharge_month, month_end, facility_id, specialty_code, payer_id, coder_id,
           count(*) as n_encounters,
           cast(sum(numerator) as bigint) as numerator,
           cast(sum(denominator) as bigint) as denominator
    from cells
    group by measure_id, entity_id, discharge_month, month_end, facility_id, specialty_code, payer_id, coder_id
)

select * from final order by measure_id, discharge_month, entity_id, facility_id, specialty_code, payer_id, coder_id
