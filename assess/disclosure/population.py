"""Whether a filtered population may be shown at all, given the populations a reader can compare
it with: the same filter with one condition dropped (its parents)."""

from __future__ import annotations

from collections.abc import Iterable

from .suppression import DEFAULT_K, check_k


def publishable_population(n: int, parents: Iterable[int], k: int = DEFAULT_K) -> bool:
    """True when a population of `n` firms may be shown under filters whose parents have the
    given sizes: `n` is at least k, and each parent differs from it by 0 or by at least k.

    Without the second condition "busan" (40 firms) next to "busan & C29" (38 firms) would
    describe 2 firms by subtraction, whatever either table suppresses.

    :raise ValueError: k under 3, or a parent smaller than `n`.
    """
    check_k(k)
    if n < k:
        return False
    for parent in parents:
        if parent < n:
            raise ValueError(f"a parent population ({parent}) cannot be smaller than {n}")
        if 0 < parent - n < k:
            return False
    return True
