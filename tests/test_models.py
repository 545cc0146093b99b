"""The count model, imputation and calibration, on synthetic panels (made-up forces and counts)."""
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from online_csa.models.calibration import leave_one_out_calibration
from online_csa.models.constraints import TotalConstraint
from online_csa.models.flag_propensity import decompose_growth, fit_flag_share, paired_cells
from online_csa.models.imputation import force_year_estimates, impute_missing_cells, national_totals
from online_csa.models.negative_binomial import (design_matrix, fit_negative_binomial, irls_negative_binomial,
                                                 simulate_counts)
from online_csa.models.structural_breaks import trend_ratio

warnings.simplefilter("ignore")
YEARS = list(range(2015, 2021))


def synthetic_panel(n_forces=40, alpha=0.2, seed=0, year_effects=(0.0, 0.4, 0.7, 0.9, 1.2, 1.3), spread=0.5):
    """A made-up force x year panel drawn from a known NB2 model."""
    rng = np.random.default_rng(seed)
    forces = [f"Synthetic force {i:02d}" for i in range(n_forces)]
    force_effects = rng.normal(-8.0, spread, n_forces)
    rows = []
    for i, f in enumerate(forces):
        population = rng.uniform(5e4, 5e5)
        for j, y in enumerate(YEARS):
            mu = np.exp(force_effects[i] + year_effects[j] + np.log(population))
            count = rng.poisson(rng.gamma(1 / alpha, alpha * mu))
            rows.append({"series": "synthetic_series", "force": f, "fiscal_year": f"{y}/{(y + 1) % 100:02d}",
                         "year": y, "status": "observed", "value": float(count), "observed": True,
                         "population": population, "log_population": np.log(population), "population_note": "",
                         "record_ids": ""})
    return pd.DataFrame(rows), dict(zip(forces, force_effects))


def test_numpy_irls_matches_statsmodels_glm():
    frame, _ = synthetic_panel(n_forces=15, seed=3)
    X, _ = design_matrix(frame["force"], frame["year"], sorted(frame["force"].unique()), YEARS, "year_effects")
    y, offset = frame["value"].to_numpy(), frame["log_population"].to_numpy()
    ours = irls_negative_binomial(y, X, offset, 0.3)
    theirs = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=0.3), offset=offset).fit()
    np.testing.assert_allclose(ours.params, theirs.params, atol=1e-5)
    np.testing.assert_allclose(ours.cov, theirs.cov_params(), rtol=1e-4)
    assert ours.llf == pytest.approx(theirs.llf, abs=1e-6)
    assert ours.pearson_chi2 == pytest.approx(theirs.pearson_chi2, rel=1e-5)


def test_negative_binomial_recovers_known_year_effects_and_alpha():
    true_years = (0.0, 0.4, 0.7, 0.9, 1.2, 1.3)
    estimates, alphas = [], []
    for seed in range(5):
        frame, _ = synthetic_panel(n_forces=200, alpha=0.2, seed=seed, year_effects=true_years)
        fit = fit_negative_binomial(frame, alpha_method="pearson")
        estimates.append(fit.params[len(fit.forces):])
        alphas.append(fit.alpha)
    # standard error of each averaged effect is about 0.02: the tolerance is three of them
    np.testing.assert_allclose(np.mean(estimates, axis=0), true_years[1:], atol=0.06)
    assert np.mean(alphas) == pytest.approx(0.2, abs=0.04)


def test_interrupted_time_series_recovers_trend_and_step():
    # trend 0.2 a year, a step of +0.5 from 2017, nothing from 2020
    effects = tuple(0.2 * (y - 2015) + 0.5 * (y >= 2017) for y in YEARS)
    frame, _ = synthetic_panel(n_forces=80, alpha=0.1, seed=11, year_effects=effects)
    fit = fit_negative_binomial(frame, design="interrupted_time_series", breaks=[2017, 2020])
    k = len(fit.forces)
    np.testing.assert_allclose(fit.params[k:], [0.2, 0.5, 0.0], atol=0.08)
    with_step = trend_ratio(fit, "2015/16", "2018/19", [2017, 2020])
    without = trend_ratio(fit, "2015/16", "2018/19", [2020])
    assert with_step["ratio"] / without["ratio"] == pytest.approx(np.exp(fit.params[k + 1]))
    assert with_step["lower_95"] < with_step["ratio"] < with_step["upper_95"]


