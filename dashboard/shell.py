"""The app shell: header, navigation, global filters (mirrored in the URL) and the page slot."""
from __future__ import annotations

import datetime as dt

import dash
import dash_mantine_components as dmc
import flask
from dash import Input, Output, State, ctx, dcc, html, no_update

from codedash.dashboard import access
from codedash.dashboard.db import ReadOnlyDatabase
from codedash.dashboard.inputs import as_dict, as_list, as_str
from codedash.dashboard.pages.registry import PAGES
from codedash.dashboard.url_state import filters_from_search, notice_for, search_from_filters, validate_filters
from codedash.queries import periods
from codedash.queries.known_ids import drop_unknown
from codedash.queries.filters import ALL
from codedash.queries.params import ParameterError
from codedash.queries.runner import run
from codedash.queries.suppression import MARKER, threshold

LIST_FILTERS = (("facilities", "Facility"), ("specialties", "Specialty"), ("payers", "Payer"), ("coders", "Coder"))
# Lists too long to ship whole: the browser gets the options matching what the user types (at most
# SEARCH_LIMIT) plus the selected ones, from the named query (params: search, selected, limit_rows).
SEARCHED_FILTERS = {"coders": "filters__search_coders"}
SEARCH_LIMIT = 50


def default_period(con, scope=ALL) -> tuple[str | None, str | None]:
    """The default date filter: the last 12 complete (run-out) months, as `codedash kpis` uses
    (queries.periods.default_period)."""
    period = periods.default_period(con, scope)
    if period is None:
        return None, None
    return period.start.isoformat(), period.end.isoformat()


def suppression_note(k: int) -> str:
    if k <= 0:
        return "Small-cell suppression is off (CODEDASH_SUPPRESSION_THRESHOLD=0): do not share these views."
    return (f"{MARKER} = suppressed: counts of 1–{k} patients or encounters, and values derived from them, "
            "are never shown (CMS cell-size rule).")


def _as_date(value) -> dt.date | None:
    if value is None or (isinstance(value, float)) or str(value) == "NaT":
        return None
    return value.date() if hasattr(value, "date") else value


def _filter_bar(options: dict[str, list[dict]], bounds: tuple, default: tuple) -> dmc.Group:
    # Controls start with concrete values (the default period, no selections): a control whose value
    # is undefined sets it on mount, and that late change would supersede the URL being read.
    first, last = bounds
    pickers = [dmc.DatePickerInput(
        id="f-dates", type="range", label="Discharge dates", placeholder="All dates",
        value=list(default) if default[0] else None,
        minDate=first.isoformat() if first else None, maxDate=last.isoformat() if last else None,
        valueFormat="YYYY-MM-DD", w=230, allowSingleDateInRange=True, clearable=False,
    )]
    for name, label in LIST_FILTERS:
        pickers.append(dmc.MultiSelect(
            id=f"f-{name}", label=label, placeholder="All", data=options[name], value=[], searchable=True,
            clearable=True, w=200, maxDropdownHeight=280, nothingFoundMessage="No match",
            style=None if name != "coders" or access.may_see_names() else {"display": "none"},
        ))
    return dmc.Group(pickers, gap="sm", align="flex-end", wrap="wrap")


def _nav() -> html.Nav:
    return html.Nav([
        dcc.Link(p.title, href=p.path, id=f"nav-{p.key}", className="cd-nav-link") for p in PAGES
    ], className="cd-nav", **{"aria-label": "Pages"})


# Accessibility (docs/accessibility.md): text colours meet WCAG 2.1 AA contrast (4.5:1) on white and on the
# light variant backgrounds, hence blue and the dimmed grey one shade darker than Mantine's defaults
# (dimmed is set in assets/codedash.css); motion follows the user's prefers-reduced-motion setting.
THEME = {"primaryColor": "blue", "primaryShade": {"light": 8, "dark": 8}, "respectReducedMotion": True,
         "focusRing": "auto"}
# The document: its language stated (WCAG 3.1.1), zoom allowed, and no empty <footer> landmark around the
# scripts (Dash's default page wraps them in one).
INDEX_STRING = """<!DOCTYPE html>
<html lang="en">
    <head>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        {%config%}
        {%scripts%}
        {%renderer%}
    </body>
</html>"""
LIVE_REGION_ID = "cd-live"   # the one polite live region: "Loading…" / "Updated" (assets/a11y.js)


