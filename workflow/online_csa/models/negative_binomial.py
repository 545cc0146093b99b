"""Negative-binomial (NB2) count model of a force x year panel, and simulation from it.

    log E[y_ft] = a_f + g_t + log(child population_ft),   Var[y_ft] = mu + alpha * mu^2

`a_f` are force dummies (the unconditional NB with dummies: Allison & Waterman 2002 show it has
no incidental-parameter bias, unlike the Hausman-Hall-Griliches "fixed-effects" NB). `g_t` is
either one effect per year (`design="year_effects"`, first observed year the reference) or an
interrupted time series (`design="interrupted_time_series"`): a linear trend plus a level step
from each break year (e.g. 2017 for s.15A, 2020 for the pandemic year).

alpha is estimated by profile likelihood (`alpha_method="ml"`) or so that the Pearson statistic
equals its degrees of freedom (`"pearson"`, the default). Forces with a single observation are
fitted exactly, which makes maximum likelihood understate alpha; the Pearson estimator charges
for every parameter. Given alpha the coefficients are a GLM fit; standard errors are reported
cluster-robust by force (for inference about years and breaks) and model-based (for simulation:
cluster-robust variances of force dummies are zero when the force has one observation).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special

from online_csa.common.fiscal_years import format_fiscal_year

ALPHA_BOUNDS = (1e-6, 50.0)


@dataclass
class NegativeBinomialFit:
    design: str
    forces: list[str]
    years: list[int]
    breaks: list[int]
    columns: list[str]
    params: np.ndarray
    cov_model: np.ndarray | None  # None for a structured fit (see information_blocks)
    cov_cluster: np.ndarray | None
    alpha: float
    alpha_method: str
    n_obs: int
    pearson_chi2_per_df: float
    # a structured fit (many forces): the information matrix in blocks (A, B, C) instead of a
    # dense covariance; draw_coefficients samples from it exactly
    information_blocks: tuple | None = None

    @property
    def force_effects(self) -> np.ndarray:
        return self.params[: len(self.forces)]

    @property
    def force_effect_spread(self) -> tuple[float, float]:
        """Mean and standard deviation of the estimated force effects: the distribution a force
        with no observation is drawn from."""
        effects = self.force_effects
        return float(effects.mean()), float(effects.std(ddof=1)) if len(effects) > 1 else 0.0


class NotIdentifiedError(ValueError):
    """The observed cells cannot separate every force and time effect (e.g. a force whose only
    cell falls in a year no other force observed)."""


@dataclass(frozen=True)
class TimeTerm:
    """One time column of a design: a year effect (`year`: its start year), the linear trend
    (`year` None) or a level step (`year`: the start year of the break)."""
    kind: str  # "year_effect", "trend" or "level_step"
    year: int | None

    @property
    def label(self) -> str:
        if self.kind == "year_effect":
            return f"year[{format_fiscal_year(self.year)}]"
        if self.kind == "level_step":
            return f"step from {format_fiscal_year(self.year)}"
        return "trend (per year)"


def time_terms(design: str, years: list[int], breaks: list[int] = ()) -> list[TimeTerm]:
    """The time columns of a design, in the order of its coefficients (after the force dummies)."""
    if design == "year_effects":
        return [TimeTerm("year_effect", y) for y in years[1:]]
    if design == "interrupted_time_series":
        return [TimeTerm("trend", None)] + [TimeTerm("level_step", b) for b in breaks]
    raise ValueError(f"unknown design {design!r} (year_effects or interrupted_time_series)")


def design_matrix(forces_of_rows, years_of_rows, forces: list[str], years: list[int], design: str,
                  breaks: list[int] = ()) -> tuple[np.ndarray, list[str]]:
    """Columns: one dummy per force, then the time terms of the design."""
    f = np.asarray(forces_of_rows)
    t = np.asarray(years_of_rows, dtype=int)
    terms = time_terms(design, years, breaks)
    blocks = [(f[:, None] == np.asarray(forces)[None, :]).astype(float)]
    if design == "year_effects":
        blocks.append((t[:, None] == np.asarray(years[1:])[None, :]).astype(float))
    else:
        blocks.append((t - years[0]).astype(float)[:, None])
        blocks += [(t >= b).astype(float)[:, None] for b in breaks]
    return np.hstack(blocks), [f"force[{name}]" for name in forces] + [term.label for term in terms]


def _glm(y, X, offset, alpha, start=None):
    # statsmodels is imported here, not at the top: its import is slow, and the leave-one-out
    # calibration and the simulations never need it (they use the IRLS below)
    import statsmodels.api as sm

    model = sm.GLM(y, X, family=sm.families.NegativeBinomial(alpha=alpha), offset=offset)
    return model, model.fit(start_params=start)


class _IrlsFit:
    """An NB2 fit at a fixed alpha: its coefficients and means; the model covariance, the Pearson
    statistic and the log likelihood are computed when first asked for (the alpha search reads one
    of the two statistics per fit, and only the final fit's covariance)."""

    def __init__(self, params: np.ndarray, mu: np.ndarray, y: np.ndarray, X: np.ndarray, alpha: float):
        self.params, self.mu = params, mu
        self._y, self._X, self._alpha = y, X, alpha

    @functools.cached_property
    def cov(self) -> np.ndarray:
        mu, alpha, X = self.mu, self._alpha, self._X
        return np.linalg.inv((X.T * (mu / (1 + alpha * mu))) @ X)

    @functools.cached_property
    def pearson_chi2(self) -> float:
        return _pearson_chi2(self._y, self.mu, self._alpha)

    @functools.cached_property
    def llf(self) -> float:
        return _log_likelihood(self._y, self.mu, self._alpha)


def _irls(y, offset, alpha: float, beta, linear, solve, tol: float, max_iter: int):
    """Iteratively reweighted least squares for the NB2 GLM with log link and alpha fixed.

    `linear(beta)` gives the linear predictor including the offset; `solve(w, z)` gives the
    coefficients of the weighted least-squares step on the working response z (offset removed).
    Shared by the dense fit and the structured one, which differ only in those two. Returns
    (beta, mu) once the deviance settles."""
    deviance_old = np.inf
    eta = linear(beta)
    mu = np.exp(eta)
    for _ in range(max_iter):
        w = mu / (1 + alpha * mu)
        z = eta - offset + (y - mu) / mu
        beta = solve(w, z)
        eta = linear(beta)  # the next step starts from it
        mu = np.exp(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            term = np.where(y > 0, y * np.log(y / mu), 0.0)
        deviance = 2 * np.sum(term - (y + 1 / alpha) * np.log((1 + alpha * y) / (1 + alpha * mu)))
        if abs(deviance - deviance_old) <= tol * (abs(deviance) + 0.1):
            break
        deviance_old = deviance
    return beta, mu


def _log_likelihood(y, mu, alpha: float) -> float:
    inv = 1.0 / alpha
    return float(np.sum(special.gammaln(y + inv) - special.gammaln(inv) - special.gammaln(y + 1)
                        + y * np.log(alpha * mu / (1 + alpha * mu)) - inv * np.log1p(alpha * mu)))


def _pearson_chi2(y, mu, alpha: float) -> float:
    return float(np.sum((y - mu) ** 2 / (mu + alpha * mu ** 2)))


def irls_negative_binomial(y, X, offset, alpha: float, start=None, tol: float = 1e-10,
                           max_iter: int = 100) -> _IrlsFit:
    """The NB2 GLM (log link, alpha fixed) by iteratively reweighted least squares, in numpy.

    The same estimates as statsmodels' GLM with a NegativeBinomial family (a test checks it),
    without its per-fit overhead: the alpha search and the leave-one-out refits call this
    hundreds of times."""
    y = np.asarray(y, float)
    if start is None:  # start from a least-squares fit of log(y + 0.5)
        beta = np.linalg.lstsq(X, np.log(y + 0.5) - offset, rcond=None)[0]
    else:
        beta = np.asarray(start, float)

    def solve(w, z):
        XtW = X.T * w
        return np.linalg.solve(XtW @ X, XtW @ z)

    beta, mu = _irls(y, offset, alpha, beta, lambda b: X @ b + offset, solve, tol, max_iter)
    return _IrlsFit(beta, mu, y, X, alpha)


# Beyond this many forces (areas) the fit uses the two-way structure of the design instead of
# the dense matrix: the real panel has 44 forces; a synthetic panel of 5,000 areas x 50 years
# would need a 10 GB dense design (tools/benchmark_panel_size.py).
STRUCTURED_FROM_FORCES = 100


@dataclass
class _StructuredIrlsFit:
    """An NB2 fit whose design is one dummy per force plus a few dense time terms T. The
    information matrix X'WX = [[A, B], [B', C]] is kept in blocks: A (one number per force: the
    sum of its weights), B (forces x time terms), C (time terms x time terms)."""
    params: np.ndarray
    mu: np.ndarray
    blocks: tuple[np.ndarray, np.ndarray, np.ndarray]
    pearson_chi2: float
    llf: float


def _weighted_blocks(force_index, k: int, T: np.ndarray, w: np.ndarray):
    A = np.bincount(force_index, weights=w, minlength=k)
    B = np.column_stack([np.bincount(force_index, weights=w * T[:, j], minlength=k) for j in range(T.shape[1])]) \
        if T.shape[1] else np.zeros((k, 0))
    C = (T.T * w) @ T
    return A, B, C


def _profile_out_forces(A, B, C):
    """A^-1 B, and the Schur complement C - B' A^-1 B: the information about the time terms once
    the force effects are profiled out."""
    A_inv_B = B / A[:, None]
    return A_inv_B, C - B.T @ A_inv_B


def _solve_blocks(A, B, C, force_index, T, w, z):
    """Solve X'WX beta = X'Wz by eliminating the force block (diagonal) first."""
    k = len(A)
    b_force = np.bincount(force_index, weights=w * z, minlength=k)
    b_time = (T.T * w) @ z
    A_inv_B, schur = _profile_out_forces(A, B, C)
    gamma = np.linalg.solve(schur, b_time - A_inv_B.T @ b_force) if T.shape[1] else np.zeros(0)
    return np.concatenate([(b_force - B @ gamma) / A, gamma])


def irls_two_way(y, force_index, k: int, T: np.ndarray, offset, alpha: float, start=None, tol: float = 1e-10,
                 max_iter: int = 100) -> _StructuredIrlsFit:
    """`irls_negative_binomial` for the design [force dummies | T] without forming it: memory and
    time grow with cells x time terms, not cells x forces (a test checks it against the dense fit)."""
    y = np.asarray(y, float)
    force_index = np.asarray(force_index)

    def linear(beta):
        return beta[:k][force_index] + T @ beta[k:] + offset

    def solve(w, z):
        return _solve_blocks(*_weighted_blocks(force_index, k, T, w), force_index, T, w, z)

    if start is None:  # least squares of log(y + 0.5): one weighted step with unit weights
        beta = solve(np.ones_like(y), np.log(y + 0.5) - offset)
    else:
        beta = np.asarray(start, float)
    beta, mu = _irls(y, offset, alpha, beta, linear, solve, tol, max_iter)
    blocks = _weighted_blocks(force_index, k, T, mu / (1 + alpha * mu))
    return _StructuredIrlsFit(beta, mu, blocks, _pearson_chi2(y, mu, alpha), _log_likelihood(y, mu, alpha))


def draw_coefficients(fit: "NegativeBinomialFit", draws: int, rng: np.random.Generator) -> np.ndarray:
    """Coefficient draws (draws x parameters) from their sampling distribution N(params, cov).

    A structured fit has no dense covariance; its draws are exact all the same: the time terms
    from their marginal (covariance: the inverse of the Schur complement), then each force's
    effect from its conditional given them, N(mean - A^-1 B (gamma - mean), 1 / A)."""
    if fit.information_blocks is None:
        return rng.multivariate_normal(fit.params, fit.cov_model, size=draws, method="cholesky")
    A, B, C = fit.information_blocks
    k = len(A)
    A_inv_B, schur = _profile_out_forces(A, B, C)
    time_cov = np.linalg.inv(schur)
    gamma = rng.multivariate_normal(fit.params[k:], time_cov, size=draws, method="cholesky")
    forces = (fit.params[:k][None, :] - (gamma - fit.params[k:]) @ A_inv_B.T
              + rng.standard_normal((draws, k)) / np.sqrt(A)[None, :])
    return np.hstack([forces, gamma])


def estimate_alpha(irls, n_obs: int, n_parameters: int, method: str, guess: float | None = None,
                   start=None) -> float:
    """alpha by profile likelihood ("ml") or by Pearson chi2 = df ("pearson"), searching over
    `irls(alpha, start)` (the dense or the structured fit at a fixed alpha).

    `guess` (e.g. the alpha of the full data, when refitting without one cell) and `start`
    (coefficients to begin the IRLS from) only make the search shorter: the search first looks
    within 10% of the guess and widens (fourfold each time, up to ALPHA_BOUNDS) when the answer
    is not inside."""
    if n_obs <= n_parameters:
        raise ValueError(f"{n_obs} observations cannot fit {n_parameters} parameters")
    start = [start]
    lo, hi = np.log(ALPHA_BOUNDS)

    def fit_at(log_alpha):
        fit = irls(np.exp(log_alpha), start[0])
        start[0] = fit.params  # warm start for the next evaluation
        return fit

    if method == "ml":
        def search(bounds):
            return optimize.minimize_scalar(lambda la: -fit_at(la).llf, bounds=bounds, method="bounded",
                                            options={"xatol": 1e-5}).x
        width = 0.1
        while guess is not None and width < hi - lo:
            near = (max(lo, np.log(guess) - width), min(hi, np.log(guess) + width))
            best = search(near)
            if all(abs(best - edge) > 1e-3 or edge in (lo, hi) for edge in near):
                return float(np.exp(best))  # an interior optimum (or one on ALPHA_BOUNDS)
            width *= 4
        return float(np.exp(search((lo, hi))))
    if method == "pearson":
        def excess(log_alpha):  # decreases as alpha grows
            return fit_at(log_alpha).pearson_chi2 / (n_obs - n_parameters) - 1.0

        a, b = (lo, hi) if guess is None else (max(lo, np.log(guess) - 0.1), min(hi, np.log(guess) + 0.1))
        step = 0.4
        while excess(a) <= 0:  # widen downwards until the root is above a
            if a == lo:
                return ALPHA_BOUNDS[0]  # no overdispersion beyond Poisson
            a, b, step = max(lo, a - step), a, step * 4
        while excess(b) >= 0:  # widen upwards until the root is below b
            if b == hi:
                return ALPHA_BOUNDS[1]
            a, b, step = b, min(hi, b + step), step * 4
        return float(np.exp(optimize.brentq(excess, a, b, xtol=1e-4)))
    raise ValueError(f"unknown alpha_method {method!r} (pearson or ml)")


def fit_negative_binomial(observed: pd.DataFrame, design: str = "year_effects", breaks: list[int] = (),
                          alpha_method: str = "pearson", alpha: float | None = None,
                          robust: bool = True, near: NegativeBinomialFit | None = None) -> NegativeBinomialFit:
    """Fit the NB2 model to observed cells (columns force, year, value, log_population).

    Pass `alpha` to hold it fixed. `robust=False` skips the cluster-robust covariance (the
    leave-one-out calibration simulates from the model covariance only). `near`, a fit to
    nearly the same cells, starts the search from its alpha and coefficients: the same answer
    (to the search's tolerance), reached in fewer steps."""
    forces = sorted(observed["force"].unique())
    years = sorted(observed["year"].unique())
    y = observed["value"].to_numpy(float)
    offset = observed["log_population"].to_numpy(float)
    if not robust and len(forces) >= STRUCTURED_FROM_FORCES:
        return _fit_structured(observed, forces, years, design, breaks, alpha_method, alpha, near, y, offset)
    X, columns = design_matrix(observed["force"], observed["year"], forces, years, design, breaks)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise NotIdentifiedError(f"design {design!r} is not identified on these {len(y)} cells")
    start = near.params if near is not None and near.columns == columns else None
    if alpha is None:
        alpha = estimate_alpha(lambda a, b: irls_negative_binomial(y, X, offset, a, b), len(y), X.shape[1],
                               alpha_method, guess=near.alpha if near is not None else None, start=start)
    else:
        alpha_method = "fixed"
    if not robust:  # the fast path: numpy IRLS, model covariance only
        fit = irls_negative_binomial(y, X, offset, alpha, start)
        return NegativeBinomialFit(design=design, forces=forces, years=years, breaks=list(breaks), columns=columns,
                                   params=fit.params, cov_model=fit.cov, cov_cluster=np.full_like(fit.cov, np.nan),
                                   alpha=alpha, alpha_method=alpha_method, n_obs=len(y),
                                   pearson_chi2_per_df=fit.pearson_chi2 / (len(y) - X.shape[1]))
    model, fit = _glm(y, X, offset, alpha)
    cov_model = np.asarray(fit.cov_params())
    groups = pd.factorize(observed["force"])[0]
    cov_cluster = np.asarray(model.fit(start_params=fit.params, cov_type="cluster",
                                       cov_kwds={"groups": groups}).cov_params())
    return NegativeBinomialFit(design=design, forces=forces, years=years, breaks=list(breaks), columns=columns,
                               params=np.asarray(fit.params), cov_model=cov_model, cov_cluster=cov_cluster, alpha=alpha, alpha_method=alpha_method,
                               n_obs=len(y), pearson_chi2_per_df=float(fit.pearson_chi2 / (len(y) - X.shape[1])))


def _fit_structured(observed, forces, years, design, breaks, alpha_method, alpha, near, y, offset):
    """fit_negative_binomial (robust=False) for many forces, without the dense design."""
    force_index = pd.Categorical(observed["force"], categories=forces).codes.astype(np.intp)
    k = len(forces)
    T, time_columns = design_matrix(np.full(len(y), "-"), observed["year"], [], years, design, breaks)
    columns = [f"force[{name}]" for name in forces] + time_columns
    A, B, C = _weighted_blocks(force_index, k, T, np.ones_like(y))
    if T.shape[1] and np.linalg.matrix_rank(_profile_out_forces(A, B, C)[1]) < T.shape[1]:
        raise NotIdentifiedError(f"design {design!r} is not identified on these {len(y)} cells")
    p = k + T.shape[1]

    def irls(a, start):
        return irls_two_way(y, force_index, k, T, offset, a, start)

    start = near.params if near is not None and near.columns == columns else None
    if alpha is None:
        alpha = estimate_alpha(irls, len(y), p, alpha_method, guess=near.alpha if near is not None else None,
                               start=start)
    else:
        alpha_method = "fixed"
    fit = irls(alpha, start)
    return NegativeBinomialFit(design=design, forces=forces, years=years, breaks=list(breaks), columns=columns,
                               params=fit.params, cov_model=None, cov_cluster=None, alpha=alpha,
                               alpha_method=alpha_method, n_obs=len(y),
                               pearson_chi2_per_df=fit.pearson_chi2 / (len(y) - p), information_blocks=fit.blocks)


def coefficient_table(fit: NegativeBinomialFit, series: str, z: float = 1.959964) -> pd.DataFrame:
    """Time terms of the fit as incidence-rate ratios with model-based 95% intervals. The
    cluster-robust standard error is shown beside them but not used: with about as many forces
    as parameters its covariance is rank-deficient and too small for terms resting on few forces."""
    k = len(fit.forces)
    est = fit.params[k:]
    se_cluster = np.sqrt(np.diag(fit.cov_cluster)[k:])
    se_model = np.sqrt(np.diag(fit.cov_model)[k:])
    return pd.DataFrame({
        "series": series, "design": fit.design, "term": fit.columns[k:], "estimate": est,
        "irr": np.exp(est), "irr_lower_95": np.exp(est - z * se_model), "irr_upper_95": np.exp(est + z * se_model),
        "se_model": se_model, "se_cluster": se_cluster, "alpha": fit.alpha, "n_obs": fit.n_obs,
        "n_forces": k})


def truncated_poisson(rate: np.ndarray, lower: np.ndarray, upper: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Poisson counts with the given rates (draws x cells), each restricted to [lower, upper] of
    its cell: the exact conditional distribution, drawn by inverse CDF over the few values allowed."""
    lower, upper = np.asarray(lower, dtype=int), np.asarray(upper, dtype=int)
    width = int((upper - lower).max()) + 1
    k = lower[None, :, None] + np.arange(width)[None, None, :]  # 1 x cells x width
    allowed = k <= upper[None, :, None]
    log_pmf = k * np.log(np.maximum(rate[:, :, None], 1e-300)) - rate[:, :, None] - special.gammaln(k + 1)
    log_pmf = np.where(allowed, log_pmf, -np.inf)
    weights = np.exp(log_pmf - log_pmf.max(axis=2, keepdims=True))
    cdf = np.cumsum(weights, axis=2) / weights.sum(axis=2, keepdims=True)
    u = rng.random(rate.shape)[:, :, None]
    return (lower[None, :] + (u > cdf).sum(axis=2)).astype(float).clip(None, upper[None, :])


def predictive_log_mean(fit: NegativeBinomialFit, force: str, year: int, log_population: float) -> tuple[float, float]:
    """The mean and variance of one cell's log mean under `simulate_counts`' draws: the
    coefficients' sampling distribution (and, for a force with no observation, a force effect
    from the spread of the estimated ones, independent of them), or (NaN, NaN) where the cell's
    year has no estimated effect. Its exp is a normal on the log scale, so one cell's draws need
    no draw of every coefficient."""
    if fit.design == "year_effects" and int(year) not in fit.years:
        return np.nan, np.nan
    X_time, _ = design_matrix(np.array(["-"]), np.array([int(year)]), [], fit.years, fit.design, fit.breaks)
    x_time = X_time[0]
    k = len(fit.forces)
    known = force in fit.forces
    i = fit.forces.index(force) if known else None
    if fit.information_blocks is None:
        time_cov = fit.cov_model[k:, k:]
        mean = x_time @ fit.params[k:]
        if known:
            x = np.concatenate([np.eye(k)[i], x_time])
            return float(x @ fit.params + log_population), float(x @ fit.cov_model @ x)
    else:
        A, B, C = fit.information_blocks
        A_inv_B, schur = _profile_out_forces(A, B, C)
        time_cov = np.linalg.inv(schur)
        mean = x_time @ fit.params[k:]
        if known:  # force_i = its estimate - A^-1 B (gamma - estimate) + noise of variance 1 / A_i
            direction = x_time - A_inv_B[i]
            return (float(fit.params[i] + mean + log_population),
                    float(direction @ time_cov @ direction + 1.0 / A[i]))
    spread_mean, spread_sd = fit.force_effect_spread
    return float(spread_mean + mean + log_population), float(x_time @ time_cov @ x_time + spread_sd ** 2)


def simulate_one_cell(fit: NegativeBinomialFit, force: str, year: int, log_population: float, draws: int,
                      rng: np.random.Generator) -> np.ndarray:
    """One unbounded cell's posterior-predictive draws, distributed as `simulate_counts`' for it:
    a log mean from `predictive_log_mean`'s normal, then a gamma-Poisson count; NaN where the
    cell's year has no estimated effect."""
    mean, var = predictive_log_mean(fit, force, year, log_population)
    if np.isnan(mean):
        return np.full(draws, np.nan)
    mu = np.exp(mean + np.sqrt(var) * rng.standard_normal(draws))
    shape = 1.0 / fit.alpha
    return rng.poisson(rng.gamma(shape, mu / shape)).astype(float)


def simulate_counts(fit: NegativeBinomialFit, forces, years, log_population, draws: int,
                    rng: np.random.Generator, lower=None, upper=None) -> np.ndarray:
    """Posterior-predictive draws (draws x cells) for the given cells.

    A cell with bounds (`lower`/`upper` not NaN: a suppressed small count) is drawn from the
    same distribution restricted to its bounds, never outside them and never as a zero it
    could not be.

    Each draw takes coefficients from their sampling distribution (multivariate normal, model
    covariance), then a count from NB2 given the mean (gamma-Poisson). A force with no
    observation gets a force effect drawn from the spread of the estimated force effects. A cell
    whose year has no estimated effect (year_effects design, no observation that year) is NaN.
    """
    forces = np.asarray(forces)
    t = np.asarray(years, dtype=int)
    offset = np.asarray(log_population, dtype=float)
    n_cells = len(forces)
    beta = draw_coefficients(fit, draws, rng)
    k = len(fit.forces)
    force_index = {name: i for i, name in enumerate(fit.forces)}

    # force part: estimated effect, or a new draw from the spread of effects for unseen forces
    eta = np.empty((draws, n_cells))
    known = np.array([f in force_index for f in forces], dtype=bool)
    if known.any():
        idx = np.array([force_index[f] for f in forces[known]])
        eta[:, known] = beta[:, idx]
    unseen = sorted(set(forces[~known]))
    if unseen:
        mean, sd = fit.force_effect_spread
        new_effects = rng.normal(mean, sd, size=(draws, len(unseen)))
        for j, name in enumerate(unseen):
            eta[:, forces == name] = new_effects[:, [j]]

    # time part
    X_time, _ = design_matrix(np.full(n_cells, "-"), t, [], fit.years, fit.design, fit.breaks)
    eta += beta[:, k:] @ X_time.T
    estimable = np.ones(n_cells, dtype=bool)
    if fit.design == "year_effects":
        estimable = np.isin(t, fit.years)
    eta += offset[None, :]
    # in place where it can be (draws x cells arrays dominate the memory of a large panel)
    mu = np.exp(eta, out=eta)
    shape = 1.0 / fit.alpha
    mu /= shape
    rate = rng.gamma(shape, mu)  # mean mu, variance alpha * mu^2 (mu holds mu / shape here)
    del eta, mu
    counts = rng.poisson(rate).astype(float)
    bounded = np.zeros(n_cells, dtype=bool) if lower is None else ~np.isnan(np.asarray(lower, dtype=float))
    bounded_rate = rate[:, bounded]
    del rate
    if bounded.any():
        counts[:, bounded] = truncated_poisson(bounded_rate, np.asarray(lower)[bounded], np.asarray(upper)[bounded], rng)
    counts[:, ~estimable] = np.nan
    return counts
