"""Coverage and width across nominal levels, and widths read at matched coverage (synthetic draws)."""
import numpy as np
import pandas as pd
import pytest

from online_csa.common.intervals import central_interval
from online_csa.models.interval_sharpness import (NOMINAL_LEVELS, LevelIntervals, coverage_width_curve,
                                                  matched_width_comparison, narrowest_widths, sorted_quantiles)


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
    assert 0.9 in NOMINAL_LEVELS and 0.825 in NOMINAL_LEVELS


def test_interval_score_charges_width_and_misses():
    draws = np.tile(np.arange(1.0, 101.0), (2, 1)).T  # two cells, draws 1..100 each: median 50.5
    curve = coverage_width_curve(draws, np.array([50.0, 200.0]), levels=(0.9,)).iloc[0]
    lower, upper = np.quantile(np.arange(1.0, 101.0), [0.05, 0.95])
    width = upper - lower
    inside_score, miss_score = width, width + 20.0 * (200.0 - upper)  # 2 / (1 - 0.9) = 20 per unit missed
    assert curve["covered"] == 1 and curve["coverage"] == 0.5
    assert curve["mean_relative_interval_score"] == pytest.approx((inside_score + miss_score) / 2 / 50.5)


@pytest.mark.parametrize("counts", [True, False])
def test_sorted_quantiles_are_numpys(counts):
    rng = np.random.default_rng(5)
    values = rng.poisson(30, (4000, 20)).astype(float) if counts else rng.gamma(2.0, 50.0, (301, 20))
    quantiles = [0.0, 0.025, 0.05, 0.1275, 0.5, 0.9, 0.95, 0.975, 1.0]
    assert np.array_equal(sorted_quantiles(np.sort(values, axis=0), quantiles), np.quantile(values, quantiles, axis=0))


def test_a_cell_with_a_nan_draw_is_not_scored():
    draws = np.ones((50, 3))
    draws[7, 1] = np.nan
    curve = coverage_width_curve(draws, np.array([1.0, 1.0, 9.0]), levels=(0.5, 0.9))
    assert (curve["scored"] == 2).all() and (curve["covered"] == 1).all()
    assert coverage_width_curve(np.full((5, 2), np.nan), np.ones(2))["scored"].eq(0).all()


def test_narrowest_widths_read_the_first_level_that_holds_each_number_of_cells():
    scored = LevelIntervals(levels=(0.8, 0.85, 0.9),
                            inside=np.array([[True, False, False], [True, True, False], [True, True, False]]),
                            relative_width=np.array([[1.0, 1.0, 1.0], [1.2, 1.2, 1.2], [1.5, 1.5, 1.5]]),
                            relative_score=np.zeros((3, 3)))
    widths = narrowest_widths(scored)
    assert widths[:3].tolist() == [1.0, 1.0, 1.2] and np.isnan(widths[3])  # no level holds all three


def test_matched_comparison_of_a_model_with_itself_is_exactly_even():
    rng = np.random.default_rng(8)
    draws = rng.gamma(4.0, 25.0, size=(400, 40))
    observed = rng.gamma(4.0, 25.0, size=40)
    row = matched_width_comparison({"a": draws, "b": draws.copy()}, observed, "a", 200, 1).set_index("model").loc["b"]
    assert row["width_ratio"] == 1.0 and row["interval_score_difference"] == 0.0
    assert row["width_ratio_range_min"] == row["width_ratio_range_max"] == 1.0
    assert np.isnan(row["width_ratio_replicate_mean"]) and row["replicates"] == 0  # none asked for
    assert (row["interval_score_difference_lower_90"], row["interval_score_difference_upper_90"]) == (0.0, 0.0)
    assert row["matched_level"] <= 0.9 and row["matched_coverage"] == row["reference_coverage"]
    assert row["width_at_matched_coverage"] == row["reference_width_at_matched_coverage"] <= row["reference_width"]
    # from 70% of the cells to as many as the widest intervals (98%) hold, at most 95%
    widest = coverage_width_curve(draws, observed)["coverage"].max()
    assert row["coverage_range_low"] == 0.7 and row["coverage_range_high"] == min(widest, 0.95)


def test_overconfident_intervals_are_no_narrower_at_matched_coverage_and_pay_in_interval_score():
    """Values spread by 0.3 on the log scale: a model drawing with the true spread, and a reference
    drawing with 0.2, whose 90% intervals hold about 73% of the values. Where the true model holds as
    many, its intervals are as wide as the reference's, and its 90% interval score is lower."""
    rng = np.random.default_rng(9)
    cells = 400
    observed = 100 * np.exp(rng.normal(0, 0.3, cells))
    calibrated = 100 * np.exp(rng.normal(0, 0.3, (2000, cells)))
    overconfident = 100 * np.exp(rng.normal(0, 0.2, (2000, cells)))
    replicates = [{"reference": 100 * np.exp(rng.normal(0, 0.2, (2000, cells))),
                   "calibrated": 100 * np.exp(rng.normal(0, 0.3, (2000, cells)))} for _ in range(4)]
    rows = matched_width_comparison({"reference": overconfident, "calibrated": calibrated}, observed, "reference",
                                    300, 2, replicates=replicates).set_index("model")
    row = rows.loc["calibrated"]
    assert 0.65 <= row["reference_coverage"] <= 0.8 and 0.86 <= row["coverage"] <= 0.94
    assert row["matched_coverage"] >= row["reference_coverage"] and row["matched_level"] < 0.85
    # as wide where both hold as many cells: at the reference's count, over every count and in every part
    assert row["width_ratio"] == pytest.approx(1.0, abs=0.06)
    assert 0.9 < row["width_ratio_range_min"] <= row["width_ratio_range_median"] <= row["width_ratio_range_max"] < 1.1
    assert row["width_ratio_range_median"] == pytest.approx(1.0, abs=0.03)
    # fresh draws of the same models move the ratio a little: each replicate read at its own reference count
    assert row["replicates"] == 4 and 0 < row["width_ratio_replicate_sd"] < 0.05
    assert row["width_ratio_replicate_mean"] == pytest.approx(1.0, abs=0.06)
    assert rows.at["reference", "width_ratio_replicate_mean"] == 1.0
    # the counts the range reads are those both models reach: up to what the reference's widest intervals hold
    widest = coverage_width_curve(overconfident, observed)["coverage"].max()
    assert row["coverage_range_low"] == 0.7 and row["coverage_range_high"] == widest < 0.95
    # its misses cost less in total, though most cells (inside both) cost more under its wider intervals: the
    # mean is the proper score, the median says how it is made up
    assert row["interval_score_difference_upper_90"] < 0 < row["interval_score_difference_median"]
    assert rows.at["reference", "width_ratio"] == 1.0


def test_a_difference_made_by_two_cells_is_said_to_be():
    """Two cells with large misses under the reference carry the mean interval score difference."""
    rng = np.random.default_rng(10)
    observed = 100 * np.exp(rng.normal(0, 0.3, 60))
    draws = 100 * np.exp(rng.normal(0, 0.3, (1000, 60)))
    reference = draws.copy()
    reference[:, :2] = 10 * np.exp(rng.normal(0, 0.1, (1000, 2)))  # two cells far off: large misses
    row = matched_width_comparison({"reference": reference, "model": draws}, observed, "reference", 200,
                                   3).set_index("model").loc["model"]
    assert row["cells_behind_half_the_difference"] <= 2 and row["interval_score_difference"] < -0.5
    assert row["interval_score_difference_median"] == 0.0  # most cells have the same draws under both
