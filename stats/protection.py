"""Disclosure control: which published counts must be withheld so that none can be worked out.

The published numbers of one quarter and one family of facts are *cells* (a count) tied together
by *lines*: a line says that one cell (a row total, a column total, the grand total) is the sum of
others. An attacker who knows every published cell and every line can bound each withheld cell
by linear programming: its smallest and largest value over all non-negative counts that agree
with everything published. The rule kept here is that every withheld cell's bounds hold at least
``k`` whole numbers, so no withheld count is known or narrowed below ``k`` possible values.

``protect`` withholds every count below ``k`` (primary suppression), then withholds more
(complementary suppression) until an audit by linear programming finds every withheld cell's
interval wide enough. Withholding more only ever widens the intervals (a published constant
becomes one more unknown, and the true counts remain a solution), so a cell found wide enough
stays so, and the loop ends.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import highspy
import numpy as np

# highspy's public ``Highs`` prints a licence banner on stdout when built (into a management
# command's output) and installs callbacks unused here; its core class solves the same way.
from highspy._core import _Highs

# A feasible value within this of a whole number counts as that number (solver tolerance).
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Line:
    """``parent`` is the sum of ``children`` (indices of cells)."""

    parent: int
    children: tuple[int, ...]


def whole_numbers_between(low: float, high: float) -> int:
    """How many integers lie in [low, high]."""
    return max(0, math.floor(high + _TOLERANCE) - math.ceil(low - _TOLERANCE) + 1)


@dataclass
class _Audit:
    """The linear programmes over the withheld cells, given the published ones.

    Withheld cells fall into independent groups (cells tied by lines through other withheld
    cells; a published cell is a constant and ties nothing): each group is its own programme.
    Within a group, one programme asks whether many cells can all rise k - 1 above their true
    count at once; if they can, each interval is wide enough, and only the cells of a group
    that cannot are split off and asked again, down to programmes for a single cell.
    """

    counts: Sequence[int]
    lines: Sequence[Line]
    withheld: set[int]
    k: int
    wide: set[int]
    lowest: dict[int, float] = field(default_factory=dict)
    highest: dict[int, float] = field(default_factory=dict)

    def narrow_cells(self) -> list[int]:
        """The withheld cells whose interval holds fewer than ``k`` whole numbers."""
        for cell in self.withheld:
            # The true counts agree with everything published: a first feasible point.
            self.lowest[cell] = self.highest[cell] = float(self.counts[cell])
        narrow: list[int] = []
        swaps = _Swaps(self.counts, self.lines, self.withheld)
        for group in self._groups():
            pending = [cell for cell in group if cell not in self.wide]
            pending = [cell for cell in pending if not swaps.widen(cell, self.k)]
            self.wide.update(set(group) - set(pending))
            if not pending:
                continue
            programme = _Programme(self, group)
            if not programme.constants and programme.all_can_rise(pending, self.k - 1):
                # Nothing published ties this group: every count in it can grow together (the
                # whole group scaled up), and none can fall below zero.
                self.wide.update(pending)
                continue
            for cell in pending:
                if not self._wide_enough(cell):
                    programme.solve({cell: 1.0}, maximise=True)
                if not self._wide_enough(cell) and self.counts[cell] > 0:
                    # A zero is its own lower bound (counts are never negative).
                    programme.solve({cell: 1.0}, maximise=False)
                if self._wide_enough(cell):
                    self.wide.add(cell)
                else:
                    narrow.append(cell)
        return sorted(narrow)

    def interval(self, cell: int) -> tuple[float, float]:
        return self.lowest[cell], self.highest[cell]

    def _wide_enough(self, cell: int) -> bool:
        return whole_numbers_between(self.lowest[cell], self.highest[cell]) >= self.k

    def _groups(self) -> list[list[int]]:
        parent = {cell: cell for cell in self.withheld}

        def root(cell: int) -> int:
            while parent[cell] != cell:
                parent[cell] = parent[parent[cell]]
                cell = parent[cell]
            return cell

        for line in self.lines:
            members = [m for m in (line.parent, *line.children) if m in parent]
            for other in members[1:]:
                parent[root(other)] = root(members[0])
        groups: dict[int, list[int]] = {}
        for cell in sorted(self.withheld):
            groups.setdefault(root(cell), []).append(cell)
        return list(groups.values())


class _Programme:
    """One group's linear programme: its withheld cells are the unknowns."""

    def __init__(self, audit: _Audit, cells: list[int]) -> None:
        self.audit = audit
        self.cells = cells
        self.position = {cell: column for column, cell in enumerate(cells)}
        counts = audit.counts
        # Without a published total an unknown may grow without limit; a generous cap keeps
        # the programme bounded and still far wider than any k.
        self.cap = float(10 * (sum(counts) + audit.k))
        self.solver = _Highs()
        self.solver.setOptionValue("output_flag", False)
        size = len(cells)
        self.solver.addVars(size, np.zeros(size), np.full(size, self.cap))
        # Whether any published count bears on the group.
        self.constants = False
        for line in audit.lines:
            columns: list[int] = []
            values: list[float] = []
            constant = 0.0
            published = False
            for cell, sign in [(line.parent, -1.0)] + [(child, 1.0) for child in line.children]:
                if cell in self.position:
                    columns.append(self.position[cell])
                    values.append(sign)
                elif cell not in audit.withheld:
                    constant -= sign * counts[cell]
                    published = True
            self.constants = self.constants or (published and bool(columns))
            if columns:
                self.solver.addRow(
                    constant, constant, len(columns), np.array(columns, dtype=np.int32), values
                )

    def solve(self, weights: dict[int, float], *, maximise: bool) -> bool:
        size = len(self.cells)
        objective = np.zeros(size)
        for cell, weight in weights.items():
            objective[self.position[cell]] = -weight if maximise else weight
        self.solver.changeColsCost(size, np.arange(size, dtype=np.int32), objective)
        self.solver.run()
        status = self.solver.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return False
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError("The disclosure-control programme has no optimal solution.")
        point = self.solver.getSolution().col_value
        # Every solution is a feasible point: it widens the known interval of every unknown.
        for column, cell in enumerate(self.cells):
            value = point[column]
            if value < self.audit.lowest[cell]:
                self.audit.lowest[cell] = value
            if value > self.audit.highest[cell]:
                self.audit.highest[cell] = value
        return True

    def all_can_rise(self, cells: list[int], by: int) -> bool:
        """Whether every cell of ``cells`` can be ``by`` above its true count at once."""
        columns = np.array([self.position[cell] for cell in cells], dtype=np.int32)
        raised = np.array([self.audit.counts[cell] + by for cell in cells], dtype=float)
        self.solver.changeColsBounds(len(cells), columns, raised, np.full(len(cells), self.cap))
        try:
            return self.solve({}, maximise=True)
        finally:
            self.solver.changeColsBounds(
                len(cells), columns, np.zeros(len(cells)), np.full(len(cells), self.cap)
            )


