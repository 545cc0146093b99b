"""A simulated demonstration of the count model, for the models chapter: synthetic data only.

A student reads the model's equations more easily after seeing them work on data whose truth is
known. This module simulates a force by year panel from a negative-binomial (NB2) model with a
child-population offset, fits it with statsmodels, and shows the three things the chapter
teaches: a prediction interval for one force-year against a confidence interval for its mean,
Pearson residuals against fitted values, and what conditioning on a published total does to the
draws. It is self-contained (numpy, statsmodels): it illustrates the equations, not the
pipeline's own fitting code.

    y_ft ~ NB2(mu_ft, alpha)                 Var y = mu + alpha * mu^2
    log mu_ft = log P_ft + b0 + b1 * (t - centre) + a_f
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from online_csa.common.intervals import LOWER, UPPER


@dataclass(frozen=True)
class SyntheticTruth:
    """The known values the synthetic panel is drawn from."""
    rate_per_100k: float = 40.0  # offences per 100,000 children in the centre year, average force
    yearly_growth: float = 1.25  # rate ratio from one year to the next
    sigma_force: float = 0.4  # spread of the forces' log rates
    alpha: float = 0.15  # NB2 overdispersion
    forces: int = 24
    first_year: int = 2015
    years: int = 6
    seed: int = 20261130


def synthetic_count_panel(truth: SyntheticTruth = SyntheticTruth()) -> pd.DataFrame:
    """A synthetic force by year panel: force, year, population, the true mean and a NB2 count."""
    rng = np.random.default_rng(truth.seed)
    years = np.arange(truth.first_year, truth.first_year + truth.years)
    centre = years.mean()
    population = rng.integers(100_000, 900_000, size=truth.forces)
    force_effect = rng.normal(0.0, truth.sigma_force, size=truth.forces)
    rows = []
    for f in range(truth.forces):
        for year in years:
            mu = (population[f] / 100_000 * truth.rate_per_100k * truth.yearly_growth ** (year - centre)
                  * np.exp(force_effect[f]))
            rows.append({"force": f"synthetic_force_{f:02d}", "year": int(year), "population": int(population[f]),
                         "true_mean": float(mu)})
    frame = pd.DataFrame(rows)
    # NB2 as a gamma mixture of Poissons: rate ~ Gamma(shape 1/alpha, scale alpha * mu)
    rate = rng.gamma(1.0 / truth.alpha, truth.alpha * frame["true_mean"].to_numpy())
    frame["count"] = rng.poisson(rate)
    return frame


def one_year_for_most_forces(frame: pd.DataFrame, whole_forces: int, seed: int = 3) -> pd.DataFrame:
    """The panel as the ledger prints it: the first `whole_forces` forces keep every year, every
    other force one year drawn at random. A force with one cell is fitted exactly by its own dummy,
    which is why maximum likelihood understates alpha on such a panel."""
    rng = np.random.default_rng(seed)
    forces = sorted(frame["force"].unique())
    keep = []
    for i, force in enumerate(forces):
        rows = frame.index[frame["force"] == force]
        keep.extend(rows if i < whole_forces else [rng.choice(rows)])
    return frame.loc[sorted(keep)].reset_index(drop=True)


@dataclass
class CountModelFit:
    """A NB2 fit with force dummies, a log-linear trend and the population offset."""
    result: object  # statsmodels GLMResults at the estimated alpha
    alpha: float
    centre: float
    forces: list[str]

    def design(self, forces, years) -> np.ndarray:
        forces, years = np.asarray(forces), np.asarray(years, dtype=float)
        X = np.zeros((len(forces), 1 + len(self.forces)))
        X[:, 0] = years - self.centre
        X[np.arange(len(forces)), 1 + np.array([self.forces.index(f) for f in forces])] = 1.0
        return X

    @property
    def yearly_growth(self) -> float:
        return float(np.exp(self.result.params[0]))


def _glm(frame: pd.DataFrame, alpha: float, centre: float, forces: list[str]):
    import statsmodels.api as sm  # imported here: the chapters that do not simulate never pay for it

    fit = CountModelFit(None, alpha, centre, forces)
    X = fit.design(frame["force"], frame["year"])
    family = sm.families.NegativeBinomial(alpha=alpha)
    return sm.GLM(frame["count"].to_numpy(float), X, family=family,
                  offset=np.log(frame["population"].to_numpy(float))).fit()


def alpha_by_maximum_likelihood(frame: pd.DataFrame) -> float:
    """alpha maximising the profile likelihood (the coefficients refitted at each alpha)."""
    centre, forces = float(frame["year"].mean()), sorted(frame["force"].unique())
    found = optimize.minimize_scalar(lambda log_a: -_glm(frame, float(np.exp(log_a)), centre, forces).llf,
                                     bounds=(np.log(1e-4), np.log(20.0)), method="bounded")
    return float(np.exp(found.x))


def alpha_by_pearson(frame: pd.DataFrame) -> float:
    """alpha at which the Pearson statistic equals its residual degrees of freedom: it charges
    for every fitted parameter, which maximum likelihood does not."""
    centre, forces = float(frame["year"].mean()), sorted(frame["force"].unique())

    def excess(log_a: float) -> float:
        result = _glm(frame, float(np.exp(log_a)), centre, forces)
        return result.pearson_chi2 / result.df_resid - 1.0

    low, high = np.log(1e-4), np.log(20.0)
    if excess(low) <= 0:
        return float(np.exp(low))
    return float(np.exp(optimize.brentq(excess, low, high)))


def fit_count_model(frame: pd.DataFrame, alpha: float) -> CountModelFit:
    centre, forces = float(frame["year"].mean()), sorted(frame["force"].unique())
    return CountModelFit(_glm(frame, alpha, centre, forces), alpha, centre, forces)


def one_cell_intervals(fit: CountModelFit, force: str, year: int, population: int, draws: int = 20_000,
                       seed: int = 1) -> dict[str, float]:
    """For one force-year: the estimated mean with its confidence interval (uncertainty of the
    coefficients only) and the prediction interval of the count itself (coefficients drawn, then
    a NB2 count drawn around each), both central 90%."""
    x = fit.design([force], [year])[0]
    offset = np.log(population)
    beta, cov = np.asarray(fit.result.params), np.asarray(fit.result.cov_params())
    rng = np.random.default_rng(seed)
    coefficients = rng.multivariate_normal(beta, cov, size=draws)
    means = np.exp(coefficients @ x + offset)
    rates = rng.gamma(1.0 / fit.alpha, fit.alpha * means)
    counts = rng.poisson(rates)
    mean_lo, mean_hi = np.quantile(means, [LOWER, UPPER])
    count_lo, count_hi = np.quantile(counts, [LOWER, UPPER])
    return {"estimated_mean": float(np.exp(x @ beta + offset)), "mean_lower_90": float(mean_lo),
            "mean_upper_90": float(mean_hi), "count_lower_90": float(count_lo), "count_upper_90": float(count_hi)}


def pearson_residuals(fit: CountModelFit, frame: pd.DataFrame) -> pd.DataFrame:
    """Fitted mean and Pearson residual (y - mu) / sqrt(mu + alpha mu^2) of every cell: with the
    right variance function they scatter around zero with spread about one at every fitted value."""
    mu = np.asarray(fit.result.fittedvalues)
    residual = (frame["count"].to_numpy(float) - mu) / np.sqrt(mu + fit.alpha * mu ** 2)
    return pd.DataFrame({"force": frame["force"].to_numpy(), "year": frame["year"].to_numpy(), "fitted": mu,
                         "pearson_residual": residual})


def plot_residuals(residuals: pd.DataFrame) -> bytes:
    """Pearson residuals against the fitted mean (log scale), with the lines at 0 and +-2: a PNG."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=100)
    ax.scatter(residuals["fitted"], residuals["pearson_residual"], s=12, color="#3b6ea5")
    for level, style in ((0, "-"), (2, ":"), (-2, ":")):
        ax.axhline(level, color="grey", linestyle=style, linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("fitted mean (synthetic data)")
    ax.set_ylabel("Pearson residual")
    fig.subplots_adjust(left=0.12, right=0.98, bottom=0.17, top=0.95)
    png = io.BytesIO()
    fig.savefig(png, format="png", metadata={"Software": None})
    plt.close(fig)
    return png.getvalue()


def draws_given_total(means: np.ndarray, alpha: float, total: int, draws: int = 5_000,
                      seed: int = 2) -> np.ndarray:
    """Counts for cells whose sum a published total fixes (draws x cells): a gamma rate per cell
    (the NB2 mixing), then a multinomial split of the total in proportion to the rates. Every draw
    sums to the total exactly, so the sum's interval has zero width while each cell still varies."""
    rng = np.random.default_rng(seed)
    rates = rng.gamma(1.0 / alpha, alpha * np.asarray(means, dtype=float), size=(draws, len(means)))
    shares = rates / rates.sum(axis=1, keepdims=True)
    return np.vstack([rng.multinomial(int(total), p) for p in shares])
