"""The selection-aware imputation on synthetic_* panels made here (never real figures): the
chance that a force-year's figure is printed grows with its count, as in the real ledger."""
import numpy as np
import pandas as pd
import pytest

from conftest import selected_means
from online_csa.models.constraints import TotalConstraint
from online_csa.models.imputation_validation import (NEW_MODEL, NO_SELECTION, PREVIOUS, REFIT_STEPS,
                                                     coverage_summary, held_out_cell_checks, published_total_checks,
                                                     total_draws)
from online_csa.models.leave_one_cell_out import (BEFORE_MIXED_MODEL, NO_TOTALS, WITH_TOTALS,
                                                  leave_one_cell_out_checks, noise_only_relative_width,
                                                  one_out_modes)
from online_csa.models.mixed_negative_binomial import fit_mixed_negative_binomial, year_effect_table
from online_csa.models.negative_binomial import fit_negative_binomial
from online_csa.models.imputation_tables import mark_thin_ratio, selection_table
from online_csa.models.selection_imputation import RATIO_ROW, SelectionPrior, impute_with_selection
from online_csa.models.total_constraints import TotalCandidate, candidate_totals, choose_constraints


COUNT_SHAPE = 10  # the synthetic counts: Poisson with a gamma(10) rate, i.e. NB with size 10


def synthetic_printing_probability(count, mu, strength: float, bias: float):
    """The synthetic panels' printing rule: the further a count lies above its mean, the likelier printed."""
    return 1 / (1 + np.exp(-(strength * (np.log(np.asarray(count) + 1) - np.log(mu)) + bias)))


def synthetic_selected_panel(seed: int, forces: int = 30, years: int = 6, strength: float = 4.0,
                             sigma_force: float = 0.5, bias: float = -0.3, never: int = 0, never_shift: float = 0.0):
    """Counts from a known NB model (their means in `true_mean`); a cell is printed with probability
    rising with how far its count lies above its mean (strength 0: printed at random), except that the first `never`
    forces, whose effects are lower by `never_shift`, are never printed. One national total per
    year over every force."""
    rng = np.random.default_rng(seed)
    names = [f"Synthforce {i:02d}" for i in range(forces)]
    population = rng.uniform(1e5, 8e5, forces)
    effect = rng.normal(0, sigma_force, forces)
    effect[:never] -= never_shift
    rows = []
    for f in range(forces):
        for t in range(years):
            mu = population[f] * 2e-4 * np.exp(effect[f] + 0.2 * t)
            y = float(rng.poisson(rng.gamma(COUNT_SHAPE, mu / COUNT_SHAPE)))
            p = 0.0 if f < never else synthetic_printing_probability(y, mu, strength, bias)
            rows.append({"series": "synthetic_series", "force": names[f], "year": 2015 + t,
                         "fiscal_year": f"{2015 + t}/{(16 + t) % 100:02d}", "true_value": y, "true_mean": mu,
                         "printed": bool(rng.random() < p), "log_population": np.log(population[f]),
                         "population": population[f], "record_ids": "", "population_note": "",
                         "lower": np.nan, "upper": np.nan})
    cells = pd.DataFrame(rows)
    cells["observed"] = cells["printed"]
    cells["value"] = np.where(cells["printed"], cells["true_value"], np.nan)
    cells["status"] = np.where(cells["printed"], "observed", "missing")
    totals = [TotalCandidate(f"N{y}", "synthetic_series", "year", tuple(names), (y,),
                             float(cells.loc[cells["year"] == y, "true_value"].sum()), "2020-01-01", "synthetic",
                             None, "every force", True, applied=True, role="constraint", reason="applied")
              for y in sorted(cells["year"].unique())]
    return cells, names, totals


def synthetic_two_kinds_panel(seed, never=10):
    """A synthetic_selected_panel whose first `never` forces record less (the outlets pass them
    over) and are never printed, plus a published total over every year for each of the next
    eight forces that has an unprinted year."""
    cells, names, totals = synthetic_selected_panel(seed, forces=36, strength=3.0, bias=0.2, never=never,
                                                    never_shift=0.8)
    years = tuple(sorted(cells["year"].unique()))
    for f in names[never:never + 8]:
        if cells.loc[cells["force"] == f, "printed"].all():
            continue
        totals.append(TotalCandidate(f"C{f[-2:]}", "synthetic_series", "cumulative", (f,), years,
                                     float(cells.loc[cells["force"] == f, "true_value"].sum()), "2020-01-01",
                                     "synthetic", None, f, True, applied=True, role="constraint", reason="applied"))
    return cells, names, totals


