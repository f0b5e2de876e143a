"""Funnel plots for proportions (Spiegelhalter 2005) with overdispersion (multiplicative phi or additive tau2).

An entity (provider, coder, facility) has y = numerator / denominator (a proportion) over n = denominator
cases; the peer value p0 is the target. Under the null that the entity's true rate is p0, y lies inside the
95% limits 95% of the time and inside the 99.8% limits 99.8% of the time, so limits narrow as n grows and a
small entity is not flagged on noise alone.

Control limits (two-sided, level L: tail p = (1 - L) / 2, z = Phi^-1(1 - p): 1.959964 at 95%, 3.090232 at 99.8%):

- ``exact``: the binomial limit with Spiegelhalter's interpolation (2005, Appendix A.1.1): r_p is the smallest
  r with F(r) >= p for R ~ Binomial(n, p0); alpha = (F(r_p) - p) / (F(r_p) - F(r_p - 1)); limit = (r_p - alpha) / n.
- ``normal``: p0 +/- z sqrt(p0 (1 - p0) / n).
- ``arcsine``: sin^2(asin sqrt(p0) +/- z sqrt(1 / (4n) + tau2)), the variance-stabilising scale FunnelPlotR
  uses for proportions (data_type "PR"); the angle is clipped to [0, pi/2], so limits stay in [0, 1] and monotone.

Overdispersion (real peers differ more than binomial noise; Spiegelhalter 2005, "Handling over-dispersion of
performance indicators", Qual Saf Health Care 14:347, and FunnelPlotR's method):

- z-scores of every entity, Winsorised at the `winsor` and 1 - `winsor` quantiles (10% each tail by default;
  R's default quantile type 7 = numpy's "linear");
- phi_hat = mean of the squared Winsorised z-scores (I entities);
- **multiplicative** (z on the normal scale, (y - p0) / sqrt(p0 (1 - p0) / n), as Spiegelhalter 2005):
  phi = phi_hat when phi_hat > 1, else 1 (never narrower than binomial limits); limits become
  p0 +/- sqrt(phi) x (unadjusted limit - p0);
- **additive** random effects (z on the arcsine scale, (asin sqrt(y) - asin sqrt(p0)) / s, s = 1 / (2 sqrt(n)),
  as FunnelPlotR's "PR"): DerSimonian-Laird tau2 = (I phi_hat - (I - 1)) / (sum w - sum w^2 / sum w),
  w = 1 / s^2 = 4n, and tau2 = 0 when I phi_hat <= I - 1; limits use sqrt(s^2 + tau2) on the arcsine scale.

Verdicts: "high" above the upper limit, "low" below the lower, else "within" (strict inequalities; a point on a
limit is within), only in the measure's direction; entities whose n is below `min_n` are shown but get no
verdict (None). The z-score shown is on the scale of the adjustment: the normal scale (divided by sqrt(phi))
unless tau2 > 0, then the arcsine scale with sqrt(s^2 + tau2).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

DEFAULT_LEVELS = (0.95, 0.998)
METHODS = ("auto", "exact", "normal", "arcsine")
DIRECTIONS = ("high", "low", "both")
VERDICTS = ("high", "low", "within")


def level_key(level: float) -> str:
    """Column suffix of a level: 0.95 -> '95', 0.998 -> '998' (lower95, upper998, flag95 ...)."""
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    return f"{level * 100:g}".replace(".", "")


def _as_array(values, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains missing values")
    return arr


def _check_p0(p0: float) -> float:
    p0 = float(p0)
    if not 0 <= p0 <= 1:
        raise ValueError(f"p0 must be a proportion in [0, 1], got {p0!r}")
    return p0


def _method(method: str, tau2: float) -> str:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if method == "auto":
        return "arcsine" if tau2 > 0 else "exact"
    if tau2 > 0 and method != "arcsine":
        raise ValueError("tau2 is a between-entity variance on the arcsine scale: use method 'arcsine' or 'auto'")
    return method


def _check_adjustment(phi: float, tau2: float) -> tuple[float, float]:
    phi, tau2 = float(phi), float(tau2)
    if not phi >= 1:
        raise ValueError(f"phi must be >= 1 (1 = no overdispersion), got {phi!r}")
    if not tau2 >= 0:
        raise ValueError(f"tau2 must be >= 0, got {tau2!r}")
    if phi > 1 and tau2 > 0:
        raise ValueError("adjust for overdispersion one way: multiplicative phi or additive tau2, not both")
    return phi, tau2


def _exact_limit(p: float, n: np.ndarray, p0: float) -> np.ndarray:
    """Spiegelhalter's interpolated binomial p-quantile of R / n, R ~ Binomial(n, p0)."""
    r = stats.binom.ppf(p, n, p0)
    f_r = stats.binom.cdf(r, n, p0)
    f_below = stats.binom.cdf(r - 1, n, p0)
    step = f_r - f_below
    alpha = np.divide(f_r - p, step, out=np.zeros_like(f_r), where=step > 0)
    return (r - alpha) / n


