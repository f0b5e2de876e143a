-- purpose: Audit components by discharge month (code-over-code, record-level and DRG accuracy) for the accuracy trend.
-- grain: one row per discharge month with at least one audited encounter in the filtered set.
-- params: filters
-- counts: guarded n_audited_encounters; derived n_audits, audit_codes_reviewed, audit_codes_correct, drg_audits <- n_audited_encounters; part records_no_change <- n_audits; part drg_unchanged, drg_changed <- drg_audits
-- totals: parts n_audited_encounters, n_audits, audit_codes_reviewed, audit_codes_correct, drg_audits, records_no_change, drg_unchanged, drg_changed
-- One mart row per audit (rules in mart_coding_audits, components summed by the audit_accuracy_sums fragment).
with final as (
    select discharge_month as month,
           cast(sum(first_of_encounter) as bigint) as n_audited_encounters,
           {{audit_accuracy_sums}}
    from mart_coding_audits
    where {{mart_filter}}
    group by discharge_month
)

select * from final order by month