def previous_method(cells, names, totals):
    fit = fit_negative_binomial(cells[cells["observed"]], design="year_effects")
    constraints = [TotalConstraint(t.record_id, "national", t.forces, t.years, t.total, len(names)) for t in totals]
    return fit, constraints


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_left_out_totals_are_covered_under_selection_and_the_previous_method_fails(seed):
    cells, names, totals = synthetic_selected_panel(seed)
    fit = fit_mixed_negative_binomial(cells[cells["observed"]], names, sorted(cells["year"].unique()))
    checks = published_total_checks(cells, "synthetic_series", fit, totals, 1000, 5,
                                    previous=previous_method(cells, names, totals))
    coverage = checks.groupby("model")["inside"].mean()
    assert coverage[NEW_MODEL] >= 5 / 6
    assert coverage[NO_SELECTION] <= 3 / 6
    assert coverage[PREVIOUS] <= 3 / 6
    # the models that ignore selection predict too much for the forces that were not printed
    for model in (NO_SELECTION, PREVIOUS):
        rows = checks[checks["model"] == model]
        assert (rows["estimate"] > rows["published_value"]).mean() >= 5 / 6


def test_the_selection_factor_is_recovered_across_replicate_panels():
    """The truth is the model's estimand, derived from the generator: exp(s_t) is the mean of an
    unprinted cell over the mean the model gives a printed cell of the same force and year, which,
    fitted to printed cells, is their selected mean. Over replicate panels the 90% intervals cover
    it at or above their nominal rate (they are wider than needed: the true factor is the same every
    year) with no material bias; the model without a selection factor (factor 1) lies below the
    intervals in nearly every year. The estimand is approximate: one average selected mean stands
    for cells whose printed-to-expected ratio varies with their mean."""
    inside, log_errors, below_one = [], [], []
    for seed in range(1, 7):
        cells, names, totals = synthetic_selected_panel(seed)
        fit = fit_mixed_negative_binomial(cells[cells["observed"]], names, sorted(cells["year"].unique()))
        imputed = impute_with_selection(cells, fit, totals, 2000, 1)
        unprinted = cells[~cells["observed"]].copy()
        unprinted["printed_mean"], unprinted["unprinted_mean"] = selected_means(
            unprinted["true_mean"], COUNT_SHAPE, lambda y, mu: synthetic_printing_probability(y, mu, 4.0, -0.3))
        by_year = unprinted.groupby("year")[["unprinted_mean", "printed_mean"]].sum()
        truth = (by_year["unprinted_mean"] / by_year["printed_mean"]).to_numpy()
        # every synthetic force is printed in some year, so the factor of its unprinted cells is the
        # "printed in another year" one; the ratio to never-printed forces rests on its prior alone
        selection = imputed.selection[imputed.selection["forces"] == "printed in another year"]
        assert len(selection) == len(truth) and (truth < 1).all()
        assert (selection["multiplier"] < 1).all()  # unprinted cells record less than printed ones
        inside.extend((selection["lower_90"] <= truth) & (truth <= selection["upper_90"]))
        log_errors.extend(np.log(selection["multiplier"].to_numpy() / truth))
        below_one.extend(selection["upper_90"] < 1)
    assert np.mean(inside) >= 0.85
    assert abs(np.mean(log_errors)) < 0.08  # no bias: the medians scatter around the truth
    assert np.mean(below_one) >= 0.85  # and 1, the factor without selection, lies above the interval


def test_without_selection_the_factor_is_near_one_and_totals_still_covered():
    cells, names, totals = synthetic_selected_panel(4, strength=0.0)
    fit = fit_mixed_negative_binomial(cells[cells["observed"]], names, sorted(cells["year"].unique()))
    imputed = impute_with_selection(cells, fit, totals, 2000, 1)
    selection = imputed.selection[imputed.selection["forces"] == "printed in another year"]
    assert ((selection["lower_90"] < 1) & (selection["upper_90"] > 1)).mean() >= 5 / 6
    checks = published_total_checks(cells, "synthetic_series", fit, totals, 1000, 5)
    assert checks.loc[checks["model"] == NEW_MODEL, "inside"].mean() >= 5 / 6


def test_every_draw_satisfies_every_applied_total_exactly():
    cells, names, totals = synthetic_selected_panel(5)
    fit = fit_mixed_negative_binomial(cells[cells["observed"]], names, sorted(cells["year"].unique()))
    imputed = impute_with_selection(cells, fit, totals, 500, 2)
    rng = np.random.default_rng(0)
    for total in totals:
        draws = total_draws(imputed.cells, imputed.draws, total, rng)
        assert np.all(draws == total.total)
    assert imputed.pinned.all()  # every force responded, so every unprinted cell is pinned
    assert np.all(imputed.draws == np.round(imputed.draws)) and (imputed.draws >= 0).all()


def test_responders_are_drawn_when_only_their_number_is_known():
    cells, names, totals = synthetic_selected_panel(6)
    year = 2017
    unprinted = cells[(cells["year"] == year) & ~cells["observed"]]
    printed = cells[(cells["year"] == year) & cells["observed"]]
    responded = len(printed) + len(unprinted) - 3  # three forces without a figure did not respond
    responders_sum = printed["value"].sum() + unprinted["true_value"].iloc[3:].sum()
    total = TotalCandidate("N1", "synthetic_series", "year", tuple(names), (year,), float(responders_sum),
                           "2020-01-01", "synthetic", responded, "", True, applied=True, role="constraint")
    fit = fit_mixed_negative_binomial(cells[cells["observed"]], names, sorted(cells["year"].unique()))
    imputed = impute_with_selection(cells, fit, [total], 400, 3)
    columns = np.searchsorted(imputed.unprinted, unprinted.index.to_numpy())
    pinned = imputed.pinned[:, columns]
    assert (pinned.sum(axis=1) == len(unprinted) - 3).all()  # the responders, chosen afresh in each draw
    assert 0.5 < pinned.mean(axis=0).min() <= pinned.mean(axis=0).max() < 1.0
    sums = (imputed.draws[:, columns] * pinned).sum(axis=1)
    assert np.all(sums == responders_sum - printed["value"].sum())


