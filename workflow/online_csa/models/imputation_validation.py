"""Validate the imputation against what it did not see.

A check that scores only printed cells cannot find a bias in which cells got printed, so three
schemes are used, each scoring 90% intervals:

* **leave-one-total-out**: every usable published total (applied or not) is predicted by an
  imputation that applies neither it nor any total, of its year or cumulative over years, that
  covers one of its unprinted cells; the published figure should fall inside the interval 90% of
  the time. This is the scheme that can see selection. An upper bound (a total over modelled and
  unmodelled forces) is predicted the same way, but it is not a figure to cover: its row gives
  the share of the draws of its modelled part at or below it, and coverage leaves it out.
* **leave-one-force-out**: all printed cells of one force are held out (the model refitted
  without them) and predicted as printed cells, with every total applied.
* **leave-one-year-out**: likewise for all printed cells of one year.

The previous method (fixed force and year effects, cumulative and configured national totals
applied by rescaling) is scored on the same totals and forces, so the two can be compared.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from online_csa.common.fiscal_years import format_fiscal_year
from online_csa.common.intervals import LEVEL, central_interval, column_intervals
from online_csa.models.constraints import TotalConstraint
from online_csa.models.imputation import impute_missing_cells
from online_csa.models.mixed_negative_binomial import MixedFit, fit_mixed_negative_binomial
from online_csa.models.negative_binomial import NotIdentifiedError, fit_negative_binomial
from online_csa.models.selection_imputation import (BoundTilt, ProposalSettings, SelectionPrior,
                                                   impute_with_selection)
from online_csa.models.total_constraints import BOUND, UNAPPLIED_BOUND, TotalCandidate, sum_disagreement

NEW_MODEL = "new: mixed NB with selection factor"
NO_SELECTION = "mixed NB without selection factor"
PREVIOUS = "previous: fixed effects and rescaling"
RETRY_FACTOR, MAX_RETRIES = 4, 3  # a fold below the minimum effective sample size: 4x, 16x, then 64x the proposals
REFIT_STEPS = 4  # scoring steps from the full fit's modes per fold refit; the tests check them against exact refits
CHECK_COLUMNS = ["series", "model", "record_id", "kind", "fiscal_year", "geography", "published_value", "estimate",
                 "lower_90", "upper_90", "inside", "method", "applied_in_final", "effective_sample_size",
                 "kept_effective_sample_size", "role", "bound", "share_at_or_below_bound"]
TOTAL_ROLE, BOUND_ROLE = "total", "upper bound"  # a published total to cover, or an upper bound to stay under


def total_draws(cells: pd.DataFrame, draws: np.ndarray, candidate: TotalCandidate, rng: np.random.Generator,
                observed: np.ndarray | None = None) -> np.ndarray:
    """Draws of a published total from imputed cells: its printed cells, plus its responders'
    draws (all forces not known to have given no figure, or, with a stated count, that many,
    the forces without a figure among them drawn at random in each draw)."""
    observed = cells["observed"].to_numpy() if observed is None else observed
    unprinted = np.flatnonzero(~observed)
    column = np.full(len(cells), -1)
    column[unprinted] = np.arange(len(unprinted))
    mask = _covered(cells, candidate)
    printed = float(cells["value"].to_numpy(float)[mask & observed].sum())
    if candidate.kind == "cumulative" or candidate.responded is None:
        eligible = mask & ~observed & ((cells["status"] != "not_provided").to_numpy() | (candidate.kind == "cumulative"))
        return printed + draws[:, column[eligible]].sum(axis=1)
    eligible = np.flatnonzero(mask & ~observed & (cells["status"] != "not_provided").to_numpy())
    needed = candidate.responded - int((mask & observed).sum())
    if needed <= 0 or len(eligible) == 0:
        return np.full(draws.shape[0], printed)
    needed = min(needed, len(eligible))
    order = np.argsort(rng.random((draws.shape[0], len(eligible))), axis=1)[:, :needed]
    return printed + np.take_along_axis(draws[:, column[eligible]], order, axis=1).sum(axis=1)


def _left_out(candidate: TotalCandidate, applied: list[TotalCandidate], covered: dict[str, np.ndarray],
              observed: np.ndarray) -> list[TotalCandidate]:
    """The applied totals to drop when predicting `candidate`: itself and every applied total that
    covers one of its unprinted cells (of the same year or cumulative over years), so that no total
    the prediction keeps says anything about the cells the candidate's value rests on. `covered`:
    each total's cells (`_covered`), by record id."""
    unprinted = covered[candidate.record_id] & ~observed
    return [c for c in applied if c.record_id == candidate.record_id or (covered[c.record_id] & unprinted).any()]


