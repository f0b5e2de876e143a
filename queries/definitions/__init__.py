"""The registry of every metric codedash shows, gathered from one module per area."""
from __future__ import annotations

from codedash.queries.definitions.coding_quality import CODING_QUALITY_METRICS
from codedash.queries.definitions.data_quality import DATA_QUALITY_METRICS
from codedash.queries.definitions.denials import DENIAL_METRICS
from codedash.queries.definitions.overview import HFMA_METRICS, OVERVIEW_METRICS
from codedash.queries.metrics import Metric

METRICS: tuple[Metric, ...] = (*OVERVIEW_METRICS, *HFMA_METRICS, *CODING_QUALITY_METRICS, *DENIAL_METRICS, *DATA_QUALITY_METRICS,)
METRICS_BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}
assert len(METRICS_BY_KEY) == len(METRICS), "metric keys must be unique"
