"""The registry of every metric codedash shows, gathered from one module per area."""
from __future__ import annotations

from queries.definitions.overview import OVERVIEW_METRICS
from queries.metrics import Metric

METRICS: tuple[Metric, ...] = (*OVERVIEW_METRICS,)
METRICS_BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}
assert len(METRICS_BY_KEY) == len(METRICS), "metric keys must be unique"
