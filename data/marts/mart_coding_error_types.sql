-- mart: mart_coding_error_types
-- grain: one row per audited encounter and finding type among the changes its audits made.
-- depends: mart_coding_code_pairs
-- purpose: The error taxonomy (changes by finding type); one row per encounter, so counting rows counts distinct audited encounters exactly.
with final as (
    select discharge_date, facility_id, specialty_code, payer_id, coder_id,
           finding_type,
           sum(n_findings) as n_findings
    from mart_coding_code_pairs
    group by encounter_id, discharge_date, facility_id, specialty_code, payer_id, coder_id, finding_type
)

select * from final order by discharge_date, finding_type