def _limits(p0: float, n: np.ndarray, level: float, phi: float, tau2: float, method: str
            ) -> tuple[np.ndarray, np.ndarray]:
    tail = (1 - level) / 2
    z = stats.norm.ppf(1 - tail)
    if p0 in (0.0, 1.0):                      # no variation is possible around a rate of 0 or 1
        same = np.full_like(n, p0)
        return same, same.copy()
    if method == "arcsine":
        centre = np.arcsin(np.sqrt(p0))
        half = z * np.sqrt(phi * (1 / (4 * n)) + tau2)
        lower = np.sin(np.clip(centre - half, 0, np.pi / 2)) ** 2
        upper = np.sin(np.clip(centre + half, 0, np.pi / 2)) ** 2
        return lower, upper
    if method == "normal":
        half = z * np.sqrt(p0 * (1 - p0) / n)
        lower, upper = p0 - half, p0 + half
    else:
        # At tiny n p0 the interpolation can pass p0 (r_p = 0: any event is beyond the limit); the limit is
        # then drawn at p0, which flags exactly the same possible values k / n.
        lower = np.minimum(_exact_limit(tail, n, p0), p0)
        upper = np.maximum(_exact_limit(1 - tail, n, p0), p0)
    root = np.sqrt(phi)
    lower, upper = p0 - root * (p0 - lower), p0 + root * (upper - p0)
    return np.clip(lower, 0, 1), np.clip(upper, 0, 1)


def funnel_limits(p0: float, n, levels: Sequence[float] = DEFAULT_LEVELS, phi: float = 1.0, tau2: float = 0.0,
                  method: str = "auto") -> pd.DataFrame:
    """Control limits for a proportion with target `p0` at each denominator in `n`.

    One row per n: columns n, p0, lower<k>, upper<k> for each level (k = level_key(level): lower95, upper998).
    method "auto" = "exact" (interpolated binomial) unless tau2 > 0, then "arcsine". phi > 1 widens the
    limits around p0 by sqrt(phi); tau2 > 0 adds a between-entity variance on the arcsine scale.
    """
    p0 = _check_p0(p0)
    phi, tau2 = _check_adjustment(phi, tau2)
    how = _method(method, tau2)
    n_arr = _as_array(n, "n")
    if (n_arr <= 0).any():
        raise ValueError("n (the denominators) must be positive")
    out = pd.DataFrame({"n": n_arr, "p0": p0})
    for level in levels:
        key = level_key(level)
        out[f"lower{key}"], out[f"upper{key}"] = _limits(p0, n_arr, level, phi, tau2, how)
    return out


def funnel_curve(p0: float, n_max: float, n_min: float = 1, phi: float = 1.0, tau2: float = 0.0,
                 levels: Sequence[float] = DEFAULT_LEVELS, method: str = "auto", points: int = 200) -> pd.DataFrame:
    """The limits as lines to draw: funnel_limits at about `points` denominators spaced geometrically from
    n_min to n_max (whole numbers, each once)."""
    if n_max < 1 or n_min < 1 or n_min > n_max:
        raise ValueError("need 1 <= n_min <= n_max")
    grid = np.unique(np.round(np.geomspace(n_min, n_max, max(2, int(points)))))
    return funnel_limits(p0, grid, levels, phi, tau2, method)


def pooled_p0(numerators, denominators) -> float:
    """The peer value FunnelPlotR uses as the target: sum of numerators / sum of denominators."""
    num, den = _as_array(numerators, "numerators"), _as_array(denominators, "denominators")
    total = den.sum()
    if total <= 0:
        raise ValueError("denominators sum to zero")
    return float(num.sum() / total)


def _z_normal(y: np.ndarray, n: np.ndarray, p0: float) -> np.ndarray:
    sd = np.sqrt(p0 * (1 - p0) / n)
    return np.divide(y - p0, sd, out=np.full_like(y, np.nan), where=sd > 0)


def _z_arcsine(y: np.ndarray, n: np.ndarray, p0: float, tau2: float = 0.0) -> np.ndarray:
    s = np.sqrt(1 / (4 * n) + tau2)
    return (np.arcsin(np.sqrt(y)) - np.arcsin(np.sqrt(p0))) / s


