"""Markup in data is text in every figure: hostile names reach each builder, and no string the figure
hands to Plotly carries a tag from the data (Plotly would render <a href>, <span style>, ...)."""
from __future__ import annotations

import html
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from codedash.dashboard.figures import base
from codedash.dashboard.figures import coding_quality as cqf
from codedash.dashboard.figures import compliance as cof
from codedash.dashboard.figures import data_quality as dqf
from codedash.dashboard.figures import denials as df_
from codedash.dashboard.figures import diagnosis_trends as dtf
from codedash.dashboard.figures import overview as ovf
from codedash.dashboard.figures import trends as trf

LINK = '<a href="https://evil.example/login">Pay here</a>'
STYLE = '<span style="color:red;font-size:80px">BIG</span>'
IMG = "<img src=x onerror=alert(1)>"
HOSTILE = [LINK, STYLE, IMG, "=1+2", "'quoted' & \"double\"", "x" * 300]
# The only tags figures may carry are the ones the builders write into their own templates.
TEMPLATE_TAGS = re.compile(r"<br>|</?extra>")
MONTHS = pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01", "2025-06-01"])


def strings(node, path=()):
    """Every (path, string) in a figure dict, skipping customdata that no template displays."""
    if isinstance(node, dict):
        shown = any("customdata" in str(node.get(k, "")) for k in ("hovertemplate", "texttemplate"))
        for key, value in node.items():
            if key == "customdata" and not shown:
                continue
            yield from strings(value, (*path, key))
    elif isinstance(node, (list, tuple)) or hasattr(node, "tolist"):
        for i, value in enumerate(node.tolist() if hasattr(node, "tolist") else node):
            yield from strings(value, (*path, i))
    elif isinstance(node, str):
        yield path, node


def assert_markup_is_text(fig, shows_data: bool = True):
    found = list(strings(fig.to_dict()))
    raw = [(p, s[:80]) for p, s in found if "<" in TEMPLATE_TAGS.sub("", s) or ">" in TEMPLATE_TAGS.sub("", s)]
    assert not raw, raw
    if shows_data:       # the hostile names did reach the figure, escaped
        assert any("&lt;a href=&#34;https://evil.example/login&#34;&gt;Pay here" in s for _, s in found)


def hostile(n: int) -> list[str]:
    return [HOSTILE[i % len(HOSTILE)] + ("" if i < len(HOSTILE) else f" {i}") for i in range(n)]


def test_plain_escapes_exactly_the_markup_characters():
    assert base.plain(LINK) == "&lt;a href=&#34;https://evil.example/login&#34;&gt;Pay here&lt;/a&gt;"
    assert base.plain("A & B's") == "A &amp; B&#39;s"
    assert base.plain("Acme Commercial") == "Acme Commercial"
    assert base.plain_all([1, "<b>"]) == ["1", "&lt;b&gt;"]


@given(st.text())
def test_plain_is_tag_free_and_one_to_one(text):
    shown = base.plain(text)
    assert not set("<>\"'") & set(shown)
    assert html.unescape(shown) == text          # what Plotly displays is exactly the data


# ---------------------------------------------------------------- denials

def test_rate_bars_escape_labels_and_keep_raw_ids_for_clicks():
    ids = hostile(4)
    df = pd.DataFrame({"gid": ids, "label": [f"name {x}" for x in ids], "rate": [0.1, 0.2, None, 0.4],
                       "suppressed": [False, False, True, False]})
    fig = df_.rate_bars(df, "gid", "label", "rate", "rate", selected=ids[0])
    assert_markup_is_text(fig)
    assert sorted(fig.data[0].customdata) == sorted(ids)            # clicks read back the raw id
    assert len(set(fig.data[0].y)) == 4                               # escaped labels stay distinct


def test_denial_trend_escapes_the_focus_label():
    monthly = pd.DataFrame({"month": MONTHS[:3], "denial_rate_count": [0.1, None, 0.2],
                            "focus_denial_rate_count": [0.2, None, 0.3], "suppressed": [False, True, False]})
    fig = df_.denial_trend(monthly, f"payer {LINK}, any reason")
    assert_markup_is_text(fig)
    assert fig.data[1].name == f"payer {base.plain(LINK)}, any reason"
    assert "%{fullData.name}" in fig.data[1].hovertemplate          # the name is not spliced into the template


