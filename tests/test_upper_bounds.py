"""Published totals over the modelled forces and others (a UK total over a model of England, Wales
and Northern Ireland) as upper bounds, and the minimum effective sample size of a scored fold, on
synthetic_* panels made here (never real figures)."""
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd

from online_csa.common.intervals import central_interval
from online_csa.models.imputation_tables import constraints_table
from online_csa.models.imputation_validation import (BOUND_ROLE, MAX_RETRIES, NEW_MODEL, RETRY_FACTOR,
                                                     coverage_summary, held_out_cell_checks, published_total_checks)
from online_csa.models.mixed_negative_binomial import fit_mixed_negative_binomial
from online_csa.models.selection_imputation import BoundTilt, _BoundBlock, _bound_log_within, impute_with_selection
from online_csa.models.total_constraints import (BOUND, UNAPPLIED_BOUND, TotalCandidate, candidate_totals,
                                                candidates_table, choose_constraints)
from test_selection_imputation import synthetic_selected_panel

OUTSIDE = "Synthforce outside"  # a force of the bound's geography that the model does not cover
BOUND_YEAR = 2018


def synthetic_bound_panel(seed: int = 1):
    """A synthetic_selected_panel whose total for BOUND_YEAR is dropped: that year has no applied
    total, so only an upper bound can hold its imputed cells down."""
    cells, names, totals = synthetic_selected_panel(seed, forces=20, years=5)
    return cells, names, [t for t in totals if t.years != (BOUND_YEAR,)]


def synthetic_bound(names, limit: float, record_id: str = "U1", responded=None) -> TotalCandidate:
    """A total over every modelled force and OUTSIDE in BOUND_YEAR, applied as an upper bound."""
    return TotalCandidate(record_id, "synthetic_series", "year", tuple(names) + (OUTSIDE,), (BOUND_YEAR,), limit,
                          "2020-01-01", "synthetic_uk", responded, "every force", responded is not None,
                          applied=True, role=BOUND, reason="applied as an upper bound", outside=(OUTSIDE,))


def year_sums(cells, imputed, year=BOUND_YEAR) -> np.ndarray:
    """Per draw, the year's printed cells plus its imputed ones."""
    in_year = (cells["year"] == year).to_numpy()
    printed = float(cells.loc[in_year & cells["observed"], "value"].sum())
    columns = np.flatnonzero(in_year[imputed.unprinted])
    return printed + imputed.draws[:, columns].sum(axis=1)


def synthetic_fit(cells, names):
    return fit_mixed_negative_binomial(cells[cells["observed"]], names, sorted(cells["year"].unique()))


def test_a_binding_upper_bound_holds_in_every_draw_and_conditions_the_selection_factor():
    cells, names, totals = synthetic_bound_panel()
    fit = synthetic_fit(cells, names)
    free = impute_with_selection(cells, fit, totals, 1000, 3)
    unbounded = year_sums(cells, free)
    limit = float(np.quantile(unbounded, 0.3))  # 70% of the unbounded draws lie above it
    bound = synthetic_bound(names, limit)
    bounded = impute_with_selection(cells, fit, totals + [bound], 1000, 3)
    sums = year_sums(cells, bounded)
    lower, median, upper = central_interval(sums)
    assert central_interval(unbounded)[2] > limit  # without the bound the interval reaches above it
    assert (sums <= limit).all() and upper <= limit  # with it no draw does
    assert np.array_equal(bounded.diagnostics["bound_sums"]["U1"], sums)
    # the proposals are resampled towards those likely to stay within it, yet many count sets are still set aside
    assert 0.2 < bounded.diagnostics["bound_tilted_rejected_share"] < 0.6
    rejection_alone = impute_with_selection(cells, fit, totals + [bound], 1000, 3, tilt=BoundTilt(defensive=1.0))
    assert rejection_alone.diagnostics["bound_rejected_share"] > 0.6
    # the share reported, each count set weighted back by 1/a, is what rejection alone sets aside (70% by design)
    for imp in (bounded, rejection_alone):
        assert abs(imp.diagnostics["bound_rejected_share"] - 0.7) < 0.05
    # the draws kept are those with lower selection factors, not only lower counts
    factor = {name: imp.selection.set_index(["fiscal_year", "forces"]).loc[("2018/19", "printed in another year"),
                                                                           "multiplier"]
              for name, imp in (("free", free), ("bounded", bounded))}
    assert factor["bounded"] < factor["free"]
    # the applied totals still hold exactly in every draw
    for total in totals:
        assert np.all(year_sums(cells, bounded, total.years[0]) == total.total)
    assert "applied as an upper bound" in bounded.diagnostics["log"]["U1"]
    # the kept draws rest on fewer distinct proposals once the bound sets most aside, and the diagnostics say so
    kept = {name: imp.diagnostics["kept_effective_sample_size"] for name, imp in (("free", free), ("bounded", bounded))}
    assert kept["bounded"] < kept["free"] <= 1000
    assert kept["bounded"] <= bounded.diagnostics["kept_distinct_proposals"] <= 1000