def test_prediction_intervals_cover_at_the_stated_rate_on_simulated_data():
    """Hide 30% of cells of a synthetic panel drawn from the model; 90% intervals should cover ~90%."""
    covered, total = 0, 0
    for seed in range(6):
        frame, _ = synthetic_panel(n_forces=40, alpha=0.25, seed=100 + seed)
        rng = np.random.default_rng(seed)
        hidden = rng.random(len(frame)) < 0.3
        truth = frame["value"].copy()
        frame.loc[hidden, ["value", "observed", "status"]] = [np.nan, False, "missing"]
        fit = fit_negative_binomial(frame[frame["observed"]])
        est = force_year_estimates(impute_missing_cells(frame, fit, [], draws=2000, seed=seed))
        inside = (est["lower_90"] <= truth) & (truth <= est["upper_90"])
        covered += int(inside[hidden].sum())
        total += int(hidden.sum())
    assert 0.85 <= covered / total <= 0.95, covered / total


def test_a_force_without_any_observation_gets_the_pooled_force_effect():
    frame, _ = synthetic_panel(n_forces=30, seed=5)
    lonely = frame["force"] == "Synthetic force 00"
    frame.loc[lonely, ["value", "observed", "status"]] = [np.nan, False, "not_provided"]
    fit = fit_negative_binomial(frame[frame["observed"]])
    assert "Synthetic force 00" not in fit.forces
    imp = impute_missing_cells(frame, fit, [], draws=500, seed=1)
    methods = set(imp.cells.loc[lonely, "method"])
    assert methods == {"nb_prediction_pooled_force_effect; force gave no figure"}


def test_simulation_is_nan_for_a_year_without_observations():
    frame, _ = synthetic_panel(n_forces=10, seed=2)
    fit = fit_negative_binomial(frame[frame["year"] < 2020])
    draws = simulate_counts(fit, ["Synthetic force 01"], [2020], [12.0], 10, np.random.default_rng(0))
    assert np.isnan(draws).all()


def _tiny_frame():
    """Two synthetic forces x three years; force B misses 2016 and 2017."""
    frame, _ = synthetic_panel(n_forces=12, seed=9)
    frame = frame[frame["year"] <= 2017].reset_index(drop=True)
    gap = (frame["force"] == "Synthetic force 01") & frame["year"].isin([2016, 2017])
    frame.loc[gap, ["value", "observed", "status"]] = [np.nan, False, "missing"]
    return frame, gap


def test_a_cumulative_total_fixes_the_sum_of_the_missing_years_in_every_draw():
    frame, gap = _tiny_frame()
    fit = fit_negative_binomial(frame[frame["observed"]])
    observed_2015 = frame.loc[(frame["force"] == "Synthetic force 01") & (frame["year"] == 2015), "value"].iloc[0]
    rule = TotalConstraint("F9999", "cumulative", ("Synthetic force 01",), (2015, 2016, 2017), observed_2015 + 500)
    imp = impute_missing_cells(frame, fit, [rule], draws=300, seed=4)
    np.testing.assert_allclose(imp.draws[:, gap.to_numpy()].sum(axis=1), 500)
    assert imp.constraints["applied"].tolist() == [True]
    assert (imp.cells.loc[gap, "constraints"] == "F9999").all()


def test_a_national_total_with_known_responders_fixes_their_sum_and_a_contradicted_one_is_not_applied():
    frame, _ = synthetic_panel(n_forces=10, seed=21)
    hide = (frame["year"] == 2018) & frame["force"].isin([f"Synthetic force {i:02d}" for i in range(4)])
    frame.loc[hide, ["value", "observed", "status"]] = [np.nan, False, "missing"]
    forces = tuple(sorted(frame["force"].unique()))
    observed_sum = frame.loc[(frame["year"] == 2018) & frame["observed"], "value"].sum()
    fit = fit_negative_binomial(frame[frame["observed"]])
    # 8 of 10 forces responded: the 6 observed and 2 of the 4 hidden ones, whose cells sum to 300
    good = TotalConstraint("N9001", "national", forces, (2018,), observed_sum + 300, responded=8)
    bad = TotalConstraint("N9002", "national", forces, (2018,), observed_sum - 1, responded=8)
    imp = impute_missing_cells(frame, fit, [good], draws=400, seed=2)
    block = imp.draws[:, hide.to_numpy()]
    # in every draw, two of the four cells sum to exactly 300; the other two keep their unconstrained draws
    pair_sums = [block[:, i] + block[:, j] for i in range(4) for j in range(i + 1, 4)]
    assert np.isclose(np.array(pair_sums), 300).any(axis=0).all()
    totals, _ = national_totals(imp, {"all": forces})
    row = totals[totals["fiscal_year"] == "2018/19"].iloc[0]
    assert row["lower_90"] >= observed_sum + 300 - 1e-9
    imp_bad = impute_missing_cells(frame, fit, [bad], draws=50, seed=2)
    assert imp_bad.constraints["applied"].tolist() == [False]
    assert "above the total" in imp_bad.constraints["note"].iloc[0]