def layout(db: ReadOnlyDatabase):
    def _layout(**_query):
        con = db.cursor()
        options = {name: searched_options(con, name, None, None) if name in SEARCHED_FILTERS
                   else run(con, f"filters__{name}", scope=ALL)[["value", "label"]].to_dict("records")
                   for name, _ in LIST_FILTERS}
        row = run(con, "filters__date_range", scope=ALL).iloc[0]
        first, last = _as_date(row["first_date"]), _as_date(row["last_date"])
        start, end = default_period(con, ALL)
        return dmc.MantineProvider(
            dmc.AppShell([
                html.A("Skip to main content", href="#main-content", className="cd-skip-link"),
                dmc.AppShellHeader(dmc.Group([
                    dmc.Group([dmc.Title("codedash", order=1, size="h3", c="blue.9"),
                               dmc.Text("coding quality & reimbursement analytics", size="sm", c="dimmed")],
                              gap="md"),
                    account_menu(),
                ], h="100%", px="md", gap="md", justify="space-between")),
                dmc.AppShellNavbar(_nav(), p="sm"),
                dmc.AppShellMain([
                    dcc.Location(id="url", refresh="callback-nav"),
                    dcc.Store(id="filters"),
                    dcc.Store(id="filter-defaults", data={"start_date": start, "end_date": end}),
                    html.Section(
                        dmc.Paper(_filter_bar(options, (first, last), (start, end)), p="sm", withBorder=True, mb="md",
                                  radius="md", id="filter-bar"),
                        id="filter-section", **{"aria-label": "Filters for every page"}),
                    html.Div(id="filter-bar-note"),
                    # notices appear here after a filter or load change: announced politely, not only shown
                    html.Div(id="filter-notice", role="status", **{"aria-live": "polite"}),
                    html.Div(id="source-notes", role="status", **{"aria-live": "polite"}),
                    html.Div(dash.page_container, id="main-content", tabIndex="-1", className="cd-main-content"),
                    dmc.Text(suppression_note(threshold()), size="xs", c="dimmed", mt="xl", id="suppression-note"),
                    html.Div(id=LIVE_REGION_ID, role="status", className="cd-visually-hidden",
                             **{"aria-live": "polite", "aria-atomic": "true"}),
                ]),
            ], header={"height": 56}, navbar={"width": 210, "breakpoint": "sm"}, padding="md"),
            theme=THEME,
        )
    return _layout


def account_menu():
    """Who is signed in, with their roles and the sign-out form (nothing when serving single-user)."""
    user = access.current_user()
    if user is None:
        return html.Div()
    sess = flask.g.get("codedash_session")
    roles = ", ".join(access.ROLE_LABELS.get(r, r) for r in user.roles) or "no role"
    scope = "all facilities" if user.facilities is None else f"{len(user.facilities)} facilit" + \
        ("y" if len(user.facilities) == 1 else "ies")
    return html.Form([
        dmc.Text(f"{user.display_name or user.username} · {roles} · {scope}", size="sm", id="account-name"),
        dcc.Input(type="hidden", name="csrf_token", value=sess.csrf_token if sess else "", id="sign-out-csrf"),
        html.Button("Sign out", type="submit", className="cd-signout", id="sign-out"),
    ], action="/auth/sign-out", method="POST", className="cd-account", id="account-menu")


def source_notes(con, pathname: str | None):
    """An info note naming the tables this page needs that the loaded source does not have, and why."""
    page = next((p for p in PAGES if p.path == (as_str(pathname) or "/")), None)
    if page is None or not page.tables:
        return None
    reasons = run(con, "dataset__empty_reasons", scope=ALL)
    relevant = reasons[reasons["table_name"].isin(page.tables)]
    if relevant.empty:
        return None
    return dmc.Alert(
        [dmc.Text(f"{row.table_name}: {row.reason}", size="sm") for row in relevant.itertuples()],
        title="Some views here are empty for this data source", color="blue", mb="sm", id="source-notes-alert")


def searched_options(con, name: str, search, selected) -> list[dict]:
    if name == "coders" and not access.may_see_names():
        return []
    """Options of a searched filter: those whose label contains `search` (at most SEARCH_LIMIT), selected first.

    Both values come from the browser: anything but short text is no search, invalid selections are dropped,
    and text no id or name can contain simply matches nothing.
    """
    chosen = validate_filters({name: selected}).get(name)
    text = search.strip()[:100] if isinstance(search, str) and search.strip() else None
    try:
        df = run(con, SEARCHED_FILTERS[name], {"search": text, "selected": chosen, "limit_rows": SEARCH_LIMIT}, scope=ALL)
    except ParameterError:
        df = run(con, SEARCHED_FILTERS[name], {"selected": chosen, "limit_rows": 0}, scope=ALL)
    return df[["value", "label"]].to_dict("records")


def search_update(con, name: str, search, selected, shown, value_changed: bool) -> list[dict]:
    """New `data` of a searched filter after its search text or its value changed.

    The MultiSelect drops from its value whatever is missing from new data, and every new data makes it
    resend its value; so a value change only fetches options when a selected one is not shown yet
    (a link naming a coder outside the first page), which also ends that echo.
    """
    if value_changed:
        shown_values = {o.get("value") for o in shown if isinstance(o, dict)} if isinstance(shown, list) else set()
        if all(v in shown_values for v in (validate_filters({name: selected}).get(name) or [])):
            raise dash.exceptions.PreventUpdate
    return searched_options(con, name, search, selected)


def _register_search(app: dash.Dash, db: ReadOnlyDatabase, name: str) -> None:
    @app.callback(Output(f"f-{name}", "data"), Input(f"f-{name}", "searchValue"), Input(f"f-{name}", "value"),
                  State(f"f-{name}", "data"), prevent_initial_call=True)
    def search_options(search, selected, shown):
        value_changed = f"f-{name}.value" in ctx.triggered_prop_ids
        return search_update(db.cursor(), name, search, selected, shown, value_changed)