def test_an_upper_bound_that_does_not_bind_changes_no_draw():
    cells, names, totals = synthetic_bound_panel()
    fit = synthetic_fit(cells, names)
    free = impute_with_selection(cells, fit, totals, 1000, 3)
    loose = impute_with_selection(cells, fit, totals + [synthetic_bound(names, 1e9)], 1000, 3)
    np.testing.assert_array_equal(free.draws, loose.draws)
    pd.testing.assert_frame_equal(free.selection.drop(columns="basis"), loose.selection.drop(columns="basis"))
    assert loose.diagnostics["bound_rejected_share"] == 0.0


def test_a_bound_over_responders_bounds_only_the_responders_cells():
    """A release saying that all but two of the geography's forces responded bounds the sum of at
    least that many, less the outside force, of the modelled forces: here the two largest cells
    without a figure can lie outside it, so the full year's sum may exceed the bound."""
    cells, names, totals = synthetic_bound_panel()
    fit = synthetic_fit(cells, names)
    responded = len(names) + 1 - 2  # every force of the geography but two
    free = impute_with_selection(cells, fit, totals, 1000, 3)
    limit = float(np.quantile(year_sums(cells, free), 0.3))
    bounded = impute_with_selection(cells, fit, totals + [synthetic_bound(names, limit, responded=responded)], 1000, 3)
    sums = bounded.diagnostics["bound_sums"]["U1"]
    assert (sums <= limit).all()
    assert (year_sums(cells, bounded) >= sums).all() and (year_sums(cells, bounded) > sums).any()


def test_of_differing_bounds_on_the_same_cells_the_latest_release_applies_and_the_others_say_so():
    cells, names, totals = synthetic_bound_panel()
    later = replace(synthetic_bound(names, 9e4, "U2"), applied=False, role=UNAPPLIED_BOUND, reason="",
                    release_date="2021-01-01")
    earlier = replace(synthetic_bound(names, 8e4, "U3"), applied=False, role=UNAPPLIED_BOUND, reason="")
    chosen = {c.record_id: c for c in choose_constraints(totals + [later, earlier], cells, ["synthetic"])}
    assert chosen["U2"].applied and chosen["U2"].role == BOUND
    assert chosen["U2"].reason.startswith("applied as an upper bound: covers Synthforce outside")
    assert chosen["U2"].reason.endswith("the cells of every modelled force sum to at most 90,000")
    assert not chosen["U3"].applied and chosen["U3"].role == UNAPPLIED_BOUND
    assert ("U2 (2021-01-01, 90,000 over every force) is the latest release's figure for these cells, and this "
            f"earlier figure (80,000, {earlier.release_date}) is another vintage") in chosen["U3"].reason
    # two figures in one release: the lower binds, and the other says so (not that it is an earlier vintage)
    higher = replace(synthetic_bound(names, 9.5e4, "U8"), applied=False, role=UNAPPLIED_BOUND, reason="",
                     release_date="2021-01-01")
    lower = replace(synthetic_bound(names, 9e4, "U2"), applied=False, role=UNAPPLIED_BOUND, reason="",
                    release_date="2021-01-01")
    same_release = {c.record_id: c for c in choose_constraints(totals + [lower, higher], cells, ["synthetic"])}
    assert same_release["U2"].applied and not same_release["U8"].applied
    assert same_release["U8"].reason == (
        "not applied: U2, of the same release (2021-01-01), prints the lower figure for these cells (90,000 over "
        "every force, against 95,000), and the lower bound is the one that binds; scored out of sample")
    # at an equal figure, the release that states its responders wins over a copy taken as complete
    stated = replace(synthetic_bound(names, 8e4, "U4", responded=len(names)), applied=False, role=UNAPPLIED_BOUND,
                     reason="")
    assumed = replace(synthetic_bound(names, 8e4, "U5"), applied=False, role=UNAPPLIED_BOUND, reason="",
                      count_stated=False)
    chosen_equal = {c.record_id: c for c in choose_constraints(totals + [assumed, stated], cells, ["synthetic"])}
    assert chosen_equal["U4"].applied and not chosen_equal["U5"].applied
    assert "U4 prints the same figure and states how many forces responded" in chosen_equal["U5"].reason
    assert [c.record_id for c in chosen.values() if c.applied and c.role == "constraint"] == \
        [t.record_id for t in totals]  # the bounds change no equality total's choice


