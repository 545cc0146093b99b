"""Could a richer mixed model explain more of the printed cells' spread?

A printed cell's interval is about as wide as the model's overdispersion alpha makes it: what
the force and year effects do not explain is noise. Two extensions of the mixed model would
explain more of it, and so give narrower intervals that still cover, if the data supported them:

* **random force slopes**: each force its own trend, c_f (t - centre) with
  c_f ~ Normal(0, sigma_slope^2), as if the online flag had spread through forces at different
  speeds;
* **a dispersion trend**: log alpha_t = log alpha + g (t - centre), as if the flag's use had
  settled (or not) over the years.

Each structure is fitted as the mixed model is (random effects integrated out by the Laplace
approximation, b0 and b1 flat; variance components, alpha and g at the maximum of the
approximate marginal likelihood) and scored by leave-one-cell-out: every printed cell predicted
by a refit of the coefficients without it (Newton steps from the full fit's mode, as
`leave_one_cell_out` refits the imputation's model), at the structure's estimates (plug-in: unlike
the imputation's model, no grid over sigma_year and alpha). The plain structure is scored the
same way, so the three are compared like for like; a structure counts as supported if its log
marginal likelihood is higher by more than `SUPPORT_MARGIN` (a heuristic margin), and the gain
is also put in Kass and Raftery's words (`evidence_words`) and tested by a likelihood ratio, so
that a gain just under the margin is seen as such.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from online_csa.common.fiscal_years import format_fiscal_year
from online_csa.common.intervals import column_intervals
from online_csa.models.leave_one_cell_out import one_out_refits
from online_csa.models.mixed_negative_binomial import MixedFit, _penalised_mode, laplace_log_marginal

PLAIN = "force and year effects (as fitted)"
SLOPES = "with random force slopes"
DISPERSION_TREND = "with a dispersion trend over years"
STRUCTURES = (PLAIN, SLOPES, DISPERSION_TREND)
# a heuristic margin: a gain in log marginal likelihood above it counts as support. The gain is a ratio of
# maximised (Laplace) marginal likelihoods, not a Bayes factor; read as one, 2 x gain = 4 lies in the
# "positive" band of Kass and Raftery (1995), and it is stricter than a likelihood-ratio test at 5% (gain 1.92
# on one degree of freedom; 1.35 for a variance component on its boundary)
SUPPORT_MARGIN = 2.0
# a likelihood-ratio test at 5% of the added parameter: the trend's g is free (chi-square, one degree of
# freedom); sigma_slope = 0 lies on the boundary (a 50:50 mixture of 0 and chi-square with one, Self and Liang 1987)
LR_CRITICAL = {SLOPES: float(stats.chi2.ppf(0.90, 1)), DISPERSION_TREND: float(stats.chi2.ppf(0.95, 1))}
# Kass and Raftery's (1995) bands of 2 x log Bayes factor, applied to 2 x gain: (upper end, words)
EVIDENCE_BANDS = ((2.0, "not worth more than a bare mention"), (6.0, "positive"), (10.0, "strong"),
                  (np.inf, "very strong"))
LOG_SCALE_BOUNDS = (-8.0, 3.0)  # log sigma and log alpha, as the mixed model's fit clips them
TREND_BOUNDS = (-3.0, 3.0)  # g: alpha may change by up to a factor of e^3 a year


@dataclass
class StructureFit:
    structure: str
    log_marginal: float
    sigma_force: float
    sigma_year: float
    sigma_slope: float  # 0 where the structure has no slopes
    alpha: float  # at the centre year
    alpha_change_per_year: float  # g, 0 where alpha is constant
    mode: np.ndarray
    penalty: np.ndarray
    cell_alpha: np.ndarray  # alpha of each printed cell


def _design(fit: MixedFit, printed: pd.DataFrame, slopes: bool) -> np.ndarray:
    X = fit.design(printed["force"], printed["year"])
    if not slopes:
        return X
    years = printed["year"].to_numpy(float) - fit.centre
    return np.hstack([X, X[:, 2 + fit.n_years:] * years[:, None]])


def fit_structure(fit: MixedFit, printed: pd.DataFrame, structure: str) -> StructureFit:
    """`structure` fitted to the printed cells (force, year, value, log_population) of `fit`'s
    series, starting from `fit`'s estimates."""
    slopes, trend = structure == SLOPES, structure == DISPERSION_TREND
    X = _design(fit, printed, slopes)
    y = printed["value"].to_numpy(float)
    offset = printed["log_population"].to_numpy(float)
    t = printed["year"].to_numpy(float) - fit.centre
    n_forces, n_years = len(fit.forces), fit.n_years
    state = {"start": None}

    def unpack(theta):
        log_sigma_force, log_sigma_year, log_alpha = np.clip(theta[:3], -8, 3)
        extra = float(np.clip(theta[3], -8, 3)) if slopes else float(theta[3]) if trend else None
        penalty = np.concatenate([[0.0, 0.0], np.full(n_years, np.exp(-2 * log_sigma_year)),
                                  np.full(n_forces, np.exp(-2 * log_sigma_force))]
                                 + ([np.full(n_forces, np.exp(-2 * extra))] if slopes else []))
        cell_alpha = np.exp(log_alpha + (extra * t if trend else np.zeros_like(t)))
        return penalty, cell_alpha, extra

    def negative_log_marginal(theta):
        penalty, cell_alpha, _ = unpack(theta)
        value, state["start"] = laplace_log_marginal(y, X, offset, penalty, cell_alpha, state["start"],
                                                     -np.sum(np.log(penalty[2:])))
        return -value

    start = np.log([fit.sigma_force, fit.sigma_year, fit.alpha])
    if structure == PLAIN:
        best = start
    else:
        theta0 = np.append(start, np.log(0.1) if slopes else 0.0)
        bounds = [LOG_SCALE_BOUNDS] * 3 + [LOG_SCALE_BOUNDS if slopes else TREND_BOUNDS]
        best = optimize.minimize(negative_log_marginal, theta0, method="L-BFGS-B", bounds=bounds,
                                 options={"ftol": 1e-9, "eps": 1e-4}).x
    log_marginal = -negative_log_marginal(best)
    penalty, cell_alpha, extra = unpack(best)
    mode, *_ = _penalised_mode(y, X, offset, penalty, cell_alpha, state["start"])
    sigma_force, sigma_year, alpha = np.exp(np.clip(best[:3], -8, 3))
    return StructureFit(structure, float(log_marginal), float(sigma_force), float(sigma_year),
                        float(np.exp(extra)) if slopes else 0.0, float(alpha), float(extra) if trend else 0.0,
                        mode, penalty, cell_alpha)


