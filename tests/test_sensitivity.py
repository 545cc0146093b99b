"""Assumption distributions, the Monte Carlo, tornado and tipping points (synthetic totals)."""
import numpy as np
import pandas as pd
import pytest

from online_csa.sensitivity.distributions import AssumptionError, assumptions_table, parse_assumption, parse_assumptions
from online_csa.sensitivity.monte_carlo import REQUIRED, claim_support, joint_metrics, run_sensitivity, tornado_table
from online_csa.sensitivity.recorded_totals import RecordedTotals, recorded_total
from online_csa.sensitivity.tipping_points import tipping_curves, tipping_points
from online_csa.sensitivity.trend_claims import Threshold, TrendClaim

FIXED = {name: {"dist": "fixed", "value": 1.0} for name in REQUIRED}
TOLERANCE = {"probability": 0.02, "relative": 0.1}
RISE, DOUBLING = Threshold(1.0, "any rise"), Threshold(2.0, "doubling", "headline_checks.doubling.threshold")


def synthetic_totals(noise=0.0, draws=500):
    """Made-up totals: 4,000 observed + 1,000 imputed in 2015/16, 7,000 + 1,000 in 2018/19."""
    rng = np.random.default_rng(0)
    imputed_0 = 1000 + noise * rng.normal(size=draws)
    imputed_1 = 1000 + noise * rng.normal(size=draws)
    return RecordedTotals({"2015/16": 4000.0, "2018/19": 7000.0}, {"2015/16": imputed_0, "2018/19": imputed_1},
                          {"2015/16": 0.0, "2018/19": 2000.0})


CLAIM = TrendClaim("SYN01", "synthetic doubling", "2015/16", "2018/19", 4000.0, 8000.0, "N0001, N0002",
                   (RISE, DOUBLING))


def test_beta_and_lognormal_match_the_centre_and_never_draw_narrower_than_asked():
    """Two parameters cannot honour three numbers: the centre is matched, the bound further from
    it met exactly, and the other lies beyond its request."""
    beta = parse_assumption("x", {"dist": "beta", "mean": 0.85, "low": 0.74, "high": 0.91})
    q = np.linspace(0.0005, 0.9995, 2000)
    assert np.trapezoid(beta.quantile(q), q) == pytest.approx(0.85, abs=1e-3)  # the mean, as the integral of the ppf
    p05, median, p95 = beta.realised()
    assert p05 == pytest.approx(0.74, abs=1e-8)  # the lower bound is the further from the mean: met exactly
    assert p95 == pytest.approx(0.9364, abs=1e-4) and p95 > 0.91  # beyond the 0.91 asked
    logn = parse_assumption("y", {"dist": "lognormal", "median": 0.125, "low": 0.07, "high": 0.18})
    assert logn.realised() == pytest.approx((0.07, 0.125, 0.125 ** 2 / 0.07))  # log-distance to 0.07 is larger
    near = parse_assumption("n", {"dist": "lognormal", "median": 1.0, "low": 0.67, "high": 1.5})
    assert near.realised() == pytest.approx((1 / 1.5, 1.0, 1.5))  # the upper bound is further: met exactly
    uni = parse_assumption("z", {"dist": "uniform", "low": 0.5, "high": 1.0})
    assert uni.central == 0.75 and uni.quantile(0.05) == pytest.approx(0.525)