def test_a_bound_names_the_modelled_force_known_to_have_given_no_figure():
    cells, names, totals = synthetic_bound_panel()
    silent = next(f for f in names if not cells.loc[(cells["force"] == f) & (cells["year"] == BOUND_YEAR),
                                                     "observed"].any())
    cells = cells.copy()
    cells.loc[(cells["force"] == silent) & (cells["year"] == BOUND_YEAR), "status"] = "not_provided"
    complete = replace(synthetic_bound(names, 9e4, "U6"), applied=False, role=UNAPPLIED_BOUND, reason="")
    chosen = {c.record_id: c for c in choose_constraints(totals + [complete], cells, ["synthetic"])}
    assert chosen["U6"].without_figure == (silent,)
    assert candidates_table([chosen["U6"]])["forces_without_figure"].tolist() == [silent]
    assert chosen["U6"].reason.endswith(f"the cells of every modelled force except {silent}, which gave no figure "
                                        f"for {BOUND_YEAR}/{(BOUND_YEAR + 1) % 100:02d}, sum to at most 90,000")
    one_short = replace(synthetic_bound(names, 9e4, "U7", responded=len(names)), applied=False, role=UNAPPLIED_BOUND,
                        reason="")
    chosen = {c.record_id: c for c in choose_constraints(totals + [one_short], cells, ["synthetic"])}
    assert (f"at least {len(names) - 1} of the {len(names)} modelled forces (not {silent}, which gave no figure for "
            f"{BOUND_YEAR}/{(BOUND_YEAR + 1) % 100:02d}, which makes every force outside the model a responder)"
            in chosen["U7"].reason)


def test_a_total_over_modelled_and_outside_forces_is_a_candidate_bound_less_the_outside_printed_figures():
    geographies = SimpleNamespace(for_record=lambda record_id, label: SimpleNamespace(
        id="synthetic_uk", forces=("Northshire", "Southshire", OUTSIDE), outside_register=()))
    claims = pd.DataFrame({"record_id": ["U1", "U2"], "measure": ["synthetic_series"] * 2, "level": ["national"] * 2,
                           "fiscal_year": ["2016/17", "2017/18"], "geography": ["UK"] * 2, "force": [None, None],
                           "value": [1000, 1200], "forces_responded": [3, 2], "release_date": ["2020-01-01"] * 2})
    candidates = {c.record_id: c for c in candidate_totals(claims, "synthetic_series", geographies,
                                                           ["Northshire", "Southshire"], [2016, 2017],
                                                           outside_figures={(OUTSIDE, 2016): 300.0})}
    assert candidates["U1"].role == UNAPPLIED_BOUND and candidates["U1"].outside == (OUTSIDE,)
    assert candidates["U1"].bound == 700.0 and candidates["U2"].bound == 1200.0
    assert candidates["U1"].modelled().responded is None  # every force responded
    assert candidates["U2"].modelled().responded == 1  # 2 of 3: at least 1 of the modelled 2
    assert candidates["U2"].modelled().forces == ("Northshire", "Southshire")


