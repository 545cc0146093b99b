"""Leave-one-cell-out: each printed cell predicted, as a printed cell, by the model refitted without it.

Two schemes, each for the mixed model and for the previous fixed-effects method:

* **no totals**: the held-out cell's posterior-predictive draws, with no published total (the
  previous method never conditioned a printed cell on one);
* **with totals**: as in the real imputation, the held-out cell becomes unprinted and every
  applied total that contains it still constrains it (the new model: `impute_with_selection`
  with the cell held out; the previous method: its rescaling under the totals it used). A cell
  that no applied total contains keeps its no-totals prediction.

With no totals, a third method is scored on the same cells: the previous method as the pipeline
ran it before the mixed model, with a maximum-likelihood alpha; the printed-cell width target was
its median width. Every model's draws are scored at every nominal level as well
(`interval_sharpness`), so that widths can be compared where the models cover equally often.

The mixed model's refits keep its variance components, alpha and the weights of its grid over
(sigma_year, alpha), as the other validation refits do. Without one cell, each grid point's
posterior mode moves little from the full fit's, so it is reached by `NEWTON_STEPS` penalised
Newton steps from there, for every held-out cell at once (a cells x cells mask drops each
cell from its own refit); `one_out_modes` with more steps converges to the exact refit.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import special

from online_csa.common.intervals import LOWER, UPPER, column_intervals
from online_csa.models.imputation import impute_missing_cells
from online_csa.models.imputation_validation import NEW_MODEL, PREVIOUS
from online_csa.models.interval_sharpness import coverage_width_curve, matched_width_comparison
from online_csa.models.mixed_negative_binomial import MixedFit
from online_csa.models.negative_binomial import NotIdentifiedError, fit_negative_binomial, simulate_one_cell
from online_csa.models.selection_imputation import SelectionPrior, impute_with_selection
from online_csa.models.total_constraints import TotalCandidate

NO_TOTALS = "leave-one-cell-out (no totals)"
# the previous method as the pipeline ran it before the mixed model: where the width target came from
BEFORE_MIXED_MODEL = "before the mixed model: fixed effects, maximum-likelihood alpha"
WIDTH_COLUMNS = ["series", "scheme", "model", "reference", "nominal", "scored", "draws", "reference_covered",
                 "reference_coverage", "reference_width", "coverage", "width", "matched_level", "matched_coverage",
                 "width_at_matched_coverage", "reference_width_at_matched_coverage", "width_ratio",
                 "width_ratio_replicate_mean", "width_ratio_replicate_sd", "replicates", "coverage_range_low",
                 "coverage_range_high", "width_ratio_range_min", "width_ratio_range_median", "width_ratio_range_max",
                 "interval_score", "interval_score_difference", "interval_score_difference_lower_90",
                 "interval_score_difference_upper_90", "interval_score_difference_median",
                 "cells_behind_half_the_difference", "bootstrap_resamples"]
CURVE_COLUMNS = ["series", "model", "scheme", "nominal", "scored", "covered", "coverage", "median_relative_width",
                 "mean_relative_interval_score"]
WITH_TOTALS = "leave-one-cell-out (with totals)"
NEWTON_STEPS = 2  # from the full fit's mode; the tests check the predictions against exact refits
BOOTSTRAP_RESAMPLES = 1000  # resamples of the held-out cells behind each width comparison's interval
MONTE_CARLO_REPLICATES = 8  # further sets of draws from the same refits: the Monte Carlo error of a width ratio


@dataclass
class OneOutModes:
    """Per held-out printed cell (rows, in the order of the printed cells) and grid point
    (columns): the refit's log mean of the held-out cell (offset included) and its variance."""
    log_mean: np.ndarray  # cells x grid points
    log_mean_var: np.ndarray  # cells x grid points
    weights: np.ndarray  # grid points
    alpha: np.ndarray  # grid points
    modes: np.ndarray  # cells x grid points x params
    informations: np.ndarray | None  # cells x grid points x params x params, when asked for
    held_out: list[tuple[str, int]]  # (force, year) of each held-out cell

    def draw(self, draws: int, rng: np.random.Generator) -> np.ndarray:
        """Posterior-predictive counts (draws x cells): a grid point per draw by its weight, the
        log mean from its Gaussian posterior, then a gamma-Poisson count."""
        cells = self.log_mean.shape[0]
        which = rng.choice(len(self.weights), size=(draws, cells), p=self.weights / self.weights.sum())
        column = np.arange(cells)[None, :]
        eta = self.log_mean[column, which] + np.sqrt(self.log_mean_var[column, which]) * rng.standard_normal(
            (draws, cells))
        alpha = self.alpha[which]
        return rng.poisson(rng.gamma(1 / alpha, np.exp(eta) * alpha)).astype(float)


