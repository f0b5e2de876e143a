"""Funnel plot figure: verdict groups, hostile names are text, suppressed entities never plotted."""
import inspect


from codedash.dashboard.figures import funnel as ff
from codedash.queries.stats import funnel_curve, funnel_verdict
from tests.dashboard.test_figure_markup import HOSTILE, assert_markup_is_text


def points(labels):
    n = [100, 100, 100, 100, 8, 50][: len(labels)]
    y = [0.30, 0.35, 0.10, 0.20, 0.625, 0.2][: len(labels)]
    v = funnel_verdict(y, n, 0.2, min_n=20)
    return v.assign(entity_id=[f"id{i}" for i in range(len(labels))], label=labels)


def test_funnel_plot_groups_by_verdict_and_escapes_labels():
    pts = points(HOSTILE)
    fig = ff.funnel_plot(pts, funnel_curve(0.2, 200), 0.2, selected="id1")
    assert_markup_is_text(fig)
    names = [t.name for t in fig.data]
    # 4 limit lines, the peer line, then B (beyond 99.8%), A and C (beyond 95%), D and F within, E too few
    assert names[:5] == ["99.8% limits", "99.8% limits", "95% limits", "95% limits", "Peer value"]
    groups = {t.name: list(t.customdata) for t in fig.data[5:]}
    assert groups == {"Beyond 99.8% limit": ["id1"], "Beyond 95% limit": ["id0", "id2"],
                      "Within limits": ["id3", "id5"], "Too few to assess": ["id4"]}
    assert list(fig.data[5].marker.size) == [13]


def test_suppressed_entities_are_not_plotted():
    pts = points(["a", "b", "c", "d", "e", "f"]).assign(suppressed=[False, False, False, False, True, False])
    fig = ff.funnel_plot(pts, funnel_curve(0.2, 200), 0.2)
    plotted = [c for t in fig.data[5:] for c in t.customdata]
    assert "id4" not in plotted and len(plotted) == 5
    assert fig.layout.annotations[0].text == "1 entity with too few cases not plotted"
    empty = ff.funnel_plot(pts.assign(suppressed=True), funnel_curve(0.2, 200), 0.2)
    assert empty.layout.annotations[0].text == "No entity with enough cases to plot."


def test_funnel_curve_spans_the_range_once_per_n():
    curve = funnel_curve(0.2, 1000, points=50)
    assert curve.n.iloc[0] == 1 and curve.n.iloc[-1] == 1000 and curve.n.is_unique
    assert (curve.upper998 >= curve.upper95).all()


def test_every_funnel_figure_builder_is_covered_here():
    builders = {n for n, f in inspect.getmembers(ff, inspect.isfunction)
                if f.__module__ == ff.__name__ and not n.startswith("_")}
    assert builders == {"funnel_plot"}
