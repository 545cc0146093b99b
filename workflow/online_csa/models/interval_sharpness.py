"""How wide must a model's intervals be to cover as often as another's?

Two models' 90% intervals can be compared by width only if they cover equally often: intervals
that hold 82% of the held-out values are narrower than intervals that hold 90% of them whether
or not either model is better. So each model's predictive draws of the same held-out cells are
scored at every nominal level in `NOMINAL_LEVELS` (the central interval holding that share of
the draws): how many cells it covers, and its median width over the estimate (the draws'
median). `narrowest_widths` then reads each model's width at the lowest level that holds at
least a given number of the cells: the widths at matched coverage.

The interval score of Gneiting and Raftery (2007, eq. 43) puts width and misses in one number,
lower is better: for a central interval [l, u] at level 1 - a and a value y,
(u - l) + (2 / a) (l - y)+ + (2 / a) (y - u)+. Here it is divided by the estimate, as the width
is, and averaged over the cells.

`matched_width_comparison` compares each model with a reference (the intervals a width target
was taken from): its width where it holds as many held-out cells as the reference's intervals
at 90%, over the reference's own width there (each at its narrowest level that holds as many),
with its spread over further sets of draws and over other numbers of cells; and the difference of their
interval scores with a paired bootstrap over the held-out cells.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NOMINAL_LEVELS = tuple(round(0.5 + 0.005 * k, 3) for k in range(97))  # 0.500, 0.505, ..., 0.980
COVERAGE_RANGE = (0.70, 0.95)  # the shares of held-out cells over which width ratios are summarised


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

    def curve(self) -> pd.DataFrame:
        """Coverage, median width and mean interval score at every level."""
        return pd.DataFrame({"nominal": self.levels, "scored": self.inside.shape[1],
                             "covered": self.inside.sum(axis=1), "coverage": self.inside.mean(axis=1),
                             "median_relative_width": np.median(self.relative_width, axis=1),
                             "mean_relative_interval_score": self.relative_score.mean(axis=1)})


def sorted_quantiles(ordered: np.ndarray, quantiles) -> np.ndarray:
    """np.quantile(values, quantiles, axis=0) (its default, linear interpolation) of values
    already sorted along axis 0: the same numbers, the same arithmetic, one sort for every
    quantile instead of a partition per call."""
    q = np.asarray(quantiles, dtype=float)
    virtual = (ordered.shape[0] - 1) * q
    below = np.floor(virtual).astype(int)
    above = np.minimum(below + 1, ordered.shape[0] - 1)
    t = (virtual - below)[:, None]
    a, b = ordered[below], ordered[above]
    difference = b - a
    return np.where(t >= 0.5, b - difference * (1 - t), a + difference * t)


def level_intervals(draws: np.ndarray, observed: np.ndarray,
                    levels: tuple[float, ...] = NOMINAL_LEVELS) -> LevelIntervals:
    """The central interval of each cell's draws (draws x cells, none NaN) at every level, scored
    against the observed values."""
    y = np.asarray(observed, dtype=float)
    ordered = np.sort(draws, axis=0)
    estimate = sorted_quantiles(ordered, [0.5])[0]
    tails = [_tail(level) for level in levels]
    lower = sorted_quantiles(ordered, tails)
    upper = sorted_quantiles(ordered, [1.0 - t for t in tails])
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


def narrowest_widths(scored: LevelIntervals) -> np.ndarray:
    """For k = 0 .. number of cells: the median width of the narrowest intervals (lowest level)
    that hold at least k cells; NaN where no level does."""
    covered = scored.inside.sum(axis=1)
    width = np.median(scored.relative_width, axis=1)
    counts = np.arange(scored.inside.shape[1] + 1)
    reached = covered[None, :] >= counts[:, None]  # counts x levels
    return np.where(reached.any(axis=1), width[np.argmax(reached, axis=1)], np.nan)


def _cells_behind_half(differences: np.ndarray) -> int:
    """The fewest cells whose differences add up to half the summed difference (in its direction)."""
    total = differences.sum()
    if total == 0:
        return 0
    ordered = np.sort(differences * np.sign(total))[::-1]
    return int(np.argmax(np.cumsum(ordered) >= abs(total) / 2) + 1)


def matched_width_ratio(draws: dict[str, np.ndarray], observed: np.ndarray, reference: str,
                        level: float = 0.9) -> dict[str, float]:
    """Each model's width ratio to the reference where both hold as many cells as the reference's
    intervals at `level` (see `matched_width_comparison`)."""
    k = int(np.flatnonzero(np.isclose(np.asarray(NOMINAL_LEVELS), level))[0])
    scored = {model: level_intervals(d, observed) for model, d in draws.items()}
    held = int(scored[reference].inside[k].sum())
    reference_width = narrowest_widths(scored[reference])[held]
    return {model: float(narrowest_widths(s)[held] / reference_width) for model, s in scored.items()}


def matched_width_comparison(draws: dict[str, np.ndarray], observed: np.ndarray, reference: str, resamples: int,
                             seed: int, level: float = 0.9,
                             replicates: list[dict[str, np.ndarray]] = ()) -> pd.DataFrame:
    """Each model's intervals against the reference's, on the same held-out cells (draws: model ->
    draws x cells, none NaN).

    Widths at matched coverage: for a number of cells k, each model's narrowest intervals (lowest
    level of NOMINAL_LEVELS) that hold at least k cells; the ratio of the model's width to the
    reference's at the same k. Reported at the k the reference's intervals at `level` hold
    (`width_ratio`); its mean and standard deviation over `replicates` (further sets of draws of
    the same cells, for the reference and any of the models, each read at its own reference
    count, as a rerun with another seed would be): the Monte Carlo error; and over every k in
    COVERAGE_RANGE that both models' widest intervals reach (min, median, max;
    `coverage_range_low`/`_high` say which): one k alone moves in steps as cells cross interval
    ends, which a bootstrap over the same cells does not reproduce.

    The interval score at `level`: each model's mean over the cells, less the reference's, with a
    90% interval from a paired bootstrap over the cells (`resamples`, the same for every model);
    the median of the cell-by-cell differences; and how few cells make up half the summed one."""
    levels = np.asarray(NOMINAL_LEVELS)
    k = int(np.flatnonzero(np.isclose(levels, level))[0])
    y = np.asarray(observed, dtype=float)
    n = len(y)
    scored = {model: level_intervals(d, y) for model, d in draws.items()}
    replicated = [matched_width_ratio(again, y, reference, level) for again in replicates]
    widths = {model: narrowest_widths(s) for model, s in scored.items()}
    ref = scored[reference]
    held = int(ref.inside[k].sum())
    in_range = np.arange(n + 1)
    in_range = in_range[(in_range >= COVERAGE_RANGE[0] * n) & (in_range <= COVERAGE_RANGE[1] * n)]
    rng = np.random.default_rng(seed)
    samples = rng.integers(0, n, size=(resamples, n))
    rows = []
    for model in draws:
        s = scored[model]
        ratio = widths[model] / widths[reference]
        again = np.array([ratios[model] for ratios in replicated if model in ratios])
        counts = in_range[np.isfinite(ratio[in_range])]  # the counts both models' widest intervals reach
        matched = np.argmax(s.inside.sum(axis=1) >= held) if (s.inside.sum(axis=1) >= held).any() else None
        difference = s.relative_score[k] - ref.relative_score[k]  # per cell
        boot = difference[samples].mean(axis=1)
        rows.append({"model": model, "reference": reference, "nominal": level, "scored": n, "draws": len(draws[model]),
                     "reference_covered": held, "reference_coverage": held / n,
                     "reference_width": float(np.median(ref.relative_width[k])),
                     "coverage": float(s.inside[k].mean()), "width": float(np.median(s.relative_width[k])),
                     "matched_level": np.nan if matched is None else levels[matched],
                     "matched_coverage": np.nan if matched is None else float(s.inside[matched].mean()),
                     "width_at_matched_coverage": widths[model][held],
                     "reference_width_at_matched_coverage": widths[reference][held],
                     "width_ratio": ratio[held],
                     "width_ratio_replicate_mean": float(again.mean()) if len(again) else np.nan,
                     "width_ratio_replicate_sd": float(again.std(ddof=1)) if len(again) > 1 else np.nan,
                     "replicates": len(again),
                     "coverage_range_low": counts[0] / n, "coverage_range_high": counts[-1] / n,
                     "width_ratio_range_min": float(ratio[counts].min()),
                     "width_ratio_range_median": float(np.median(ratio[counts])),
                     "width_ratio_range_max": float(ratio[counts].max()),
                     "interval_score": float(s.relative_score[k].mean()),
                     "interval_score_difference": float(difference.mean()),
                     "interval_score_difference_lower_90": float(np.quantile(boot, 0.05)),
                     "interval_score_difference_upper_90": float(np.quantile(boot, 0.95)),
                     "interval_score_difference_median": float(np.median(difference)),
                     "cells_behind_half_the_difference": _cells_behind_half(difference),
                     "bootstrap_resamples": resamples})
    return pd.DataFrame(rows)
