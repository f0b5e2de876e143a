"""The one theme, the one empty state and the one markup escape shared by every figure."""
from __future__ import annotations

from collections.abc import Iterable

import plotly.graph_objects as go

from codedash.dashboard.figures.palette import OKABE_ITO


FONT = "Inter, -apple-system, Segoe UI, Roboto, sans-serif"
# Colour-blind-safe (Okabe–Ito, dashboard/figures/palette.py): every pair a chart must tell apart stays
# >= 15 CIEDE2000 apart under normal, protanopic and deuteranopic vision, and lines and markers keep 3:1
# against white (tests/dashboard/test_palette.py). Meaning never rests on colour alone: good/bad and
# selected/unselected also differ in shape, dash, pattern or text in every figure.
COLORS = {"primary": OKABE_ITO["blue"], "muted": "#6c757d", "good": OKABE_ITO["bluish_green"],
          "bad": OKABE_ITO["vermillion"], "team": "#000000", "secondary": OKABE_ITO["sky_blue"],
          "small": "#adb5bd", "grid": "#e9ecef"}
# Categorical series, in the order they are used: the first five are pairwise >= 15 CIEDE2000 apart under
# each simulated vision; beyond five, series also differ by line dash (SERIES_DASHES) and are named.
CATEGORICAL = (OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["bluish_green"], "#000000",
               OKABE_ITO["sky_blue"], OKABE_ITO["orange"], OKABE_ITO["reddish_purple"], "#6c757d")
SERIES_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
# Ordered buckets (fast -> slow): cividis (Nuñez, Anderton & Renslow 2018, PLoS ONE 13(7):e0199239),
# a ramp designed to read the same with red-green colour blindness; each step differs in lightness.
SEQUENTIAL = ("#fee838", "#c8b866", "#948e77", "#666970", "#35456c", "#00224e")
SELECTED_PATTERN = "/"     # the bar a cross-filter selected: hatched, not only recoloured
TICKFORMAT = {"percent": ".1%", "usd": "$,.3s", "index": ".2f", "count": ",d"}


# Plotly renders a subset of HTML in every text it draws (ticks, legends, hovers, bar text, titles,
# annotations): <a href>, <span style>, <b>, <br>. It decodes &amp; &lt; &gt; and numeric entities,
# but not &quot;, hence &#34; and &#39; for quotes.
_MARKUP = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"})


def plain(value) -> str:
    """A data value as text Plotly shows literally: a payer named `<a href=...>` stays those characters.

    Every string from the data passes through here once, in the figure builder, before it enters a
    figure (categories, trace names, hover and bar text). Escaping is one-to-one, so distinct labels
    stay distinct. Ids that clicks read back stay raw in `customdata`, which no hover displays.
    """
    return str(value).translate(_MARKUP)


def plain_all(values: Iterable) -> list[str]:
    return [plain(v) for v in values]


_AXIS_KEY = {"x": "xaxis", "y": "yaxis"}


def _merged(current: dict, theme: dict) -> dict:
    out = dict(current)
    for key, value in theme.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def themed_layout(layout: dict, height: int) -> dict:
    """`layout` with the theme over it (the theme wins, on every x and y axis the layout names)."""
    theme = dict(height=height, margin=dict(l=8, r=8, t=8, b=8), font=dict(family=FONT, size=11),
                 paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", showlegend=False)
    axes = {"x": dict(showgrid=False, zeroline=False), "y": dict(gridcolor=COLORS["grid"], zeroline=False)}
    for letter, style in axes.items():
        keys = [k for k in layout if k.startswith(_AXIS_KEY[letter]) and k[5:].isdigit()] or [_AXIS_KEY[letter]]
        if _AXIS_KEY[letter] not in keys:
            keys.append(_AXIS_KEY[letter])
        for key in keys:
            theme[key] = style
    return _merged(layout, theme)


def figure(traces: list, height: int, on_top: dict | None = None, **layout) -> go.Figure:
    """Every figure: traces (dicts or trace objects) and layout keywords under the theme, built in one step.

    The layout is given once, whole: each plotly update_layout / update_*axes / add_trace call costs
    milliseconds (it walks the figure's validators), several times what the rest of a small figure costs,
    and a page renders dozens of figures per filter change. `on_top` is merged over the theme (a legend
    shown, a grid a chart wants back)."""
    return go.Figure(data=traces, layout=_merged(themed_layout(layout, height), on_top or {}))


def vline(x: float, line: dict, label: str | None = None) -> tuple[dict, dict | None]:
    """(shape, annotation or None) of a vertical line across the plot at data x, labelled at the top:
    what plotly's add_vline(annotation_position="top") makes, as plain layout entries for `figure`."""
    shape = dict(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain", line=line)
    note = None if label is None else dict(showarrow=False, text=label, x=x, xanchor="center", xref="x",
                                           y=1, yanchor="bottom", yref="y domain")
    return shape, note


def hline(y: float, line: dict) -> dict:
    """The shape of a horizontal line across the plot at data y (what plotly's add_hline makes)."""
    return dict(type="line", x0=0, x1=1, xref="x domain", y0=y, y1=y, yref="y", line=line)


def empty_figure(message: str, height: int = 120) -> go.Figure:
    """One empty state for every chart: no axes, a sentence saying why."""
    note = dict(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                font=dict(color=COLORS["muted"], size=12))
    return figure([], height, annotations=[note], xaxis=dict(visible=False), yaxis=dict(visible=False))