class _Swaps:
    """Widening a cell of a two-way table without a programme: a swap of four withheld cells.

    Add t to cell (a, b) and to (a', b'), take t from (a, b') and from (a', b): every row and
    column total of the table stays the same, so every other published number does too. The
    swap can run while the cells it takes from hold t; run forwards, then backwards, it moves
    (a, b) over an interval as wide as the two limits together. Cells that no swap widens
    enough go to the linear programme.
    """

    def __init__(self, counts: Sequence[int], lines: Sequence[Line], withheld: set[int]) -> None:
        self.counts = counts
        self.withheld = withheld
        # The lines in which a cell is a child: two for a cell of a two-way table.
        self.child_lines: dict[int, list[Line]] = {}
        for line in lines:
            for child in line.children:
                self.child_lines.setdefault(child, []).append(line)
        # A swap may only move cells that no other line adds up from.
        for line in lines:
            self.child_lines[line.parent] = []

    def widen(self, cell: int, k: int) -> bool:
        lines = self.child_lines.get(cell, [])
        if len(lines) != 2:
            return False
        row, column = lines
        up = down = 0
        for across in row.children:
            if across == cell or across not in self.withheld:
                continue
            other_column = self._other_line(across, row)
            if other_column is None:
                continue
            for below in column.children:
                if below == cell or below not in self.withheld:
                    continue
                corner = self._corner(below, column, other_column)
                if corner is None:
                    continue
                up = max(up, min(self.counts[across], self.counts[below]))
                down = max(down, min(self.counts[cell], self.counts[corner]))
                if up + down >= k - 1:
                    return True
        return False

    def _other_line(self, cell: int, line: Line) -> Line | None:
        lines = self.child_lines.get(cell, [])
        if len(lines) != 2:
            return None
        return lines[1] if lines[0] is line else lines[0]

    def _corner(self, cell: int, line: Line, meets: Line) -> int | None:
        """The withheld cell on ``cell``'s other line that is also on ``meets``."""
        other = self._other_line(cell, line)
        if other is None:
            return None
        found = set(other.children) & set(meets.children)
        corner = found.pop() if len(found) == 1 else None
        return corner if corner in self.withheld else None