def test_pareto_escapes_reason_labels_and_keeps_raw_codes():
    codes = hostile(3)
    df = pd.DataFrame({"reason": codes, "category_label": [STYLE, IMG, LINK], "carc_code": codes,
                       "denied_amount": [300.0, 200.0, None], "cumulative_share": [0.6, 1.0, None],
                       "suppressed": [False, False, True]})
    fig = df_.pareto(df, codes[1])
    assert_markup_is_text(fig)
    assert list(fig.data[0].customdata) == codes


def test_distribution_escapes_buckets():
    df = pd.DataFrame({"bucket": hostile(3), "n_lines": [12.0, None, 40.0], "suppressed": [False, True, False]})
    assert_markup_is_text(df_.distribution(df, "Days"))


@pytest.mark.parametrize("build", [
    lambda: df_.money_trend(pd.DataFrame({"month": MONTHS[:2], "charges": [1.0, 2.0], "allowed_amount": [1.0, 2.0],
                                          "paid_amount": [1.0, None]})),
    lambda: df_.cmi_trend(pd.DataFrame({"month": MONTHS[:3], "case_mix_index": [1.1, None, 1.3]})),
    lambda: ovf.kpi_trend(pd.DataFrame({"month": MONTHS[:3], "paid_amount": [1.0, None, 3.0],
                                        "suppressed": [False, True, False]}), "paid_amount", "Paid", "usd"),
    lambda: cqf.accuracy_trend(pd.DataFrame({
        "series": ["team", "team", "coder"], "month": MONTHS[:3], "coding_accuracy": [0.9, 0.8, 0.95],
        "coding_accuracy_low": [0.8, 0.7, 0.9], "coding_accuracy_high": [0.95, 0.9, 0.99]}),
        "coding_accuracy", "Code accuracy", 0.95),
], ids=["money_trend", "cmi_trend", "kpi_trend", "accuracy_trend"])
def test_figures_without_data_strings_carry_no_tags(build):
    assert_markup_is_text(build(), shows_data=False)      # months and numbers only: nothing to escape


# ---------------------------------------------------------------- coding quality

def coders() -> pd.DataFrame:
    ids = ["TEAM", *hostile(3)]
    return pd.DataFrame({"coder_id": ids, "coder_name": [None, LINK, STYLE, IMG],
                         "coding_accuracy": [0.9, 0.97, None, 0.85], "coding_accuracy_low": [0.85, 0.9, None, 0.7],
                         "coding_accuracy_high": [0.95, 0.99, None, 0.93], "small_sample": [False, False, False, True],
                         "under_coded_amount": [500.0, 200.0, None, 300.0],
                         "over_coded_amount": [-100.0, -50.0, None, -50.0]})


def test_accuracy_intervals_escape_coder_names_and_keep_raw_ids():
    df = coders()
    fig = cqf.accuracy_intervals(df, "coding_accuracy", "Code accuracy", 0.95, selected=df["coder_id"][1])
    assert_markup_is_text(fig)
    assert set(fig.data[0].customdata) == set(df["coder_id"])


def test_financial_impact_escapes_coder_names():
    fig = cqf.financial_impact(coders())
    assert_markup_is_text(fig)
    assert set(fig.data[0].customdata) == set(coders()["coder_id"])


def test_code_system_and_taxonomy_escape_categories():
    systems = pd.DataFrame({"series": ["team", "coder", "team"], "code_system": [LINK, LINK, STYLE],
                            "coding_accuracy": [0.9, 0.8, 0.7], "coding_accuracy_low": [0.8, 0.7, 0.6],
                            "coding_accuracy_high": [0.95, 0.9, 0.8]})
    assert_markup_is_text(cqf.code_system_accuracy(systems, 0.95))
    taxonomy = pd.DataFrame({"series": ["team", "team", "coder"], "finding_type": [LINK, IMG, LINK],
                             "error_share": [0.6, 0.4, None]})
    fig = cqf.error_taxonomy(taxonomy, LINK)
    assert_markup_is_text(fig)
    assert list(fig.data[0].customdata) == [LINK, IMG]            # the click filter gets the raw type