def test_leave_one_out_scores_every_observed_cell_and_flags_single_cell_forces():
    frame, _ = synthetic_panel(n_forces=8, seed=31)
    keep = ~((frame["force"] == "Synthetic force 00") & (frame["year"] != 2015))
    frame = frame[keep].reset_index(drop=True)
    calibration = leave_one_out_calibration(frame, "year_effects", "pearson", draws=300, seed=0)
    assert len(calibration) == len(frame)
    only = calibration[calibration["force"] == "Synthetic force 00"]
    assert only["path"].tolist() == ["force's only cell"]
    assert calibration["covered"].notna().all()


def test_flag_share_scale_is_pearson_chi2_over_df_and_growth_decomposes_exactly():
    rng = np.random.default_rng(0)
    rows = []
    for i in range(12):
        for y, share in ((2015, 0.08), (2016, 0.10), (2018, 0.14)):
            total = int(rng.integers(500, 3000))
            flagged = int(rng.binomial(total, min(0.9, share * rng.lognormal(0, 0.3))))
            fy = f"{y}/{(y + 1) % 100:02d}"
            rows += [{"series": "flagged", "force": f"Synthetic force {i}", "fiscal_year": fy, "value": flagged,
                      "status": "observed", "record_ids": ""},
                     {"series": "all", "force": f"Synthetic force {i}", "fiscal_year": fy, "value": total,
                      "status": "observed", "record_ids": ""}]
    rows.append({"series": "flagged", "force": "Synthetic force 99", "fiscal_year": "2015/16", "value": 50,
                 "status": "observed", "record_ids": ""})
    rows.append({"series": "all", "force": "Synthetic force 99", "fiscal_year": "2015/16", "value": 40,
                 "status": "observed", "record_ids": ""})
    pairs, quarantined = paired_cells(pd.DataFrame(rows), "flagged", "all")
    assert quarantined["force"].tolist() == ["Synthetic force 99"]
    shares, info = fit_flag_share(pairs)
    assert info["scale"] == pytest.approx(info["pearson_chi2"] / info["df_resid"])
    assert info["scale"] > 1  # the lognormal noise makes forces differ more than binomial sampling
    d = decompose_growth(pairs, "2015/16", "2018/19")
    assert d["growth_flagged"] == pytest.approx(d["growth_all"] * d["growth_share"])
    assert 0.5 < shares.set_index("fiscal_year").loc["2018/19", "odds_ratio_vs_first_year"] / (0.14 / 0.86 / (0.08 / 0.92)) < 2


@pytest.mark.parametrize("design, breaks", [("year_effects", []), ("interrupted_time_series", [2018])])
def test_the_structured_fit_for_many_forces_equals_the_dense_fit(monkeypatch, design, breaks):
    """Beyond STRUCTURED_FROM_FORCES areas the fit never forms the dense design; it must give the
    same estimates, alpha and covariance, and coefficient draws from the same distribution."""
    from online_csa.models import negative_binomial as nb

    frame, _ = synthetic_panel(n_forces=30, seed=5)
    frame = frame[np.random.default_rng(2).random(len(frame)) > 0.3]  # an unbalanced panel
    dense = fit_negative_binomial(frame, design=design, breaks=breaks, robust=False)
    monkeypatch.setattr(nb, "STRUCTURED_FROM_FORCES", 10)
    structured = fit_negative_binomial(frame, design=design, breaks=breaks, robust=False)
    assert structured.information_blocks is not None and dense.information_blocks is None
    assert structured.columns == dense.columns
    assert structured.alpha == pytest.approx(dense.alpha, rel=1e-3)
    np.testing.assert_allclose(structured.params, dense.params, atol=1e-4)
    assert structured.pearson_chi2_per_df == pytest.approx(dense.pearson_chi2_per_df, rel=1e-3)
    A, B, C = structured.information_blocks
    information = np.block([[np.diag(A), B], [B.T, C]])
    np.testing.assert_allclose(np.linalg.inv(information), dense.cov_model, rtol=2e-3, atol=1e-6)
    draws = nb.draw_coefficients(structured, 40_000, np.random.default_rng(0))
    np.testing.assert_allclose(draws.mean(axis=0), structured.params, atol=4 * np.sqrt(np.diag(dense.cov_model) / 4e4).max())
    np.testing.assert_allclose(np.cov(draws.T), dense.cov_model, atol=0.05 * np.abs(dense.cov_model).max())