def test_a_label_that_the_draws_do_not_honour_is_warned_about_naming_the_key():
    beta = parse_assumption("recording_compliance", {"dist": "beta", "mean": 0.85, "low": 0.74, "high": 0.91})
    assert beta.describe() == "beta, mean 0.85, 90% asked between 0.74 and 0.91, drawn between 0.74 and 0.936"
    warning = beta.label_warning(TOLERANCE)
    assert warning.startswith("assumptions.recording_compliance: 95th percentile 0.936 is 0.026 from the 0.91 asked")
    assert beta.label_warning({"probability": 0.03, "relative": 0.1}) == ""  # within a wider tolerance
    logn = parse_assumption("reporting_rate", {"dist": "lognormal", "median": 0.125, "low": 0.07, "high": 0.18})
    assert "95th percentile 0.223 is 24% from the 0.18 asked" in logn.label_warning(TOLERANCE)
    assert parse_assumption("m", {"dist": "lognormal", "median": 1.0, "low": 0.67, "high": 1.5}).label_warning(
        TOLERANCE) == ""  # 0.667 against 0.67: within 10%
    assert parse_assumption("u", {"dist": "uniform", "low": 0.5, "high": 1.0}).label_warning(TOLERANCE) == ""


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
             "flag_completeness_ratio_per_year": {"dist": "fixed", "value": 0.6},
             "nonresponse_multiplier": {"dist": "fixed", "value": 1.5},
             "s15a_flagged_share": {"dist": "fixed", "value": 0.9}}
    assumptions = parse_assumptions(specs)
    table = run_sensitivity(synthetic_totals(), [CLAIM], assumptions, True, draws=1000, seed=1)
    joint = table[table["variant"] == "all assumptions drawn"].set_index("metric")
    n0, n1 = 4000 + 1.5 * 1000, 7000 + 1.5 * 1000
    detection = 0.8 * 0.85 * 0.125
    later, earlier = "adjusted total 2018/19 (SYN01, later year)", "adjusted total 2015/16 (SYN01, earlier year)"
    assert joint.loc["recorded ratio 2018/19 vs 2015/16", "median"] == n1 / n0
    # 0.6 a year, compounded over the three years from 2015/16 to 2018/19
    assert joint.loc["adjusted ratio 2018/19 vs 2015/16", "median"] == pytest.approx(n1 / n0 * 0.6 ** 3, rel=1e-12)
    assert joint.loc[later, "median"] == n1 / detection
    assert joint.loc[earlier, "median"] == pytest.approx(n0 / (detection * 0.6 ** 3), rel=1e-12)
    assert joint.loc[later, "lower_90"] == joint.loc[later, "upper_90"]
    without = run_sensitivity(synthetic_totals(), [CLAIM], assumptions, False, draws=10, seed=1)
    row = without[without["variant"] == "all assumptions drawn"].set_index("metric")
    assert row.loc["recorded ratio 2018/19 vs 2015/16", "median"] == (n1 - 0.9 * 2000) / n0