def winsorise(z: np.ndarray, winsor: float) -> np.ndarray:
    """z with values below the `winsor` quantile raised to it and above the 1 - `winsor` quantile lowered to it."""
    if not 0 <= winsor < 0.5:
        raise ValueError(f"winsor must be in [0, 0.5), got {winsor!r}")
    if winsor == 0 or z.size == 0:
        return z.copy()
    low, high = np.quantile(z, [winsor, 1 - winsor])       # numpy "linear" = R's default type 7
    return np.clip(z, low, high)


@dataclass(frozen=True)
class Dispersion:
    """What an overdispersion estimate used and found (shown beside the funnel so a reader can check it)."""
    method: str          # 'multiplicative' | 'additive'
    scale: str           # 'normal' | 'arcsine': the scale of the z-scores
    n_entities: int      # I: entities used (denominator >= min_n)
    winsor: float
    phi_hat: float       # mean squared Winsorised z-score
    phi: float           # multiplicative factor applied (1 for the additive method)
    tau2: float          # additive between-entity variance (0 for the multiplicative method)

    @property
    def adjustment(self) -> tuple[float, float]:
        return self.phi, self.tau2


def dispersion(numerators, denominators, p0: float, method: str = "multiplicative", winsor: float = 0.1,
               min_n: int = 1) -> Dispersion:
    """Estimate overdispersion among the entities (see the module docstring); entities with a denominator
    below `min_n` (and never below 1) are left out. Fewer than 2 entities, or p0 of 0 or 1: no adjustment."""
    if method not in ("multiplicative", "additive"):
        raise ValueError(f"method must be 'multiplicative' or 'additive', got {method!r}")
    p0 = _check_p0(p0)
    num, den = _as_array(numerators, "numerators"), _as_array(denominators, "denominators")
    if num.shape != den.shape:
        raise ValueError("numerators and denominators differ in length")
    if ((num < 0) | (num > den)).any():
        raise ValueError("each numerator must be between 0 and its denominator")
    keep = den >= max(1, min_n)
    num, den = num[keep], den[keep]
    scale = "normal" if method == "multiplicative" else "arcsine"
    count = int(den.size)
    if count < 2 or p0 in (0.0, 1.0):
        return Dispersion(method, scale, count, winsor, float("nan"), 1.0, 0.0)
    y = num / den
    z = _z_normal(y, den, p0) if method == "multiplicative" else _z_arcsine(y, den, p0)
    wz = winsorise(z, winsor)
    phi_hat = float(np.mean(wz ** 2))
    if method == "multiplicative":
        return Dispersion(method, scale, count, winsor, phi_hat, max(1.0, phi_hat), 0.0)
    w = 4 * den                                              # 1 / s^2 with s = 1 / (2 sqrt(n))
    if count * phi_hat <= count - 1:
        tau2 = 0.0
    else:
        tau2 = max(0.0, (count * phi_hat - (count - 1)) / (w.sum() - (w ** 2).sum() / w.sum()))
    return Dispersion(method, scale, count, winsor, phi_hat, 1.0, float(tau2))


def overdispersion(numerators, denominators, p0: float, method: str = "multiplicative", winsor: float = 0.1,
                   min_n: int = 1) -> tuple[float, float]:
    """(phi, tau2) ready to pass to funnel_limits / funnel_verdict: (phi, 0.0) for the multiplicative method,
    (1.0, tau2) for the additive one (its phi_hat is in `dispersion(...)`)."""
    return dispersion(numerators, denominators, p0, method, winsor, min_n).adjustment


