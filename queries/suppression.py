"""Small-cell suppression: counts of 1..threshold patients or encounters are never shown, nor recoverable.

Follows the CMS cell-size suppression policy (cells of 1 to 10 are not displayed). A zero is not
suppressed (it reveals no one). Every count column a query returns is declared (docs/metrics.md,
"Small-cell suppression"):

- guarded: a count of patients, encounters, claims or audits; hidden when 1..threshold;
- derived (`x <- guard`): a count of things about the guard's people (lines, codes, findings); hidden
  with its guard, and when itself 1..threshold (a handful of findings can still point at a person);
- part (`x <- parent`): a subset of the parent's people (DRG changed of DRG audits); hidden with its
  parent, when itself 1..threshold, when parent minus part is 1..threshold (the complement is a small
  group too), and whenever another part of the same parent is hidden (parent minus the shown part
  would give it back);
- public: not about people (bucket order, ranks, numbers of checks or facilities).

Values derived from a count (rates, dollar sums, shares, text) are its dependents and are blanked with
it. Hiding cells is not enough when a view also shows their total: `Margin` declares such a group and
`suppress` then hides more cells (complementary suppression, as statistical agencies practise it) until
the hidden cells of each group are none, or at least two whose sum is not itself 1..threshold; when no
cell is left to hide, the total is hidden. Each hidden row is marked so the UI and exports can show a
visible marker instead of a number.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from codedash.queries import settings

SUPPRESSED_FLAG = "suppressed"
MARKER = "‡"                    # shown in place of a suppressed value
KINDS = ("guarded", "derived", "part", "public")


def threshold() -> int:
    return int(settings.get("suppression_threshold"))


def is_small(values: pd.Series, k: int) -> pd.Series:
    """True where a count is between 1 and k (inclusive)."""
    numeric = pd.to_numeric(values, errors="coerce")
    return numeric.notna() & (numeric >= 1) & (numeric <= k)


@dataclass(frozen=True)
class Margin:
    """Rows of a view whose `parts` columns add up to a total the same view shows.

    groups: columns whose values split the rows into separate groups (e.g. series, encounter type).
    total_row: a boolean column marking the total row of each group (a team row, an all-payers row);
    total_column: a column that repeats the group's total on every row (parts = [that column's parts]).
    With neither, the total is shown elsewhere on the page (a KPI card, another panel) and cannot be
    hidden here, so parts are hidden until the group is safe.
    """
    parts: tuple[str, ...]
    groups: tuple[str, ...] = ()
    total_row: str | None = None
    total_column: str | None = None


@dataclass(frozen=True)
class Tree:
    """Rows of a view are the nodes of a hierarchy: `node` id, `parent` id and `level` columns, `levels`
    ordered root first. Every count of a node is the total of its children's (or at least as large:
    distinct counts), and `suppress` protects each level against the next (hierarchy_hidden)."""
    node: str
    parent: str
    level: str
    levels: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    """What a query (or a service's frame) declares about its count columns; see the module docstring."""
    guarded: tuple[str, ...] = ()
    derived: Mapping[str, str | None] = field(default_factory=dict)
    parts: Mapping[str, str] = field(default_factory=dict)
    public: tuple[str, ...] = ()
    dependents: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    margins: tuple[Margin, ...] = ()
    running: tuple[str, ...] = ()    # running totals (cumulative shares): blank from the first hidden row on
    tree: Tree | None = None         # rows are the nodes of a hierarchy shown whole (see hierarchy_hidden)

    @classmethod
    def coerce(cls, rules: Rules | Mapping[str, Iterable[str]] | None) -> Rules:
        """A Rules from the older `{guard: [dependents]}` mapping (every key a guarded count)."""
        if rules is None:
            return cls()
        if isinstance(rules, Rules):
            return rules
        return cls(guarded=tuple(rules), dependents={g: tuple(d) for g, d in rules.items()})

    @property
    def counts(self) -> tuple[str, ...]:
        """Every declared count column that can be hidden (public ones cannot)."""
        return tuple(dict.fromkeys([*self.guarded, *self.derived, *self.parts]))

    @property
    def declared(self) -> set[str]:
        return {*self.counts, *self.public}

    def with_(self, **changes) -> Rules:
        """A copy with some fields replaced, or merged for the mapping fields and margins."""
        merged = {}
        for key, value in changes.items():
            old = getattr(self, key)
            if isinstance(old, Mapping):
                merged[key] = {**old, **value}
            else:
                merged[key] = tuple(dict.fromkeys([*old, *value]))
        return Rules(**{**self.__dict__, **merged})

    def with_dependents(self, extra: Mapping[str, Iterable[str]]) -> Rules:
        """A copy whose dependents also include `extra` (column -> values blanked with it)."""
        deps = {k: list(v) for k, v in self.dependents.items()}
        for col, more in extra.items():
            deps.setdefault(col, [])
            deps[col] += [m for m in more if m not in deps[col] and m != col]
        return Rules(**{**self.__dict__, "dependents": {k: tuple(v) for k, v in deps.items()}})

    def with_total_row(self, flag: str, groups: tuple[str, ...] | None = None) -> Rules:
        """A copy whose margins have their total in the row marked by boolean column `flag` (a service
        that adds a team or period row beside the query's rows)."""
        margins = tuple(Margin(m.parts, m.groups if groups is None else groups, total_row=flag)
                        for m in self.margins if m.total_column is None)
        keep = tuple(m for m in self.margins if m.total_column is not None)
        return Rules(**{**self.__dict__, "margins": margins + keep})

    def children(self) -> dict[str, list[str]]:
        """Column -> columns hidden whenever it is (its dependents, derived counts and parts)."""
        out: dict[str, list[str]] = {}
        for col, deps in self.dependents.items():
            out.setdefault(col, []).extend(deps)
        for col, guard in self.derived.items():
            if guard:
                out.setdefault(guard, []).append(col)
        for col, parent in self.parts.items():
            out.setdefault(parent, []).append(col)
        return out


# The engine works on one boolean numpy array per column, by row position: the frames are small (tens
# of rows) and a pandas assignment costs more than the arithmetic, many times per call.
Hidden = dict[str, np.ndarray]


def _numeric(df: pd.DataFrame, col: str) -> np.ndarray:
    if col not in df:
        return np.zeros(len(df))
    return pd.to_numeric(df[col], errors="coerce").fillna(0).to_numpy(dtype="float64")


def _small(values, k: int) -> np.ndarray:
    numeric = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):
        return (numeric >= 1) & (numeric <= k)