def test_force_effects_are_shrunk_and_a_thin_year_is_not_reported_as_estimated():
    cells, names, _ = synthetic_selected_panel(7, strength=0.0, sigma_force=0.6)
    cells = cells[(cells["year"] != 2020) | (cells["force"] == names[0])]  # 2020/21 rests on one cell
    cells = cells.assign(observed=True, value=cells["true_value"])
    fit = fit_mixed_negative_binomial(cells, names, sorted(cells["year"].unique()))
    assert 0.4 < fit.sigma_force < 0.8
    table = year_effect_table(fit, "synthetic_series", min_cells=3)
    thin = table[table["term"].str.startswith("year[2020/21]")].iloc[0]
    assert not thin["reported_as_estimated"] and "rests on 1 printed cell" in thin["note"]
    assert table[table["printed_cells"] >= 3]["reported_as_estimated"].all()
    # the trend of 0.2 a year is recovered
    assert table.iloc[-1]["estimate"] == pytest.approx(0.2 * 5, abs=0.2)


def test_a_force_whose_rate_lies_far_from_the_others_gets_its_own_level():
    """One synthetic force records 300 times the others' rate per child (a count set against a tiny
    population): scoring steps from the average rate would overshoot its mean into the clipped
    range and stop at a spurious mode (its fitted mean 444 times its counts on this panel); with
    the steps bounded the fit reaches the mode, shrunk a little towards the other forces."""
    cells, names, _ = synthetic_selected_panel(2, strength=0.0)
    cells = cells.assign(observed=True, value=cells["true_value"])
    far = (cells["force"] == names[0]).to_numpy()
    cells.loc[far, "log_population"] -= np.log(300)
    fit = fit_mixed_negative_binomial(cells, names, sorted(cells["year"].unique()))
    fitted = np.exp(fit.design(cells["force"], cells["year"]) @ fit.params + cells["log_population"])
    assert 0.85 < fitted[far].sum() / cells.loc[far, "value"].sum() < 1.0
    assert fitted[~far].sum() / cells.loc[~far, "value"].sum() == pytest.approx(1.0, abs=0.02)
    assert 0.08 < fit.alpha < 0.125  # the counts' NB alpha is 1 / COUNT_SHAPE


def test_leave_one_force_and_year_out_score_every_printed_cell():
    cells, names, totals = synthetic_selected_panel(8, forces=12, years=4)
    fit = fit_mixed_negative_binomial(cells[cells["observed"]], names, sorted(cells["year"].unique()))
    checks = held_out_cell_checks(cells, "synthetic_series", fit, totals, 300, 1, "pearson")
    new = checks[checks["model"] == NEW_MODEL]
    printed = int(cells["observed"].sum())
    assert (new["scheme"] == "leave-one-force-out").sum() == printed
    assert (new["scheme"] == "leave-one-year-out").sum() == printed
    summary = coverage_summary(published_total_checks(cells, "synthetic_series", fit, totals, 300, 1), checks)
    assert set(summary["scheme"]) == {"leave-one-total-out: all totals", "leave-one-total-out: one-year totals",
                                      "leave-one-force-out", "leave-one-year-out"}
    assert summary.loc[summary["model"] == NEW_MODEL, "coverage"].min() >= 0.7


def synthetic_claim_records(rows):
    columns = ["record_id", "level", "force", "geography", "fiscal_year", "measure", "value", "release_date",
               "forces_responded", "forces_asked"]
    return pd.DataFrame(rows, columns=columns)


class SyntheticGeographies:
    """Three synthetic forces: 'All' is every one, 'North' the first two; 'Islands' includes a
    force outside the register."""
    def __init__(self):
        from online_csa.common.geographies import Geography
        self.map = {"All": Geography("all", "All", ("A", "B", "C")),
                    "North": Geography("north", "North", ("A", "B")),
                    "Islands": Geography("islands", "Islands", ("A", "B", "C"), ("Island Police",))}

    def for_record(self, record_id, label):
        return self.map.get(label)


def chosen_constraints(records) -> dict:
    """The rule applied to synthetic totals over three forces A, B, C in 2016-2018, A printed (10) each year."""
    cells = pd.DataFrame({"force": ["A", "B", "C"] * 3, "year": [2016] * 3 + [2017] * 3 + [2018] * 3,
                          "observed": [True, False, False] * 3, "value": [10.0, np.nan, np.nan] * 3,
                          "status": ["observed", "missing", "missing"] * 3})
    candidates = candidate_totals(records, "s", SyntheticGeographies(), ["A", "B", "C"], [2016, 2017, 2018])
    choose_constraints(candidates, cells, national_geographies=["all"])
    return {c.record_id: c for c in candidates}