def test_a_structured_fit_that_cannot_separate_a_year_says_so(monkeypatch):
    from online_csa.models import negative_binomial as nb

    frame, _ = synthetic_panel(n_forces=12, seed=1)
    # the only 2020 cell belongs to a force seen in no other year: its force and year effects are confounded
    frame = frame[(frame["year"] < 2020) | (frame["force"] == "Synthetic force 00")]
    frame = frame[~((frame["force"] == "Synthetic force 00") & (frame["year"] < 2020))]
    monkeypatch.setattr(nb, "STRUCTURED_FROM_FORCES", 5)
    with pytest.raises(nb.NotIdentifiedError, match="not identified"):
        fit_negative_binomial(frame, robust=False)


def test_rescale_rows_hits_each_target_and_splits_an_all_zero_row_equally():
    from online_csa.models.constraints import rescale_rows

    block = np.array([[1.0, 3.0], [0.0, 0.0], [2.0, 2.0]])
    np.testing.assert_allclose(rescale_rows(block, [8.0, 6.0, 1.0]), [[2.0, 6.0], [3.0, 3.0], [0.5, 0.5]])
    np.testing.assert_allclose(rescale_rows(block, 4.0), [[1.0, 3.0], [2.0, 2.0], [2.0, 2.0]])


def test_cumulative_constraints_are_applied_before_national_ones_each_kind_by_record():
    from online_csa.models.constraints import application_order

    rules = [TotalConstraint(record_id, kind, ("A",), (2015,), 1.0)
             for record_id, kind in [("N2", "national"), ("F9", "cumulative"), ("N1", "national"), ("F3", "cumulative")]]
    assert [r.record_id for r in application_order(rules)] == ["F3", "F9", "N1", "N2"]


def test_time_terms_name_each_column_by_kind_and_year():
    from online_csa.models.negative_binomial import time_terms

    terms = time_terms("interrupted_time_series", [2014, 2015, 2016], [2017, 2020])
    assert [(t.kind, t.year, t.label) for t in terms] == [
        ("trend", None, "trend (per year)"), ("level_step", 2017, "step from 2017/18"),
        ("level_step", 2020, "step from 2020/21")]
    assert [t.label for t in time_terms("year_effects", [2008, 2009, 2099])] == ["year[2009/10]", "year[2099/00]"]
    _, columns = design_matrix(["a"], [2015], ["a"], [2014, 2015], "interrupted_time_series", [2015])
    assert columns == ["force[a]", "trend (per year)", "step from 2015/16"]


def test_the_s15a_step_table_is_the_steps_row_of_the_coefficients_beside_the_published_arithmetic():
    from online_csa.models.negative_binomial import coefficient_table
    from online_csa.models.structural_breaks import break_table, s15a_step

    effects = tuple(0.2 * (y - 2015) + 0.5 * (y >= 2017) for y in YEARS)
    frame, _ = synthetic_panel(n_forces=40, alpha=0.1, seed=11, year_effects=effects)
    fit = fit_negative_binomial(frame, design="interrupted_time_series", breaks=[2017, 2020])
    published = {"from_total": 4000.0, "to_total": 9000.0, "s15a_total": 1000.0, "records": "N1; N2; N3"}
    # a step resting on fewer printed cells than the threshold is shown but not reported as estimated
    thin = frame[(frame["year"] < 2020) | (frame["force"] == frame["force"].iloc[0])]
    table = break_table(fit, "synthetic_series", thin["year"], min_cells=3)
    pandemic = table.set_index("term").loc["step from 2020/21"]
    assert pandemic["printed_cells"] == (thin["year"] >= 2020).sum() < 3
    assert not pandemic["reported_as_estimated"] and "not an estimate" in pandemic["note"]
    table = break_table(fit, "synthetic_series", frame["year"], min_cells=3)
    step = s15a_step(table, 2017, published)
    coefficients = coefficient_table(fit, "synthetic_series").set_index("term")
    assert len(step) == 1
    row = step.iloc[0]
    assert (row["term_kind"], row["break_year"], row["term"]) == ("level_step", "2017/18", "step from 2017/18")
    assert row["irr"] == coefficients.loc["step from 2017/18", "irr"]
    assert row["irr"] == pytest.approx(np.exp(fit.params[len(fit.forces) + 1]))
    assert row["irr_lower_95"] == coefficients.loc["step from 2017/18", "irr_lower_95"]
    assert row["published_ratio_less_s15a"] == pytest.approx((9000 - 1000) / 4000)
    assert row["published_records"] == "N1; N2; N3"
    assert row["printed_cells"] == ((frame["year"] >= 2017) & (frame["year"] < 2020)).sum()
    with pytest.raises(ValueError, match="no level step from 2018/19"):
        s15a_step(table, 2018, published)