def funnel_verdict(y, n, p0: float, phi: float = 1.0, tau2: float = 0.0, levels: Sequence[float] = DEFAULT_LEVELS,
                   direction: str = "both", min_n: int = 1, method: str = "auto") -> pd.DataFrame:
    """Each entity's z-score, limits and verdict at each level.

    y: observed proportions (numerator / denominator, each in [0, 1]); n: denominators. Returns one row per
    entity (the index of `y` when it is a Series): y, n, z, lower<k>, upper<k>, flag<k> ('high' | 'low' |
    'within', or None when n < min_n), assessed (n >= min_n). Only deviations in `direction` are flagged.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    index = y.index if isinstance(y, pd.Series) else None
    y_arr, n_arr = _as_array(y, "y"), _as_array(n, "n")
    if y_arr.shape != n_arr.shape:
        raise ValueError("y and n differ in length")
    if ((y_arr < 0) | (y_arr > 1)).any():
        raise ValueError("y must be proportions in [0, 1] (numerator / denominator), not counts")
    if (n_arr <= 0).any():
        raise ValueError("n (the denominators) must be positive")
    p0 = _check_p0(p0)
    phi, tau2 = _check_adjustment(phi, tau2)
    limits = funnel_limits(p0, n_arr, levels, phi, tau2, method)
    z = _z_arcsine(y_arr, n_arr, p0, tau2) if tau2 > 0 else _z_normal(y_arr, n_arr, p0) / np.sqrt(phi)
    out = pd.DataFrame({"y": y_arr, "n": n_arr, "z": z}, index=index)
    assessed = n_arr >= min_n
    for level in levels:
        key = level_key(level)
        lower, upper = limits[f"lower{key}"].to_numpy(), limits[f"upper{key}"].to_numpy()
        out[f"lower{key}"], out[f"upper{key}"] = lower, upper
        high = (y_arr > upper) & (direction != "low")
        low = (y_arr < lower) & (direction != "high")
        flag = np.where(high, "high", np.where(low, "low", "within")).astype(object)
        flag[~assessed] = None
        out[f"flag{key}"] = pd.Series(flag, index=out.index, dtype=object)   # None stays None
    out["assessed"] = assessed
    return out


def _limits_by_row(p0: np.ndarray, n: np.ndarray, level: float, phi: np.ndarray, tau2: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """_limits with method "auto" where p0, phi and tau2 vary by entity (each its peer group's): the same
    arithmetic element by element, so the same floats as one _limits call per group."""
    tail = (1 - level) / 2
    z = stats.norm.ppf(1 - tail)
    lower, upper = p0.copy(), p0.copy()               # p0 of 0 or 1: no variation is possible
    degenerate = (p0 == 0.0) | (p0 == 1.0)
    arc = ~degenerate & (tau2 > 0)
    exact = ~degenerate & ~arc
    if arc.any():
        centre = np.arcsin(np.sqrt(p0[arc]))
        half = z * np.sqrt(phi[arc] * (1 / (4 * n[arc])) + tau2[arc])
        lower[arc] = np.sin(np.clip(centre - half, 0, np.pi / 2)) ** 2
        upper[arc] = np.sin(np.clip(centre + half, 0, np.pi / 2)) ** 2
    if exact.any():
        q, m = p0[exact], n[exact]
        lo = np.minimum(_exact_limit(tail, m, q), q)
        up = np.maximum(_exact_limit(1 - tail, m, q), q)
        root = np.sqrt(phi[exact])
        lower[exact] = np.clip(q - root * (q - lo), 0, 1)
        upper[exact] = np.clip(q + root * (up - q), 0, 1)
    return lower, upper


def funnel_verdicts(y, n, p0, phi, tau2, levels: Sequence[float] = DEFAULT_LEVELS, direction: str = "both",
                    min_n: int = 1) -> pd.DataFrame:
    """funnel_verdict (method "auto") of entities from many peer groups in one pass: p0, phi and tau2 are given
    per entity (its group's target and adjustment). Row for row the same frame as calling funnel_verdict on
    each group (tests/queries/test_stats.py), without one round of scipy and pandas calls per group."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    index = y.index if isinstance(y, pd.Series) else None
    y_arr, n_arr = _as_array(y, "y"), _as_array(n, "n")
    p0_arr, phi_arr, tau2_arr = (np.broadcast_to(_as_array(v, name), y_arr.shape).astype(float)
                                 for v, name in ((p0, "p0"), (phi, "phi"), (tau2, "tau2")))
    if y_arr.shape != n_arr.shape:
        raise ValueError("y and n differ in length")
    if ((y_arr < 0) | (y_arr > 1)).any():
        raise ValueError("y must be proportions in [0, 1] (numerator / denominator), not counts")
    if (n_arr <= 0).any():
        raise ValueError("n (the denominators) must be positive")
    if ((p0_arr < 0) | (p0_arr > 1)).any():
        raise ValueError("p0 must be proportions in [0, 1]")
    if (phi_arr < 1).any() or (tau2_arr < 0).any() or ((phi_arr > 1) & (tau2_arr > 0)).any():
        raise ValueError("each entity needs phi >= 1 and tau2 >= 0, not both adjustments")
    arc = tau2_arr > 0
    z = np.where(arc, _z_arcsine(y_arr, n_arr, p0_arr, tau2_arr),
                 _z_normal(y_arr, n_arr, p0_arr) / np.sqrt(phi_arr))
    cols: dict[str, object] = {"y": y_arr, "n": n_arr, "z": z}
    assessed = n_arr >= min_n
    for level in levels:
        key = level_key(level)
        lower, upper = _limits_by_row(p0_arr, n_arr, level, phi_arr, tau2_arr)
        cols[f"lower{key}"], cols[f"upper{key}"] = lower, upper
        high = (y_arr > upper) & (direction != "low")
        low = (y_arr < lower) & (direction != "high")
        flag = np.where(high, "high", np.where(low, "low", "within")).astype(object)
        flag[~assessed] = None
        cols[f"flag{key}"] = pd.Series(flag, index=index, dtype=object)
    cols["assessed"] = assessed
    return pd.DataFrame(cols, index=index)
