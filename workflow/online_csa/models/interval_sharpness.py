"""How wide must a model's intervals be to cover as often as another's?

Two models' 90% intervals can be compared by width only if they cover equally often: intervals
that hold 82% of the held-out values are narrower than intervals that hold 90% of them whether
or not either model is better. So each model's predictive draws of the same held-out cells are
scored at every nominal level in `NOMINAL_LEVELS` (the central interval holding that share of
the draws): how many cells it covers, and its median width over the estimate (the draws'
median). `width_at_coverage` then reads each model's width at the level where it first covers
at least a given share of the cells: the widths at matched coverage.

The interval score of Gneiting and Raftery (2007, eq. 43) puts width and misses in one number,
lower is better: for a central interval [l, u] at level 1 - a and a value y,
(u - l) + (2 / a) (l - y)+ + (2 / a) (y - u)+. Here it is divided by the estimate, as the width
is, and averaged over the cells.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

NOMINAL_LEVELS = tuple(round(0.5 + 0.01 * k, 2) for k in range(49))  # 0.50, 0.51, ..., 0.98


def _tail(level: float) -> float:
    """The probability below a central interval at `level` (0.05 for 90%, not 0.04999...)."""
    return round((1.0 - level) / 2.0, 9)


def coverage_width_curve(draws: np.ndarray, observed: np.ndarray,
                         levels: tuple[float, ...] = NOMINAL_LEVELS) -> pd.DataFrame:
    """For each nominal level: the held-out cells scored (a cell with a NaN draw is not), how many
    of them the central interval of their draws (draws x cells) holds, the median width over the
    draws' median, and the mean interval score over the draws' median."""
    observed = np.asarray(observed, dtype=float)
    complete = ~np.isnan(draws).any(axis=0)
    values, y = draws[:, complete], observed[complete]
    rows = []
    if not complete.any():
        return pd.DataFrame([{"nominal": level, "scored": 0, "covered": 0, "coverage": np.nan,
                              "median_relative_width": np.nan, "mean_relative_interval_score": np.nan}
                             for level in levels])
    estimate = np.quantile(values, 0.5, axis=0)
    tails = [_tail(level) for level in levels]
    lower = np.quantile(values, tails, axis=0)
    upper = np.quantile(values, [1.0 - t for t in tails], axis=0)
    for k, level in enumerate(levels):
        lo, hi = lower[k], upper[k]
        inside = (lo <= y) & (y <= hi)
        penalty = 2.0 / (1.0 - level)
        score = (hi - lo) + penalty * np.maximum(lo - y, 0.0) + penalty * np.maximum(y - hi, 0.0)
        rows.append({"nominal": level, "scored": int(len(y)), "covered": int(inside.sum()),
                     "coverage": float(inside.mean()),
                     "median_relative_width": float(np.median((hi - lo) / estimate)),
                     "mean_relative_interval_score": float(np.mean(score / estimate))})
    return pd.DataFrame(rows)


def width_at_coverage(curve: pd.DataFrame, coverage: float) -> pd.Series | None:
    """The row of `curve` (one model's, by nominal level) at the lowest nominal level whose
    coverage reaches `coverage`: that model's width when it covers as often. None if no level
    does."""
    reached = curve[curve["coverage"] >= coverage - 1e-12].sort_values("nominal")
    return reached.iloc[0] if len(reached) else None