def test_the_rule_applies_one_release_per_year_and_says_why_the_others_are_not():
    records = synthetic_claim_records([
        ("N1", "national", None, "All", "2018/19", "s", "300", "2019-06", "2", "3"),
        ("N2", "national", None, "All", "2018/19", "s", "320", "2019-10", "3", "3"),
        ("N3", "national", None, "North", "2018/19", "s", "200", "2019-10", None, None),
        ("N4", "national", None, "All", "2018/19", "s", "320", "2019-11", None, None),
        ("N5", "national", None, "Islands", "2018/19", "s", "330", "2019-12", None, None),
        ("N6", "national", None, "North", "2017/18", "s", "150", "2019-10", None, None),
        ("N7", "national", None, "All", "2017/18 (12 months to June)", "s", "1", "2019-10", None, None),
        ("F1", "force", "C", "C", "2016/17-2017/18", "s_cumulative", "90", "2019-10", None, None),
        ("N8", "national", None, "North", "2016/17", "s", "5", "2019-10", None, None),
        ("F2", "force", "A", "A", "2016/17-2017/18", "s_cumulative", "20", "2019-10", None, None),
    ])
    by_id = chosen_constraints(records)
    assert by_id["N2"].applied and "release applied" in by_id["N2"].reason  # latest with a stated count
    assert by_id["N3"].applied and "same release" in by_id["N3"].reason  # nested, same release
    assert not by_id["N1"].applied and "N2" in by_id["N1"].reason  # an earlier vintage: scored only
    assert by_id["N4"].role == "copy" and "N2" in by_id["N4"].reason
    assert by_id["N5"].role == "not usable" and "Island Police" in by_id["N5"].reason
    assert by_id["N6"].applied  # a regional total in a year without a national one
    assert by_id["N7"].role == "not usable" and "not whole fiscal years" in by_id["N7"].reason
    assert by_id["F1"].applied and by_id["F1"].kind == "cumulative"
    assert not by_id["N8"].applied and "above the total" in by_id["N8"].reason  # printed 10 > 5
    # force A is printed in both years: its cumulative total checks the printed figures, it constrains nothing
    assert not by_id["F2"].applied and "every cell it covers is printed" in by_id["F2"].reason


def test_a_check_whose_printed_cells_disagree_with_it_says_by_how_much():
    """A total every cell of which is printed checks the printed figures: when they do not reach
    it, the constraints table and the left-out-total check say so."""
    from online_csa.models.imputation_validation import _interval_row

    records = synthetic_claim_records([
        ("F3", "force", "A", "A", "2016/17-2018/19", "s_cumulative", "33", "2019-10", None, None),
        ("F4", "force", "A", "A", "2016/17-2018/19", "s_cumulative", "30", "2019-10", None, None),
    ])
    by_id = chosen_constraints(records)  # A printed 10 in each of the three years
    assert by_id["F3"].reason == ("not applied: every cell it covers is printed: a check of the printed figures, not a "
                                  "constraint; they sum to 30, 9% below it")
    assert by_id["F4"].reason.endswith("not a constraint")  # they meet it: nothing to say
    row = _interval_row("s", NEW_MODEL, by_id["F3"], np.full(50, 30.0), "leave-one-total-out")
    assert pd.isna(row["inside"])
    assert row["method"] == ("leave-one-total-out; not scored: every cell it covers is printed or fixed by another "
                             "total; they sum to 30, 9% below it")
    assert _interval_row("s", NEW_MODEL, by_id["F4"], np.full(50, 30.0), "m")["method"].endswith("another total")


def test_held_out_cells_are_never_predicted_with_a_total_built_from_them():
    from online_csa.models.imputation_validation import _without_held_out

    cells, names, totals = synthetic_selected_panel(9, forces=6, years=3)
    cumulative = TotalCandidate("F9", "synthetic_series", "cumulative", (names[0],), (2015, 2016, 2017), 1.0,
                                "2020-01-01", names[0], None, "", False, applied=True, role="constraint")
    held = (cells["force"] == names[0]).to_numpy() & cells["observed"].to_numpy()
    kept = _without_held_out(totals + [cumulative], cells, held)
    held_years = set(cells.loc[held, "year"])
    assert {c.record_id for c in kept} == {t.record_id for t in totals if t.years[0] not in held_years}


