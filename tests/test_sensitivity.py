"""Assumption distributions, the Monte Carlo, tornado and tipping points (synthetic totals)."""
import numpy as np
import pandas as pd
import pytest

from online_csa.sensitivity.distributions import AssumptionError, assumptions_table, parse_assumption, parse_assumptions
from online_csa.sensitivity.monte_carlo import REQUIRED, run_sensitivity, tornado_table
from online_csa.sensitivity.recorded_totals import RecordedTotals
from online_csa.sensitivity.tipping_points import tipping_curves, tipping_points
from online_csa.sensitivity.trend_claims import TrendClaim

FIXED = {name: {"dist": "fixed", "value": 1.0} for name in REQUIRED}


def synthetic_totals(noise=0.0, draws=500):
    """Made-up totals: 4,000 observed + 1,000 imputed in 2015/16, 7,000 + 1,000 in 2018/19."""
    rng = np.random.default_rng(0)
    imputed_0 = 1000 + noise * rng.normal(size=draws)
    imputed_1 = 1000 + noise * rng.normal(size=draws)
    return RecordedTotals({"2015/16": 4000.0, "2018/19": 7000.0}, {"2015/16": imputed_0, "2018/19": imputed_1},
                          {"2015/16": 0.0, "2018/19": 2000.0})


CLAIM = TrendClaim("SYN01", "synthetic doubling", "2015/16", "2018/19", 4000.0, 8000.0, "N0001, N0002", (1.0, 2.0))


def test_beta_and_lognormal_hit_their_percentiles():
    beta = parse_assumption("x", {"dist": "beta", "mean": 0.85, "low": 0.74, "high": 0.91})
    q = np.linspace(0.0005, 0.9995, 2000)
    assert np.trapezoid(beta.quantile(q), q) == pytest.approx(0.85, abs=1e-3)  # the mean, as the integral of the ppf
    assert beta.quantile(0.05) == pytest.approx(0.74, abs=0.02)
    assert beta.quantile(0.95) == pytest.approx(0.91, abs=0.02)
    logn = parse_assumption("y", {"dist": "lognormal", "median": 0.125, "low": 0.07, "high": 0.18})
    assert logn.quantile(0.5) == pytest.approx(0.125)
    # low and high set the spread on the log scale, symmetric about the median
    assert logn.quantile(0.05) * logn.quantile(0.95) == pytest.approx(0.125 ** 2)
    assert np.log(logn.quantile(0.95) / logn.quantile(0.05)) == pytest.approx(np.log(0.18 / 0.07))
    uni = parse_assumption("z", {"dist": "uniform", "low": 0.5, "high": 1.0})
    assert uni.central == 0.75 and uni.quantile(0.05) == pytest.approx(0.525)


def test_the_inverse_cdfs_agree_with_scipy_stats():
    """distributions.py writes the quantile functions with scipy.special (cheap to import); they
    must be the distributions scipy.stats defines."""
    from scipy import stats

    q = np.array([1e-6, 0.01, 0.05, 0.3, 0.5, 0.77, 0.95, 0.999999])
    from online_csa.sensitivity.distributions import beta_ppf, lognormal_ppf, uniform_ppf
    np.testing.assert_allclose(beta_ppf(3.2, 0.7)(q), stats.beta(3.2, 0.7).ppf(q), rtol=1e-12)
    np.testing.assert_allclose(lognormal_ppf(0.125, 0.3)(q), stats.lognorm(s=0.3, scale=0.125).ppf(q), rtol=1e-12)
    np.testing.assert_allclose(uniform_ppf(0.5, 1.5)(q), stats.uniform(0.5, 1.0).ppf(q), rtol=1e-12)