def test_productivity_turnaround_and_dnfb_escape_categories():
    types = [LINK, STYLE]
    prod = pd.DataFrame({"is_team": [True, True, False, False], "coder_id": [None, None, IMG, IMG],
                         "encounter_type": types * 2, "encounters_per_hour": [2.0, 3.0, 2.5, 3.5],
                         "target_per_hour": [2.2, 3.1, 2.2, 3.1]})
    assert_markup_is_text(cqf.productivity(prod))
    turn = pd.DataFrame({"bucket_order": [1, 1, 2, 2], "bucket": [IMG, IMG, LINK, LINK], "encounter_type": types * 2,
                         "bucket_share": [0.4, 0.5, 0.6, 0.5]})
    fig = cqf.turnaround(turn)
    assert_markup_is_text(fig)
    assert [t.name for t in fig.data] == [base.plain(IMG), base.plain(LINK)]
    dnfb = pd.DataFrame({"coding_status": ["not final coded", "coded, not billed"] * 2,
                         "bucket": [LINK, LINK, STYLE, STYLE], "bucket_order": [1, 1, 2, 2],
                         "charges": [100.0, None, 300.0, 50.0]})
    fig = cqf.dnfb(dnfb)
    assert_markup_is_text(fig)
    assert list(fig.layout.xaxis.categoryarray) == [base.plain(LINK), base.plain(STYLE)]   # matches the bars' x


# ---------------------------------------------------------------- data quality

def test_data_quality_figures_escape_checks_tables_columns_and_kinds():
    results = pd.DataFrame({"check_id": [LINK, STYLE], "table_name": [IMG, IMG], "pct_failed": [0.1, None],
                            "rows_failed": [12, None], "suppressed": [False, True]})
    assert_markup_is_text(dqf.failures_matrix(results))
    comp = pd.DataFrame({"table_name": [LINK, IMG], "column_name": [STYLE, LINK], "rows_present": [80, 90],
                         "rows_total": [100, 100], "rows_null": [20, 10]})
    assert_markup_is_text(dqf.completeness_bars(comp))
    started = pd.to_datetime(["2025-03-01 10:00", "2025-03-02 10:00"])
    history = pd.DataFrame({"started_at": started, "check_id": [LINK, LINK], "rows_failed": [20, None],
                            "pct_failed": [0.2, None], "suppressed": [False, True]})
    fig = dqf.failures_history(history)
    assert_markup_is_text(fig)
    assert fig.data[0].name == base.plain(LINK)
    runs = pd.DataFrame({"started_at": started, "kind": [LINK, IMG], "rows_loaded": [10, 20], "rows_rejected": [0, 1]})
    assert_markup_is_text(dqf.rows_history(runs))


def test_trend_series_escape_their_names():
    monthly = pd.DataFrame({"month": MONTHS[:3], "v": [0.1, None, 0.2], "suppressed": [False, True, False],
                            "incomplete": [False, False, True], "share_adjudicated": [None, None, 0.4]})
    traces = [*trf.series(monthly, "v", LINK, "#000", ".1%"), *trf.suppressed_marks(monthly, ["v"])]
    fig = base.figure(traces, 200, annotations=trf.incomplete_note(monthly), on_top=trf.MARK_LAYOUT)
    assert_markup_is_text(fig)


def test_hfma_trend_is_text_only():
    """No user text enters it (fixed series names); its markup is still only text."""
    monthly = pd.DataFrame({"month": MONTHS[:3], "hfma_denial_rate_claims": [0.1, None, 0.2],
                            "hfma_denial_rate_dollars": [0.2, None, 0.3], "suppressed": [False, True, False],
                            "incomplete": [False, False, True], "share_adjudicated": [None, None, 0.4]})
    assert_markup_is_text(df_.hfma_trend(monthly), shows_data=False)
    assert_markup_is_text(df_.hfma_trend(monthly.iloc[0:0]), shows_data=False)