def _total(hidden: Hidden) -> int:
    return int(sum(int(v.sum()) for v in hidden.values()))


def _primary(df: pd.DataFrame, rules: Rules, k: int) -> Hidden:
    n = len(df)
    hidden: Hidden = {}
    for col in rules.counts:
        if col not in df.columns:
            raise KeyError(f"suppression rule names a missing column: {col}")
        hidden[col] = _small(df[col], k)
    for col, parent in rules.parts.items():
        if parent not in df.columns:
            raise KeyError(f"suppression rule names a missing column: {parent}")
        hidden[col] = hidden[col] | _small(_numeric(df, parent) - _numeric(df, col), k)
    for deps in rules.dependents.values():
        for col in deps:
            if col not in df.columns:
                raise KeyError(f"suppression rule names a missing column: {col}")
            hidden.setdefault(col, np.zeros(n, dtype=bool))
    for col in rules.running:
        hidden.setdefault(col, np.zeros(n, dtype=bool))
    return hidden


def _close(hidden: Hidden, rules: Rules) -> Hidden:
    """Hide whatever a hidden cell's row would give back: its dependents, derived counts and sibling parts."""
    children = rules.children()
    siblings: dict[str, list[str]] = {}
    for col, parent in rules.parts.items():
        siblings.setdefault(parent, []).append(col)
    while True:
        before = _total(hidden)
        for col, kids in children.items():
            if col in hidden:
                for kid in kids:
                    hidden[kid] = hidden[kid] | hidden[col]
        for parent, parts in siblings.items():
            any_part = np.logical_or.reduce([hidden[p] for p in parts])
            for col in parts:
                hidden[col] = hidden[col] | any_part
        if _total(hidden) == before:
            return hidden