def test_panel_values_used_by_models_lists_every_observed_value_and_why_one_is_unused():
    from online_csa.models.model_panel import panel_values_used_by_models

    panel = pd.DataFrame({
        "series": ["modelled", "modelled", "modelled", "other", "modelled", "modelled"],
        "force": ["Northshire", "Outshire", "Northshire", "Northshire", "Southshire", "Southshire"],
        "fiscal_year": ["2015/16", "2015/16", "2016/17", "2015/16", "2015/16", "2016/17"],
        "status": ["observed", "observed", "missing", "observed", "conflicting", "conflicting"],
        "value": pd.array([10, 20, None, 30, 40, None], dtype="Int64"),
        "record_ids": ["F1", "F2", "", "F3", "F4;F5", "F6;F7"]})
    table = panel_values_used_by_models(panel, ["modelled"], ["Northshire", "Southshire"], "north_and_south")
    # the missing cell and the conflicting one without a chosen value are not observed values
    assert table[["force", "fiscal_year", "value", "used_by_models"]].values.tolist() == [
        ["Northshire", "2015/16", 10, True], ["Outshire", "2015/16", 20, False], ["Northshire", "2015/16", 30, False],
        ["Southshire", "2015/16", 40, True]]
    assert table["reason"].tolist() == ["", "force outside the modelled geography (north_and_south)",
                                        "series not in models.series (modelled)", ""]


@pytest.mark.parametrize("structured", [False, True])
def test_one_cell_draws_follow_the_coefficient_draws(structured):
    """predictive_log_mean gives the mean and variance of a cell's log mean that simulate_counts'
    coefficient draws give it, for a force with figures and one without; simulate_one_cell's counts
    then match simulate_counts' in distribution."""
    from online_csa.models.negative_binomial import (STRUCTURED_FROM_FORCES, design_matrix, draw_coefficients,
                                                    predictive_log_mean, simulate_counts, simulate_one_cell)
    rng = np.random.default_rng(21)
    rows = []
    for f in range(STRUCTURED_FROM_FORCES + 2):
        for t in (2015, 2016, 2017):
            if rng.random() < 0.7:
                rows.append({"force": f"Synthforce {f:02d}", "year": t, "log_population": np.log(2e5),
                             "value": float(rng.poisson(40 * np.exp(0.3 * f / 30 + 0.1 * (t - 2015))))})
    cells = pd.DataFrame(rows)
    # the fit takes its block form from STRUCTURED_FROM_FORCES forces, and with robust errors the dense one
    fit = fit_negative_binomial(cells, design="year_effects", alpha_method="pearson", robust=not structured)
    assert (fit.information_blocks is not None) == structured
    coefficients = draw_coefficients(fit, 200_000, np.random.default_rng(1))
    k = len(fit.forces)
    X_time, _ = design_matrix(np.array(["-"]), np.array([2016]), [], fit.years, fit.design, fit.breaks)
    known = fit.forces[0]
    eta = coefficients[:, 0] + coefficients[:, k:] @ X_time[0] + np.log(3e5)
    mean, var = predictive_log_mean(fit, known, 2016, np.log(3e5))
    assert mean == pytest.approx(eta.mean(), abs=0.01) and var == pytest.approx(eta.var(), rel=0.03)
    one = simulate_one_cell(fit, "Unseen force", 2016, np.log(3e5), 100_000, np.random.default_rng(2))
    every = simulate_counts(fit, ["Unseen force"], [2016], [np.log(3e5)], 100_000, np.random.default_rng(3))[:, 0]
    assert np.quantile(one, [0.05, 0.5, 0.95]) == pytest.approx(np.quantile(every, [0.05, 0.5, 0.95]), rel=0.03)
    assert np.isnan(simulate_one_cell(fit, known, 2019, 0.0, 10, rng)).all()  # no estimated effect for 2019
