"""Colours stay apart for colour-blind readers, and the colour science behind that check is right.

Simulation: Machado, Oliveira & Fernandes 2009 (severity 1.0) for protanopia and deuteranopia (the two
red-green dichromacies, ~1% and ~1% of men; anomalous trichromats see less extreme versions). Difference:
CIEDE2000, checked against Sharma, Wu & Dalal 2005's published test pairs. Threshold: pairs a chart must
tell apart are >= 15 ΔE00 apart under normal, protanopic and deuteranopic vision (a just-noticeable
difference is about 1–2.3; small marks and thin lines need a wide margin); lines and markers keep the
3:1 non-text contrast of WCAG 2.1 SC 1.4.11 against the white plot background.
"""
from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from codedash.dashboard.figures.base import CATEGORICAL, COLORS, SEQUENTIAL
from codedash.dashboard.figures.denials import SERIES_COLORS
from codedash.dashboard.figures.palette import VISIONS, ciede2000, contrast, delta_e, lab, simulate

MIN_DELTA_E = 15.0
WHITE = "#ffffff"

# (name, colour a, colour b): the pairs whose difference carries meaning in some figure
MUST_DIFFER = [
    ("good vs bad (target line vs below-target coders, rows loaded vs rejected)", COLORS["good"], COLORS["bad"]),
    ("selected vs other bars (denials cross-filter)", COLORS["bad"], COLORS["primary"]),
    ("coder vs team (accuracy charts)", COLORS["primary"], COLORS["team"]),
    ("team vs below target", COLORS["team"], COLORS["bad"]),
    ("coder vs target line", COLORS["primary"], COLORS["good"]),
    ("all claims vs focus (denial trend)", COLORS["muted"], COLORS["bad"]),
    ("DNFB: not final coded vs coded, not billed", COLORS["bad"], COLORS["secondary"]),
    ("charges vs allowed", SERIES_COLORS["charges"], SERIES_COLORS["allowed_amount"]),
    ("allowed vs paid", SERIES_COLORS["allowed_amount"], SERIES_COLORS["paid_amount"]),
    ("charges vs paid", SERIES_COLORS["charges"], SERIES_COLORS["paid_amount"]),
    *[(f"categorical series {i} vs {j}", CATEGORICAL[i], CATEGORICAL[j])
      for i, j in itertools.combinations(range(5), 2)],
]


@pytest.mark.parametrize("vision", VISIONS)
@pytest.mark.parametrize("what,a,b", MUST_DIFFER, ids=[m[0] for m in MUST_DIFFER])
def test_pairs_that_carry_meaning_stay_apart(what, a, b, vision):
    assert delta_e(a, b, vision) >= MIN_DELTA_E, (what, vision, simulate(a, vision), simulate(b, vision))


@pytest.mark.parametrize("vision", VISIONS)
def test_ordered_buckets_step_in_lightness_under_every_vision(vision):
    lightness = [lab(simulate(c, vision))[0] for c in SEQUENTIAL]
    assert lightness == sorted(lightness, reverse=True)              # light (fast) -> dark (slow)
    steps = [delta_e(a, b, vision) for a, b in zip(SEQUENTIAL, SEQUENTIAL[1:])]
    assert min(steps) >= 10.0, steps


@pytest.mark.parametrize("name", ["primary", "good", "bad", "muted", "team"])
def test_lines_and_markers_have_non_text_contrast(name):
    assert contrast(COLORS[name], WHITE) >= 3.0, (name, COLORS[name])


def test_the_old_red_green_pair_would_have_failed():
    """Why the palette changed: Mantine green.8 / red.8 (the previous good/bad) nearly merge for deuteranopes."""
    assert delta_e("#2f9e44", "#e03131", "normal") > 40
    assert delta_e("#2f9e44", "#e03131", "deuteranopia") < MIN_DELTA_E


# Sharma, Wu & Dalal (2005), Table 1: (L1, a1, b1), (L2, a2, b2), ΔE00
SHARMA = [
    ((50.0000, 2.6772, -79.7751), (50.0000, 0.0000, -82.7485), 2.0425),
    ((50.0000, 3.1571, -77.2803), (50.0000, 0.0000, -82.7485), 2.8615),
    ((50.0000, 2.5000, 0.0000), (50.0000, 0.0000, -2.5000), 4.3065),
    ((50.0000, 2.5000, 0.0000), (73.0000, 25.0000, -18.0000), 27.1492),
    ((50.0000, 2.5000, 0.0000), (61.0000, -5.0000, 29.0000), 22.8977),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


@pytest.mark.parametrize("lab1,lab2,expected", SHARMA)
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected):
    assert ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def test_simulation_fixed_points_and_known_values():
    for vision in VISIONS:           # greys (equal linear RGB) are unchanged: every Machado row sums to 1
        for grey in ("#000000", "#777777", "#ffffff"):
            assert simulate(grey, vision) == grey
    # pure red and green collapse toward the same yellow-brown axis for a deuteranope
    assert delta_e("#ff0000", "#00ff00", "normal") > 80
    assert delta_e("#ff0000", "#00ff00", "deuteranopia") < delta_e("#ff0000", "#00ff00", "normal") / 2
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)   # the classic AA grey


@given(st.from_regex(r"#[0-9a-f]{6}", fullmatch=True), st.from_regex(r"#[0-9a-f]{6}", fullmatch=True),
       st.sampled_from(VISIONS))
def test_delta_e_is_a_symmetric_non_negative_difference(a, b, vision):
    d = delta_e(a, b, vision)
    assert d >= 0 and d == pytest.approx(delta_e(b, a, vision), abs=1e-9)
    assert delta_e(a, a, vision) == pytest.approx(0, abs=1e-9)


CSS = Path(__file__).resolve().parents[2] / "dashboard" / "assets" / "codedash.css"


def test_text_colours_in_the_stylesheet_meet_aa():
    """The light/subtle variant text colours set in codedash.css: >= 4.5:1 on white and on their own
    tinted background (Mantine's light variant: the colour's shade 8 at 10% over white)."""
    css = CSS.read_text()
    pairs = re.findall(r"--mantine-color-(\w+)-light-color:\s*(#[0-9a-f]{6})", css)
    assert len(pairs) >= 10
    shade8 = {"red": "#e03131", "orange": "#e8590c", "yellow": "#f08c00", "green": "#2f9e44", "blue": "#1971c2",
              "gray": "#343a40", "teal": "#099268", "grape": "#9c36b5", "violet": "#6741d9", "indigo": "#3b5bdb",
              "cyan": "#0c8599", "pink": "#c2255c", "lime": "#66a80f"}
    for name, colour in pairs:
        tint = "#" + "".join(f"{round(255 * 0.9 + int(shade8[name][i:i + 2], 16) * 0.1):02x}" for i in (1, 3, 5))
        assert contrast(colour, WHITE) >= 4.5, name
        assert contrast(colour, tint) >= 4.5, (name, tint)
    dimmed = re.search(r"--mantine-color-dimmed:\s*(#[0-9a-f]{6})", css).group(1)
    assert contrast(dimmed, WHITE) >= 4.5 and contrast(dimmed, "#f1f3f5") >= 4.5