def test_cumulative_totals_need_a_factor_for_forces_printed_in_another_year():
    """Forces never printed record less than forces printed in some years: one factor per year
    centres the cumulative totals of the latter low; a factor of their own covers them and centres
    them better. Predicted without every total that covers their unprinted cells, the one-factor
    intervals are wide enough to hold most of them too (91% here): the difference is in centring."""
    results = {}
    for seed in (1, 2, 3):
        cells, names, totals = synthetic_two_kinds_panel(seed)
        fit = fit_mixed_negative_binomial(cells[cells["observed"]], names, sorted(cells["year"].unique()))
        for scale in (1.0, 0.0):
            checks = published_total_checks(cells, "synthetic_series", fit, totals, 600, 5,
                                            prior=SelectionPrior(elsewhere_scale=scale))
            rows = checks[(checks["model"] == NEW_MODEL) & (checks["kind"] == "cumulative") & checks["inside"].notna()]
            results.setdefault(scale, []).append(rows)
        ratio = impute_with_selection(cells, fit, totals, 1000, 2).selection.iloc[-1]
        assert ratio["forces"].startswith("ratio") and ratio["multiplier"] > 1
    two, one = (pd.concat(results[scale]) for scale in (1.0, 0.0))
    assert two["inside"].astype(bool).mean() >= 0.85
    assert (one["estimate"] < one["published_value"]).mean() >= 0.6
    assert (two["estimate"] < two["published_value"]).mean() < (one["estimate"] < one["published_value"]).mean()


def test_leave_one_cell_out_scores_every_printed_cell_under_both_models():
    cells, names, totals = synthetic_selected_panel(7, forces=12, years=4)
    fit = fit_mixed_negative_binomial(cells[cells["observed"]], names, sorted(cells["year"].unique()))
    result = leave_one_cell_out_checks(cells, "synthetic_series", fit, 300, 3, "pearson")
    checks, curves = result.cells, result.curves
    printed = int(cells["observed"].sum())
    assert (checks.groupby("model").size() == printed).all()
    assert set(checks["model"]) == {NEW_MODEL, PREVIOUS, BEFORE_MIXED_MODEL}
    assert set(checks["scheme"]) == {NO_TOTALS}
    scored = checks[checks["covered"].notna()]
    assert (scored["lower_90"] <= scored["estimate"]).all() and (scored["estimate"] <= scored["upper_90"]).all()
    assert 0.7 <= scored.loc[scored["model"] == NEW_MODEL, "covered"].astype(bool).mean() <= 1.0
    # each model's curve at 90% is the table's 90% intervals on the cells every model scores
    at_90 = curves[curves["nominal"] == 0.9].set_index("model")
    every_model = scored.groupby(["force", "fiscal_year"]).filter(lambda cell: len(cell) == 3)
    assert len(every_model) >= 3 * (printed - 2)
    for model, rows in every_model.groupby("model"):
        assert at_90.at[model, "scored"] == len(rows)
        assert at_90.at[model, "covered"] == int(rows["covered"].astype(bool).sum())
        width = ((rows["upper_90"] - rows["lower_90"]) / rows["estimate"]).median()
        assert at_90.at[model, "median_relative_width"] == pytest.approx(width)
    # the maximum-likelihood alpha is the smaller one here: narrower intervals than with Pearson's
    assert at_90.at[BEFORE_MIXED_MODEL, "median_relative_width"] < at_90.at[PREVIOUS, "median_relative_width"]
    # without the reference (a series the width target is not about): two models, no width comparison
    plain = leave_one_cell_out_checks(cells, "synthetic_series", fit, 300, 3, "pearson", with_reference=False)
    assert set(plain.cells["model"]) == {NEW_MODEL, PREVIOUS} and plain.widths.empty
    assert plain.cells[plain.cells["model"] == NEW_MODEL].reset_index(drop=True).equals(
        checks[checks["model"] == NEW_MODEL].reset_index(drop=True))


def test_newton_steps_from_the_full_fit_give_the_exact_leave_one_out_refits():
    """The vectorised refits (NEWTON_STEPS from the full fit's mode) predict each held-out cell as
    the exact refit does: the same log mean and variance at every grid point; one step does not."""
    cells, names, _ = synthetic_selected_panel(11, forces=14, years=5, strength=2.0)
    printed = cells[cells["observed"]].reset_index(drop=True)
    fit = fit_mixed_negative_binomial(printed, names, sorted(cells["year"].unique()))
    fast, one_step = one_out_modes(fit, printed), one_out_modes(fit, printed, steps=1)
    worst_mean = worst_var = worst_one_step = 0.0
    for j in range(0, len(printed), 3):
        exact = fit_mixed_negative_binomial(printed.drop(index=j), names, fit.years, like=fit)
        x = fit.design(printed["force"].iloc[[j]], printed["year"].iloc[[j]])[0]
        for k, (_, _, _, mode, cov) in enumerate(exact.grid):
            log_mean = x @ mode + printed.at[j, "log_population"]
            worst_mean = max(worst_mean, abs(fast.log_mean[j, k] - log_mean))
            worst_var = max(worst_var, abs(fast.log_mean_var[j, k] / (x @ cov @ x) - 1))
            worst_one_step = max(worst_one_step, abs(one_step.log_mean[j, k] - log_mean))
    assert worst_mean < 0.01 and worst_var < 0.01
    assert worst_one_step > worst_mean  # the second step matters: the check can fail