def _partner(
    cell: int,
    counts: Sequence[int],
    lines_of: dict[int, list[Line]],
    withheld: set[int],
    *,
    nearby: bool,
) -> int | None:
    """The published cell to withhold beside a narrow one.

    ``nearby``: only a sibling in the cell's own lines, in the line that pins it most (the least
    withheld beside it), the smallest. Otherwise the pin is further away, through lines already
    withheld whole: the search widens line by line, and takes the nearest published cell that
    is not a total, or failing any, the nearest total. A total is the last resort because many
    cells lean on it.
    """
    reached = {cell}
    frontier = [cell]
    distance = 0
    best: tuple[int, int, int, int, int, int] | None = None
    while frontier:
        following: list[int] = []
        for member in frontier:
            for line in lines_of.get(member, []):
                members = (line.parent, *line.children)
                beside = sum(counts[o] for o in members if o in withheld and o != member)
                for candidate in members:
                    if candidate in withheld:
                        if candidate not in reached:
                            reached.add(candidate)
                            following.append(candidate)
                        continue
                    is_total = int(candidate == line.parent)
                    if nearby and is_total:
                        continue
                    twin = int(_has_published_twin(candidate, lines_of, withheld))
                    rank = (twin, is_total, distance, beside, counts[candidate], candidate)
                    if best is None or rank < best:
                        best = rank
        if nearby or (best is not None and not best[0] and not best[1]):
            break
        frontier = following
        distance += 1
    return None if best is None else best[5]


def _has_published_twin(cell: int, lines_of: dict[int, list[Line]], withheld: set[int]) -> bool:
    """Whether a line of one child makes this cell equal to a published one: withholding it
    would hide nothing (a single entity's count is its total)."""
    for line in lines_of.get(cell, []):
        if len(line.children) == 1:
            other = line.parent if line.children[0] == cell else line.children[0]
            if other not in withheld:
                return True
    return False


def protect(counts: Sequence[int], lines: Sequence[Line], k: int) -> set[int]:
    """The indices of the cells to withhold: every count below ``k``, and their complements."""
    return complement(counts, lines, k, {cell for cell, count in enumerate(counts) if count < k})


def complement(
    counts: Sequence[int], lines: Sequence[Line], k: int, withheld: set[int]
) -> set[int]:
    """Withhold more until the audit finds every withheld cell's interval wide enough.

    The answer depends on the tables alone, so the same tables (a recount that found nothing
    changed, a quarter like another) reuse it instead of solving the programmes again.
    """
    key = (tuple(counts), tuple((line.parent, line.children) for line in lines), k)
    return set(_complement_of(key, frozenset(withheld)))


@lru_cache(maxsize=64)
def _complement_of(
    key: tuple[tuple[int, ...], tuple[tuple[int, tuple[int, ...]], ...], int],
    primary: frozenset[int],
) -> frozenset[int]:
    counts, line_specs, k = key
    lines = [Line(parent, children) for parent, children in line_specs]
    withheld = set(primary)
    lines_of: dict[int, list[Line]] = {}
    for line in lines:
        for member in (line.parent, *line.children):
            lines_of.setdefault(member, []).append(line)
    # Withholding more only widens intervals: a cell found wide enough is not audited again.
    wide: set[int] = set()
    while True:
        narrow = _Audit(counts, lines, withheld, k, wide).narrow_cells()
        if not narrow:
            return frozenset(withheld)
        partners = _nearby_partners(narrow, counts, lines_of, withheld)
        if not partners:
            # Every narrow cell's own lines are withheld whole: the pin is further away. One
            # partner at a time, nearest first; it may free many cells at once.
            found = (_partner(c, counts, lines_of, withheld, nearby=False) for c in narrow)
            partners = [next((cell for cell in found if cell is not None), -1)]
        if partners == [-1]:
            raise RuntimeError("Narrow cells remain with nothing left to withhold beside them.")
        withheld.update(partners)


def _nearby_partners(
    narrow: list[int], counts: Sequence[int], lines_of: dict[int, list[Line]], withheld: set[int]
) -> list[int]:
    """A sibling to withhold for each narrow cell, one per line this round: a partner chosen
    for a cell of the same line may widen the others too, so they are audited again first."""
    chosen: list[int] = []
    touched: set[int] = set()
    for cell in narrow:
        if any(id(line) in touched for line in lines_of.get(cell, [])):
            continue
        found = _partner(cell, counts, lines_of, withheld | set(chosen), nearby=True)
        if found is None:
            continue
        chosen.append(found)
        for member in (cell, found):
            touched.update(id(line) for line in lines_of.get(member, []))
    return chosen
