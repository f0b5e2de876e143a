"""`make bench` section: every registered Dash callback, timed as the server runs it.

Nothing here names a page or a callback: the app is built with dashboard.app.create_app, and each entry
of app.callback_map is posted to /_dash-update-component through Flask's test client with the body the
browser would send (inputs, state, outputs, changedPropIds), so Dash's context, the callback, the
queries and the JSON encoding of the response are all inside the timing. A page added later is timed
without touching this file. Values come from `Sampler`: random global filters drawn from the database,
and page-local inputs (a segmented control's or a select's choices, a cross-filter store, a data-quality
run and check).
"""
from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from dataclasses import dataclass, field

FILTERS = "filters.data"
# Inputs that fire on a person's click, not when a page renders or a filter changes.
EVENT_PROPS = {"n_clicks", "clickData", "cellClicked", "selectedRows"}


@dataclass
class Callback:
    output: str                 # callback id in app.callback_map
    page: str                   # page key, or "shell"
    label: str                  # first output component id (+n more)
    inputs: list[dict]
    state: list[dict]
    outputs: list | dict
    on_filter_change: bool      # re-runs whenever the global filters change
    renders: bool               # runs when its page renders or a filter changes (directly or chained)
    export: bool                # a download button's callback


def _page_of(module: str) -> str:
    from codedash.dashboard.pages.registry import PAGES

    for page in PAGES:
        if page.module and page.module == module:
            return page.key
    return "shell"


def discover(app) -> list[Callback]:
    """Every server-side callback of the app, with its page (from the module that registered it)."""
    from dash._utils import split_callback_id

    found = []
    for output, cb in app.callback_map.items():
        if "callback" not in cb:           # clientside (runs in the browser; nothing to time on the server)
            continue
        func = getattr(cb["callback"], "__wrapped__", cb["callback"])
        outputs = split_callback_id(output)
        first = outputs[0] if isinstance(outputs, list) else outputs
        more = len(outputs) - 1 if isinstance(outputs, list) else 0
        inputs = [{"id": d["id"], "property": d["property"]} for d in cb["inputs"]]
        found.append(Callback(
            output=output, page=_page_of(func.__module__),
            label=first["id"] + (f" (+{more})" if more else ""),
            inputs=inputs, state=[{"id": d["id"], "property": d["property"]} for d in cb["state"]],
            outputs=outputs, on_filter_change=any(_key(d) == FILTERS for d in inputs),
            renders=any(d["property"] not in EVENT_PROPS for d in inputs),
            export=first["property"] == "data" and first["id"].endswith("-download")))
    return found


def _key(dep: dict) -> str:
    return f"{dep['id']}.{dep['property']}"


def _walk(component):
    yield component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            yield from _walk(child)