def _complement(df: pd.DataFrame, hidden: Hidden, margin: Margin, k: int, numeric: dict[str, np.ndarray]) -> Hidden:
    """Hide the next-smallest part (or the total) wherever a hidden part could be recovered from the total.

    `numeric` caches each column's values as numbers across calls on the same frame."""
    keys = list(margin.groups)
    by = keys[0] if len(keys) == 1 else keys
    grouped = ([np.arange(len(df))] if not keys
               else list(df.groupby(by, dropna=False, sort=False).indices.values()))
    is_total = ([bool(v) for v in df[margin.total_row].to_numpy()] if margin.total_row
                else [False] * len(df))
    for idx in grouped:
        idx = [int(i) for i in idx]
        total_rows = [i for i in idx if is_total[i]]
        part_rows = [i for i in idx if not is_total[i]]
        for col in margin.parts:
            if col not in hidden:
                continue
            if col not in numeric:
                numeric[col] = _numeric(df, col)
            values = numeric[col]
            cells = hidden[col]
            total_hidden = (bool(cells[total_rows].all()) if total_rows
                            else bool(margin.total_column and hidden[margin.total_column][idx].all()))
            while not total_hidden:
                hid = [i for i in part_rows if cells[i]]
                h_sum = float(values[hid].sum())
                if not (len(hid) == 1 or 1 <= h_sum <= k):
                    break
                # smallest shown non-zero part first; ties go to the earlier row
                shown = sorted((float(values[i]), n, i) for n, i in enumerate(part_rows)
                               if not cells[i] and values[i] > 0)
                if shown:
                    cells[shown[0][2]] = True
                elif total_rows:
                    cells[total_rows] = True
                    total_hidden = True
                elif margin.total_column:
                    hidden[margin.total_column][idx] = True
                    total_hidden = True
                else:
                    break                      # nothing left to hide: every part is hidden already
            if total_rows and bool(cells[total_rows].all()) and not any(cells[i] for i in part_rows):
                # a total hidden to protect another view of it (a row total in a column of totals)
                # is the sum of its shown parts: hide its smallest non-zero part too
                shown = sorted((float(values[i]), n, i) for n, i in enumerate(part_rows) if values[i] > 0)
                if shown:
                    cells[shown[0][2]] = True
    return hidden


def _running(df: pd.DataFrame, hidden: Hidden, rules: Rules) -> Hidden:
    """A running total after a hidden row gives the hidden row back by difference: blank it from there on."""
    if not rules.running or not len(df):
        return hidden
    row_hidden = (np.logical_or.reduce([hidden[c] for c in rules.counts]) if rules.counts
                  else np.zeros(len(df), dtype=bool))
    from_first = np.maximum.accumulate(row_hidden)
    for col in rules.running:
        hidden[col] = hidden[col] | from_first
    return hidden


def hidden_cells(df: pd.DataFrame, rules: Rules | Mapping | None, k: int | None = None,
                 also: Mapping[str, Iterable[bool]] | None = None) -> pd.DataFrame:
    """Boolean frame: True for every cell that must not be shown (primary, closure and complementary).

    `also` names cells already hidden elsewhere (column -> one boolean per row), e.g. by another view of
    the same counts in a hierarchy (`suppress_hierarchy`); they are hidden here too and protected likewise."""
    rules = Rules.coerce(rules)
    k = threshold() if k is None else k
    if df.empty or (k <= 0 and not also):
        return pd.DataFrame(False, index=df.index, columns=[c for c in rules.counts if c in df])
    hidden = _primary(df, rules, max(k, 0))
    for col, mask in (also or {}).items():
        if col in hidden:
            hidden[col] = hidden[col] | np.asarray(list(mask), dtype=bool)
    numeric: dict[str, np.ndarray] = {}
    while True:
        before = _total(hidden)
        hidden = _close(hidden, rules)
        for margin in rules.margins:
            hidden = _complement(df, hidden, margin, k, numeric)
        hidden = _running(df, hidden, rules)
        if _total(hidden) == before:
            hidden = _audit(df, hidden, rules, numeric)
            if _total(hidden) == before:
                return pd.DataFrame(hidden, index=df.index)