def test_the_monte_carlo_is_deterministic_for_a_seed_and_changes_with_it():
    specs = {**FIXED, "flag_completeness_ratio_per_year": {"dist": "uniform", "low": 0.8, "high": 1.0},
             "reporting_rate": {"dist": "lognormal", "median": 0.125, "low": 0.07, "high": 0.18}}
    assumptions = parse_assumptions(specs)
    a = run_sensitivity(synthetic_totals(noise=50), [CLAIM], assumptions, True, draws=5000, seed=7)
    b = run_sensitivity(synthetic_totals(noise=50), [CLAIM], assumptions, True, draws=5000, seed=7)
    c = run_sensitivity(synthetic_totals(noise=50), [CLAIM], assumptions, True, draws=5000, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_tipping_point_of_the_flag_ratio_is_threshold_over_ratio_per_year_and_over_the_span():
    assumptions = parse_assumptions(FIXED)
    table = tipping_points(synthetic_totals(), [CLAIM], assumptions, True).set_index(
        ["others_at", "threshold", "assumption", "method"])
    tips, over_span = table["tipping_value"], table["tipping_ratio_over_span"]
    flag = "flag_completeness_ratio_per_year"
    arithmetic = [m for (_, _, a, m) in tips.index if a == flag and m.startswith("arithmetic")][0]
    assert over_span[("neutral", 1.0, flag, arithmetic)] == pytest.approx(4000 / 8000)
    assert tips[("neutral", 1.0, flag, arithmetic)] == pytest.approx((4000 / 8000) ** (1 / 3))  # per year, 3 years
    assert over_span[("neutral", 1.0, flag, "model: median of imputed totals")] == pytest.approx(5000 / 8000)
    assert table.loc[("neutral", 1.0, flag, arithmetic), "span_years"] == 3
    assert table.loc[("neutral", 2.0, flag, arithmetic), "threshold_meaning"] == "doubling"
    # the non-response multiplier d solves (7000 + 1000 d) / (4000 + 1000 d) = 2  ->  d = -1: no tipping point
    assert np.isnan(tips[("neutral", 2.0, "nonresponse_multiplier", "model: median of imputed totals")])
    # s.15A share s solves (8000 - 2000 s) / 4000 = 1  ->  s = 2: outside 0..1; threshold 2 -> s = 0
    assert np.isnan(tips[("neutral", 1.0, "s15a_flagged_share", arithmetic + ", s.15A out of scope")])
    assert tips[("neutral", 2.0, "s15a_flagged_share", arithmetic + ", s.15A out of scope")] == pytest.approx(0.0)


def test_tornado_moves_only_the_metrics_an_assumption_feeds():
    specs = {**FIXED, "reporting_rate": {"dist": "lognormal", "median": 0.125, "low": 0.07, "high": 0.18},
             "flag_completeness_ratio_per_year": {"dist": "uniform", "low": 0.8, "high": 1.0}}
    assumptions = parse_assumptions(specs)
    table = run_sensitivity(synthetic_totals(), [CLAIM], assumptions, True, draws=100, seed=1)
    t = tornado_table(table, assumptions).set_index(["assumption", "metric"])
    assert t.loc[("reporting_rate", "adjusted ratio 2018/19 vs 2015/16"), "swing"] == pytest.approx(0)
    assert t.loc[("reporting_rate", "adjusted total 2018/19 (SYN01, later year)"), "swing"] > 0
    # recorded ratio (7000 + 1000) / (4000 + 1000), times the 5th percentile of U(0.8, 1.0) over three years
    assert t.loc[("flag_completeness_ratio_per_year", "adjusted ratio 2018/19 vs 2015/16"),
                 "metric_at_5th"] == pytest.approx(8000 / 5000 * 0.81 ** 3)
    curves = tipping_curves(synthetic_totals(), [CLAIM], assumptions, True, points=5)
    assert set(curves["assumption"]) == {"flag_completeness_ratio_per_year", "recording_compliance_ratio_per_year",
                                         "reporting_rate_ratio_per_year", "nonresponse_multiplier"}
    flag = curves[curves["assumption"] == "flag_completeness_ratio_per_year"]
    np.testing.assert_allclose(flag["ratio_over_span"], flag["value"] ** 3)


def test_assumptions_table_resolves_evidence_and_refuses_unknown_names():
    parameters = pd.DataFrame({"parameter": ["synthetic_rate"], "value": ["0.5"], "source_url": ["https://example.invalid"]})
    specs = {"reporting_rate": {"dist": "fixed", "value": 0.5, "source": "judgement", "evidence": ["synthetic_rate"]}}
    dependence = {"reporting_rate": "independent of every other assumption"}
    table = assumptions_table(parse_assumptions(specs), specs, parameters, TOLERANCE, dependence)
    assert table.loc[0, "evidence_urls"] == "https://example.invalid" and bool(table.loc[0, "judgement"])
    specs["reporting_rate"]["evidence"] = ["no_such_row"]
    with pytest.raises(AssumptionError, match="assumptions.reporting_rate.evidence: no_such_row"):
        assumptions_table(parse_assumptions(specs), specs, parameters, TOLERANCE, dependence)


def test_assumptions_table_shows_requested_and_realised_percentiles_beside_a_warning():
    parameters = pd.DataFrame({"parameter": [], "value": [], "source_url": []})
    specs = {"reporting_rate": {"dist": "lognormal", "median": 0.125, "low": 0.07, "high": 0.18, "source": "s"},
             "flag_completeness": {"dist": "uniform", "low": 0.5, "high": 1.0, "source": "judgement"}}
    dependence = {"reporting_rate": "independent", "flag_completeness": "independent"}
    table = assumptions_table(parse_assumptions(specs), specs, parameters, TOLERANCE, dependence).set_index("assumption")
    rate = table.loc["reporting_rate"]
    assert (rate["requested_p05"], rate["requested_centre"], rate["requested_p95"]) == (0.07, 0.125, 0.18)
    assert (rate["realised_p05"], rate["realised_median"], rate["realised_p95"]) == pytest.approx(
        (0.07, 0.125, 0.125 ** 2 / 0.07))
    assert rate["label_warning"].startswith("assumptions.reporting_rate: 95th percentile 0.223")
    flag = table.loc["flag_completeness"]
    assert np.isnan(flag["requested_p05"]) and flag["realised_p05"] == pytest.approx(0.525)
    assert flag["label_warning"] == "" and flag["fit"] == "exact"


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
             "from_record": "N0001", "to_record": "N0002",
             "thresholds": [{"meaning": "any rise", "ratio": 1, "source": ""},
                            {"meaning": "doubling", "ratio": 2,
                             "source": "headline_checks.doubling.threshold"}]}
    assert trend_claims_from_config([entry], records) == [CLAIM]
    assert CLAIM.published_ratio == 2.0 and CLAIM.span_years == 3
    with pytest.raises(ValueError, match=r"trend_claims\[SYN01\].to_record: N0009 is not a claim record"):
        trend_claims_from_config([{**entry, "to_record": "N0009"}], records)
    with pytest.raises(ValueError, match=r"trend_claims\[SYN01\].to_year: 2015/16 is not after from_year 2015/16"):
        trend_claims_from_config([{**entry, "to_year": "2015/16"}], records)


