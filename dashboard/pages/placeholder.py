"""Pages whose views arrive in later work: they say what is coming and show no numbers.

Declared like every page (dashboard/panels.py), with no panels yet: a page built later adds its panels
to the same declaration and keeps its ids, URL and layout shape.
"""
from __future__ import annotations

import dash_mantine_components as dmc

from codedash.dashboard.pages.registry import PageInfo
from codedash.dashboard.panels import Page


def page_for(info: PageInfo) -> Page:
    coming = dmc.Alert(title="Coming next", color="blue",
                       children=[dmc.Text(info.coming), dmc.Text(f"For: {info.audience}.", size="sm", mt="xs")])
    return Page(info.key, info.title, info.question, panels=(), preamble=(coming,), uses_filters=False)


def layout_for(info: PageInfo):
    return page_for(info).layout