def test_fold_refits_by_scoring_steps_give_the_exact_refits_of_a_force_or_year_held_out():
    """The validation's fold refits (REFIT_STEPS scoring steps from the full fit's modes) predict
    the held-out cells of a whole force, or of a whole year, as the exact refit does: log means
    within 0.01 and their variances within 1% at every grid point; one step is further off."""
    cells, names, _ = synthetic_selected_panel(12, forces=20, years=6, strength=2.0)
    printed = cells[cells["observed"]]
    fit = fit_mixed_negative_binomial(printed, names, sorted(cells["year"].unique()))
    folds = [printed["force"] == f for f in printed["force"].unique()[:6]]
    folds += [printed["year"] == y for y in sorted(printed["year"].unique())]
    worst_mean = worst_var = worst_one_step = 0.0
    for held in folds:
        rest = printed[~held]
        exact = fit_mixed_negative_binomial(rest, names, fit.years, like=fit)
        fast = fit_mixed_negative_binomial(rest, names, fit.years, like=fit, steps=REFIT_STEPS)
        one_step = fit_mixed_negative_binomial(rest, names, fit.years, like=fit, steps=1)
        assert np.isnan(fast.log_marginal) and fast.printed_per_force == exact.printed_per_force
        x = fit.design(printed.loc[held, "force"], printed.loc[held, "year"])
        for e, f, o in zip(exact.grid, fast.grid, one_step.grid):
            worst_mean = max(worst_mean, np.abs(x @ (f[3] - e[3])).max())
            variance = np.einsum("ij,jk,ik->i", x, e[4], x)
            worst_var = max(worst_var, np.abs(np.einsum("ij,jk,ik->i", x, f[4], x) / variance - 1).max())
            worst_one_step = max(worst_one_step, np.abs(x @ (o[3] - e[3])).max())
    assert worst_mean < 0.01 and worst_var < 0.01
    assert worst_one_step > 2 * worst_mean  # the steps matter: the check can fail


def test_a_validation_that_wants_some_cells_gets_them_with_the_same_weights_and_exact_totals():
    """`wanted`: the weights (and so the effective sample size) are those of the full imputation;
    the wanted cells and every cell an applied total covers are drawn, the others are NaN."""
    cells, names, totals = synthetic_selected_panel(5, forces=16, years=4)
    fit = fit_mixed_negative_binomial(cells[cells["observed"]], names, sorted(cells["year"].unique()))
    kept = totals[1:]  # the first year's cells are covered by no applied total
    wanted = ((cells["year"] == 2015) & (cells["force"].isin(names[:4]))).to_numpy()
    full = impute_with_selection(cells, fit, kept, 300, 4, oversample=2)
    some = impute_with_selection(cells, fit, kept, 300, 4, oversample=2, wanted=wanted)
    assert some.diagnostics["effective_sample_size"] == full.diagnostics["effective_sample_size"]
    drawn = ~np.isnan(some.draws).any(axis=0)
    first_year = cells["year"].to_numpy()[some.unprinted] == 2015
    assert (drawn == (wanted[some.unprinted] | ~first_year)).all() and drawn.sum() < len(drawn)
    rng = np.random.default_rng(0)
    for total in kept:
        assert np.all(total_draws(some.cells, some.draws, total, rng) == total.total)
    # the wanted cells' draws follow the same distribution as in the full imputation
    columns = np.flatnonzero(wanted[some.unprinted])
    assert abs(np.median(some.draws[:, columns].sum(axis=1)) / np.median(full.draws[:, columns].sum(axis=1)) - 1) < 0.1


def test_with_totals_a_held_out_cell_is_narrower_and_still_covered():
    """Held out with the totals that contain it applied, a printed cell shares its year's remainder
    with one unprinted cell, so its interval is narrower than without totals and still holds the
    truth."""
    cells, names, totals = synthetic_selected_panel(5, forces=16, years=4, strength=0.0, bias=2.0)
    first_unprinted = cells[~cells["observed"]].groupby("year").head(1).index
    cells["observed"] = cells.index.isin(first_unprinted) == False  # noqa: E712 (one unprinted cell a year)
    cells["value"] = np.where(cells["observed"], cells["true_value"], np.nan)
    cells["status"] = np.where(cells["observed"], "observed", "missing")
    fit = fit_mixed_negative_binomial(cells[cells["observed"]], names, sorted(cells["year"].unique()))
    checks = leave_one_cell_out_checks(cells, "synthetic_series", fit, 300, 3, "pearson", totals, (),
                                       oversample=2).cells
    new = checks[checks["model"] == NEW_MODEL].assign(
        width=lambda c: (c["upper_90"] - c["lower_90"]) / c["estimate"])
    without = new[new["scheme"] == NO_TOTALS].set_index(["force", "fiscal_year"])
    within = new[new["scheme"] == WITH_TOTALS].set_index(["force", "fiscal_year"])
    assert len(within) == len(without) == int(cells["observed"].sum())
    # narrower, but not by much: how the remainder splits between the held-out cell and the unprinted
    # one depends on the selection factor, which the same totals identify
    assert (within["width"] < without["width"]).mean() >= 0.6
    assert within["width"].median() < 0.95 * without["width"].median()
    assert within["covered"].astype(bool).mean() >= 0.85
    # the previous method was given no total here: its two schemes agree
    previous = checks[checks["model"] == PREVIOUS]
    assert (previous.loc[previous["scheme"] == WITH_TOTALS, "upper_90"].to_numpy()
            == previous.loc[previous["scheme"] == NO_TOTALS, "upper_90"].to_numpy()).all()