def test_compliance_em_levels_escape_entity_and_peer_names():
    dist = pd.DataFrame({"code": ["99214", "99215"], "entity_share": [0.5, 0.5], "peer_share": [0.7, 0.3]})
    assert_markup_is_text(cof.em_levels(dist, LINK, STYLE))
    assert_markup_is_text(cof.em_levels(dist.iloc[0:0], None, None), shows_data=False)


def test_every_figure_builder_is_covered_here():
    import inspect

    helpers = {"themed_layout", "figure", "vline", "hline", "empty_figure", "plain", "plain_all", "month_tick_step",
               "flags"}
    covered = {"hfma_trend", "rate_bars", "denial_trend", "pareto", "distribution", "money_trend", "cmi_trend", "kpi_trend",
               "accuracy_trend", "accuracy_intervals", "financial_impact", "code_system_accuracy",
               "error_taxonomy", "productivity", "turnaround", "dnfb", "failures_matrix", "completeness_bars",
               "failures_history", "rows_history", "series", "suppressed_marks", "incomplete_note",
               "hierarchy_treemap", "rate_trend", "period_change_bars", "cooccurrence_heatmap", "hcc_bars",
               "em_levels"}
    builders = {name for mod in (df_, cqf, dqf, ovf, dtf, trf, cof, base)
                for name, f in inspect.getmembers(mod, inspect.isfunction)
                if f.__module__ == mod.__name__ and not name.startswith("_")}
    assert builders - helpers == covered, "a new figure builder needs a hostile-names test above"


# ---------------------------------------------------------------- diagnosis trends

def test_treemap_escapes_node_titles_and_keeps_raw_tokens_for_clicks():
    nodes = pd.DataFrame({"level": ["chapter", "block", "category", "code"], "node": ["10", "J09-J18", "J18", "J189"],
                          "parent": [None, "10", "J09-J18", "J18"], "label": [LINK, STYLE, IMG, "=1+2"],
                          "shown": ["Chapter 10", LINK, "J18", "J18.9"], "n_encounters": [40, 40, 30, None],
                          "n_patients": [30, 30, 20, None], "token": ["chapter:10", "block:J09-J18", "category:J18", "code:J189"],
                          "suppressed": [False, False, False, True]})
    fig = dtf.hierarchy_treemap(nodes)
    assert_markup_is_text(fig)
    assert list(fig.data[0].customdata) == list(nodes["token"])
    assert "‡" in fig.data[0].text[3]


def test_rate_trend_escapes_strata_and_marks():
    rows = []
    for stratum in [LINK, STYLE, "All"]:
        for m, v in zip(MONTHS, [10.0, None, 12.0, 11.0, 9.0, 8.0]):
            rows.append({"month": m, "stratum": stratum, "encounter_rate": v,
                         "encounter_rate_lower": None if v is None else v - 1,
                         "encounter_rate_upper": None if v is None else v + 1, "suppressed": v is None})
    fig = dtf.rate_trend(pd.DataFrame(rows), "encounter_rate", "per 1,000",
                         [{"date": pd.Timestamp("2025-04-01").date(), "label": IMG, "kind": "update"}])
    assert_markup_is_text(fig)


def test_period_change_and_heatmap_and_hcc_escape_labels():
    table = pd.DataFrame({"node": [LINK, STYLE], "label": [IMG, "=1+2"], "ranked": [True, True],
                          "change": [2.0, -1.0], "significant": [True, False], "q_value": [0.01, 0.4]})
    assert_markup_is_text(dtf.period_change_bars(table))
    matrix = pd.DataFrame({"node_a": ["selection", LINK, "selection", LINK], "node_b": ["selection", LINK, LINK, "selection"],
                           "n_both": [30, 20, 12, 12], "suppressed": [False] * 4})
    assert_markup_is_text(dtf.cooccurrence_heatmap(matrix, {LINK: LINK}))
    scores = pd.DataFrame({"group_label": [LINK, STYLE], "n_patients": [40, 50], "avg_risk_score": [1.1, 0.9]})
    assert_markup_is_text(dtf.hcc_bars(scores))
