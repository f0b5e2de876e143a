"""Outlier statistics for the compliance page: funnel plots with overdispersion, PEPPER percentiles,
and a chi-square test of a whole distribution against peers.

Pure functions of numbers and DataFrames (no SQL, no Dash): services in `queries/` call them on
aggregated mart results. Methods and citations: docs/metrics.md, "Outlier statistics".
"""
from codedash.queries.stats.distribution import distribution_test, distribution_tests
from codedash.queries.stats.funnel import (
    Dispersion,
    dispersion,
    funnel_curve,
    funnel_limits,
    funnel_verdict,
    funnel_verdicts,
    level_key,
    overdispersion,
    pooled_p0,
)
from codedash.queries.stats.percentiles import peer_percentile, pepper_flags

__all__ = ["Dispersion", "dispersion", "distribution_test", "distribution_tests", "funnel_curve", "funnel_limits", "funnel_verdict", "funnel_verdicts", "level_key",
           "overdispersion", "peer_percentile", "pepper_flags", "pooled_p0"]
