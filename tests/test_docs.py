"""Docs stay true: every metric is defined in docs/metrics.md; README shows the two commands."""
from pathlib import Path

from codedash.queries.definitions import METRICS

ROOT = Path(__file__).resolve().parents[1]


def test_every_metric_is_in_docs_metrics():
    text = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    for m in METRICS:
        assert f"`{m.key}`" in text, m.key


def test_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text
    from codedash.dashboard.pages.registry import PAGES
    for page in PAGES:                     # every page's screenshots, as the browser test writes them
        for size in ("1440x900", "1024x768"):
            shot = f"docs/screenshots/{page.key}-{size}.png"
            assert shot in text and (ROOT / shot).exists(), shot
