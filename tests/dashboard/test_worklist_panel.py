"""The audit-worklist panel: figure and grid builders (hostile names are text), layout, request validation."""
import inspect

import pandas as pd
import pytest

from codedash.dashboard import worklist_panel as wp
from codedash.dashboard.figures import worklist as wf
from codedash.queries import worklist as wl
from codedash.queries.suppression import MARKER
from tests.dashboard.test_figure_markup import HOSTILE, LINK, assert_markup_is_text


def status(strata, suppressed=False):
    n = len(strata)
    return pd.DataFrame({"position": range(1, n + 1), "stratum": strata,
                         "encounter_id": [None if suppressed else f"E{i}" for i in range(n)],
                         "audited": [None if suppressed else i % 2 == 0 for i in range(n)],
                         "audited_before_drawn": [False] * n,
                         "last_audit_date": [pd.Timestamp("2026-03-10") if i % 2 == 0 else None for i in range(n)],
                         "audit_ids": [LINK] * n, "finding_types": ["revised" if i % 4 == 0 else "no change"
                                                                   for i in range(n)],
                         "revised_drg": [False] * n, "dollar_impact": [0.0] * n, "suppressed": suppressed})


def test_audit_progress_escapes_stratum_names(no_suppression):
    summary = wl.worklist_summary(status([s for s in HOSTILE for _ in range(3)]), by_stratum=True)
    fig = wf.audit_progress(summary)
    assert_markup_is_text(fig)
    assert [t.name for t in fig.data] == ["Audited: findings", "Audited: no change", "Not yet audited"]


def test_audit_progress_by_hand_and_suppressed_strata(cms_suppression):
    # 24 items in stratum "a" (12 audited, 6 with findings), 3 in "b": b is small -> a gap with the marker,
    # and a's parts stay shown only if that does not give b back from the overall total (complementary).
    df = pd.concat([status(["a"] * 24), status(["b"] * 3)], ignore_index=True)
    summary = wl.worklist_summary(df, by_stratum=True).set_index("stratum")
    assert summary.loc["b"].suppressed
    fig = wf.audit_progress(summary.reset_index())
    assert any(MARKER in a.text for a in fig.layout.annotations)
    assert wf.audit_progress(pd.DataFrame()).layout.annotations[0].text == "No worklist drawn yet."


def test_grid_rows_show_the_marker_for_hidden_identifiers():
    rows, cols = wf.worklist_grid(status(["a", "b"], suppressed=True))
    assert [r["encounter_id"] for r in rows] == [MARKER, MARKER] and rows[0]["audited"] == MARKER
    shown, _ = wf.worklist_grid(status(["a", "b"]))
    assert shown[0]["encounter_id"] == "E0" and shown[0]["audited"] == "yes" and shown[0]["last_audit_date"] == "2026-03-10"
    assert [c["field"] for c in cols][:3] == ["position", "stratum", "encounter_id"]


def test_every_worklist_figure_builder_is_covered_here():
    builders = {n for n, f in inspect.getmembers(wf, inspect.isfunction)
                if f.__module__ == wf.__name__ and not n.startswith("_")}
    assert builders == {"audit_progress", "worklist_grid"}


def test_layout_and_ids():
    card = wp.layout("wl", [{"value": "encounter_type", "label": "Encounter type"}])
    text = str(card)
    for key, id_ in wp.ids("wl").items():
        assert f"'{id_}'" in text, key


@pytest.mark.parametrize("size, seed, strata, expected", [
    (30, 1, "", (30, 1, None, "numerator")), ("12", "7", "encounter_type", (12, 7, "encounter_type", "numerator")),
    (5.0, 0, None, (5, 0, None, "numerator")),
])
def test_validated_request(size, seed, strata, expected):
    assert wp.validated_request(size, seed, strata, ["encounter_type"]) == expected


@pytest.mark.parametrize("size, seed, strata", [
    (0, 1, ""), (wl.MAX_SIZE + 1, 1, ""), (3.5, 1, ""), ("3; drop", 1, ""), (True, 1, ""), (3, -1, ""),
    (3, 1, "patient_id"), (None, 1, ""),
])
def test_validated_request_refuses(size, seed, strata):
    with pytest.raises(wl.WorklistError):
        wp.validated_request(size, seed, strata, ["encounter_type"])


def test_validated_request_population():
    assert wp.validated_request(3, 1, "", [], "denominator")[3] == "denominator"
    with pytest.raises(wl.WorklistError):
        wp.validated_request(3, 1, "", [], "everyone")


def test_render(no_suppression):
    sentence, fig, rows = wp.render(3, status(["a"] * 4))
    assert sentence == "Worklist 3: 4 encounters, 2 audited since drawn." and len(rows) == 4