def test_the_s15a_tipping_points_solve_the_published_arithmetic_and_state_the_switch():
    from online_csa.sensitivity.tipping_points import reference_values, s15a_share_tipping, s15a_switch_tipping

    held_at = reference_values(parse_assumptions(FIXED), "neutral")
    # (8000 - 2000 s) / 4000 = 1.5  ->  s = 1
    arithmetic, median, lower = s15a_share_tipping(synthetic_totals(), CLAIM, 1.5, held_at, 1.0)
    assert arithmetic.value == pytest.approx(1.0) and arithmetic.note == "the claim holds at shares below this value"
    # the model: (8000 - 2000 s) / 5000 = 1.5  ->  s = 0.25, in every draw (no noise)
    assert median.value == pytest.approx(0.25) and lower.value == pytest.approx(0.25)
    switch = s15a_switch_tipping(synthetic_totals(), CLAIM, held_at, 1.0)
    assert switch.note == "model median ratio 1.60 with s.15A in scope, 1.20 without"
    no_count = RecordedTotals({"2015/16": 4000.0, "2018/19": 7000.0},
                              {"2015/16": np.full(3, 1000.0), "2018/19": np.full(3, 1000.0)}, {})
    assert s15a_share_tipping(no_count, CLAIM, 1.5, held_at, 1.0)[0].note == "no published s.15A count for both years"


def test_a_year_whose_imputed_part_is_fully_pinned_keeps_its_total_under_any_multiplier():
    """The non-response multiplier moves only the part no published total pins."""
    imputed = {"2018/19": np.array([900.0, 1000.0, 1100.0]), "2019/20": np.array([800.0, 900.0, 1000.0])}
    free = {"2018/19": np.zeros(3), "2019/20": np.array([100.0, 200.0, 300.0])}
    totals = RecordedTotals({"2018/19": 7000.0, "2019/20": 9000.0}, imputed, {}, free)
    every = np.arange(3)
    for multiplier in (0.01, 1.0, 1.5, 100.0):
        np.testing.assert_array_equal(recorded_total(totals, "2018/19", every, multiplier, 1.0, True),
                                      [7900.0, 8000.0, 8100.0])
    # 2019/20: pinned 700 in every draw, the free part scaled
    np.testing.assert_allclose(recorded_total(totals, "2019/20", every, 2.0, 1.0, True),
                               9000 + 700 + 2 * np.array([100.0, 200.0, 300.0]))