def _covered(cells: pd.DataFrame, candidate: TotalCandidate) -> np.ndarray:
    """Which cells the total covers, printed or not."""
    return np.isin(cells["force"].to_numpy(), list(candidate.forces)) & np.isin(cells["year"].to_numpy(),
                                                                                list(candidate.years))


def _printed_sum(cells: pd.DataFrame, candidate: TotalCandidate) -> float:
    return float(cells["value"].to_numpy(float)[_covered(cells, candidate) & cells["observed"].to_numpy()].sum())


def _identity(series, model, candidate: TotalCandidate) -> dict:
    """The columns that say which published total, under which model, a checks row is about."""
    return {"series": series, "model": model, "record_id": candidate.record_id, "kind": candidate.kind,
            "fiscal_year": candidate.year_span, "geography": candidate.geography,
            "published_value": candidate.total, "applied_in_final": candidate.applied}


def _bound_row(series, model, candidate: TotalCandidate, values: np.ndarray, method: str) -> dict:
    """An upper bound predicted without it: not a figure to cover, but a limit the prediction's
    draws of its modelled responders' cells should stay under."""
    row = _identity(series, model, candidate) | {"inside": pd.NA, "role": BOUND_ROLE, "bound": candidate.bound}
    if np.isnan(values).any():
        return row | {"estimate": np.nan, "lower_90": np.nan, "upper_90": np.nan, "share_at_or_below_bound": np.nan,
                      "method": method + "; not estimable (a cell it covers cannot be imputed)"}
    lower, median, upper = central_interval(values)
    share = float(np.mean(values <= candidate.bound))
    verdict = ("the 90% interval lies at or below the bound" if upper <= candidate.bound else
               "the 90% interval reaches above the bound")
    return row | {"estimate": median, "lower_90": lower, "upper_90": upper, "share_at_or_below_bound": share,
                  "method": method + f"; upper bound on its modelled forces: {share:.0%} of draws at or below it, "
                                     f"{verdict}"}


def _interval_row(series, model, candidate: TotalCandidate, values: np.ndarray, method: str,
                  printed_sum: float = 0.0) -> dict:
    row = _identity(series, model, candidate) | {"role": TOTAL_ROLE, "bound": np.nan, "share_at_or_below_bound": np.nan}
    unscored = {"estimate": np.nan, "lower_90": np.nan, "upper_90": np.nan, "inside": pd.NA}
    if printed_sum > candidate.total:  # no model can reach it: the total and the cells differ in basis
        return row | unscored | {
            "method": method + f"; not scored: its own printed cells already sum to {printed_sum:,.0f}, above it"}
    if np.isnan(values).any():
        return row | unscored | {"method": method + "; not estimable (a cell it covers cannot be imputed)"}
    lower, median, upper = central_interval(values)
    interval = {"estimate": median, "lower_90": lower, "upper_90": upper}
    if np.ptp(values) == 0:  # no imputed cell moves it: a check of the printed figures, not of a model
        gap = sum_disagreement(median, candidate.total)
        return row | interval | {"inside": pd.NA,
                                 "method": method + "; not scored: every cell it covers is printed or fixed by "
                                                    "another total" + (f"; {gap}" if gap else "")}
    return row | interval | {"inside": bool(lower <= candidate.total <= upper), "method": method}


