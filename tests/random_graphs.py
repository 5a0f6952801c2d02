"""Random road-like test graphs shared by the engine tests (test_cch, test_fastpath)."""

from __future__ import annotations

import numpy as np


def grid_arcs(rng: np.random.Generator, side: int, *, drop: float = 0.15, oneway: float = 0.3
              ) -> tuple[list[int], list[int]]:
    """Arcs of a ``side`` x ``side`` grid with links dropped at random and some links one-way.

    Each grid link is dropped with probability ``drop``; a kept link runs both ways unless it is one-way
    (probability ``oneway``).
    """
    tails: list[int] = []
    heads: list[int] = []
    for i in range(side):
        for j in range(side):
            a = i * side + j
            for b in ([a + 1] if j + 1 < side else []) + ([a + side] if i + 1 < side else []):
                if rng.random() < drop:
                    continue
                tails.append(a)
                heads.append(b)
                if rng.random() > oneway:
                    tails.append(b)
                    heads.append(a)
    return tails, heads