def _grid(fit: MixedFit) -> list[tuple[float, float, float, np.ndarray]]:
    """(weight, sigma_year, alpha, mode) of every grid point, or the point estimates alone."""
    return [(w, sy, a, mode) for w, sy, a, mode, _ in fit.grid] or [(1.0, fit.sigma_year, fit.alpha, fit.params)]


def _weighted_cross(weight: np.ndarray, X: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """X' diag(weight[i]) X + diag(penalty) for every row i of `weight` (refits x cells)."""
    return np.matmul(X.T[None, :, :] * weight[:, None, :], X) + np.diag(penalty)[None, :, :]


def one_out_refits(X: np.ndarray, y: np.ndarray, offset: np.ndarray, penalty: np.ndarray, alpha, mode: np.ndarray,
                   steps: int = NEWTON_STEPS) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A penalised NB2 model (design X, prior precisions `penalty`, `alpha` one value or one per
    cell) refitted without each of its cells, by `steps` Newton steps from the full fit's `mode`,
    every held-out cell at once: per held-out cell, the refit's log mean of that cell (offset
    included), its variance (the inverse penalised Fisher information at the refit's mode, as the
    full fit's covariance), the refit's mode and that information."""
    n = len(y)
    keep = 1.0 - np.eye(n)  # row i: every cell but i
    beta = np.repeat(mode[None, :], n, axis=0)
    for _ in range(steps):  # Newton (observed information): quadratic convergence from a nearby start
        mu = np.exp(np.clip(beta @ X.T + offset[None, :], -30, 30))  # held-out refit i x cells
        hessian = _weighted_cross(keep * mu * (1.0 + alpha * y[None, :]) / (1.0 + alpha * mu) ** 2, X, penalty)
        score = (keep * (y[None, :] - mu) / (1.0 + alpha * mu)) @ X - beta * penalty[None, :]
        beta = beta + np.linalg.solve(hessian, score[:, :, None])[:, :, 0]
    mu = np.exp(np.clip(beta @ X.T + offset[None, :], -30, 30))
    information = _weighted_cross(keep * mu / (1.0 + alpha * mu), X, penalty)  # as the full fit's covariance
    log_mean = np.einsum("ij,ij->i", X, beta) + offset
    log_mean_var = np.einsum("ij,ij->i", X, np.linalg.solve(information, X[:, :, None])[:, :, 0])
    return log_mean, log_mean_var, beta, information


def one_out_modes(fit: MixedFit, printed: pd.DataFrame, steps: int = NEWTON_STEPS,
                  keep_information: bool = False) -> OneOutModes:
    """The mixed model refitted without each printed cell of `printed` (the cells `fit` was
    fitted to), at every grid point, by `steps` penalised Newton steps from the full
    fit's mode, all held-out cells at once; the covariance is the inverse penalised Fisher
information at the new mode, as in the full fit."""
    X = fit.design(printed["force"], printed["year"])
    y = printed["value"].to_numpy(float)
    offset = printed["log_population"].to_numpy(float)
    n, p = X.shape
    grid = _grid(fit)
    log_mean, log_mean_var = np.empty((n, len(grid))), np.empty((n, len(grid)))
    modes = np.empty((n, len(grid), p))
    informations = np.empty((n, len(grid), p, p)) if keep_information else None
    for k, (_, sigma_year, alpha, mode) in enumerate(grid):
        penalty = np.concatenate([[0.0, 0.0], np.full(fit.n_years, sigma_year ** -2.0),
                                  np.full(len(fit.forces), fit.sigma_force ** -2.0)])
        log_mean[:, k], log_mean_var[:, k], beta, information = one_out_refits(X, y, offset, penalty, alpha, mode,
                                                                                steps)
        modes[:, k] = beta
        if keep_information:
            informations[:, k] = information
    weights = np.array([w for w, *_ in grid])
    alphas = np.array([a for _, _, a, _ in grid])
    held_out = list(zip(printed["force"], printed["year"].astype(int)))
    return OneOutModes(log_mean, log_mean_var, weights, alphas, modes, informations, held_out)


def refit_without(fit: MixedFit, modes: OneOutModes, j: int) -> MixedFit:
    """The MixedFit without the j-th printed cell, from `one_out_modes(..., keep_information=True)`:
    for the imputation, which draws coefficients from each grid point's Gaussian posterior."""
    grid = []
    for k, (w, sigma_year, alpha, _) in enumerate(_grid(fit)):
        cov = np.linalg.inv(modes.informations[j, k])
        grid.append((w, sigma_year, alpha, modes.modes[j, k], (cov + cov.T) / 2))
    force, year = modes.held_out[j]
    per_force = {**fit.printed_per_force, force: fit.printed_per_force[force] - 1}
    per_year = {**fit.printed_per_year, year: fit.printed_per_year[year] - 1}
    return replace(fit, params=grid[0][3], cov=grid[0][4], grid=grid if fit.grid else [], printed_per_force=per_force,
                   printed_per_year=per_year)


def _score(series, model, scheme, cells: pd.DataFrame, rows: np.ndarray, sims: np.ndarray) -> list[dict]:
    out = []
    lower, median, upper, estimable = column_intervals(sims)  # a cell with a NaN draw is not scored
    for j, i in enumerate(rows):
        y = float(cells.at[i, "value"])
        row = {"series": series, "model": model, "scheme": scheme, "fold": cells.at[i, "force"],
               "force": cells.at[i, "force"], "fiscal_year": cells.at[i, "fiscal_year"], "observed": y}
        if not estimable[j]:
            out.append({**row, "estimate": np.nan, "lower_90": np.nan, "upper_90": np.nan, "covered": pd.NA})
            continue
        out.append({**row, "estimate": median[j], "lower_90": lower[j], "upper_90": upper[j],
                    "covered": bool(lower[j] <= y <= upper[j])})
    return out


def _contains(totals, cells: pd.DataFrame, i: int) -> bool:
    cell = (cells.at[i, "force"], int(cells.at[i, "year"]))
    return any(cell[0] in total.forces and cell[1] in total.years for total in totals)


def _only(n: int, i: int) -> np.ndarray:
    """A mask of `n` cells that holds cell `i` alone."""
    held = np.zeros(n, dtype=bool)
    held[i] = True
    return held


def _previous_method_draws(cells: pd.DataFrame, rows_printed: np.ndarray, alpha_method: str, draws: int,
                           rng: np.random.Generator) -> tuple[np.ndarray, list]:
    """Each printed cell's draws (draws x printed cells) from the previous method (fixed force and
    year effects, alpha by `alpha_method`) refitted without it, and the refits; a cell without
    which the method is not identified gets NaN draws and no refit."""
    observed = cells["observed"].to_numpy()
    try:
        full = fit_negative_binomial(cells[observed], design="year_effects", alpha_method=alpha_method, robust=False)
    except NotIdentifiedError:
        full = None
    fits = []
    for i in rows_printed:
        try:
            fits.append(fit_negative_binomial(cells[observed & ~_only(len(cells), i)], design="year_effects",
                                              alpha_method=alpha_method, robust=False, near=full))
        except NotIdentifiedError:
            fits.append(None)
    return _draws_from_refits(fits, cells, rows_printed, draws, rng), fits


def _draws_from_refits(fits: list, cells: pd.DataFrame, rows_printed: np.ndarray, draws: int,
                       rng: np.random.Generator) -> np.ndarray:
    """Each held-out cell's draws (draws x printed cells) from its refit; NaN where there is none."""
    sims = np.full((draws, len(rows_printed)), np.nan)
    for j, (i, refit) in enumerate(zip(rows_printed, fits)):
        if refit is not None:
            sims[:, j] = simulate_one_cell(refit, cells.at[i, "force"], int(cells.at[i, "year"]),
                                           float(cells.at[i, "log_population"]), draws, rng)
    return sims


@dataclass
class OneOutChecks:
    cells: pd.DataFrame  # one row per held-out cell, model and scheme: its 90% interval
    curves: pd.DataFrame  # per model and scheme: coverage and width at every nominal level (CURVE_COLUMNS)
    widths: pd.DataFrame  # with no totals: each model's width at the reference's coverage (matched_width_comparison)


def leave_one_cell_out_checks(cells: pd.DataFrame, series: str, fit: MixedFit, draws: int, seed: int,
                              alpha_method: str, candidates: list[TotalCandidate] | None = None,
                              previous_totals=(), oversample: int = 2,
                              prior: SelectionPrior = SelectionPrior(), with_reference: bool = True) -> OneOutChecks:
    """Each printed cell predicted by each model refitted without it: with no published total
    and, given `candidates` (the series' totals; the applied ones constrain) and
    `previous_totals` (the totals the previous method used, as TotalConstraints), with the
    totals that contain it applied as in the real imputation. With no totals and
    `with_reference` (the series the printed-cell width target is about), also the method the
    pipeline used before the mixed model (the previous method with a maximum-likelihood alpha),
    whose intervals the target was taken from, and every model compared with it at matched
    coverage. Each model's draws are also scored at every nominal level (`interval_sharpness`),
    on the cells every model scores."""
    cells = cells.reset_index(drop=True)
    observed = cells["observed"].to_numpy()
    rows_printed = np.flatnonzero(observed)
    applied = [c for c in candidates or [] if c.applied and not c.is_bound]
    in_total = np.array([_contains(applied, cells, i) for i in rows_printed], dtype=bool)
    rng = np.random.default_rng(seed)
    modes = one_out_modes(fit, cells.iloc[rows_printed], keep_information=bool(in_total.any()))
    new = modes.draw(draws, rng)
    old, previous_fits = _previous_method_draws(cells, rows_printed, alpha_method, draws, rng)
    if with_reference:
        old_ml, ml_fits = _previous_method_draws(cells, rows_printed, "ml", draws, rng)
    old_totals = old.copy()
    for j, i in enumerate(rows_printed):
        if previous_fits[j] is not None and candidates is not None and _contains(previous_totals, cells, i):
            hidden = cells.assign(observed=observed & ~_only(len(cells), i))
            imp = impute_missing_cells(hidden, previous_fits[j], list(previous_totals), draws, seed + j)
            old_totals[:, j] = imp.missing_draws[:, np.searchsorted(np.flatnonzero(~hidden["observed"].to_numpy()), i)]
    y = cells["value"].to_numpy(float)[rows_printed]
    scored = [(NEW_MODEL, NO_TOTALS, new), (PREVIOUS, NO_TOTALS, old)]
    scored += [(BEFORE_MIXED_MODEL, NO_TOTALS, old_ml)] if with_reference else []
    if candidates is not None:
        new_totals = new.copy()
        for j in np.flatnonzero(in_total):
            imp = impute_with_selection(cells, refit_without(fit, modes, j), applied, draws, seed + j,
                                        held_out=_only(len(cells), rows_printed[j]), oversample=oversample,
                                        prior=prior)
            new_totals[:, j] = imp.draws[:, np.searchsorted(imp.unprinted, rows_printed[j])]
        scored += [(NEW_MODEL, WITH_TOTALS, new_totals), (PREVIOUS, WITH_TOTALS, old_totals)]
    rows = [row for model, scheme, sims in scored for row in _score(series, model, scheme, cells, rows_printed, sims)]
    out = pd.DataFrame(rows)
    out["covered"] = out["covered"].astype("boolean")
    # the curves compare the models like for like: on the cells every model scores
    common = np.all([~np.isnan(sims).any(axis=0) for _, _, sims in scored], axis=0)
    curves = pd.concat([coverage_width_curve(sims[:, common], y[common]).assign(series=series, model=model,
                                                                                scheme=scheme)
                        for model, scheme, sims in scored], ignore_index=True)
    if not with_reference:
        return OneOutChecks(out, curves[CURVE_COLUMNS], pd.DataFrame(columns=WIDTH_COLUMNS))
    no_totals = {model: sims[:, common] for model, scheme, sims in scored if scheme == NO_TOTALS}

    def replicate(r: int) -> dict[str, np.ndarray]:  # the same refits, fresh draws: only the Monte Carlo differs
        again = np.random.default_rng([seed, r])  # the new model and the reference only: the ratio the chapter reads
        fresh = {NEW_MODEL: modes.draw(draws, again),
                 BEFORE_MIXED_MODEL: _draws_from_refits(ml_fits, cells, rows_printed, draws, again)}
        return {model: values[:, common] for model, values in fresh.items()}

    widths = matched_width_comparison(no_totals, y[common], BEFORE_MIXED_MODEL, BOOTSTRAP_RESAMPLES, seed,
                                      replicates=[replicate(r) for r in range(1, MONTE_CARLO_REPLICATES + 1)])
    return OneOutChecks(out, curves[CURVE_COLUMNS], widths.assign(series=series, scheme=NO_TOTALS))


def noise_only_relative_width(mean: float, alpha: float) -> float:
    """Width over median of the central 90% interval of an NB2(mean, alpha) count: the interval a
    printed cell would get if its mean were known exactly, so no model with this alpha can give
    that cell a narrower one without a published total that pins it."""
    r = 1.0 / alpha
    p = r / (r + mean)
    k = np.arange(int(mean + 20 * np.sqrt(mean + alpha * mean ** 2)) + 2)
    cdf = special.betainc(r, k + 1.0, p)  # P(count <= k)
    lower, median, upper = (int(np.searchsorted(cdf, q)) for q in (LOWER, 0.5, UPPER))
    return (upper - lower) / median
