"""Pure figure builders: DataFrame in, plotly Figure out. They import neither Dash nor DuckDB.

One module per page (overview.py, ...); base.py holds the theme and the empty state.
"""
from codedash.dashboard.figures.base import COLORS, empty_figure, figure
from codedash.dashboard.figures.overview import kpi_trend, month_tick_step

__all__ = ["COLORS", "empty_figure", "figure", "kpi_trend", "month_tick_step"]
