"""Pages whose views arrive in later work: they say what is coming and show no numbers."""
from __future__ import annotations

import dash_mantine_components as dmc

from dashboard.pages.registry import PageInfo


def layout_for(page: PageInfo):
    def layout(**_query):
        return dmc.Stack([
            dmc.Title(page.title, order=2),
            dmc.Text(page.question, c="dimmed"),
            dmc.Alert(
                title="Coming next",
                color="blue",
                children=[dmc.Text(page.coming), dmc.Text(f"For: {page.audience}.", size="sm", mt="xs")],
            ),
        ], gap="sm", id=f"page-{page.key}")
    return layout