def test_a_per_year_ratio_compounds_over_each_comparisons_span():
    totals = RecordedTotals({y: 1000.0 for y in ("2015/16", "2018/19", "2019/20")},
                            {y: np.zeros(4) for y in ("2015/16", "2018/19", "2019/20")}, {})
    three = TrendClaim("SYN01", "three years", "2015/16", "2018/19", 1.0, 1.0, "", (RISE,))
    one = TrendClaim("SYN02", "one year", "2018/19", "2019/20", 1.0, 1.0, "", (RISE,))
    specs = {**FIXED, "flag_completeness_ratio_per_year": {"dist": "fixed", "value": 0.9}}
    metrics = joint_metrics(totals, [three, one], parse_assumptions(specs), True, 10, 1)
    assert metrics["adjusted ratio 2018/19 vs 2015/16"] == pytest.approx(np.full(10, 0.9 ** 3))
    assert metrics["adjusted ratio 2019/20 vs 2018/19"] == pytest.approx(np.full(10, 0.9))


def test_each_adjusted_total_names_the_comparison_it_belongs_to():
    """A year that is the later year of one claim and the earlier year of another has two adjusted
    totals, and neither overwrites the other."""
    totals = RecordedTotals({"2015/16": 4000.0, "2018/19": 8000.0, "2019/20": 9000.0},
                            {y: np.zeros(4) for y in ("2015/16", "2018/19", "2019/20")}, {})
    doubling = TrendClaim("SYN01_doubling", "d", "2015/16", "2018/19", 1.0, 1.0, "", (RISE,))
    later = TrendClaim("SYN02_rise", "r", "2018/19", "2019/20", 1.0, 1.0, "", (RISE,))
    specs = {**FIXED, "flag_completeness_ratio_per_year": {"dist": "fixed", "value": 0.5},
             "reporting_rate": {"dist": "fixed", "value": 0.1}}
    metrics = joint_metrics(totals, [doubling, later], parse_assumptions(specs), True, 3, 1)
    assert metrics["adjusted total 2018/19 (SYN01, later year)"] == pytest.approx(np.full(3, 8000 / 0.1))
    assert metrics["adjusted total 2018/19 (SYN02, earlier year)"] == pytest.approx(np.full(3, 8000 / (0.1 * 0.5)))
    assert "adjusted total 2018/19" not in metrics


def test_a_claim_holds_when_its_unrounded_ratio_reaches_the_threshold():
    totals = RecordedTotals({"2015/16": 0.0, "2018/19": 0.0},
                            {"2015/16": np.full(4, 1000.0), "2018/19": np.array([1997.0, 1999.9, 2000.0, 2001.0])}, {})
    claim = TrendClaim("SYN01", "d", "2015/16", "2018/19", 1000.0, 2000.0, "", (DOUBLING,))
    support = claim_support(joint_metrics(totals, [claim], parse_assumptions(FIXED), True, 4000, 1), [claim])
    # 1.997 and 1.9999 have not doubled; 2.0 and 2.001 have
    assert support.loc[0, "share_holding_recorded"] == pytest.approx(0.5, abs=0.03)
    assert support.loc[0, ["threshold_meaning", "threshold_source"]].tolist() == [
        "doubling", "headline_checks.doubling.threshold"]


def test_the_published_arithmetic_tips_any_rise_at_0_49_and_the_doubling_at_0_98():
    """8,224 against 4,042 (N0050, N0038): the rise vanishes when the earlier year's flag
    completeness is 4,042 / 8,224 of the later year's, the doubling at twice that."""
    totals = RecordedTotals({"2015/16": 4042.0, "2018/19": 8224.0},
                            {"2015/16": np.zeros(5), "2018/19": np.zeros(5)}, {"2015/16": 0.0, "2018/19": 0.0})
    claim = TrendClaim("H01b", "doubled", "2015/16", "2018/19", 4042.0, 8224.0, "N0038, N0050", (RISE, DOUBLING))
    tips = tipping_points(totals, [claim], parse_assumptions(FIXED), True)
    flag = tips[(tips["assumption"] == "flag_completeness_ratio_per_year") & (tips["others_at"] == "neutral")
                & tips["method"].str.startswith("arithmetic")].set_index("threshold_meaning")
    assert flag.loc["any rise", "tipping_ratio_over_span"] == pytest.approx(4042 / 8224)  # 0.491
    assert flag.loc["doubling", "tipping_ratio_over_span"] == pytest.approx(2 * 4042 / 8224)  # 0.983
    assert flag.loc["doubling", "tipping_value"] == pytest.approx((2 * 4042 / 8224) ** (1 / 3))  # per year
    assert flag["threshold"].tolist() == [1.0, 2.0]