@pytest.mark.parametrize("spec, message", [
    ({"dist": "uniform", "low": 1.0, "high": 0.5}, "assumptions.k: low (1) must be below high (0.5)"),
    ({"dist": "beta", "mean": 0.5, "low": 0.2, "high": 1.2}, "assumptions.k.high: a beta is a probability"),
    ({"dist": "lognormal", "median": 2, "low": 3, "high": 4}, "assumptions.k: need 0 < low < median < high"),
    ({"dist": "fixed", "value": "high"}, "assumptions.k.value: expected a number"),
    ({"dist": "triangular", "low": 0, "high": 1}, "assumptions.k: unknown dist 'triangular'"),
    ({"dist": "uniform", "low": 0}, "assumptions.k: dist 'uniform' needs high"),
])
def test_bad_assumptions_are_refused_with_the_key_named(spec, message):
    with pytest.raises(AssumptionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_assumption("k", spec)


def test_fixed_assumptions_give_exactly_the_analytic_answer():
    specs = {**FIXED, "flag_completeness": {"dist": "fixed", "value": 0.8},
             "recording_compliance": {"dist": "fixed", "value": 0.85},
             "reporting_rate": {"dist": "fixed", "value": 0.125},
             "flag_completeness_ratio": {"dist": "fixed", "value": 0.6},
             "nonresponse_multiplier": {"dist": "fixed", "value": 1.5},
             "s15a_flagged_share": {"dist": "fixed", "value": 0.9}}
    assumptions = parse_assumptions(specs)
    table = run_sensitivity(synthetic_totals(), [CLAIM], assumptions, True, draws=1000, seed=1)
    joint = table[table["variant"] == "all assumptions drawn"].set_index("metric")
    n0, n1 = 4000 + 1.5 * 1000, 7000 + 1.5 * 1000
    detection = 0.8 * 0.85 * 0.125
    assert joint.loc["recorded ratio 2018/19 vs 2015/16", "median"] == n1 / n0
    assert joint.loc["adjusted ratio 2018/19 vs 2015/16", "median"] == n1 / n0 * 0.6
    assert joint.loc["adjusted total 2018/19", "median"] == n1 / detection
    assert joint.loc["adjusted total 2015/16", "median"] == n0 / (detection * 0.6)
    assert joint.loc["adjusted total 2018/19", "lower_90"] == joint.loc["adjusted total 2018/19", "upper_90"]
    without = run_sensitivity(synthetic_totals(), [CLAIM], assumptions, False, draws=10, seed=1)
    row = without[without["variant"] == "all assumptions drawn"].set_index("metric")
    assert row.loc["recorded ratio 2018/19 vs 2015/16", "median"] == (n1 - 0.9 * 2000) / n0


def test_the_monte_carlo_is_deterministic_for_a_seed_and_changes_with_it():
    specs = {**FIXED, "flag_completeness_ratio": {"dist": "uniform", "low": 0.5, "high": 1.0},
             "reporting_rate": {"dist": "lognormal", "median": 0.125, "low": 0.07, "high": 0.18}}
    assumptions = parse_assumptions(specs)
    a = run_sensitivity(synthetic_totals(noise=50), [CLAIM], assumptions, True, draws=5000, seed=7)
    b = run_sensitivity(synthetic_totals(noise=50), [CLAIM], assumptions, True, draws=5000, seed=7)
    c = run_sensitivity(synthetic_totals(noise=50), [CLAIM], assumptions, True, draws=5000, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_tipping_point_of_the_flag_ratio_is_threshold_over_ratio():
    assumptions = parse_assumptions(FIXED)
    tips = tipping_points(synthetic_totals(), [CLAIM], assumptions, True).set_index(
        ["others_at", "threshold", "assumption", "method"])["tipping_value"]
    arithmetic = [m for (_, _, a, m) in tips.index if a == "flag_completeness_ratio" and m.startswith("arithmetic")][0]
    assert tips[("neutral", 1.0, "flag_completeness_ratio", arithmetic)] == pytest.approx(4000 / 8000)
    assert tips[("neutral", 1.0, "flag_completeness_ratio", "model: median of imputed totals")] == pytest.approx(5000 / 8000)
    # the non-response multiplier d solves (7000 + 1000 d) / (4000 + 1000 d) = 2  ->  d = -1: no tipping point
    assert np.isnan(tips[("neutral", 2.0, "nonresponse_multiplier", "model: median of imputed totals")])
    # s.15A share s solves (8000 - 2000 s) / 4000 = 1  ->  s = 2: outside 0..1; threshold 2 -> s = 0
    assert np.isnan(tips[("neutral", 1.0, "s15a_flagged_share", arithmetic + ", s.15A out of scope")])
    assert tips[("neutral", 2.0, "s15a_flagged_share", arithmetic + ", s.15A out of scope")] == pytest.approx(0.0)


def test_tornado_moves_only_the_metrics_an_assumption_feeds():
    specs = {**FIXED, "reporting_rate": {"dist": "lognormal", "median": 0.125, "low": 0.07, "high": 0.18},
             "flag_completeness_ratio": {"dist": "uniform", "low": 0.5, "high": 1.0}}
    assumptions = parse_assumptions(specs)
    table = run_sensitivity(synthetic_totals(), [CLAIM], assumptions, True, draws=100, seed=1)
    t = tornado_table(table, assumptions).set_index(["assumption", "metric"])
    assert t.loc[("reporting_rate", "adjusted ratio 2018/19 vs 2015/16"), "swing"] == pytest.approx(0)
    assert t.loc[("reporting_rate", "adjusted total 2018/19"), "swing"] > 0
    # recorded ratio (7000 + 1000) / (4000 + 1000), times the 5th percentile of U(0.5, 1.0)
    assert t.loc[("flag_completeness_ratio", "adjusted ratio 2018/19 vs 2015/16"), "metric_at_5th"] == pytest.approx(
        8000 / 5000 * 0.525)
    curves = tipping_curves(synthetic_totals(), [CLAIM], assumptions, True, points=5)
    assert set(curves["assumption"]) == {"flag_completeness_ratio", "recording_compliance_ratio",
                                         "reporting_rate_ratio", "nonresponse_multiplier"}


def test_assumptions_table_resolves_evidence_and_refuses_unknown_names():
    parameters = pd.DataFrame({"parameter": ["synthetic_rate"], "value": ["0.5"], "source_url": ["https://example.invalid"]})
    specs = {"reporting_rate": {"dist": "fixed", "value": 0.5, "source": "judgement", "evidence": ["synthetic_rate"]}}
    table = assumptions_table(parse_assumptions(specs), specs, parameters)
    assert table.loc[0, "evidence_urls"] == "https://example.invalid" and bool(table.loc[0, "judgement"])
    specs["reporting_rate"]["evidence"] = ["no_such_row"]
    with pytest.raises(AssumptionError, match="assumptions.reporting_rate.evidence: no_such_row"):
        assumptions_table(parse_assumptions(specs), specs, parameters)


def test_recorded_totals_read_one_series_and_geography_with_s15a_zero_before_the_offence():
    from online_csa.sensitivity.recorded_totals import load_recorded_totals

    estimates = pd.DataFrame({"series": ["s", "s", "s", "other"], "geography": ["g", "g", "h", "g"],
                              "fiscal_year": ["2016/17", "2017/18", "2016/17", "2016/17"],
                              "observed_sum": [100.0, 200.0, 1.0, 2.0]})
    draws = pd.DataFrame({"s|g|2016/17": [1.0, 2.0, 3.0], "s|g|2017/18": [4.0, 5.0, 6.0], "s|h|2016/17": [0.0] * 3})
    records = pd.DataFrame({"value": [55.0]}, index=["N0001"])
    totals = load_recorded_totals(estimates, draws, records, "s", "g", {"2017/18": "N0001"}, 2017)
    assert totals.observed == {"2016/17": 100.0, "2017/18": 200.0}
    np.testing.assert_array_equal(totals.imputed["2017/18"], [4.0, 5.0, 6.0])
    assert totals.s15a == {"2016/17": 0.0, "2017/18": 55.0}
    assert totals.n_draws == 3
    with pytest.raises(ValueError, match="no national estimates for series 's' and geography 'x'"):
        load_recorded_totals(estimates, draws, records, "s", "x", {}, 2017)


def test_trend_claims_take_their_published_totals_from_the_records():
    from online_csa.sensitivity.trend_claims import trend_claims_from_config

    records = pd.DataFrame({"value": [4000.0, 8000.0]}, index=["N0001", "N0002"])
    entry = {"claim_id": "SYN01", "description": "synthetic doubling", "from_year": "2015/16", "to_year": "2018/19",
             "from_record": "N0001", "to_record": "N0002", "thresholds": [1, 2]}
    assert trend_claims_from_config([entry], records) == [CLAIM]
    assert CLAIM.published_ratio == 2.0
    with pytest.raises(ValueError, match=r"trend_claims\[SYN01\].to_record: N0009 is not a claim record"):
        trend_claims_from_config([{**entry, "to_record": "N0009"}], records)


def test_the_s15a_tipping_points_solve_the_published_arithmetic_and_state_the_switch():
    from online_csa.sensitivity.tipping_points import reference_values, s15a_share_tipping, s15a_switch_tipping

    held_at = reference_values(parse_assumptions(FIXED), "neutral")
    # (8000 - 2000 s) / 4000 = 1.5  ->  s = 1
    arithmetic, median, lower = s15a_share_tipping(synthetic_totals(), CLAIM, 1.5, held_at, 1.0)
    assert arithmetic.value == pytest.approx(1.0) and arithmetic.note == ""
    # the model: (8000 - 2000 s) / 5000 = 1.5  ->  s = 0.25, in every draw (no noise)
    assert median.value == pytest.approx(0.25) and lower.value == pytest.approx(0.25)
    switch = s15a_switch_tipping(synthetic_totals(), CLAIM, held_at, 1.0)
    assert switch.note == "model median ratio 1.60 with s.15A in scope, 1.20 without"
    no_count = RecordedTotals({"2015/16": 4000.0, "2018/19": 7000.0},
                              {"2015/16": np.full(3, 1000.0), "2018/19": np.full(3, 1000.0)}, {})
    assert s15a_share_tipping(no_count, CLAIM, 1.5, held_at, 1.0)[0].note == "no published s.15A count for both years"
