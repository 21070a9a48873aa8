"""The reader as an attacker, with a real solver: for each hidden cell, the smallest and largest
value consistent with every shown figure, every relation and non-negativity, solved with HiGHS.

Which program is the right check? A reader who also uses that counts are whole numbers can only
narrow the range (the integer range lies inside the real one), so the integer program is the
strongest attacker and the one the audit must pass. The audit solves both and also checks that
they agree, which is what makes the pure-Python network computation exact for these tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import highspy

from assess.disclosure import Protected, Table

INF = math.inf


@dataclass(frozen=True)
class Range:
    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


def _solve(
    table: Table, published: Protected, target, *, maximise: bool, integer: bool, figure: str
) -> float:
    """Optimum of the hidden `target`'s count (figure="count") or score sum ("sum")."""
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    hidden = list(published.hidden())
    column = {cell: i for i, cell in enumerate(hidden)}
    for cell in hidden:
        highs.addVar(0.0, highspy.kHighsInf)
        if integer and figure == "count":
            highs.changeColIntegrality(column[cell], highspy.HighsVarType.kInteger)

    def known(cell) -> float:
        return published.count(cell) if figure == "count" else published.total_score(cell)

    for relation in table.relations:
        # total - sum(parts) = 0, with shown figures moved to the right-hand side
        coefficients: dict[int, float] = {}
        constant = 0.0
        for cell, sign in [(relation.total, 1.0)] + [(p, -1.0) for p in relation.parts]:
            if cell in column:
                coefficients[column[cell]] = coefficients.get(column[cell], 0.0) + sign
            else:
                constant += sign * known(cell)
        if coefficients:
            highs.addRow(
                -constant,
                -constant,
                len(coefficients),
                list(coefficients),
                list(coefficients.values()),
            )
    highs.changeColCost(column[target], -1.0 if maximise else 1.0)
    highs.run()
    status = highs.getModelStatus()
    unbounded = (
        highspy.HighsModelStatus.kUnbounded,
        highspy.HighsModelStatus.kUnboundedOrInfeasible,
    )
    if status in unbounded:
        # Presolve may not say which; the published table is feasible (its true figures satisfy
        # it), and checking that once more without an objective settles it.
        highs.changeColCost(column[target], 0.0)
        highs.run()
        assert highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
        return INF if maximise else -INF
    assert status == highspy.HighsModelStatus.kOptimal, highs.modelStatusToString(status)
    value = highs.getInfo().objective_function_value
    return -value if maximise else value


def feasible_range(table, published, cell, *, integer=True, figure="count") -> Range:
    """What the attacker can narrow the hidden cell's count (or score sum) to."""
    low = _solve(table, published, cell, maximise=False, integer=integer, figure=figure)
    high = _solve(table, published, cell, maximise=True, integer=integer, figure=figure)
    return Range(low, high)


def audit(table: Table, published: Protected) -> None:
    """Every hidden cell at least `width` wide for the integer attacker, equal to the real
    attacker's range, every hidden score sum undetermined, and no small cell shown."""
    for cell in published.cells:
        if published.shown(cell):
            assert published.count(cell) >= published.k, cell
    for cell in published.hidden():
        whole = feasible_range(table, published, cell, integer=True)
        real = feasible_range(table, published, cell, integer=False)
        assert whole.width >= published.width, (cell, whole)
        assert math.isclose(whole.low, real.low, abs_tol=1e-6), (cell, whole, real)
        assert whole.high == real.high or math.isclose(whole.high, real.high, abs_tol=1e-6)
        assert whole.low <= table.cells[cell].count <= whole.high
        if table.has_scores:
            sums = feasible_range(table, published, cell, integer=False, figure="sum")
            assert sums.width > 1e-6, (cell, sums)
