"""The 90% interval every stage reports (common/intervals.py)."""
import numpy as np
import pytest

from online_csa.common.intervals import (LEVEL, LOWER, UPPER, central_interval, chance_of_covering_at_most,
                                         interval_bounds)


def test_the_interval_is_the_central_ninety_percent():
    assert (LOWER, UPPER) == (0.05, 0.95)
    assert LEVEL == pytest.approx(0.9)


def test_central_interval_gives_the_5th_percentile_median_and_95th_percentile():
    draws = np.arange(101.0)  # 0, 1, ..., 100: the q-quantile is 100 q exactly
    lower, median, upper = central_interval(draws)
    assert (lower, median, upper) == pytest.approx((5.0, 50.0, 95.0))


def test_central_interval_along_an_axis_gives_one_value_per_column():
    draws = np.column_stack([np.arange(101.0), 10 * np.arange(101.0), np.full(101, 7.0)])  # draws x cells
    lower, median, upper = central_interval(draws, axis=0)
    np.testing.assert_allclose(lower, [5.0, 50.0, 7.0])
    np.testing.assert_allclose(median, [50.0, 500.0, 7.0])
    np.testing.assert_allclose(upper, [95.0, 950.0, 7.0])


def test_interval_bounds_centre_the_level():
    assert interval_bounds(0.5) == (0.25, 0.75)
    low, high = interval_bounds(LEVEL)
    assert low == pytest.approx(LOWER) and high == pytest.approx(UPPER)


def test_chance_of_covering_at_most_is_the_binomial_tail():
    # 5 or fewer of 7 intervals at 90%: 1 - P(6) - P(7) = 1 - 7 * 0.9**6 * 0.1 - 0.9**7
    assert chance_of_covering_at_most(5, 7) == pytest.approx(1 - 7 * 0.9 ** 6 * 0.1 - 0.9 ** 7)
    assert chance_of_covering_at_most(5, 7) == pytest.approx(0.1497, abs=5e-5)
    assert chance_of_covering_at_most(7, 7) == pytest.approx(1.0)
    assert chance_of_covering_at_most(0, 3, 0.5) == pytest.approx(0.125)