def register_callbacks(app: dash.Dash, db: ReadOnlyDatabase) -> None:
    for name in SEARCHED_FILTERS:
        _register_search(app, db, name)

    @app.callback(Output("source-notes", "children"), Input("url", "pathname"))
    def notes(pathname):
        return source_notes(db.cursor(), pathname)

    list_ids = [f"f-{name}" for name, _ in LIST_FILTERS]

    @app.callback(
        Output("url", "search"), Output("f-dates", "value"),
        *[Output(i, "value") for i in list_ids],
        Output("filters", "data"), Output("filter-notice", "children"),
        Input("url", "search"), Input("f-dates", "value"),
        *[Input(i, "value") for i in list_ids],
        State("filter-defaults", "data"), State("filters", "data"),
    )
    def sync_filters(search, dates, *rest):
        *lists, defaults, current = rest
        return sync(ctx.triggered_id, search, dates, lists, defaults, current, len(ctx.triggered_prop_ids),
                    known=lambda f: drop_unknown(db.cursor(), f))

    @app.callback(Output("filter-bar", "style"), Output("filter-bar-note", "children"), Input("url", "pathname"))
    def filter_bar_visibility(pathname):
        return filter_bar_state(pathname)

    @app.callback(
        *[Output(f"nav-{p.key}", "href") for p in PAGES],
        *[Output(f"nav-{p.key}", "className") for p in PAGES],
        Input("url", "search"), Input("url", "pathname"),
    )
    def nav_links(search, pathname):
        shared = search_from_filters(filters_from_search(search)[0])     # filters only: page state stays put
        hrefs = [p.path + shared for p in PAGES]
        classes = [("cd-nav-link active" if p.path == (as_str(pathname) or "/") else "cd-nav-link")
                   + ("" if access.may_see_page(p.key) else " cd-nav-hidden") for p in PAGES]
        return *hrefs, *classes


FILTERS_UNUSED = ("The global filters (dates, facility, specialty, payer, coder) do not apply on this page; "
                  "they are kept in the link for the other pages.")


def filter_bar_state(pathname) -> tuple[dict, object]:
    """(style of the filter bar, note): hidden with a note on pages the global filters do not change."""
    page = next((p for p in PAGES if p.path == (as_str(pathname) or "/")), None)
    if page is None or page.global_filters:
        return {}, None
    if page.module:          # a built page that ignores the filters says so itself, in its own words
        return {"display": "none"}, None
    return {"display": "none"}, dmc.Text(FILTERS_UNUSED, size="xs", c="dimmed", mb="sm", id="filter-bar-hidden-note")


def sync(trigger, search, dates, lists, defaults, current, n_triggers: int = 1, known=None):
    """Both directions of the filter <-> URL mirror: outputs (search, dates, *lists, filters, notice).

    known(filters) -> (filters, problems) drops ids the database does not have (a link's payer=NOPE).
    Setting the controls from the URL makes them echo their new values back, all at once and
    sometimes before this callback's other outputs (URL, store) have landed; a person changes one
    control at a time. So a call triggered by several controls is an echo and is ignored, as is an
    empty date range (the picker cannot be cleared) or a half-picked one.
    """
    search = as_str(search, "")
    if trigger in (None, "url"):
        return _from_url(search, defaults, len(lists), current, known)
    dates = as_list(dates)
    if n_triggers > 1 or not dates or len(dates) != 2 or not dates[0] or not dates[1]:
        raise dash.exceptions.PreventUpdate
    raw = {"start_date": dates[0], "end_date": dates[1]}
    raw.update({name: value for (name, _), value in zip(LIST_FILTERS, lists)})
    filters = validate_filters(raw)
    if filters == current:
        raise dash.exceptions.PreventUpdate      # a control echoing the value we gave it
    new_search = search_from_filters(filters, keep_from=search)
    return (new_search if new_search != search else no_update, no_update,
            *[no_update] * len(lists), filters, None)


def _from_url(search: str, defaults, n_lists: int, current, known=None):
    filters, problems = filters_from_search(search)
    if known is not None:
        filters, unknown = known(filters)
        problems += unknown
    # the defaults travel through the browser (a store) too: re-validated like any filter
    defaults = validate_filters({k: v for k, v in as_dict(defaults).items() if k in ("start_date", "end_date")})
    if "start_date" not in filters and "end_date" not in filters and "start_date" in defaults:
        filters.update(defaults)
    if filters == current and not problems:
        # the URL now says what the controls already show (our own rewrite, or page navigation)
        raise dash.exceptions.PreventUpdate
    new_search = search_from_filters(filters, keep_from=search)
    dates = [filters.get("start_date"), filters.get("end_date")] if filters.get("start_date") else None
    notice = notice_for(problems)
    return (new_search if new_search != search else no_update, dates,
            *[filters.get(name) or [] for name, _ in LIST_FILTERS][:n_lists], filters, notice)
