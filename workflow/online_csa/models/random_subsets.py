"""Which `k` of a row's values are its smallest: how a random subset of responders is drawn from
uniform draws, one subset per draw."""
from __future__ import annotations

import numpy as np


def smallest_per_row(values: np.ndarray, k: int) -> np.ndarray:
    """bool, the shape of `values` (rows x columns): True at the `k` smallest values of each row.

    The same cells as marking the first `k` columns of each row's argsort, found by a partial
    sort: with uniform random values the k-th smallest is unique, and a row with a tie at it
    (more than `k` values at or below it) falls back to the argsort itself."""
    rows, columns = values.shape
    if k >= columns:
        return np.ones((rows, columns), dtype=bool)
    if k <= 0:
        return np.zeros((rows, columns), dtype=bool)
    chosen = values <= np.partition(values, k - 1, axis=1)[:, k - 1:k]
    tied = np.flatnonzero(chosen.sum(axis=1) != k)
    if len(tied):
        by_order = np.zeros((len(tied), columns), dtype=bool)
        np.put_along_axis(by_order, np.argsort(values[tied], axis=1)[:, :k], True, axis=1)
        chosen[tied] = by_order
    return chosen