def _check_row(series, model, candidate: TotalCandidate, imputed_cells, draws, rng, method, cells) -> dict:
    """A left-out total's row: its interval and whether it holds the figure, or, for an upper
    bound, the share of draws of its modelled part at or below it."""
    if candidate.is_bound:
        modelled = candidate.modelled()
        return _bound_row(series, model, candidate, total_draws(imputed_cells, draws, modelled, rng), method)
    return _interval_row(series, model, candidate, total_draws(imputed_cells, draws, candidate, rng), method,
                         _printed_sum(cells, candidate))


def scoring_sample_size(imp) -> float:
    """What a fold's intervals rest on: its kept draws as a sample of the distinct proposals they come
    from, their weights summed per proposal (after resampling, the totals' splits and the upper bounds;
    impute_with_selection), not the importance weights' effective sample size, which is counted before
    the bounds set draws aside."""
    return imp.diagnostics["kept_effective_sample_size"]


def impute_for_scoring(cells, fit, kept, draws, seed, min_effective_sample_size: float = 0.0, oversample: int = 3,
                       **options):
    """The imputation of one validation fold: rerun with RETRY_FACTOR times the proposals (up to
    MAX_RETRIES times) while its kept draws count as fewer than `min_effective_sample_size` independent
    ones (scoring_sample_size), the reruns without the upper bounds' tilt (BoundTilt(1)); the caller scores
    it only if it then reaches the minimum."""
    imp = impute_with_selection(cells, fit, kept, draws, seed, oversample=oversample, **options)
    for retry in range(1, MAX_RETRIES + 1):
        if scoring_sample_size(imp) >= min_effective_sample_size:
            break
        # the reruns set aside draws above the bounds without tilting the proposals first (BoundTilt(1)):
        # they are for folds short of kept draws, and the tilt's weights 1/a cost effective draws
        imp = impute_with_selection(cells, fit, kept, draws, seed, oversample=oversample * RETRY_FACTOR ** retry,
                                    **{**options, "tilt": BoundTilt(defensive=1.0)})
    return imp


def too_few_effective_draws(imp, min_effective_sample_size: float) -> str:
    """Why a fold is not scored ("" if it is): its kept draws, even with more proposals, count as fewer
    independent ones than the minimum, so the tails of its 90% intervals rest on too few effective draws."""
    ess = scoring_sample_size(imp)
    if ess >= min_effective_sample_size:
        return ""
    return (f"not scored: its kept draws count as {ess:.1f} independent ones (from "
            f"{imp.diagnostics['proposals']:,} proposals), below the minimum {min_effective_sample_size:g}")


def published_total_checks(cells: pd.DataFrame, series: str, fit: MixedFit, candidates: list[TotalCandidate],
                           draws: int, seed: int, previous=None, oversample: int = 3,
                           prior: SelectionPrior = SelectionPrior(),
                           proposal: ProposalSettings = ProposalSettings(),
                           min_effective_sample_size: float = 0.0) -> pd.DataFrame:
    """Leave-one-total-out predictions of every usable published total under the new model, the
    new model without its selection factor, and (given `previous` = (fit, constraints)) the
    previous method. A fold whose importance weights leave fewer than
    `min_effective_sample_size` effective draws, even with more proposals, is not scored."""
    scored = [c for c in candidates if c.role in ("constraint", "check", BOUND, UNAPPLIED_BOUND)]
    applied = [c for c in candidates if c.applied]
    rows = []
    groups: dict[tuple[str, ...], list[TotalCandidate]] = {}
    covered = {c.record_id: _covered(cells, c) for c in scored + applied}
    observed = cells["observed"].to_numpy()
    for c in scored:
        groups.setdefault(tuple(sorted(d.record_id for d in _left_out(c, applied, covered, observed))), []).append(c)
    method = ("leave-one-total-out: imputed without itself and without every total, of its year or cumulative, "
              "that covers one of its unprinted cells")
    for n, (dropped, group) in enumerate(sorted(groups.items())):
        kept = [c for c in applied if c.record_id not in dropped]
        wanted = np.logical_or.reduce([covered[c.record_id] for c in group])
        for model, selection in ((NEW_MODEL, True), (NO_SELECTION, False)):
            imp = impute_for_scoring(cells, fit, kept, draws, seed + n, min_effective_sample_size, oversample,
                                     selection=selection, prior=prior, proposal=proposal, wanted=wanted)
            rng = np.random.default_rng(seed + 1000 + n)
            unscored = too_few_effective_draws(imp, min_effective_sample_size)
            for c in group:
                row = _check_row(series, model, c, imp.cells, imp.draws, rng, method, cells)
                if unscored:
                    row = row | {"inside": pd.NA, "method": f"{row['method']}; {unscored}"}
                rows.append(row | {"effective_sample_size": imp.diagnostics["effective_sample_size"],
                                   "kept_effective_sample_size": scoring_sample_size(imp)})
        if previous is not None:
            previous_fit, previous_constraints = previous
            kept_previous = [p for p in previous_constraints if p.record_id not in dropped]
            old = impute_missing_cells(cells, previous_fit, kept_previous, draws, seed + n)
            rng = np.random.default_rng(seed + 2000 + n)
            for c in group:
                rows.append(_check_row(series, PREVIOUS, c, old.cells, old.missing_draws, rng, method, cells))
    return pd.DataFrame(rows, columns=CHECK_COLUMNS)