def test_a_left_out_bound_is_reported_as_a_share_of_draws_and_left_out_of_coverage():
    cells, names, totals = synthetic_bound_panel()
    fit = synthetic_fit(cells, names)
    free = impute_with_selection(cells, fit, totals, 1000, 3)
    bound = synthetic_bound(names, float(np.quantile(year_sums(cells, free), 0.3)))
    checks = published_total_checks(cells, "synthetic_series", fit, totals + [bound], 500, 5)
    row = checks[(checks["record_id"] == "U1") & (checks["model"] == NEW_MODEL)].iloc[0]
    assert row["role"] == BOUND_ROLE and pd.isna(row["inside"]) and row["bound"] == bound.total
    assert 0.0 < row["share_at_or_below_bound"] < 0.6  # predicted without it, most draws lie above it
    assert "upper bound on its modelled forces" in row["method"]
    with_bound = coverage_summary(checks, pd.DataFrame(columns=["series", "model", "scheme", "covered"]))
    without = coverage_summary(checks[checks["record_id"] != "U1"],
                               pd.DataFrame(columns=["series", "model", "scheme", "covered"]))
    pd.testing.assert_frame_equal(with_bound, without)


def test_the_constraints_table_names_the_applied_bound():
    cells, names, totals = synthetic_bound_panel()
    fit = synthetic_fit(cells, names)
    bound = synthetic_bound(names, 1e9)
    imp = impute_with_selection(cells, fit, totals + [bound], 200, 3)
    table = constraints_table(totals + [bound], imp).set_index("record_id")
    assert table.at["U1", "role"] == BOUND and bool(table.at["U1", "applied"])
    assert table.at["U1", "imputation"].startswith("applied as an upper bound")


def test_a_fold_below_the_minimum_effective_sample_size_is_listed_but_not_scored():
    cells, names, totals = synthetic_selected_panel(2, forces=16, years=4, bias=-1.5)
    fit = synthetic_fit(cells, names)
    scored = held_out_cell_checks(cells, "synthetic_series", fit, totals, 100, 1, "pearson", oversample=2)
    unscored = held_out_cell_checks(cells, "synthetic_series", fit, totals, 100, 1, "pearson", oversample=2,
                                    min_effective_sample_size=1e9)
    new_scored = scored[scored["model"] == NEW_MODEL]
    new_unscored = unscored[unscored["model"] == NEW_MODEL]
    assert (new_scored["note"] == "").all()
    assert new_scored.loc[new_scored["estimate"].notna(), "covered"].notna().all()
    assert new_scored["covered"].notna().sum() > 0
    assert new_unscored["covered"].isna().all()
    assert new_unscored["note"].str.startswith("not scored: its kept draws count as").all()
    # the rule reads the kept draws (at most the 100 drawn), not the importance weights' effective sample size
    assert (new_scored["kept_effective_sample_size"] <= 100).all()
    # rerun with 4, 16 and then 64 times the proposals before giving up
    assert (new_unscored["proposals"] == 100 * 2 * RETRY_FACTOR ** MAX_RETRIES).all() and MAX_RETRIES == 3
    summary = coverage_summary(pd.DataFrame(columns=["series", "model", "record_id", "kind", "inside"]), unscored)
    new_rows = summary[summary["model"] == NEW_MODEL]
    assert (new_rows["scored"] == 0).all() and (new_rows["not_scored"] > 0).all()