def one_out_draws(fit: MixedFit, printed: pd.DataFrame, structure: StructureFit, draws: int,
                  rng: np.random.Generator) -> np.ndarray:
    """Each printed cell's posterior-predictive draws (draws x cells) from the structure refitted
    without it (coefficients only, at the structure's estimates): a log mean from the refit's
    Gaussian posterior, then a gamma-Poisson count with the cell's alpha."""
    X = _design(fit, printed, structure.structure == SLOPES)
    y = printed["value"].to_numpy(float)
    offset = printed["log_population"].to_numpy(float)
    alpha = structure.cell_alpha
    log_mean, log_mean_var, _, _ = one_out_refits(X, y, offset, structure.penalty, alpha, structure.mode)
    eta = log_mean[None, :] + np.sqrt(log_mean_var)[None, :] * rng.standard_normal((draws, len(y)))
    return rng.poisson(rng.gamma(1 / alpha[None, :], np.exp(eta) * alpha[None, :])).astype(float)


def likelihood_ratio_p_value(structure: str, gain: float) -> float:
    """The p-value of the likelihood-ratio statistic 2 x `gain` for the parameter `structure` adds:
    chi-square with one degree of freedom for the trend, half of it for the slopes' spread on its
    boundary; NaN for the plain structure."""
    if structure == PLAIN:
        return np.nan
    tail = float(stats.chi2.sf(max(2 * gain, 0.0), 1))
    return tail / 2 if structure == SLOPES else tail


def evidence_words(gain: float) -> str:
    """Kass and Raftery's words for 2 x `gain` (a gain of log marginal likelihood), read as 2 x log
    Bayes factor; a gain at or below 0 is no evidence for the structure."""
    if gain <= 0:
        return "none"
    return next(words for upper, words in EVIDENCE_BANDS if 2 * gain <= upper)


def compare_structures(fit: MixedFit, frame: pd.DataFrame, series: str, draws: int, seed: int) -> pd.DataFrame:
    """Every structure in STRUCTURES fitted to the series' printed cells and scored by
    leave-one-cell-out: one row per structure, with its estimates, its log marginal likelihood
    against the plain structure's and its 90% coverage and width."""
    printed = frame[frame["observed"]].reset_index(drop=True)
    y = printed["value"].to_numpy(float)
    rng = np.random.default_rng(seed)
    rows = []
    plain = None
    for structure in STRUCTURES:
        fitted = fit_structure(fit, printed, structure)
        plain = plain if plain is not None else fitted
        sims = one_out_draws(fit, printed, fitted, draws, rng)
        lower, median, upper, _ = column_intervals(sims)
        gain = fitted.log_marginal - plain.log_marginal
        first, last = int(printed["year"].min()), int(printed["year"].max())

        def alpha_in(year: int) -> float:
            return float(fitted.alpha * np.exp(fitted.alpha_change_per_year * (year - fit.centre)))

        rows.append({"series": series, "structure": structure, "log_marginal_likelihood": fitted.log_marginal,
                     "gain_over_plain": gain, "supported": bool(gain > SUPPORT_MARGIN),
                     "evidence": evidence_words(gain),
                     "likelihood_ratio_p_value": likelihood_ratio_p_value(structure, gain),
                     "kept_by_likelihood_ratio_test": bool(structure != PLAIN and 2 * gain > LR_CRITICAL[structure]),
                     "sigma_force": fitted.sigma_force, "sigma_year": fitted.sigma_year,
                     "sigma_slope": fitted.sigma_slope, "alpha": fitted.alpha,
                     "alpha_change_per_year": fitted.alpha_change_per_year,
                     "first_printed_year": format_fiscal_year(first), "last_printed_year": format_fiscal_year(last),
                     "alpha_first_printed_year": alpha_in(first), "alpha_last_printed_year": alpha_in(last),
                     "scored": len(y), "covered": int(((lower <= y) & (y <= upper)).sum()),
                     "median_relative_width": float(np.median((upper - lower) / median))})
    return pd.DataFrame(rows)