def _score_cells(series, model, scheme, fold, cells, held, values) -> list[dict]:
    rows = []
    lower, median, upper, estimable = column_intervals(values)  # a cell with a NaN draw is not scored
    for j, i in enumerate(np.flatnonzero(held)):
        y = float(cells.at[i, "value"])
        if not estimable[j]:
            rows.append({"series": series, "model": model, "scheme": scheme, "fold": fold, "force": cells.at[i, "force"],
                         "fiscal_year": cells.at[i, "fiscal_year"], "observed": y, "estimate": np.nan,
                         "lower_90": np.nan, "upper_90": np.nan, "covered": pd.NA})
            continue
        rows.append({"series": series, "model": model, "scheme": scheme, "fold": fold, "force": cells.at[i, "force"],
                     "fiscal_year": cells.at[i, "fiscal_year"], "observed": y, "estimate": median[j],
                     "lower_90": lower[j], "upper_90": upper[j], "covered": bool(lower[j] <= y <= upper[j])})
    return rows


def _without_held_out(candidates: list[TotalCandidate], cells: pd.DataFrame, held: np.ndarray) -> list[TotalCandidate]:
    """The applied totals that include none of the held-out cells: a total built partly from a
    held-out printed figure would tell the prediction what the figure was."""
    held_cells = set(zip(cells.loc[held, "force"], cells.loc[held, "year"]))
    return [c for c in candidates if c.applied
            and not any((f, y) in held_cells for f in c.forces for y in c.years)]


