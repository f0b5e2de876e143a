"""Fragments for queries that read a mart: the global filters as a predicate on the mart's own columns,
and the audit accuracy components summed over mart_coding_audits rows.

Same semantics as queries.filters.FILTERED_ENCOUNTERS_SQL (dates on discharge_date inclusive, null or
empty list = all, the server-side scope on top), but applied to a pre-aggregated mart instead of the
encounters table, so a query never joins back to the canonical tables. A mart that a query filters
this way carries the encounter's attributes under the encounters table's own names: discharge_date,
facility_id, specialty_code, payer_id and coder_id (the encounter's coder, not the auditing coder).
A mart cell is then always inside or outside the filtered set as a whole, which is what keeps counts
exact. Query files include it as `where {{mart_filter}}` over a single mart (names unqualified).
"""
from __future__ import annotations

# The predicate itself is written once, in queries/filters.py (ENCOUNTER_FILTER_SQL).
MART_FILTER_SQL = "({{encounter_filter}})"

# The accuracy components over mart_coding_audits rows (one row per audit, rules written in that mart),
# shared by the per-coder and the per-month views, which each count their distinct audited encounters
# with the mart's flag for their grouping. Included as {{audit_accuracy_sums}} in a select list.
AUDIT_ACCURACY_SUMS_SQL = """count(*) as n_audits,
           sum(codes_reviewed) as audit_codes_reviewed,
           sum(codes_correct) as audit_codes_correct,
           sum(record_no_change) as records_no_change,
           sum(drg_audit) as drg_audits,
           sum(drg_unchanged) as drg_unchanged,
           sum(drg_changed) as drg_changed"""
