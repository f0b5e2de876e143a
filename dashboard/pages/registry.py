"""The dashboard's pages, in navigation order: path, title, the question each answers."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    key: str
    path: str
    title: str
    audience: str
    question: str
    coming: str = ""     # for pages not built yet: what they will show
    module: str = ""     # dotted module with `layout(**query)` and `register_callbacks(app, db)`; "" = placeholder
    tables: tuple[str, ...] = ()   # canonical tables the page's views need (to say why a view is empty)
    uses_filters: bool = True      # False: the global filter bar is hidden there (with a note)

    @property
    def global_filters(self) -> bool:
        """The global filters change what this page shows (placeholders show no numbers)."""
        return self.uses_filters and bool(self.module)


PAGES: tuple[PageInfo, ...] = (
    PageInfo("overview", "/", "Overview", "Everyone",
             "How much was coded, how accurately, how much was denied and paid, and how is it moving?",
             module="codedash.dashboard.pages.overview", tables=("audits", "adjudications")),
    PageInfo("coding_quality", "/coding-quality", "Coding quality", "Coding managers",
             "Is each coder accurate and productive, and where do coding errors cost money?",
             "Code-over-code and record-level accuracy per coder with 95% Wilson intervals against the "
             "95% target, error taxonomy, most frequent original → corrected code pairs, DRG change rate "
             "and financial impact, productivity per hour, turnaround and DNFB aging, coder scorecards.",
             module="codedash.dashboard.pages.coding_quality", tables=("audits", "audit_findings", "coders")),
    PageInfo("denials", "/denials", "Reimbursement & denials", "Revenue-cycle leads",
             "Which payers deny what, why, and is coding the cause?",
             "Charges, allowed and paid by month, payer and specialty; initial denial rates by payer, "
             "CARC group and category, specialty and procedure; a Pareto of denial reasons; "
             "coding-related denials linked to coders and providers; appeals and overturns; case mix index.",
             module="codedash.dashboard.pages.denials", tables=("adjudications", "adjustments")),
    PageInfo("diagnosis_trends", "/diagnosis-trends", "Diagnosis trends", "Researchers",
             "How do diagnoses move over time, by age, sex, payer and facility?",
             "Diagnosis rates by ICD-10-CM chapter, block and code over time, by age band, sex, payer and "
             "facility, with safe cohort export under small-cell suppression.",
             module="codedash.dashboard.pages.diagnosis_trends", tables=("diagnoses",)),
    PageInfo("compliance", "/compliance", "Compliance", "Compliance officers",
             "Which providers and coders sit far from their peers, and what should be audited next?",
             "PEPPER-style percentile outlier reports: E/M level distributions, CC/MCC capture, modifier 25/59 "
             "use, unspecified-code rates, with an audit work list.",
             module="codedash.dashboard.pages.compliance", tables=("service_lines", "diagnoses")),
    PageInfo("data_quality", "/data-quality", "Data quality", "Everyone who loads data",
             "Is the loaded data complete and valid enough to trust these numbers?",
             "The catalog of data-quality checks, failures per check and table, completeness per column, "
             "history across loads and example failing rows.",
             module="codedash.dashboard.pages.data_quality", uses_filters=False),
)