def test_noise_only_width_is_the_negative_binomial_interval():
    from scipy import stats

    for mean, alpha in ((116.0, 0.2), (1134.5, 0.04), (12.0, 0.5)):
        r = 1 / alpha
        lower, median, upper = stats.nbinom.ppf([0.05, 0.5, 0.95], r, r / (r + mean))
        assert noise_only_relative_width(mean, alpha) == pytest.approx((upper - lower) / median)
    assert noise_only_relative_width(116.0, 0.1) < noise_only_relative_width(116.0, 0.2)


def test_a_cumulative_total_that_repeats_a_yearly_one_adds_no_weight():
    """A cell in a yearly and a cumulative total is counted once: when the cumulative total covers
    exactly the cells of a yearly block and says the same, it must not reweigh the proposals; a
    cumulative total over cells no yearly total covers keeps its plain Gaussian likelihood."""
    from online_csa.models.selection_imputation import _Block, _cumulative_log_likelihood, _log_normal_pdf

    rng = np.random.default_rng(3)
    proposals, cells = 200, 3
    mu = rng.uniform(5, 60, (proposals, cells))
    alpha = np.full(proposals, 0.2)
    s = np.zeros((proposals, 1))
    col_year, selected = np.zeros(cells, dtype=int), np.ones(cells, dtype=bool)
    year = _Block("Y", "year", 2015, np.array([0, 1]), np.zeros(2, dtype=bool), 2, 90.0)
    member = np.ones((proposals, 2), dtype=bool)
    repeat = _Block("C", "cumulative", None, np.array([0, 1]), np.ones(2, dtype=bool), 2, 90.0)
    used = np.arange(cells)  # every cell is in a block
    repeated = _cumulative_log_likelihood([repeat], [year], [member], mu, mu, s, col_year, selected, alpha, used)
    marginal = _cumulative_log_likelihood([repeat], [], [], mu, mu, s, col_year, selected, alpha, used)
    assert np.ptp(repeated) < 0.25  # the same information: flat across proposals (up to the 0.25 jitter)
    assert np.ptp(marginal) > 5  # counted again, it would reweigh them strongly
    apart = _Block("D", "cumulative", None, np.array([2]), np.ones(1, dtype=bool), 1, 30.0)
    alone = _cumulative_log_likelihood([apart], [year], [member], mu, mu, s, col_year, selected, alpha, used)
    var = mu[:, 2] + 0.2 * mu[:, 2] ** 2 + 0.25
    np.testing.assert_allclose(alone, _log_normal_pdf(30.0, mu[:, 2], var))


def test_the_ratio_says_the_yearly_totals_inform_it_when_no_cumulative_total_applies():
    cells, names, totals = synthetic_selected_panel(4, never=6, never_shift=0.8)
    fit = fit_mixed_negative_binomial(cells[cells["observed"]], names, sorted(cells["year"].unique()))
    ratio = impute_with_selection(cells, fit, totals, 400, 2).selection.iloc[-1]
    assert ratio["forces"].startswith("ratio") and bool(ratio["constrained"])
    assert ratio["basis"] == "the yearly published totals (no cumulative total applied)"
    unconstrained = impute_with_selection(cells, fit, [], 400, 2).selection.iloc[-1]
    assert unconstrained["basis"] == "its prior only (no published total applied)"
    assert not bool(unconstrained["constrained"])


def test_a_total_the_printed_cells_reach_exactly_is_not_applied_when_it_would_zero_forces_without_a_figure():
    # synthetic: A printed 10 each year; "North" (A, B) printed as 10 in 2016/17 would make B zero;
    # "All" printed as 10 in 2017/18 with 1 of 3 forces responding covers A alone, so it is a check, not a zero
    records = synthetic_claim_records([
        ("N1", "national", None, "North", "2016/17", "s", "10", "2019-10", None, None),
        ("N2", "national", None, "All", "2017/18", "s", "10", "2019-10", "1", "3"),
        ("N3", "national", None, "North", "2018/19", "s", "25", "2019-10", None, None),
    ])
    by_id = chosen_constraints(records)
    assert not by_id["N1"].applied
    assert "would leave 0 for the 1 cell without a figure it is taken to cover" in by_id["N1"].reason
    assert "would leave 0" not in by_id["N2"].reason
    assert by_id["N3"].applied  # 25 leaves 15 for B


