"""Coverage and width across nominal levels, and widths read at matched coverage (synthetic draws)."""
import numpy as np
import pandas as pd
import pytest

from online_csa.common.intervals import central_interval
from online_csa.models.interval_sharpness import NOMINAL_LEVELS, coverage_width_curve, width_at_coverage


def test_the_curve_at_90_percent_is_the_reported_interval():
    rng = np.random.default_rng(4)
    draws = rng.negative_binomial(5, 0.05, size=(400, 30)).astype(float)
    observed = rng.negative_binomial(5, 0.05, size=30).astype(float)
    curve = coverage_width_curve(draws, observed).set_index("nominal")
    lower, median, upper = central_interval(draws, axis=0)
    inside = (lower <= observed) & (observed <= upper)
    assert curve.at[0.9, "covered"] == inside.sum() and curve.at[0.9, "scored"] == 30
    assert curve.at[0.9, "median_relative_width"] == pytest.approx(np.median((upper - lower) / median), rel=1e-12)
    # wider levels hold at least as many cells and are at least as wide
    assert curve["covered"].is_monotonic_increasing and curve["median_relative_width"].is_monotonic_increasing
    assert list(curve.index) == list(NOMINAL_LEVELS) and NOMINAL_LEVELS[0] == 0.5 and NOMINAL_LEVELS[-1] == 0.98


def test_interval_score_charges_width_and_misses():
    draws = np.tile(np.arange(1.0, 101.0), (2, 1)).T  # two cells, draws 1..100 each: median 50.5
    curve = coverage_width_curve(draws, np.array([50.0, 200.0]), levels=(0.9,)).iloc[0]
    lower, upper = np.quantile(np.arange(1.0, 101.0), [0.05, 0.95])
    width = upper - lower
    inside_score, miss_score = width, width + 20.0 * (200.0 - upper)  # 2 / (1 - 0.9) = 20 per unit missed
    assert curve["covered"] == 1 and curve["coverage"] == 0.5
    assert curve["mean_relative_interval_score"] == pytest.approx((inside_score + miss_score) / 2 / 50.5)


def test_a_cell_with_a_nan_draw_is_not_scored():
    draws = np.ones((50, 3))
    draws[7, 1] = np.nan
    curve = coverage_width_curve(draws, np.array([1.0, 1.0, 9.0]), levels=(0.5, 0.9))
    assert (curve["scored"] == 2).all() and (curve["covered"] == 1).all()
    assert coverage_width_curve(np.full((5, 2), np.nan), np.ones(2))["scored"].eq(0).all()


def test_width_at_coverage_reads_the_first_level_that_covers_as_often():
    curve = pd.DataFrame({"nominal": [0.8, 0.81, 0.82, 0.83], "coverage": [0.75, 0.80, 0.80, 0.85],
                          "median_relative_width": [1.0, 1.1, 1.2, 1.3]})
    assert width_at_coverage(curve, 0.8)["median_relative_width"] == 1.1
    assert width_at_coverage(curve, 0.85)["nominal"] == 0.83
    assert width_at_coverage(curve, 0.9) is None
