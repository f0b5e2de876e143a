"""Colours every figure uses, chosen to stay apart for colour-blind readers, and the science to check it.

- `OKABE_ITO`: the Okabe & Ito (2008) colour-universal-design palette ("Color Universal Design (CUD): how
  to make figures and presentations that are friendly to colorblind people", jfly.uni-koeln.de/color/),
  the categorical palette Wong (2011, Nature Methods 8:441, "Points of view: Color blindness") recommends.
- `simulate(hex, kind)`: how a colour looks with protanopia / deuteranopia / tritanopia, by the matrices of
  Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of color vision
  deficiency", IEEE TVCG 15(6):1291–1298, severity 1.0, applied to linear-light sRGB (as their paper and
  the DaltonLens review of CVD simulators, daltonlens.org, prescribe).
- `delta_e(a, b)`: CIEDE2000 colour difference (CIE 142-2001; implementation notes and test data from
  Sharma, Wu & Dalal 2005, "The CIEDE2000 color-difference formula", Color Res. Appl. 30(1):21–30) in
  CIELAB under D65.
- `contrast(a, b)`: the WCAG 2.1 contrast ratio (relative luminance, success criteria 1.4.3 and 1.4.11).

Pure Python (no numpy): figures import this module; tests/dashboard/test_palette.py holds the thresholds.
"""
from __future__ import annotations

import math

OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
}

# Machado et al. 2009, Table 1 at severity 1.0 (linear RGB -> linear RGB)
MACHADO_2009 = {
    "protanopia": ((0.152286, 1.052583, -0.204868),
                   (0.114503, 0.786281, 0.099216),
                   (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968),
                     (0.280085, 0.672501, 0.047413),
                     (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779),
                   (-0.078411, 0.930809, 0.147602),
                   (0.004733, 0.691367, 0.303900)),
}


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    h = hex_colour.lstrip("#")
    if len(h) != 6:
        raise ValueError(f"not a #rrggbb colour: {hex_colour!r}")
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))


def _to_linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _to_srgb(c: float) -> float:
    c = min(1.0, max(0.0, c))
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(min(1.0, max(0.0, c)) * 255):02x}" for c in rgb)


def simulate(hex_colour: str, kind: str) -> str:
    """The colour as seen with the given dichromacy ('normal' returns it unchanged)."""
    if kind == "normal":
        return hex_colour
    m = MACHADO_2009[kind]
    lin = [_to_linear(c) for c in _rgb(hex_colour)]
    out = [sum(m[r][k] * lin[k] for k in range(3)) for r in range(3)]
    return _hex([_to_srgb(c) for c in out])


def luminance(hex_colour: str) -> float:
    r, g, b = (_to_linear(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio, 1..21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


_D65 = (0.95047, 1.0, 1.08883)


def lab(hex_colour: str) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour."""
    r, g, b = (_to_linear(c) for c in _rgb(hex_colour))
    xyz = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b,
           0.2126729 * r + 0.7151522 * g + 0.0721750 * b,
           0.0193339 * r + 0.1191920 * g + 0.9503041 * b)

    def f(t):
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29
    fx, fy, fz = (f(v / w) for v, w in zip(xyz, _D65))
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def ciede2000(lab1, lab2) -> float:
    """CIEDE2000 colour difference of two CIELAB colours (kL = kC = kH = 1)."""
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dlp, dcp = l2 - l1, c2p - c1p
    if c1p * c2p == 0:
        dhp = 0.0
    elif abs(h2p - h1p) <= 180:
        dhp = h2p - h1p
    else:
        dhp = h2p - h1p - 360 if h2p > h1p else h2p - h1p + 360
    dHp = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dhp / 2))
    lbp, cbp = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hbp = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hbp = (h1p + h2p) / 2
    else:
        hbp = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(hbp - 30)) + 0.24 * math.cos(math.radians(2 * hbp))
         + 0.32 * math.cos(math.radians(3 * hbp + 6)) - 0.20 * math.cos(math.radians(4 * hbp - 63)))
    d_theta = 30 * math.exp(-(((hbp - 275) / 25) ** 2))
    rc = 2 * math.sqrt(cbp ** 7 / (cbp ** 7 + 25 ** 7))
    sl = 1 + 0.015 * (lbp - 50) ** 2 / math.sqrt(20 + (lbp - 50) ** 2)
    sc = 1 + 0.045 * cbp
    sh = 1 + 0.015 * cbp * t
    rt = -math.sin(math.radians(2 * d_theta)) * rc
    return math.sqrt((dlp / sl) ** 2 + (dcp / sc) ** 2 + (dHp / sh) ** 2 + rt * (dcp / sc) * (dHp / sh))


def delta_e(a: str, b: str, kind: str = "normal") -> float:
    """CIEDE2000 difference of two sRGB colours as seen with `kind` vision."""
    return ciede2000(lab(simulate(a, kind)), lab(simulate(b, kind)))


VISIONS = ("normal", "protanopia", "deuteranopia")