@dataclass
class Sampler:
    """Seeded random inputs: global filters from the database's own values, and page-local inputs."""
    first: dt.date
    last: dt.date
    lists: dict[str, list[str]]
    local: dict[str, list] = field(default_factory=dict)   # "id.prop" -> candidate values
    rng: random.Random = field(default_factory=lambda: random.Random(20261201))

    @classmethod
    def from_database(cls, con, app) -> Sampler:
        from codedash.dashboard.pages.registry import PAGES
        from codedash.queries.runner import run

        row = run(con, "filters__date_range").iloc[0]
        lists = {name: con.execute(f"select distinct {col} from encounters where {col} is not null "   # noqa: S608
                                   f"order by 1").df().iloc[:, 0].astype(str).tolist()
                 for name, col in (("facilities", "facility_id"), ("specialties", "specialty_code"),
                                   ("payers", "payer_id"), ("coders", "coder_id"))}
        local: dict[str, list] = {}
        import importlib
        for page in PAGES:                      # controls with fixed choices (segmented controls, selects)
            if not page.module:
                continue
            for comp in _walk(importlib.import_module(page.module).layout()):
                data = getattr(comp, "data", None)
                cid = getattr(comp, "id", None)
                if isinstance(cid, str) and isinstance(data, list) and data and isinstance(data[0], dict) \
                        and "value" in data[0]:
                    local[f"{cid}.value"] = [d["value"] for d in data]
        # cross-filter stores and run pickers: values a click or a callback would put there
        payers = lists["payers"]
        cats = [r[0] for r in con.execute("select distinct category from ref_carc order by 1").fetchall()]
        carcs = [r[0] for r in con.execute("select distinct carc_code from adjudications where carc_code is not null "
                                           "order by 1 limit 30").fetchall()]
        local["denials-state.data"] = [None, None] + [{"payer": p} for p in payers[:5]] + \
            [{"category": c} for c in cats[:5]] + [{"carc": c} for c in carcs[:5]] + \
            [{"reimb": "specialty"}, {"days": "service_to_payment"}]
        types = [r[0] for r in con.execute("select distinct finding_type from audit_findings "
                                           "where finding_type <> 'correct' order by 1").fetchall()]
        local["cq-state.data"] = [None, None, *({"finding_type": t} for t in types),
                                  {"metric": "record_accuracy"}, {"prod": "encounters_per_day"}]
        # the data-quality page's state: a run (the run select's values come from its layout above) and a check
        runs = [r[0] for r in con.execute("select run_id from dq_runs order by started_at").fetchall()]
        checks = [tuple(r) for r in con.execute("select run_id, check_id from dq_results "
                                                 "order by run_id, check_id limit 10").fetchall()]
        local["dq-state.data"] = [None, *({"run": r} for r in runs), *({"run": r, "check": c} for r, c in checks)]
        # the compliance page's state: every measure, and for each its largest entity (a flag explained)
        measures = [r[0] for r in con.execute("select distinct measure_id from mart_compliance_monthly "
                                              "order by 1").fetchall()]
        largest = con.execute("select measure_id, arg_max(entity_id, n) from (select measure_id, entity_id, "
                              "sum(n_encounters) as n from mart_compliance_monthly group by 1, 2) group by 1 "
                              "order by 1").fetchall()
        local["compliance-state.data"] = [None, *({"measure": m} for m in measures),
                                          *({"measure": m, "entity": e} for m, e in largest)]
        local["dxt-state.data"] = _dx_states(con)
        return cls(_as_date(row["first_date"]), _as_date(row["last_date"]), lists, local)

    def filters(self) -> dict:
        """A date window of 1-24 months inside the data, and 0-3 values of each list filter."""
        from codedash.dashboard.url_state import validate_filters

        months = self.rng.randint(1, 24)
        span = (self.last.year - self.first.year) * 12 + self.last.month - self.first.month
        offset = self.rng.randint(0, max(0, span - months + 1))
        y, m = divmod(self.first.month - 1 + offset, 12)
        start = dt.date(self.first.year + y, m + 1, 1)
        y2, m2 = divmod(start.month - 1 + months, 12)
        end = min(dt.date(start.year + y2, m2 + 1, 1) - dt.timedelta(days=1), self.last)
        raw = {"start_date": max(start, self.first).isoformat(), "end_date": end.isoformat()}
        for name, values in self.lists.items():
            k = self.rng.randint(0, min(3, len(values)))
            if k:
                raw[name] = self.rng.sample(values, k)
        return validate_filters(raw)

    def values(self, filters: dict) -> dict[str, object]:
        """Input values for one filter change: the filters plus one draw of every page-local input."""
        out: dict[str, object] = {FILTERS: filters, "filter-defaults.data": None}
        for key, candidates in self.local.items():
            out[key] = self.rng.choice(candidates)
        return out


def _dx_states(con) -> list:
    """The diagnosis-trends page's state: the default, and selections at every hierarchy level (the most
    coded chapter, block, category and code, one of each, and three blocks at once) crossed with the page's
    other state choices as it declares them (position, stratum, level, risk grouping), drawn with a fixed seed."""
    from codedash.dashboard.pages.diagnosis_trends import PAGE

    if con.execute("select count(*) from information_schema.tables where table_name = 'mart_dx_nodes'"
                   ).fetchone()[0] == 0:
        return [None]
    tops = {level: [r[0] for r in con.execute(
        "select node from mart_dx_node_months where level = ? and node <> '?' "
        "and (level <> 'code' or length(node) > 3) group by node "      # a 3-character code is a category
        "order by sum(n_encounters) desc, node limit 3", [level]).fetchall()]
        for level in ("chapter", "block", "category", "code")}
    selections = [f"{level}:{nodes[0]}" for level, nodes in tops.items() if nodes]
    if tops["block"]:
        selections.append(",".join(f"block:{n}" for n in sorted(tops["block"])))   # as the page orders them
    choices = {key.name: list(key.choices) for key in PAGE.state if key.choices}
    rng = random.Random(20261202)
    states: list = [None]
    for selection in selections:
        for _ in range(3):
            states.append({"selection": selection, **{name: rng.choice(values) for name, values in choices.items()}})
    return states


def _as_date(value) -> dt.date:
    return value.date() if hasattr(value, "date") else value


def body(cb: Callback, values: dict[str, object]) -> dict:
    """The request the browser sends for this callback (event inputs such as n_clicks fire once)."""
    def dep(d):
        key = _key(d)
        if d["property"] == "n_clicks":
            value = 1
        elif d["property"] == "data" and str(d["id"]).endswith("-seen"):
            value = True          # a below-the-fold panel scrolled into view (panels.Page.eager_rows)
        else:
            value = values.get(key)
        return {**d, "value": value}

    inputs = [dep(d) for d in cb.inputs]
    if cb.on_filter_change:
        changed = [FILTERS]
    else:
        changed = [_key(d) for d in inputs if d["value"] is not None][:1]
    return {"output": cb.output, "outputs": cb.outputs, "inputs": inputs,
            "state": [dep(d) for d in cb.state], "changedPropIds": changed}