def held_out_cell_checks(cells: pd.DataFrame, series: str, fit: MixedFit, candidates: list[TotalCandidate],
                         draws: int, seed: int, alpha_method: str, oversample: int = 3,
                         prior: SelectionPrior = SelectionPrior(),
                         proposal: ProposalSettings = ProposalSettings(),
                         min_effective_sample_size: float = 0.0) -> pd.DataFrame:
    """Leave-one-force-out and leave-one-year-out predictions of printed cells by the new model
    and by the previous fixed-effects method, each given the same published totals: those that
    include none of the held-out cells. A fold whose importance weights leave fewer than
    `min_effective_sample_size` effective draws, even with more proposals (impute_for_scoring),
    is listed but not scored for the new model (`note` says why). The new model keeps the variance components and alpha of
    the fit to every printed cell (a slight optimism: they are not re-estimated per fold); its
    coefficients are refitted by REFIT_STEPS scoring steps from the full fit's modes."""
    cells = cells.reset_index(drop=True)
    observed = cells["observed"].to_numpy()
    rows = []
    folds = [("leave-one-force-out", f, (cells["force"] == f).to_numpy() & observed)
             for f in sorted(cells.loc[observed, "force"].unique())]
    folds += [("leave-one-year-out", format_fiscal_year(y), (cells["year"] == y).to_numpy() & observed)
              for y in sorted(cells.loc[observed, "year"].unique())]
    try:  # its alpha starts each fold's search: the same answer, in fewer steps
        previous_full = fit_negative_binomial(cells[observed], design="year_effects", alpha_method=alpha_method,
                                              robust=False)
    except NotIdentifiedError:
        previous_full = None
    for n, (scheme, fold, held) in enumerate(folds):
        rest = cells[observed & ~held]
        kept = _without_held_out(candidates, cells, held)
        refit = fit_mixed_negative_binomial(rest, fit.forces, fit.years, like=fit, steps=REFIT_STEPS)
        imp = impute_for_scoring(cells, refit, kept, draws, seed + n, min_effective_sample_size, oversample,
                                 held_out=held, prior=prior, proposal=proposal, wanted=held)
        position = np.searchsorted(imp.unprinted, np.flatnonzero(held))
        unscored = too_few_effective_draws(imp, min_effective_sample_size)
        rows += [row | {"effective_sample_size": imp.diagnostics["effective_sample_size"],
                        "kept_effective_sample_size": scoring_sample_size(imp),
                        "proposals": imp.diagnostics["proposals"], "note": unscored}
                 | ({"covered": pd.NA} if unscored else {})
                 for row in _score_cells(series, NEW_MODEL, scheme, fold, cells, held, imp.draws[:, position])]
        try:
            previous = fit_negative_binomial(rest, design="year_effects", alpha_method=alpha_method, robust=False,
                                             near=previous_full)
            hidden = cells.assign(observed=observed & ~held)
            old = impute_missing_cells(hidden, previous, previous_constraints(kept), draws, seed + 5000 + n)
            sims = old.missing_draws[:, np.searchsorted(np.flatnonzero(~hidden["observed"].to_numpy()),
                                                        np.flatnonzero(held))]
        except NotIdentifiedError:
            sims = np.full((draws, int(held.sum())), np.nan)
        rows += _score_cells(series, PREVIOUS, scheme, fold, cells, held, sims)
    out = pd.DataFrame(rows)
    out["covered"] = out["covered"].astype("boolean")
    return out


def coverage_summary(total_checks: pd.DataFrame, cell_checks: pd.DataFrame) -> pd.DataFrame:
    """Coverage of the 90% intervals per series, model and scheme, and the median relative width
    (interval width / estimate) of the scored intervals."""
    rows = []
    if "role" in total_checks:  # an upper bound is not a figure to cover: it has no place in coverage
        total_checks = total_checks[total_checks["role"] != BOUND_ROLE]
    totals = total_checks.assign(covered=total_checks["inside"])
    frames = [totals.assign(scheme="leave-one-total-out: all totals"),
              totals.assign(scheme=np.where(totals["kind"] == "cumulative", "leave-one-total-out: cumulative totals",
                                            "leave-one-total-out: one-year totals")),
              cell_checks]
    for frame in frames:
        for (series, model, scheme), group in frame.groupby(["series", "model", "scheme"], sort=True):
            scored = group[group["covered"].notna()]
            covered = scored["covered"].astype(bool)
            width = ((scored["upper_90"] - scored["lower_90"]) / scored["estimate"].where(scored["estimate"] > 0))
            rows.append({"series": series, "model": model, "scheme": scheme, "scored": len(scored),
                         "covered": int(covered.sum()), "coverage": float(covered.mean()) if len(scored) else np.nan,
                         "nominal": LEVEL, "median_relative_width": float(width.median()),
                         "not_scored": len(group) - len(scored)})
    return pd.DataFrame(rows)


def previous_constraints(candidates: list[TotalCandidate]):
    """The applied totals the previous method could use: one national total per year (its
    anchor) and force-level cumulative totals, as it used them before."""

    out = []
    for c in candidates:
        if not c.applied:
            continue
        if c.kind == "cumulative" and len(c.forces) == 1:
            out.append(TotalConstraint(c.record_id, "cumulative", c.forces, c.years, c.total, None, c.geography))
        elif c.kind == "year" and c.reason.startswith("applied: the release applied"):
            responded = c.responded if c.responded is not None else len(c.forces)
            out.append(TotalConstraint(c.record_id, "national", c.forces, c.years, c.total, responded, c.geography))
    return out
