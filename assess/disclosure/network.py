"""What a reader can infer about a hidden cell, computed exactly on the table's flow network.

Every cell is an arc and every relation a node balance, so the values a reader cannot rule out
are exactly the feasible flows: shown arcs fixed, hidden arcs anywhere from 0 up. From the true
table (one feasible flow), a hidden arc u -> v can grow by the largest flow from v back to u
through the other hidden arcs, and shrink by the largest flow from u to v, but not below 0.
These constraint matrices are totally unimodular, so the integer and the real bounds agree:
knowing that counts are whole numbers tells the reader nothing more.
"""

from __future__ import annotations

import heapq
from collections import defaultdict, deque
from collections.abc import Mapping

from .table import CellId

UNBOUNDED = float("inf")
# Enough to mean "saturate every way that is open": no table has this many firms.
SATURATE = 10**18


class Network:
    """The arcs of a table, with a current value per arc (counts, or 1/0 for "has a score")."""

    def __init__(self, arcs: Mapping[CellId, tuple[int, int]], values: Mapping[CellId, int]):
        self.arcs = dict(arcs)
        self.values = dict(values)
        self.order = {cell: i for i, cell in enumerate(arcs)}
        self.by_order = list(arcs)
        self.touching: dict[int, list[CellId]] = defaultdict(list)
        for cell, (tail, head) in self.arcs.items():
            self.touching[tail].append(cell)
            self.touching[head].append(cell)

    def _steps(self, node: int, hidden, values, without: CellId):
        """(next node, arc, +1 forward or -1 backward) for each residual step from node: forward
        along any hidden arc (no upper bound), backward along one that is above 0."""
        for cell in self.touching[node]:
            if cell == without or cell not in hidden:
                continue
            tail, head = self.arcs[cell]
            if tail == node:
                yield head, cell, +1
            if head == node and values[cell] > 0:
                yield tail, cell, -1

    def _push(self, start: int, goal: int, hidden, values: dict, without: CellId, need) -> int:
        """Flow (up to `need`) from start to goal through hidden arcs other than `without`."""
        pushed = 0
        while pushed < need:
            came = {start: None}
            queue = deque([start])
            while queue and goal not in came:
                node = queue.popleft()
                for nxt, cell, sign in self._steps(node, hidden, values, without):
                    if nxt not in came:
                        came[nxt] = (node, cell, sign)
                        queue.append(nxt)
            if goal not in came:
                break
            path, node = [], goal
            while came[node] is not None:
                prev, cell, sign = came[node]
                path.append((cell, sign))
                node = prev
            room = min(UNBOUNDED if s > 0 else values[c] for c, s in path)
            step = min(room, need - pushed)
            for cell, sign in path:
                values[cell] += sign * step
            pushed += step
        return pushed

    def spread(self, cell: CellId, hidden, need: int) -> int:
        """max - min of the hidden cell's value that a reader cannot rule out, capped at `need`."""
        tail, head = self.arcs[cell]
        up = self._push(head, tail, hidden, dict(self.values), cell, need)
        down_room = min(self.values[cell], need - up)
        down = self._push(tail, head, hidden, dict(self.values), cell, down_room)
        return up + down

    def cheapest_widening(self, cell: CellId, hidden, cost: Mapping[CellId, int]) -> list[CellId]:
        """The shown cells to hide that open one more way for the cell's value to grow: the path
        from its head back to its tail whose newly hidden cells cover the fewest firms (then the
        fewest cells, then the earliest in the table, so the result is reproducible)."""
        tail, head = self.arcs[cell]
        values = dict(self.values)
        # Saturate the ways that are already open, so that the path found adds a new one.
        self._push(head, tail, hidden, values, cell, SATURATE)
        best = {head: (0, 0, ())}
        heap = [(0, 0, (), head)]
        while heap:
            spent, hops, trail, node = heapq.heappop(heap)
            if node == tail:
                return [c for c in map(self.by_order.__getitem__, trail) if c not in hidden]
            if best.get(node, (spent, hops, trail)) < (spent, hops, trail):
                continue
            for nxt, arc, extra in self._any_steps(node, hidden, values, cell, cost):
                key = (spent + extra, hops + (extra > 0), (*trail, self.order[arc]))
                if nxt not in best or key < best[nxt]:
                    best[nxt] = key
                    heapq.heappush(heap, (*key, nxt))
        raise RuntimeError("no way to protect this cell; the table's network is malformed")

    def _any_steps(self, node, hidden, values, without, cost):
        """Residual steps through hidden arcs (free) and through shown arcs (at their cost)."""
        for arc in self.touching[node]:
            if arc == without:
                continue
            tail, head = self.arcs[arc]
            extra = 0 if arc in hidden else cost[arc]
            if tail == node:
                yield head, arc, extra
            if head == node and values[arc] > 0:
                yield tail, arc, extra
