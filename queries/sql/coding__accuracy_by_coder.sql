-- purpose: Audit components per coder (AHIMA code-over-code and record-level accuracy, DRG accuracy, dollar impact of findings); queries/definitions/coding_quality.py turns them into rates.
-- grain: one row per audited coder (audits.coder_id) with at least one audit of an encounter in the filtered set.
-- params: filters
-- counts: guarded n_audited_encounters; derived n_audits, audit_codes_reviewed, audit_codes_correct, drg_audits <- n_audited_encounters; derived n_under_coded, n_over_coded <- n_audits; part records_no_change <- n_audits; part drg_unchanged, drg_changed <- drg_audits
-- suppress: n_under_coded -> under_coded_amount, net_impact; n_over_coded -> over_coded_amount, net_impact
-- totals: parts n_audited_encounters, n_audits, audit_codes_reviewed, audit_codes_correct, drg_audits, n_under_coded, n_over_coded, records_no_change, drg_unchanged, drg_changed
-- One mart row per audit (rules in mart_coding_audits, components summed by the audit_accuracy_sums fragment).
with by_coder as (
    select audit_coder_id as coder_id,
           cast(sum(first_of_encounter_for_coder) as bigint) as n_audited_encounters,
           {{audit_accuracy_sums}},
           sum(under_coded) as n_under_coded,
           sum(under_coded_amount) as under_coded_amount,
           sum(over_coded) as n_over_coded,
           sum(over_coded_amount) as over_coded_amount,
           sum(net_impact) as net_impact
    from mart_coding_audits
    where {{mart_filter}}
    group by audit_coder_id
),

final as (
    select b.coder_id,
           coalesce(c.coder_name, b.coder_id) as coder_name,
           b.n_audited_encounters,
           b.n_audits,
           b.audit_codes_reviewed,
           b.audit_codes_correct,
           b.records_no_change,
           b.drg_audits,
           b.drg_unchanged,
           b.drg_changed,
           b.n_under_coded,
           cast(b.under_coded_amount as double) as under_coded_amount,
           b.n_over_coded,
           cast(b.over_coded_amount as double) as over_coded_amount,
           cast(b.net_impact as double) as net_impact
    from by_coder as b
    left join coders as c on c.coder_id = b.coder_id
)

select * from final order by coder_id