def test_without_correlations_every_assumption_keeps_its_own_stream():
    from online_csa.sensitivity.dependence import dependent_uniforms
    from online_csa.sensitivity.distributions import uniforms

    names = ["flag_completeness", "s15a_flagged_share"]
    u = dependent_uniforms(names, 1000, 5, [])
    for name in names:
        np.testing.assert_array_equal(u[name], uniforms(name, 1000, 5))
    assert abs(np.corrcoef(u[names[0]], u[names[1]])[0, 1]) < 0.1  # independent


def test_a_rank_correlation_ties_two_assumptions_and_keeps_their_distributions():
    from online_csa.sensitivity.dependence import dependence_text, draw_assumptions
    from online_csa.sensitivity.distributions import uniforms

    specs = {"flag_completeness": {"dist": "uniform", "low": 0.5, "high": 1.0},
             "s15a_flagged_share": {"dist": "uniform", "low": 0.8, "high": 1.0},
             "reporting_rate": {"dist": "lognormal", "median": 0.125, "low": 0.07, "high": 0.18}}
    tie = [{"a": "flag_completeness", "b": "s15a_flagged_share", "rho": 0.7}]
    values = draw_assumptions(parse_assumptions(specs), 40000, 11, tie)
    ranks = {k: np.argsort(np.argsort(v)) for k, v in values.items()}
    assert np.corrcoef(ranks["flag_completeness"], ranks["s15a_flagged_share"])[0, 1] == pytest.approx(0.7, abs=0.01)
    assert abs(np.corrcoef(ranks["flag_completeness"], ranks["reporting_rate"])[0, 1]) < 0.02
    # the first of the pair keeps its own draws; the second keeps its distribution
    np.testing.assert_array_equal(values["flag_completeness"], 0.5 + 0.5 * uniforms("flag_completeness", 40000, 11))
    assert np.quantile(values["s15a_flagged_share"], [0.05, 0.5, 0.95]) == pytest.approx([0.81, 0.9, 0.99], abs=0.003)
    text = dependence_text(list(specs), tie)
    assert text["s15a_flagged_share"].startswith("rank correlation 0.7 with flag_completeness (Gaussian copula)")
    assert text["reporting_rate"] == "independent of every other assumption"


@pytest.mark.pipeline
def test_on_the_real_run_pinned_years_do_not_move_and_the_tipping_points_are_the_published_arithmetic(pipeline_run):
    check_the_real_run(pipeline_run)


