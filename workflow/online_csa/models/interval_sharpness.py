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

`matched_width_comparison` compares each model with a reference (the intervals a width target
was taken from): its width where it covers as often as the reference's intervals at 90%, over
the reference's own width there (each at its narrowest level that holds as many cells), with
what one held-out cell more or fewer would change; and the difference of their interval scores
with a paired bootstrap over the held-out cells.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NOMINAL_LEVELS = tuple(round(0.5 + 0.005 * k, 3) for k in range(97))  # 0.500, 0.505, ..., 0.980


def _tail(level: float) -> float:
    """The probability below a central interval at `level` (0.05 for 90%, not 0.04999...)."""
    return round((1.0 - level) / 2.0, 9)


@dataclass
class LevelIntervals:
    """One model's central intervals for the same held-out cells at every nominal level."""
    levels: tuple[float, ...]
    inside: np.ndarray  # levels x cells: the interval holds the cell's value
    relative_width: np.ndarray  # levels x cells: width over the estimate
    relative_score: np.ndarray  # levels x cells: interval score over the estimate

    def curve(self, cells=None) -> pd.DataFrame:
        """Coverage, median width and mean interval score at every level, over `cells` (indices,
        repeats allowed: a bootstrap resample) or every cell."""
        cells = slice(None) if cells is None else cells
        inside = self.inside[:, cells]
        return pd.DataFrame({"nominal": self.levels, "scored": inside.shape[1], "covered": inside.sum(axis=1),
                             "coverage": inside.mean(axis=1),
                             "median_relative_width": np.median(self.relative_width[:, cells], axis=1),
                             "mean_relative_interval_score": self.relative_score[:, cells].mean(axis=1)})


def level_intervals(draws: np.ndarray, observed: np.ndarray,
                    levels: tuple[float, ...] = NOMINAL_LEVELS) -> LevelIntervals:
    """The central interval of each cell's draws (draws x cells, none NaN) at every level, scored
    against the observed values."""
    y = np.asarray(observed, dtype=float)
    estimate = np.quantile(draws, 0.5, axis=0)
    tails = [_tail(level) for level in levels]
    lower = np.quantile(draws, tails, axis=0)
    upper = np.quantile(draws, [1.0 - t for t in tails], axis=0)
    penalty = (2.0 / (1.0 - np.asarray(levels)))[:, None]
    score = (upper - lower) + penalty * np.maximum(lower - y, 0.0) + penalty * np.maximum(y - upper, 0.0)
    return LevelIntervals(tuple(levels), (lower <= y) & (y <= upper), (upper - lower) / estimate, score / estimate)


def coverage_width_curve(draws: np.ndarray, observed: np.ndarray,
                         levels: tuple[float, ...] = NOMINAL_LEVELS) -> pd.DataFrame:
    """For each nominal level: the held-out cells scored (a cell with a NaN draw is not), how many
    of them the central interval of their draws (draws x cells) holds, the median width over the
    draws' median, and the mean interval score over the draws' median."""
    observed = np.asarray(observed, dtype=float)
    complete = ~np.isnan(draws).any(axis=0)
    if not complete.any():
        return pd.DataFrame([{"nominal": level, "scored": 0, "covered": 0, "coverage": np.nan,
                              "median_relative_width": np.nan, "mean_relative_interval_score": np.nan}
                             for level in levels])
    return level_intervals(draws[:, complete], observed[complete], levels).curve()


def width_at_coverage(curve: pd.DataFrame, coverage: float) -> pd.Series | None:
    """The row of `curve` (one model's, by nominal level) at the lowest nominal level whose
    coverage reaches `coverage`: that model's width when it covers as often. None if no level
    does."""
    reached = curve[curve["coverage"] >= coverage - 1e-12].sort_values("nominal")
    return reached.iloc[0] if len(reached) else None