def _equations(df: pd.DataFrame, margins: tuple[Margin, ...]) -> list[tuple[int, list[int]]]:
    """(total row, part rows) by position for every group of every margin with a total row."""
    out = []
    for margin in margins:
        flags = [bool(v) for v in df[margin.total_row].to_numpy()]
        keys = list(margin.groups)
        groups = ([np.arange(len(df))] if not keys
                  else list(df.groupby(keys[0] if len(keys) == 1 else keys, dropna=False, sort=False).indices.values()))
        for idx in groups:
            totals = [int(i) for i in idx if flags[i]]
            parts = [int(i) for i in idx if not flags[i]]
            if len(totals) == 1 and parts:
                out.append((totals[0], parts))
    return out


def determined(equations: list[tuple[int, list[int]]], hidden: np.ndarray) -> list[int]:
    """Hidden positions whose value the equations (total = sum of parts), with every shown cell known,
    fix exactly: those whose unit vector lies in the row space of the equations on the hidden cells."""
    cols = [int(i) for i in np.flatnonzero(hidden)]
    if not cols or not equations:
        return []
    where = {c: j for j, c in enumerate(cols)}
    a = np.zeros((len(equations), len(cols)))
    for r, (total, parts) in enumerate(equations):
        if total in where:
            a[r, where[total]] += 1.0
        for p in parts:
            if p in where:
                a[r, where[p]] -= 1.0
    a = a[np.abs(a).sum(axis=1) > 0]
    if not len(a):
        return []
    rank = np.linalg.matrix_rank(a)
    out = []
    for j, c in enumerate(cols):
        e = np.zeros((1, len(cols)))
        e[0, j] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, e])) == rank:
            out.append(c)
    return out


def _audit(df: pd.DataFrame, hidden: Hidden, rules: Rules, numeric: dict[str, np.ndarray]) -> Hidden:
    """Where two or more margins overlap (a table with row and column totals), the group-by-group rule can
    leave a hidden cell fixed by the equations together (a bridge between two hidden cycles): hide the
    smallest shown cell of one of its equations (non-zero first), one per call; the caller repeats."""
    margins = tuple(m for m in rules.margins if m.total_row)
    if len(margins) < 2:
        return hidden
    equations = _equations(df, margins)
    for col in dict.fromkeys(p for m in margins for p in m.parts):
        if col not in hidden:
            continue
        fixed = determined(equations, hidden[col])
        if not fixed:
            continue
        if col not in numeric:
            numeric[col] = _numeric(df, col)
        values = numeric[col]
        cells = hidden[col]
        candidates = sorted((values[i] <= 0, values[i], i)
                            for total, parts in equations if fixed[0] in (total, *parts)
                            for i in (total, *parts) if not cells[i])
        if candidates:
            cells[candidates[0][2]] = True
            return hidden
    return hidden


def _blanked(values: pd.Series, mask: np.ndarray) -> pd.Series:
    """`values` with the masked cells missing: counts become float with NaN, text becomes object with None."""
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "fiu":
        # the common case, numpy numbers: one array operation instead of a pandas assignment
        arr = values.to_numpy(dtype="float64", copy=True)
        arr[mask] = np.nan
        return pd.Series(arr, index=values.index, name=values.name)
    out = values
    if not (pd.api.types.is_float_dtype(out) or pd.api.types.is_object_dtype(out)):
        out = out.astype("float64") if pd.api.types.is_numeric_dtype(out) else out.astype(object)
    out = out.copy()
    out[mask] = None
    return out


def suppress(df: pd.DataFrame, rules: Rules | Mapping | None, k: int | None = None,
             also: Mapping[str, Iterable[bool]] | None = None) -> pd.DataFrame:
    """Blank every cell that is small, derived from a small count, or recoverable from a shown total.

    rules is a `Rules` or the older mapping of a guarded count to the columns derived from it, e.g.
    {"n_encounters": ["paid_amount"], "n_audited": ["accuracy"]}.
    Returns a copy with a boolean `suppressed` column (True where anything in the row was blanked).
    """
    rules = Rules.coerce(rules)
    if rules.tree is not None and also is None:
        tree = rules.tree
        hidden = hierarchy_hidden(df, rules, tree.node, tree.parent, tree.level, tree.levels, k)
    else:
        hidden = hidden_cells(df, rules, k, also)
    out = df.copy()
    for col in hidden.columns:
        mask = hidden[col].to_numpy()
        if not mask.any():
            continue
        out[col] = _blanked(out[col], mask)
    flag = hidden.any(axis=1) if len(hidden.columns) else pd.Series(False, index=out.index)
    if SUPPRESSED_FLAG in df.columns:
        flag = flag | df[SUPPRESSED_FLAG].fillna(False).astype(bool)
    out[SUPPRESSED_FLAG] = flag.astype(bool)
    return out


