"""The mixed model's alternative structures, on synthetic panels with and without what they add."""
import numpy as np
import pandas as pd
import pytest

from online_csa.models.mixed_negative_binomial import fit_mixed_negative_binomial
from online_csa.models.model_structures import (DISPERSION_TREND, LR_CRITICAL, PLAIN, SLOPES, SUPPORT_MARGIN,
                                                compare_structures, evidence_words, fit_structure,
                                                likelihood_ratio_p_value)


def synthetic_structure_panel(seed: int, sigma_slope: float = 0.0, alpha_change: float = 0.0, forces: int = 24,
                              years: int = 6, alpha: float = 0.1) -> pd.DataFrame:
    """Every cell printed; counts from NB2 with force effects, a common trend, force slopes of
    spread `sigma_slope` and log alpha changing by `alpha_change` a year."""
    rng = np.random.default_rng(seed)
    effect, slope = rng.normal(0, 0.5, forces), rng.normal(0, sigma_slope, forces)
    population = rng.uniform(1e5, 8e5, forces)
    rows = []
    for f in range(forces):
        for t in range(years):
            centred = t - (years - 1) / 2
            mu = population[f] * 4e-4 * np.exp(effect[f] + 0.15 * t + slope[f] * centred)
            a = alpha * np.exp(alpha_change * centred)
            rows.append({"force": f"Synthforce {f:02d}", "year": 2015 + t, "log_population": np.log(population[f]),
                         "value": float(rng.poisson(rng.gamma(1 / a, mu * a))), "observed": True})
    return pd.DataFrame(rows)


def _compare(cells: pd.DataFrame) -> pd.DataFrame:
    fit = fit_mixed_negative_binomial(cells, sorted(cells["force"].unique()), sorted(cells["year"].unique()))
    rows = compare_structures(fit, cells, "synthetic_series", 400, 5)
    assert list(rows["structure"]) == [PLAIN, SLOPES, DISPERSION_TREND]
    return rows.set_index("structure")


def test_force_slopes_are_found_where_forces_have_their_own_trends():
    rows = _compare(synthetic_structure_panel(1, sigma_slope=0.3))
    assert rows.at[SLOPES, "sigma_slope"] == pytest.approx(0.3, rel=0.5)
    assert rows.at[SLOPES, "gain_over_plain"] > SUPPORT_MARGIN and rows.at[SLOPES, "supported"]
    # what the slopes explain leaves the negative binomial less to: a lower alpha, narrower intervals
    assert rows.at[SLOPES, "alpha"] < 0.8 * rows.at[PLAIN, "alpha"]
    assert rows.at[SLOPES, "median_relative_width"] < rows.at[PLAIN, "median_relative_width"]
    assert rows.at[SLOPES, "covered"] >= 0.8 * rows.at[SLOPES, "scored"]


def test_a_dispersion_trend_is_found_where_the_noise_falls_over_the_years():
    rows = _compare(synthetic_structure_panel(2, alpha_change=-0.5, alpha=0.2))
    assert rows.at[DISPERSION_TREND, "alpha_change_per_year"] == pytest.approx(-0.5, abs=0.2)
    trend = rows.loc[DISPERSION_TREND]
    assert (trend["first_printed_year"], trend["last_printed_year"]) == ("2015/16", "2020/21")
    assert trend["alpha_first_printed_year"] > 3 * trend["alpha_last_printed_year"]
    assert trend["supported"] and trend["evidence"] in ("strong", "very strong")
    assert trend["kept_by_likelihood_ratio_test"] and not rows.at[PLAIN, "kept_by_likelihood_ratio_test"]


def test_neither_is_supported_where_neither_is_there():
    rows = _compare(synthetic_structure_panel(3))
    assert not rows["supported"].any() and not rows["kept_by_likelihood_ratio_test"].any()
    assert rows.at[SLOPES, "sigma_slope"] < 0.1
    assert abs(rows.at[DISPERSION_TREND, "alpha_change_per_year"]) < 0.2
    assert rows.at[PLAIN, "gain_over_plain"] == 0.0


def test_likelihood_ratio_p_values_match_the_critical_values():
    for structure in (SLOPES, DISPERSION_TREND):
        assert likelihood_ratio_p_value(structure, LR_CRITICAL[structure] / 2) == pytest.approx(0.05)
    assert likelihood_ratio_p_value(DISPERSION_TREND, 1.94) == pytest.approx(0.0489, abs=5e-4)
    assert likelihood_ratio_p_value(SLOPES, -1e-9) == 0.5 and np.isnan(likelihood_ratio_p_value(PLAIN, 0.0))


def test_evidence_words_follow_kass_and_raftery():
    assert [evidence_words(g) for g in (-0.1, 0.0, 0.3, 0.99, 1.94, 2.9, 4.0, 6.0)] == [
        "none", "none", "not worth more than a bare mention", "not worth more than a bare mention", "positive",
        "positive", "strong", "very strong"]


def test_the_plain_structure_is_the_fitted_model():
    cells = synthetic_structure_panel(4)
    fit = fit_mixed_negative_binomial(cells, sorted(cells["force"].unique()), sorted(cells["year"].unique()))
    plain = fit_structure(fit, cells, PLAIN)
    assert plain.log_marginal == pytest.approx(fit.log_marginal, abs=1e-6)
    assert np.allclose(plain.mode, fit.params, atol=1e-6)
    assert (plain.sigma_slope, plain.alpha_change_per_year) == (0.0, 0.0)