def _clear_cache(app=None) -> None:
    """Cold: neither the query results (queries/cache.py) nor whole responses (dashboard/response_cache.py)."""
    from codedash.queries import cache

    shared = cache.shared()
    if shared is not None:
        shared.clear()
    responses = getattr(app, "_codedash_response_cache", None)
    if responses is not None:
        responses.clear()


def post(client, payload: dict) -> tuple[float, int]:
    t0 = time.perf_counter()
    resp = client.post("/_dash-update-component", json=payload)
    ms = (time.perf_counter() - t0) * 1000
    return ms, resp.status_code


@dataclass
class Timings:
    cold: dict[str, list[float]]                   # callback id -> ms per filter combination
    hit: dict[str, list[float]]
    errors: dict[str, list[str]]
    layout_cold: list[float]
    layout_hit: list[float]
    combos: int
    filter_sets: list[dict] = field(default_factory=list)
    cache_hits: int = 0                            # the result cache's own count, to show the hit path hit
    cache_misses: int = 0


def time_callbacks(app, callbacks: list[Callback], sampler: Sampler, combos: int) -> Timings:
    from codedash.queries import cache

    client = app.server.test_client()
    client.get("/")                                   # Dash sets up pages and routes on the first request
    if cache.shared() is not None:
        cache.shared().reset_stats()
    cold: dict[str, list[float]] = {cb.output: [] for cb in callbacks}
    hit: dict[str, list[float]] = {cb.output: [] for cb in callbacks}
    errors: dict[str, list[str]] = {}
    layout_cold, layout_hit, filter_sets = [], [], []
    for _ in range(combos):
        filter_sets.append(sampler.filters())
        values = sampler.values(filter_sets[-1])
        _clear_cache(app)
        t0 = time.perf_counter()
        app.layout()                                   # the shell: filter options, date range (each page load)
        layout_cold.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        app.layout()
        layout_hit.append((time.perf_counter() - t0) * 1000)
        for cb in callbacks:
            payload = body(cb, values)
            _clear_cache(app)
            ms, status = post(client, payload)
            if status not in (200, 204):
                errors.setdefault(cb.output, []).append(f"HTTP {status}")
            cold[cb.output].append(ms)
            ms, _ = post(client, payload)
            hit[cb.output].append(ms)
    stats = cache.shared().stats() if cache.shared() is not None else None
    return Timings(cold, hit, errors, layout_cold, layout_hit, combos, filter_sets,
                   stats.hits if stats else 0, stats.misses if stats else 0)


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100), no interpolation: what was actually observed."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def summarize(callbacks: list[Callback], t: Timings) -> tuple[list[dict], list[dict]]:
    """(one row per callback, one row per page: the sum of the callbacks one filter change runs on it)."""
    rows = []
    for cb in callbacks:
        c, h = t.cold[cb.output], t.hit[cb.output]
        rows.append({"page": cb.page, "callback": cb.label, "export": cb.export,
                     "on_filter_change": cb.on_filter_change, "n": len(c),
                     "p50": statistics.median(c), "p95": pct(c, 95), "max": max(c),
                     "hit_p50": statistics.median(h), "hit_p95": pct(h, 95),
                     "errors": len(t.errors.get(cb.output, []))})
    rows.append({"page": "shell", "callback": "layout (filter options)", "export": False, "on_filter_change": False,
                 "n": len(t.layout_cold), "p50": statistics.median(t.layout_cold), "p95": pct(t.layout_cold, 95),
                 "max": max(t.layout_cold), "hit_p50": statistics.median(t.layout_hit),
                 "hit_p95": pct(t.layout_hit, 95), "errors": 0})
    pages = []
    for page in dict.fromkeys(cb.page for cb in callbacks if cb.page != "shell"):
        members = [cb for cb in callbacks if cb.page == page and cb.renders and not cb.export]
        if not members:
            continue
        sums = [sum(t.cold[cb.output][i] for cb in members) for i in range(t.combos)]
        hits = [sum(t.hit[cb.output][i] for cb in members) for i in range(t.combos)]
        pages.append({"page": page, "callbacks": len(members), "p50": statistics.median(sums),
                      "p95": pct(sums, 95), "max": max(sums), "hit_p50": statistics.median(hits),
                      "hit_p95": pct(hits, 95)})
    return rows, pages


def run(db_path, combos: int) -> tuple[list[dict], list[dict], Sampler, list[Callback], Timings]:
    from codedash.dashboard.app import create_app

    app = create_app(db_path)
    callbacks = discover(app)
    sampler = Sampler.from_database(app._codedash_db.cursor(), app)
    timings = time_callbacks(app, callbacks, sampler, combos)
    rows, pages = summarize(callbacks, timings)
    return rows, pages, sampler, callbacks, timings
