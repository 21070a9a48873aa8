"""Statistical disclosure control for everything agencies see in aggregate: the dashboard, the
exports and the API. Pure: plain data in, plain data out; see docs/disclosure.md for the method.

    table = two_way({("C29", "busan"): 12, ("C29", "ulsan"): 3, ...})
    published = protect(table, k=5)
    published.shown(("C29", "ulsan"))  # False: render it like every other hidden or empty cell
"""

from .population import publishable_population
from .suppression import DEFAULT_K, DEFAULT_WIDTH, MIN_K, Protected, protect
from .table import TOTAL, Cell, CellId, Relation, Table, one_way, series, share_total, two_way

__all__ = [
    "DEFAULT_K",
    "DEFAULT_WIDTH",
    "MIN_K",
    "TOTAL",
    "Cell",
    "CellId",
    "Protected",
    "Relation",
    "Table",
    "one_way",
    "protect",
    "publishable_population",
    "series",
    "share_total",
    "two_way",
]