def hierarchy_hidden(df: pd.DataFrame, rules: Rules | Mapping | None, node: str, parent: str, level: str,
                     levels: tuple[str, ...], k: int | None = None) -> pd.DataFrame:
    """Hidden cells of a tree shown whole (a treemap and its table): each node's counts beside its
    children's, at every level, so a hidden child cannot be recovered as parent minus shown siblings.

    Rows are nodes (`node` id, `parent` id, `level` name, `levels` ordered root first). For each pair of
    adjacent levels the parent row is the total of its children (`Margin` with a total row, grouped by
    parent) and the engine above protects it; a cell hidden in one pair is hidden in the others (`also`)
    until nothing changes. Counts need not add up (distinct counts): treating them as parts only hides
    more. A parent hidden to protect its own parent would be given back by its children's sum: then its
    smallest non-zero child is hidden too. So every parent-and-children group ends with no hidden cell or
    at least two, and in a tree that leaves every hidden cell on a cycle of unknowns (through the
    unconstrained roots and leaves): none is determined by the equations parent = sum of children
    (tests/queries/test_suppression_properties.py checks it by rank). Returns the boolean frame of
    `hidden_cells`, aligned with `df`."""
    rules = Rules(**{**Rules.coerce(rules).__dict__, "tree": None})
    k = threshold() if k is None else k
    counts = [c for c in rules.counts if c in df]
    hidden = hidden_cells(df, rules, k)
    if df.empty:
        return hidden
    pos = pd.Series(np.arange(len(df)), index=df.index)
    while True:
        before = int(hidden.to_numpy().sum())
        for upper, lower in zip(levels, levels[1:]):
            rows = df[(df[level] == upper) | (df[level] == lower)]
            if rows.empty:
                continue
            frame = rows.assign(_group=np.where(rows[level] == upper, rows[node], rows[parent]),
                                _total=rows[level] == upper)
            margin = Margin(parts=tuple(counts), groups=("_group",), total_row="_total")
            sub_rules = Rules(**{**rules.__dict__, "margins": (margin,)})
            idx = pos[rows.index].to_numpy()
            sub = hidden_cells(frame, sub_rules, k, also={c: hidden[c].to_numpy()[idx] for c in counts})
            for c in hidden.columns:
                if c in sub:
                    arr = hidden[c].to_numpy().copy()
                    arr[idx] = arr[idx] | sub[c].to_numpy()
                    if c in counts:
                        _hide_under_hidden_total(frame, arr, idx, c)
                    hidden[c] = arr
        if int(hidden.to_numpy().sum()) == before:
            return hidden


def _hide_under_hidden_total(frame: pd.DataFrame, arr: np.ndarray, idx: np.ndarray, col: str) -> None:
    """In each group of `frame` whose total row is hidden in `arr` (positions `idx`) but none of its parts
    is, hide the smallest non-zero part (ties: the earlier row)."""
    values = _numeric(frame, col)
    groups = frame["_group"].to_numpy()
    totals = frame["_total"].to_numpy(dtype=bool)
    # only groups whose total row is hidden can need a part hidden (a few, of thousands of categories)
    hidden_totals = pd.unique(groups[totals & arr[idx]])
    if not len(hidden_totals):
        return
    candidates_of = np.flatnonzero(pd.Series(groups).isin(hidden_totals).to_numpy())
    by_group = pd.Series(candidates_of).groupby(groups[candidates_of], sort=False).indices
    for group in hidden_totals:
        if group not in by_group:              # a missing group id (NaN) matched nothing before either
            continue
        members = candidates_of[by_group[group]]
        tot = [i for i in members if totals[i]]
        parts = [i for i in members if not totals[i]]
        if not tot or not parts or not arr[idx[tot]].all() or arr[idx[parts]].any():
            continue
        candidates = sorted((values[i], n, i) for n, i in enumerate(parts) if values[i] > 0)
        if candidates:
            arr[idx[candidates[0][2]]] = True