def check_the_real_run(root):
    """On a finished run: under pessimistic_nonresponse a year whose imputed part published totals
    pin keeps the baseline's recorded total, and 2019/20 (every cell pinned) has no spread at all;
    the tipping points of "doubled" are 4,042 / 8,224 (any rise) and twice that (doubling)."""
    national = pd.read_csv(root / "results/tables/national_estimates.csv")
    ewni = national[(national["series"] == "online_child_sexual_offences") & (national["geography"] == "ewni")]
    pinned = ewni[ewni["pinned_by_totals"].astype(bool)].set_index("fiscal_year")
    assert "2019/20" in pinned.index

    def recorded(scenario):
        table = pd.read_csv(root / f"results/scenarios/{scenario}/sensitivity.csv")
        return table[table["variant"] == "all assumptions drawn"].set_index("metric")

    pessimistic, baseline = recorded("pessimistic_nonresponse"), recorded("baseline")
    columns = ["median", "lower_90", "upper_90"]
    for metric in [f"recorded total {year}" for year in pinned.index if f"recorded total {year}" in baseline.index]:
        assert pessimistic.loc[metric, columns].tolist() == baseline.loc[metric, columns].tolist(), metric
    later = pessimistic.loc["recorded total 2019/20"]
    assert later["lower_90"] == later["median"] == later["upper_90"] == pytest.approx(pinned.loc["2019/20", "estimate"])
    tips = pd.read_csv(root / "results/scenarios/baseline/tipping_points.csv")
    flag = tips[(tips["claim_id"] == "H01b_doubling_release_totals") & (tips["others_at"] == "neutral")
                & (tips["assumption"] == "flag_completeness_ratio_per_year")
                & tips["method"].str.startswith("arithmetic")].set_index("threshold_meaning")
    assert flag.loc["any rise", "tipping_ratio_over_span"] == pytest.approx(4042 / 8224)
    assert flag.loc["doubling", "tipping_ratio_over_span"] == pytest.approx(2 * 4042 / 8224)
    assert flag.loc["doubling", "threshold_source"] == "headline_checks.doubling.threshold"


def test_totals_of_two_different_areas_give_no_published_arithmetic():
    """H04: 10,391 (UK with the Channel Islands, N0082) over 8,224 (England, Wales and Northern
    Ireland, N0050) is 1.2635, not the "+16%": the arithmetic tipping points are left empty, with
    the reason, and the model's remain. H01b's two totals (both England, Wales and NI) keep theirs."""
    from pathlib import Path

    from online_csa.common.geographies import GeographyMap
    from online_csa.sensitivity.trend_claims import trend_claims_from_config

    root = Path(__file__).resolve().parents[1]
    geographies = GeographyMap.from_files(root / "config/geographies.yaml", root / "data/raw/police_forces.csv")
    records = pd.DataFrame({"level": "national", "force": None, "value": [4042.0, 8224.0, 10391.0],
                            "geography": ["England, Wales and Northern Ireland",
                                          "England, Wales and Northern Ireland (40 of 44 forces)",
                                          "UK (46 forces incl. Channel Islands)"]}, index=["N0038", "N0050", "N0082"])
    entries = [{"claim_id": "H01b", "description": "doubled", "from_year": "2015/16", "to_year": "2018/19",
                "from_record": "N0038", "to_record": "N0050", "thresholds": [{"meaning": "doubling", "ratio": 2}]},
               {"claim_id": "H04", "description": "+16%", "from_year": "2018/19", "to_year": "2019/20",
                "from_record": "N0050", "to_record": "N0082", "thresholds": [{"meaning": "a 16% rise", "ratio": 1.16}]}]
    doubling, plus16 = trend_claims_from_config(entries, records, geographies)
    assert doubling.arithmetic_caveat == "" and doubling.published_ratio == pytest.approx(8224 / 4042)
    assert plus16.arithmetic_caveat.startswith("N0050 covers England, Wales and Northern Ireland (40 of 44 forces) "
                                               "and N0082 UK (46 forces incl. Channel Islands): not the same area")
    assert np.isnan(plus16.published_ratio)
    years = ("2015/16", "2018/19", "2019/20")
    totals = RecordedTotals({y: v for y, v in zip(years, (4042.0, 8224.0, 9540.0))}, {y: np.zeros(5) for y in years},
                            {y: 0.0 for y in years})
    tips = tipping_points(totals, [doubling, plus16], parse_assumptions(FIXED), True)
    arithmetic = tips[tips["method"].str.startswith("arithmetic") & (tips["others_at"] == "neutral")]
    h04 = arithmetic[arithmetic["claim_id"] == "H04"]
    assert h04["tipping_value"].isna().all() and len(h04) == 4  # three ratios and the s.15A share
    assert h04["note"].str.contains("not the same area").all()
    flag = arithmetic[(arithmetic["claim_id"] == "H01b") & (arithmetic["assumption"] == "flag_completeness_ratio_per_year")]
    assert flag["tipping_ratio_over_span"].iloc[0] == pytest.approx(2 * 4042 / 8224)  # 0.983
    model = tips[(tips["claim_id"] == "H04") & (tips["method"] == "model: median of imputed totals")
                 & (tips["assumption"] == "flag_completeness_ratio_per_year")]
    assert model["tipping_value"].iloc[0] == pytest.approx(1.16 / (9540 / 8224))  # the model's ratio still tips