def _matched(curve_coverage: np.ndarray, curve_width: np.ndarray, levels: np.ndarray, coverage: np.ndarray):
    """Per row: the first level whose coverage reaches that row's `coverage`, the coverage and the
    width there (NaN where none does). curve_coverage and curve_width are rows x levels."""
    reached = curve_coverage >= coverage[:, None] - 1e-12
    first = np.argmax(reached, axis=1)
    found = reached.any(axis=1)
    rows = np.arange(len(first))
    return (np.where(found, levels[first], np.nan), np.where(found, curve_coverage[rows, first], np.nan),
            np.where(found, curve_width[rows, first], np.nan))


def matched_width_comparison(draws: dict[str, np.ndarray], observed: np.ndarray, reference: str, resamples: int,
                             seed: int, level: float = 0.9) -> pd.DataFrame:
    """Each model's intervals against the reference's at `level`, on the same held-out cells
    (draws: model -> draws x cells, none NaN): the reference's coverage and median width at
    `level`; each model's narrowest intervals (lowest level of NOMINAL_LEVELS) that hold at
    least as many cells as the reference's at `level`, their width over the reference's
    narrowest ones that do (the reference's own may be below `level`: the same rule for both),
    and the same ratio for one cell fewer and one more to hold. And its interval score at
    `level` less the reference's, with a 90% interval from a paired bootstrap over the cells
    (`resamples` resamples with replacement, the same for every model). The width ratio gets no
    bootstrap interval: it moves in steps as cells cross interval ends, which resampling the same
    cells does not reproduce; the one-cell-either-way ratios show those steps instead."""
    levels = np.asarray(NOMINAL_LEVELS)
    k = int(np.flatnonzero(np.isclose(levels, level))[0])
    scored = {model: level_intervals(d, observed) for model, d in draws.items()}
    n = len(np.asarray(observed))
    rng = np.random.default_rng(seed)
    samples = np.vstack([np.arange(n), rng.integers(0, n, size=(resamples, n))])  # row 0: the cells as they are

    def per_sample(model):
        s = scored[model]
        inside = s.inside[:, samples[:1]].mean(axis=2).T  # the cells as they are x levels
        width = np.median(s.relative_width[:, samples[:1]], axis=2).T
        score = s.relative_score[k][samples].mean(axis=1)  # every sample
        return inside, width, score

    ref_inside, ref_width, ref_score = per_sample(reference)
    coverage = ref_inside[:, k]  # the reference's 90% coverage in each sample
    ref_matched_width = _matched(ref_inside, ref_width, levels, coverage)[2]
    rows = []
    for model in draws:
        inside, width, score = per_sample(model)
        matched_level, matched_coverage, matched_width = _matched(inside, width, levels, coverage[:1])
        ratio = matched_width[0] / ref_matched_width[0]
        # one held-out cell fewer or more to hold: how far the discreteness of the coverage moves the width
        fewer, more = (_matched(inside[:1], width[:1], levels, coverage[:1] + step / n)[2][0] / ref_matched_width[0]
                       for step in (-1, 1))
        difference = score - ref_score
        difference_low, difference_high = np.quantile(difference[1:], [0.05, 0.95])
        rows.append({"model": model, "reference": reference, "nominal": level, "scored": n,
                     "reference_coverage": ref_inside[0, k], "reference_width": ref_width[0, k],
                     "reference_width_at_matched_coverage": ref_matched_width[0],
                     "coverage": inside[0, k], "width": width[0, k], "matched_level": matched_level[0],
                     "matched_coverage": matched_coverage[0], "width_at_matched_coverage": matched_width[0],
                     "width_ratio": ratio, "width_ratio_one_cell_fewer": fewer, "width_ratio_one_cell_more": more,
                     "interval_score": score[0], "interval_score_difference": difference[0],
                     "interval_score_difference_lower_90": difference_low,
                     "interval_score_difference_upper_90": difference_high, "bootstrap_resamples": resamples})
    return pd.DataFrame(rows)
