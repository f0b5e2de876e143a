"""Pure figure builders: DataFrame in, plotly Figure out. They import neither Dash nor DuckDB.

One module per page (overview.py, ...); base.py holds the theme and the empty state.
"""
from dashboard.figures.base import COLORS, base_layout, empty_figure
from dashboard.figures.overview import kpi_trend, month_tick_step

__all__ = ["COLORS", "base_layout", "empty_figure", "kpi_trend", "month_tick_step"]