def test_the_tilted_resampling_targets_what_rejection_alone_targets_and_needs_its_correction():
    """Resampling the proposals by weight x a (a: the approximate chance of staying within the
    bound) and the kept draws by 1/a keeps the draws rejection alone gives, within Monte Carlo
    error, over replicate seeds; without the 1/a correction (the kept draws reweighted by a) the
    year's sum and its selection factor come out measurably lower."""
    cells, names, totals = synthetic_bound_panel()
    fit = synthetic_fit(cells, names)
    free = impute_with_selection(cells, fit, totals, 1000, 3)
    bound = synthetic_bound(names, float(np.quantile(year_sums(cells, free), 0.3)))
    seeds = range(10, 18)
    results = {"rejection": [], "tilted": [], "uncorrected": []}
    rejected = {"rejection": [], "tilted": []}
    tilted_aside = []
    for seed in seeds:
        alone = impute_with_selection(cells, fit, totals + [bound], 2000, seed, tilt=BoundTilt(defensive=1.0))
        tilted = impute_with_selection(cells, fit, totals + [bound], 2000, seed)
        assert (alone.diagnostics["bound_tilt"] == 1.0).all()
        a = tilted.diagnostics["bound_tilt"]
        assert a.min() < 0.5 and a.max() <= 1.0  # the tilt is not flat: the correction has work to do
        for name, imp, weight in (("rejection", alone, np.ones(2000)), ("tilted", tilted, np.ones(2000)),
                                  ("uncorrected", tilted, a)):
            sums = year_sums(cells, imp)
            assert (sums <= bound.total).all()
            results[name].append(np.average(sums, weights=weight))
        rejected["rejection"].append(alone.diagnostics["bound_rejected_share"])
        rejected["tilted"].append(tilted.diagnostics["bound_rejected_share"])
        tilted_aside.append(tilted.diagnostics["bound_tilted_rejected_share"])
    means = {name: np.mean(values) for name, values in results.items()}
    se = {name: np.std(values, ddof=1) / np.sqrt(len(seeds)) for name, values in results.items()}
    both = np.hypot(se["rejection"], se["tilted"])
    assert abs(means["tilted"] - means["rejection"]) < 3 * both
    # dropping the correction shifts the year's sum down, well beyond the Monte Carlo error
    shift = means["rejection"] - means["uncorrected"]
    assert shift > 6 * np.hypot(se["rejection"], se["uncorrected"])
    assert shift > 3 * abs(means["tilted"] - means["rejection"])
    # and the tilt sets fewer count sets aside, while the share it reports, each count set weighted back by 1/a,
    # is the share rejection alone sets aside
    assert np.mean(tilted_aside) < np.mean(rejected["rejection"]) - 0.15
    assert abs(np.mean(rejected["tilted"]) - np.mean(rejected["rejection"])) < 0.03


def test_a_bound_every_proposal_meets_almost_surely_changes_no_draw():
    """Far above every unbounded draw (twenty standard deviations past the largest), the approximate
    chance of staying within the bound is within NEAR_CERTAIN of 1 for every proposal with weight:
    no tilt. (At ten, a few far-out proposals still get a < 1, and the resampling changes.)"""
    cells, names, totals = synthetic_bound_panel()
    fit = synthetic_fit(cells, names)
    free = impute_with_selection(cells, fit, totals, 1000, 3)
    sums = year_sums(cells, free)
    far = impute_with_selection(cells, fit, totals + [synthetic_bound(names, sums.max() + 20 * sums.std())], 1000, 3)
    np.testing.assert_array_equal(free.draws, far.draws)
    assert (far.diagnostics["bound_tilt"] == 1.0).all() and far.diagnostics["bound_rejected_share"] == 0.0
    assert "weighted back" not in far.diagnostics["log"]["U1"]


def test_the_bounds_chance_ignores_cells_outside_the_bound_even_where_their_means_overflow():
    """A proposal whose means overflow (infinite) on a cell outside the bound still gets a chance
    from the bound's own cells, not NaN (inf x 0), so the tilted resampling cannot fail on it."""
    bound = _BoundBlock("U1", np.array([0, 1]), np.array([True, True]), 2, 0.0, 10.0)
    column = np.arange(3)
    mean = np.array([[2.0, 3.0, np.inf], [2.0, 3.0, 4.0]])
    var = mean + 0.1 * mean ** 2
    member = np.ones((2, 2), dtype=bool)
    log_within = _bound_log_within([bound], [member], [], [], column, mean, var)
    assert np.isfinite(log_within).all()
    assert log_within[0] == log_within[1]  # the overflowing cell lies outside the bound