def test_an_s15a_share_tipping_point_says_the_claim_holds_below_it():
    from online_csa.sensitivity.tipping_points import reference_values, s15a_share_tipping

    held_at = reference_values(parse_assumptions(FIXED), "neutral")
    # (8000 - 2000 s) / 4000 >= 1.5 for s <= 1; the model (8000 - 2000 s) / 5000 >= 1.5 for s <= 0.25
    for tipping in s15a_share_tipping(synthetic_totals(), CLAIM, 1.5, held_at, 1.0):
        assert tipping.note == "the claim holds at shares below this value"


def test_the_chapter_says_how_often_every_claim_holds_and_whether_non_response_can_tip_it():
    """Made-up support and tornado rows shaped like the baseline's: "+16%" sits at 1.1655 and the
    multiplier's 90% range moves it from 1.178 to 1.148, across 1.16; the doubling does not move."""
    from online_csa.report.sensitivity_statements import claim_support_lines, nonresponse_lines

    support = pd.DataFrame({
        "claim_id": ["SYN01", "SYN01", "SYN02", "SYN02"], "description": ["doubled"] * 2 + ["+16%"] * 2,
        "threshold": [1.0, 2.0, 1.0, 1.16], "threshold_meaning": ["any rise", "doubling", "any rise", "a 16% rise"],
        "threshold_source": ["a", "headline_checks.doubling_like_for_like.threshold", "c", "d"],
        "share_holding_recorded": [1.0, 0.6986, 0.96, 0.5456], "share_holding_adjusted": [0.8785, 0.0169, 0.4839, 0.0155]})
    lines = claim_support_lines(support)
    assert lines[0] == ("* **\"doubled\"** (SYN01): *any rise* (a ratio of at least 1, `a`) holds in 100.0% of the draws "
                        "on the recorded totals and 87.8% adjusted for under-recording; *doubling* (a ratio of at least "
                        "2, `headline_checks.doubling_like_for_like.threshold`) holds in 69.9% of the draws on the "
                        "recorded totals and 1.7% adjusted for under-recording.")
    assert "*a 16% rise* (a ratio of at least 1.16, `d`) holds in 54.6%" in lines[1]
    from online_csa.sensitivity.support_words import SupportWords

    worded = claim_support_lines(support, SupportWords(holds=0.95, fails=0.05))
    assert "holds in 100.0% (*holds*) of the draws on the recorded totals and 87.8% (*uncertain*) adjusted" in worded[0]
    assert "holds in 69.9% (*uncertain*) of the draws on the recorded totals and 1.7% (*fails*) adjusted" in worded[0]
    tornado = pd.DataFrame({"metric": ["recorded ratio 2018/19 vs 2015/16", "recorded ratio 2019/20 vs 2018/19"],
                            "assumption": "nonresponse_multiplier", "value_at_5th": 2 / 3, "value_at_95th": 1.5,
                            "metric_at_5th": [2.0587, 1.1778], "metric_at_95th": [2.0557, 1.1484]})
    claims = [{"claim_id": "SYN01", "from_year": "2015/16", "to_year": "2018/19"},
              {"claim_id": "SYN02", "from_year": "2018/19", "to_year": "2019/20"}]
    doubling, plus16 = nonresponse_lines(tornado, support, claims)
    assert doubling.endswith("is 2.059 and 2.056, on the same side of every threshold.")
    assert plus16 == ("* **SYN02**: with the multiplier at 0.67 and at 1.50 (its 5th and 95th percentiles) the median "
                      "recorded ratio 2019/20 vs 2018/19 is 1.178 and 1.148, across the threshold of *a 16% rise* "
                      "(1.16): the assumption about forces that gave no figure decides that claim.")