def test_the_adaptive_proposal_weighs_evenly_and_agrees_with_a_long_run_of_the_prior_proposal():
    """On a synthetic selected panel with cumulative totals, the adapted proposal's effective
    sample size is several times the unadapted one's over as many final proposals, and the ratio
    g it finds agrees with a long run of the unadapted sampler within Monte Carlo error."""
    from online_csa.models.selection_imputation import ProposalSettings

    cells, names, totals = synthetic_two_kinds_panel(2)
    fit = fit_mixed_negative_binomial(cells[cells["observed"]], names, sorted(cells["year"].unique()))
    unadapted = impute_with_selection(cells, fit, totals, 1000, 3, oversample=4, proposal=ProposalSettings(rounds=0))
    adapted = impute_with_selection(cells, fit, totals, 1000, 3, oversample=4,
                                    proposal=ProposalSettings(rounds=3, pilot=2000))
    assert adapted.diagnostics["proposals"] == unadapted.diagnostics["proposals"] == 4000
    assert adapted.diagnostics["pilot_proposals"] == 6000 and unadapted.diagnostics["pilot_proposals"] == 0
    ess_adapted, ess_unadapted = (imp.diagnostics["effective_sample_size"] for imp in (adapted, unadapted))
    assert ess_adapted >= 3 * ess_unadapted
    long = impute_with_selection(cells, fit, totals, 4000, 4, oversample=24, proposal=ProposalSettings(rounds=0))
    ratio_long, ratio_adapted = (imp.selection.iloc[-1] for imp in (long, adapted))
    sd_log_g = (np.log(ratio_long["upper_90"]) - np.log(ratio_long["lower_90"])) / (2 * 1.645)
    monte_carlo_sd = sd_log_g * np.sqrt(1 / ess_adapted + 1 / long.diagnostics["effective_sample_size"])
    assert abs(np.log(ratio_adapted["multiplier"]) - np.log(ratio_long["multiplier"])) < 4 * monte_carlo_sd
    # the year factors agree too
    factors = [imp.selection[imp.selection["forces"] == "printed in another year"]["multiplier"].to_numpy()
               for imp in (long, adapted)]
    np.testing.assert_allclose(np.log(factors[1]), np.log(factors[0]), atol=max(0.1, 4 * monte_carlo_sd))


def test_a_ratio_resting_on_too_few_never_printed_cells_is_not_reported_as_estimated():
    """Only never-printed cells inside an applied total tell the ratio of the two factors from its
    prior: with none, its row says it is not an estimate; with the yearly totals over every force,
    it is one, and the count is of exactly those cells."""
    cells, names, totals = synthetic_two_kinds_panel(1)
    fit = fit_mixed_negative_binomial(cells[cells["observed"]], names, sorted(cells["year"].unique()))
    cumulative_only = [t for t in totals if t.kind == "cumulative"]  # forces printed in other years only
    thin = impute_with_selection(cells, fit, cumulative_only, 300, 2)
    assert thin.diagnostics["never_printed_cells_in_totals"] == 0
    ratio = selection_table(thin, "synthetic_series", 3).iloc[-1]
    assert ratio["basis"] == "not an estimate: it rests on 0 never-printed cells in the applied totals (fewer than 3)"
    full = impute_with_selection(cells, fit, totals, 300, 2)
    never = cells["force"].isin(names[:10]) & ~cells["observed"]
    covered = cells["year"].isin({y for t in totals if t.kind == "year" for y in t.years})
    assert full.diagnostics["never_printed_cells_in_totals"] == int((never & covered).sum()) >= 3
    table = selection_table(full, "synthetic_series", 3)
    assert table["basis"].tolist() == full.selection["basis"].tolist()


def test_the_thin_ratio_mark_touches_the_ratio_row_only():
    selection = pd.DataFrame({"forces": ["never printed", RATIO_ROW], "basis": ["the year's published totals",
                                                                            "the yearly published totals"]})
    marked = mark_thin_ratio(selection, 1, 3)
    assert marked["basis"].tolist() == [
        "the year's published totals",
        "not an estimate: it rests on 1 never-printed cell in the applied totals (fewer than 3)"]
    assert mark_thin_ratio(selection, 3, 3)["basis"].tolist() == selection["basis"].tolist()


def test_the_fit_says_whether_its_modes_converged(monkeypatch):
    """A mode that runs out of scoring steps is flagged (in the fit and the coefficients table), not passed off
    as converged; a refit asked for a fixed number of steps says it was not run to convergence."""
    from online_csa.models import mixed_negative_binomial as mnb

    cells, names, _ = synthetic_selected_panel(7, strength=0.0, sigma_force=0.6)
    cells = cells.assign(observed=True, value=cells["true_value"])
    years = sorted(cells["year"].unique())
    fit = fit_mixed_negative_binomial(cells, names, years)
    assert fit.modes_converged is True
    assert year_effect_table(fit, "synthetic_series", min_cells=3)["modes_converged"].all()
    assert fit_mixed_negative_binomial(cells, names, years, like=fit, steps=2).modes_converged is None
    monkeypatch.setattr(mnb, "MODE_MAX_STEPS", 1)
    stopped = fit_mixed_negative_binomial(cells, names, years)
    assert stopped.modes_converged is False
    assert not year_effect_table(stopped, "synthetic_series", min_cells=3)["modes_converged"].any()
