"""The interval every stage reports: the central 90% of a set of draws, between its 5th and 95th
percentiles (the `lower_90` and `upper_90` columns), with the median as the central value."""
from __future__ import annotations

from math import comb

import numpy as np

LOWER, UPPER = 0.05, 0.95
LEVEL = UPPER - LOWER


def central_interval(draws, axis: int | None = None) -> tuple:
    """(lower, median, upper) of `draws`: their LOWER, 0.5 and UPPER quantiles, along `axis`
    (every value when None)."""
    lower, median, upper = np.quantile(draws, [LOWER, 0.5, UPPER], axis=axis)
    return lower, median, upper


def column_intervals(draws: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per column of `draws` (draws x cells): (lower, median, upper, complete), every column's
    central interval at once; a column with a NaN draw is not complete, and its interval is NaN."""
    complete = ~np.isnan(draws).any(axis=0)
    lower, median, upper = np.full((3, draws.shape[1]), np.nan)
    if complete.any():
        lower[complete], median[complete], upper[complete] = central_interval(draws[:, complete], axis=0)
    return lower, median, upper, complete


def interval_bounds(level: float) -> tuple[float, float]:
    """The quantiles that bound a central interval holding `level` of the draws."""
    return (1 - level) / 2, 1 - (1 - level) / 2


def chance_of_covering_at_most(covered: int, scored: int, level: float = LEVEL) -> float:
    """The probability that `scored` independent intervals, each holding its value with probability
    `level`, hold `covered` or fewer of them: how surprising a coverage count is (binomial tail)."""
    return float(sum(comb(scored, k) * level ** k * (1 - level) ** (scored - k) for k in range(int(covered) + 1)))
