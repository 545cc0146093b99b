"""The interval every stage reports: the central 90% of a set of draws, between its 5th and 95th
percentiles (the `lower_90` and `upper_90` columns), with the median as the central value."""
from __future__ import annotations

import numpy as np

LOWER, UPPER = 0.05, 0.95
LEVEL = UPPER - LOWER


def central_interval(draws, axis: int | None = None) -> tuple:
    """(lower, median, upper) of `draws`: their LOWER, 0.5 and UPPER quantiles, along `axis`
    (every value when None)."""
    lower, median, upper = np.quantile(draws, [LOWER, 0.5, UPPER], axis=axis)
    return lower, median, upper


def interval_bounds(level: float) -> tuple[float, float]:
    """The quantiles that bound a central interval holding `level` of the draws."""
    return (1 - level) / 2, 1 - (1 - level) / 2
