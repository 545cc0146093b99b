"""A negative-binomial count model with partially pooled force and year effects.

For the printed cells of one series (force f, year t, child population P):

    y_ft ~ NB2(mu_ft, alpha)          variance mu + alpha * mu^2
    log mu_ft = log P_ft + b0 + b1 * (t - centre) + d_t + a_f
    a_f ~ Normal(0, sigma_force^2)    force effects, shrunk towards the average force
    d_t ~ Normal(0, sigma_year^2)     each year's departure from a log-linear trend

A force with no printed figure gets a_f drawn from Normal(0, sigma_force^2): an honest interval
for an unknown force, not one centred on a fixed point. A year resting on one or two printed
cells is shrunk towards the trend instead of taking that cell's value at face value.

The variance components and alpha are estimated by maximising the Laplace approximation of the
marginal likelihood (random effects integrated out, b0 and b1 given flat priors, so the
approximation is REML-like); the coefficients are then the posterior mode given those
estimates, with the inverse penalised information as their covariance.

The uncertainty of sigma_year and alpha is propagated into the draws: a small grid around their
estimates (log sigma_year +-1 and +-0.5, log alpha +-0.25), each point weighted by its Laplace
marginal likelihood (flat prior on the log scale, sigma_force at its estimate), and `draw`
mixes the points' Gaussian posteriors in proportion to the weights, each draw with its own
alpha. sigma_force stays at its estimate (with 44 forces it is well determined), and the
reported year effects use the estimates' mode.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special

from online_csa.common.fiscal_years import format_fiscal_year


GRID_LOG_SIGMA_YEAR = (-1.0, -0.5, 0.0, 0.5, 1.0)  # offsets from the estimate of log sigma_year
GRID_LOG_ALPHA = (-0.25, 0.0, 0.25)  # offsets from the estimate of log alpha
MAX_LOG_MEAN_STEP = 2.0  # the largest change of any printed cell's log mean in one scoring step
MODE_MAX_STEPS = 100  # penalised scoring steps a mode may take before the fit says it did not converge
GRID_MIN_WEIGHT = 1e-3  # grid points with less weight are dropped (their draws would be a handful)


@dataclass
class MixedFit:
    forces: list[str]  # every modelled force, printed or not
    years: list[int]  # every modelled year
    centre: float  # the year the trend is centred on
    params: np.ndarray  # b0, b1, d_t (len(years)), a_f (len(forces))
    cov: np.ndarray  # posterior covariance of params (inverse penalised information)
    alpha: float
    sigma_force: float
    sigma_year: float
    printed_per_year: dict[int, int]
    printed_per_force: dict[str, int]
    log_marginal: float
    # the grid over (sigma_year, alpha): weight, sigma_year, alpha, mode, covariance per point
    grid: list[tuple[float, float, float, np.ndarray, np.ndarray]] = field(default_factory=list)
    # whether the mode of the point estimate and of every grid point converged (within MODE_MAX_STEPS scoring
    # steps); None for a refit asked for a fixed number of steps, which is not run to convergence
    modes_converged: bool | None = True

    @property
    def n_years(self) -> int:
        return len(self.years)

    def design(self, forces, years) -> np.ndarray:
        """Design rows [1, t - centre, year one-hot, force one-hot] for the given cells."""
        forces, years = np.asarray(forces), np.asarray(years, dtype=int)
        year_index = {y: i for i, y in enumerate(self.years)}
        force_index = {f: i for i, f in enumerate(self.forces)}
        X = np.zeros((len(forces), 2 + len(self.years) + len(self.forces)))
        X[:, 0] = 1.0
        X[:, 1] = years - self.centre
        X[np.arange(len(years)), 2 + np.array([year_index[y] for y in years], dtype=int)] = 1.0
        X[np.arange(len(forces)), 2 + len(self.years) + np.array([force_index[f] for f in forces], dtype=int)] = 1.0
        return X

    def points(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The grid's points as arrays: weights (summing to one), alpha, modes (points x params) and
        Cholesky factors of the covariances (points x params x params)."""
        points = self.grid or [(1.0, self.sigma_year, self.alpha, self.params, self.cov)]
        weights = np.array([p[0] for p in points], dtype=float)
        chol = np.stack([np.linalg.cholesky(cov + 1e-12 * np.eye(len(mode))) for *_, mode, cov in points])
        return (weights / weights.sum(), np.array([p[2] for p in points], dtype=float),
                np.stack([p[3] for p in points]), chol)

    def draw(self, draws: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Coefficient draws (draws x params) and alpha per draw, from the mixture over the grid of
        (sigma_year, alpha) (from the point estimates alone when there is no grid)."""
        points = self.grid or [(1.0, self.sigma_year, self.alpha, self.params, self.cov)]
        weights = np.array([p[0] for p in points])
        which = rng.choice(len(points), size=draws, p=weights / weights.sum()) if len(points) > 1 else np.zeros(
            draws, dtype=int)
        z = rng.standard_normal((draws, len(self.params)))
        theta, alpha = np.empty_like(z), np.empty(draws)
        for k, (_, _, point_alpha, mode, cov) in enumerate(points):
            rows = which == k
            chol = np.linalg.cholesky(cov + 1e-12 * np.eye(len(mode)))
            theta[rows] = mode[None, :] + z[rows] @ chol.T
            alpha[rows] = point_alpha
        return theta, alpha


def nb_log_likelihood(y: np.ndarray, mu: np.ndarray, alpha: float) -> float:
    r = 1.0 / alpha
    return float(np.sum(special.gammaln(y + r) - special.gammaln(r) - special.gammaln(y + 1)
                        + r * np.log(r / (r + mu)) + y * np.log(np.where(y > 0, mu, 1.0) / (r + mu))))


def _penalised_mode(y, X, offset, penalty: np.ndarray, alpha: float, start: np.ndarray | None,
                    tol: float = 1e-9, max_iter: int = 100):
    """Posterior mode by penalised Fisher scoring; returns (beta, mu, penalised information, converged): converged
    is whether the last step was below `tol` within `max_iter` steps."""
    beta = np.zeros(X.shape[1]) if start is None else start.copy()
    if start is None:
        beta[0] = np.log(max(y.mean(), 0.5)) - offset.mean()
    P = np.diag(penalty)
    converged = False
    for _ in range(max_iter):
        eta = X @ beta + offset
        mu = np.exp(np.clip(eta, -30, 30))
        w = mu / (1.0 + alpha * mu)
        z = eta - offset + (y - mu) / mu
        H = X.T @ (w[:, None] * X) + P
        step = np.linalg.solve(H, X.T @ (w * z)) - beta
        # a cell far above its current mean asks for a step of about y / mu on the log scale, so
        # a force whose rate lies far from the start would overshoot into the clipped range, where
        # the working response no longer matches the mean: no cell's log mean moves more than
        # MAX_LOG_MEAN_STEP per iteration (the mode is unique, so this changes the path, not the end)
        largest = np.max(np.abs(X @ step))
        if largest > MAX_LOG_MEAN_STEP:
            step *= MAX_LOG_MEAN_STEP / largest
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            converged = True
            break
    eta = X @ beta + offset
    mu = np.exp(np.clip(eta, -30, 30))
    w = mu / (1.0 + alpha * mu)
    H = X.T @ (w[:, None] * X) + P
    return beta, mu, H, converged


def laplace_log_marginal(y, X, offset, penalty: np.ndarray, alpha, start: np.ndarray | None,
                         log_det_prior: float) -> tuple[float, np.ndarray]:
    """The Laplace approximation of the log marginal likelihood of a penalised NB2 model (random
    effects integrated out, the first two coefficients flat), with the posterior mode it is taken
    at (the next evaluation's start); -inf where the approximation fails. `penalty` holds the
    prior precisions, `log_det_prior` the log determinant of the random effects' prior
    covariance."""
    beta, mu, H, _ = _penalised_mode(y, X, offset, penalty, alpha, start)
    sign, logdet_h = np.linalg.slogdet(H)
    value = (nb_log_likelihood(y, mu, alpha) - 0.5 * np.sum(penalty[2:] * beta[2:] ** 2)
             - 0.5 * log_det_prior - 0.5 * logdet_h)
    return (value if sign > 0 and np.isfinite(value) else -np.inf), beta


def fit_mixed_negative_binomial(observed: pd.DataFrame, forces: list[str], years: list[int],
                                like: MixedFit | None = None, steps: int | None = None) -> MixedFit:
    """Fit the model to the printed cells (`observed` has force, year, value, log_population);
    `forces` and `years` are every cell the model must later predict. With `like`, keep its
    variance components and alpha and refit only the coefficients (the validation refits); with
    `steps` as well, each mode is `steps` penalised scoring steps from `like`'s mode at the same
    point instead of a converged one, and the log marginal likelihood is not computed (NaN): a
    refit without a few cells starts close to its answer."""
    forces, years = list(forces), sorted(int(y) for y in years)
    centre = float(np.mean(years))
    shell = MixedFit(forces, years, centre, np.zeros(0), np.zeros((0, 0)), 1.0, 1.0, 1.0, {}, {}, 0.0)
    X = shell.design(observed["force"], observed["year"])
    y = observed["value"].to_numpy(float)
    offset = observed["log_population"].to_numpy(float)
    n_years, n_forces = len(years), len(forces)
    state = {"start": None}

    def penalty(log_sigma_force, log_sigma_year):
        return np.concatenate([[0.0, 0.0], np.full(n_years, np.exp(-2 * log_sigma_year)),
                               np.full(n_forces, np.exp(-2 * log_sigma_force))])

    def negative_log_marginal(theta):
        log_sigma_force, log_sigma_year, log_alpha = np.clip(theta, -8, 3)
        alpha = float(np.exp(log_alpha))
        log_det_prior = n_years * 2 * log_sigma_year + n_forces * 2 * log_sigma_force
        value, state["start"] = laplace_log_marginal(y, X, offset, penalty(log_sigma_force, log_sigma_year), alpha,
                                                     state["start"], log_det_prior)
        return -value

    if like is None:
        start = np.array([np.log(0.5), np.log(0.2), np.log(0.2)])
        result = optimize.minimize(negative_log_marginal, start, method="Nelder-Mead",
                                   options={"xatol": 1e-4, "fatol": 1e-6, "maxiter": 2000})
        best = result.x
    else:
        best = np.log([like.sigma_force, like.sigma_year, like.alpha])
    log_marginal = -negative_log_marginal(best) if steps is None else np.nan
    log_sigma_force, log_sigma_year, log_alpha = np.clip(best, -8, 3)
    max_iter = MODE_MAX_STEPS if steps is None else steps

    unconverged = []  # (sigma_year, alpha) of each point whose mode ran out of steps

    def mode(log_sy: float, log_a: float, start: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        beta, _, H, converged = _penalised_mode(y, X, offset, penalty(log_sigma_force, log_sy), float(np.exp(log_a)),
                                                start, max_iter=max_iter)
        if not converged:
            unconverged.append((float(np.exp(log_sy)), float(np.exp(log_a))))
        cov = np.linalg.inv(H)
        return beta, (cov + cov.T) / 2

    beta, cov = mode(log_sigma_year, log_alpha, None if like is None else like.params)
    if like is None:
        points = [(log_sigma_year + dy, log_alpha + da) for dy in GRID_LOG_SIGMA_YEAR for da in GRID_LOG_ALPHA]
        starts = [beta] * len(points)
        log_w = np.array([-negative_log_marginal(np.array([log_sigma_force, *point])) for point in points])
        weights = np.exp(log_w - log_w.max())
        weights /= weights.sum()
    else:  # the validation refits keep the grid and its weights, dropping negligible points
        points = [(np.log(sy), np.log(a)) for _, sy, a, _, _ in like.grid]
        weights = np.array([w for w, *_ in like.grid])
        starts = [point_mode for *_, point_mode, _ in like.grid]
    grid = []
    for w, (log_sy, log_a), start in zip(weights, points, starts):
        if w >= GRID_MIN_WEIGHT:  # each point's mode starts from a nearby one: the same answer, fewer steps
            grid.append((float(w), float(np.exp(log_sy)), float(np.exp(log_a)), *mode(log_sy, log_a, start)))
    per_year, per_force = Counter(observed["year"].tolist()), Counter(observed["force"].tolist())
    printed_per_year = {int(t): per_year.get(t, 0) for t in years}
    printed_per_force = {f: per_force.get(f, 0) for f in forces}
    return MixedFit(forces, years, centre, beta, cov, float(np.exp(log_alpha)), float(np.exp(log_sigma_force)),
                    float(np.exp(log_sigma_year)), printed_per_year, printed_per_force, float(log_marginal), grid,
                    modes_converged=None if steps is not None else not unconverged)


def year_effect_table(fit: MixedFit, series: str, min_cells: int, z: float = 1.959964) -> pd.DataFrame:
    """Each year's level (trend + departure) relative to the first year, as an incidence-rate
    ratio with a model-based 95% interval; a year resting on fewer than `min_cells` printed
    cells is shown but not reported as estimated (its value is mostly the trend's)."""
    rows = []
    k = len(fit.years)
    contrast = np.zeros((k, len(fit.params)))
    for i, year in enumerate(fit.years):
        contrast[i, 1] = year - fit.years[0]
        contrast[i, 2 + i] += 1.0
        contrast[i, 2] -= 1.0
    estimate = contrast @ fit.params
    se = np.sqrt(np.einsum("ij,jk,ik->i", contrast, fit.cov, contrast))
    for i, year in enumerate(fit.years[1:], start=1):
        cells = fit.printed_per_year.get(year, 0)
        estimated = cells >= min_cells and fit.printed_per_year.get(fit.years[0], 0) >= min_cells
        rows.append({"series": series, "design": "trend_with_year_and_force_random_effects",
                     "term": f"year[{format_fiscal_year(year)}] vs {format_fiscal_year(fit.years[0])}",
                     "estimate": estimate[i], "irr": np.exp(estimate[i]),
                     "irr_lower_95": np.exp(estimate[i] - z * se[i]), "irr_upper_95": np.exp(estimate[i] + z * se[i]),
                     "se_model": se[i], "printed_cells": cells, "reported_as_estimated": estimated,
                     "note": "" if estimated else (f"rests on {cells} printed cell(s) (fewer than {min_cells}): "
                                                   "mostly the trend, not an estimate of that year"),
                     "alpha": fit.alpha, "sigma_force": fit.sigma_force, "sigma_year": fit.sigma_year,
                     "n_obs": int(sum(fit.printed_per_year.values())),
                     "n_forces_printed": int(sum(1 for n in fit.printed_per_force.values() if n > 0)),
                     "modes_converged": fit.modes_converged})
    return pd.DataFrame(rows)
