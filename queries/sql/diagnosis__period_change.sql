-- purpose: Encounters with a diagnosis under each ICD-10-CM node (at the chosen level) and all encounters seen, in two periods, under the global filters other than dates: the inputs of the period comparison (queries/stats/period_change.py).
-- grain: one row per hierarchy node at the chosen level with at least one encounter in either period.
-- params: filters, period1_start date, period1_end date, period2_start date, period2_end date, level text = category, principal_only bool = false
-- counts: guarded n_encounters_1, n_encounters_2; part dx_encounters_1 <- n_encounters_1; part dx_encounters_2 <- n_encounters_2
-- The global date filter is replaced by the two periods (inclusive, by discharge date); level is compared with
-- fixed names (chapter, block, category, code; anything else means category). ICD-10-CM only.
with denominators as (
    -- encounters are additive: months wholly inside a period from the monthly cube (no coder filter), the
    -- other days of the period and every coder filter from the encounter rows
    select coalesce(sum(case when period = 1 then n end), 0) as n_encounters_1,
           coalesce(sum(case when period = 2 then n end), 0) as n_encounters_2
    from (
        select 1 as period, n_encounters as n from mart_dx_encounter_months
        where $coders::varchar[] is null and {{dimension_filter}} and discharge_month >= $period1_start and month_end <= $period1_end
        union all
        select 1 as period, 1 as n from mart_dx_encounters
        where {{dimension_filter}} and discharge_date between $period1_start and $period1_end
          and ($coders::varchar[] is not null
               or not (discharge_month >= $period1_start and last_day(discharge_date) <= $period1_end))
        union all
        select 2 as period, n_encounters as n from mart_dx_encounter_months
        where $coders::varchar[] is null and {{dimension_filter}} and discharge_month >= $period2_start and month_end <= $period2_end
        union all
        select 2 as period, 1 as n from mart_dx_encounters
        where {{dimension_filter}} and discharge_date between $period2_start and $period2_end
          and ($coders::varchar[] is not null
               or not (discharge_month >= $period2_start and last_day(discharge_date) <= $period2_end))
    ) as cells
),

numerators as (
    select node,
           cast(coalesce(sum(case when period = 1 then n end), 0) as bigint) as dx_encounters_1,
           cast(coalesce(sum(case when period = 2 then n end), 0) as bigint) as dx_encounters_2
    from (
        select 1 as period, node, case when $principal_only then n_principal else n_encounters end as n
        from mart_dx_node_months
        where level = case when $level in ('chapter', 'block', 'code') then $level else 'category' end
          and $coders::varchar[] is null and {{dimension_filter}} and discharge_month >= $period1_start and month_end <= $period1_end
        union all
        select 1 as period, node, 1 as n
        from {{dx_nodes}}
        where level = case when $level in ('chapter', 'block', 'code') then $level else 'category' end
          and {{dimension_filter}} and discharge_date between $period1_start and $period1_end
          and ($coders::varchar[] is not null or not (discharge_month >= $period1_start and month_end <= $period1_end))
          and (not $principal_only or is_principal = 1)
        union all
        select 2 as period, node, case when $principal_only then n_principal else n_encounters end as n
        from mart_dx_node_months
        where level = case when $level in ('chapter', 'block', 'code') then $level else 'category' end
          and $coders::varchar[] is null and {{dimension_filter}} and discharge_month >= $period2_start and month_end <= $period2_end
        union all
        select 2 as period, node, 1 as n
        from {{dx_nodes}}
        where level = case when $level in ('chapter', 'block', 'code') then $level else 'category' end
          and {{dimension_filter}} and discharge_date between $period2_start and $period2_end
          and ($coders::varchar[] is not null or not (discharge_month >= $period2_start and month_end <= $period2_end))
          and (not $principal_only or is_principal = 1)
    ) as cells
    -- codes outside ref_icd10cm have no chapter or block ('?' in the marts): not a node at those levels
    where not (node = '?' and $level in ('chapter', 'block'))
    group by node
    having sum(n) > 0
),

labels as (
    select * from {{dx_node_labels}}
),

final as (
    select n.node, coalesce(l.label, 'Not in ref_icd10cm') as label,
           n.dx_encounters_1, cast(d.n_encounters_1 as bigint) as n_encounters_1,
           n.dx_encounters_2, cast(d.n_encounters_2 as bigint) as n_encounters_2
    from numerators as n
    cross join denominators as d
    left join labels as l on l.node = n.node
    where n.node is not null
)

select * from final order by node
