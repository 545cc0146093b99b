"""Monte Carlo sensitivity of the headline metrics to the under-recording assumptions.

For a year t, the recorded total of the modelled geography is

    N_t = observed_t + pinned_t + nonresponse_multiplier * free_t  [- s15a_flagged_share * s15a_t, if s.15A is out of scope]

where the imputed part (one posterior-predictive draw of the missing cells, imputation.py) is
split into what published totals pin and what they leave free (recorded_totals.py). The number
of offences that occurred is

    adjusted_t = N_t / (recording_compliance_t * flag_completeness_t * reporting_rate_t)

The levels are given for the later year of a comparison. How each factor changed is given per
year (`*_ratio_per_year`: one year's value over the next year's) and compounded over the
comparison's span of n years, so the same assumption adjusts a three-year and a one-year
comparison alike:

    span factor = (flag_completeness_ratio_per_year * recording_compliance_ratio_per_year
                   * reporting_rate_ratio_per_year) ** n
    adjusted ratio = (N_1 / N_0) * span factor

Assumptions are drawn independently, except pairs that `monte_carlo.correlations` ties
(dependence.py). A claim holds in a draw when its ratio is at least the threshold, unrounded.

Everything is vectorised over draws. Tornado: each assumption at its 5th and 95th percentile
with the others at their central value. Tipping points (the value of one assumption at which a
claim's ratio reaches its threshold) are in tipping_points.py.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from online_csa.common.intervals import LOWER, UPPER, central_interval
from online_csa.sensitivity.dependence import draw_assumptions
from online_csa.sensitivity.distributions import Assumption
from online_csa.sensitivity.metric_names import (EARLIER, ICEBERG, JOINT, LATER, adjusted_total_metric,
                                                 ratio_metric, recorded_total_metric)
from online_csa.sensitivity.recorded_totals import RecordedTotals, recorded_total
from online_csa.sensitivity.trend_claims import TrendClaim

RATIO_ASSUMPTIONS = ("flag_completeness_ratio_per_year", "recording_compliance_ratio_per_year",
                     "reporting_rate_ratio_per_year")
LEVEL_ASSUMPTIONS = ("flag_completeness", "recording_compliance", "reporting_rate")
REQUIRED = RATIO_ASSUMPTIONS + LEVEL_ASSUMPTIONS + ("nonresponse_multiplier", "s15a_flagged_share")


def span_factor(values: dict, span_years: int):
    """The product of the per-year ratios, compounded over a comparison of `span_years` years:
    the earlier year's detection over the later year's."""
    per_year = values[RATIO_ASSUMPTIONS[0]] * values[RATIO_ASSUMPTIONS[1]] * values[RATIO_ASSUMPTIONS[2]]
    return np.asarray(per_year, dtype=float) ** span_years


def evaluate(totals: RecordedTotals, claims: list[TrendClaim], values: dict[str, np.ndarray], index: np.ndarray,
             include_s15a: bool) -> dict[str, np.ndarray]:
    """Every headline metric, one value per draw. An adjusted total is named by the comparison it
    belongs to, since the same year adjusted as the later year of one claim and as the earlier
    year of another rests on different assumptions."""
    metrics = {}
    detection = values["flag_completeness"] * values["recording_compliance"] * values["reporting_rate"]
    metrics[ICEBERG] = 1.0 / detection
    for claim in claims:
        factor = span_factor(values, claim.span_years)
        n0 = recorded_total(totals, claim.from_year, index, values["nonresponse_multiplier"],
                            values["s15a_flagged_share"], include_s15a)
        n1 = recorded_total(totals, claim.to_year, index, values["nonresponse_multiplier"],
                            values["s15a_flagged_share"], include_s15a)
        metrics[ratio_metric("recorded", claim.from_year, claim.to_year)] = n1 / n0
        metrics[ratio_metric("adjusted", claim.from_year, claim.to_year)] = n1 / n0 * factor
        metrics[recorded_total_metric(claim.from_year)] = n0
        metrics[recorded_total_metric(claim.to_year)] = n1
        metrics[adjusted_total_metric(claim.claim_id, claim.to_year, LATER)] = n1 / detection
        metrics[adjusted_total_metric(claim.claim_id, claim.from_year, EARLIER)] = n0 / (detection * factor)
    return metrics


def _summary(metrics: dict[str, np.ndarray]) -> dict[str, tuple[float, float, float]]:
    out = {}
    for name, draws in metrics.items():
        if np.isnan(draws).all():
            out[name] = (np.nan, np.nan, np.nan)
        else:
            lo, med, hi = central_interval(draws)
            out[name] = (float(med), float(lo), float(hi))
    return out


def joint_metrics(totals: RecordedTotals, claims: list[TrendClaim], assumptions: dict[str, Assumption],
                  include_s15a: bool, draws: int, seed: int, correlations: list[dict] = ()) -> dict[str, np.ndarray]:
    """Every headline metric with all assumptions drawn jointly: one value per Monte Carlo draw,
    each draw pairing one draw of every assumption (tied by `correlations`, otherwise
    independent) with a resampled imputation draw."""
    rng = np.random.default_rng([int(seed), 0])
    index = rng.integers(0, totals.n_draws, size=int(draws))  # resampled imputation draws
    values = draw_assumptions(assumptions, draws, seed, list(correlations))
    return evaluate(totals, claims, values, index, include_s15a)


def claim_support(metrics: dict[str, np.ndarray], claims: list[TrendClaim]) -> pd.DataFrame:
    """For each trend claim and threshold, the share of joint draws (`joint_metrics`) in which
    the claim holds (ratio at or above the threshold, unrounded), recorded and adjusted for
    under-recording; with what the threshold means and the config key it comes from."""
    rows = []
    for claim in claims:
        for threshold in claim.thresholds:
            row = {"claim_id": claim.claim_id, "description": claim.description, "threshold": threshold.ratio,
                   "threshold_meaning": threshold.meaning, "threshold_source": threshold.source}
            for kind in ("recorded", "adjusted"):
                ratio = metrics[ratio_metric(kind, claim.from_year, claim.to_year)]
                row[f"share_holding_{kind}"] = (float(np.mean(ratio >= threshold.ratio))
                                                if not np.isnan(ratio).all() else np.nan)
            rows.append(row)
    return pd.DataFrame(rows)


def _central_values(assumptions: dict[str, Assumption], size: int) -> dict[str, np.ndarray]:
    return {name: np.full(size, a.central) for name, a in assumptions.items()}


def run_sensitivity(totals: RecordedTotals, claims: list[TrendClaim], assumptions: dict[str, Assumption],
                    include_s15a: bool, draws: int, seed: int, correlations: list[dict] = (),
                    joint: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """The sensitivity table: one row per variant (all drawn, central, one-way, ...) and metric,
    with the assumption values used. Pass `joint` (`joint_metrics` with the same arguments) when
    it is already computed, so the Monte Carlo is drawn once."""
    if joint is None:
        joint = joint_metrics(totals, claims, assumptions, include_s15a, draws, seed, correlations)
    model_index = np.arange(totals.n_draws)
    names = list(assumptions)
    variants = [(JOINT, joint, include_s15a, {n: np.nan for n in names})]

    def add(variant: str, values: dict[str, np.ndarray], s15a_in: bool, used: dict) -> None:
        variants.append((variant, evaluate(totals, claims, values, model_index, s15a_in), s15a_in, used))

    central = _central_values(assumptions, totals.n_draws)
    add("central values", central, include_s15a, {n: assumptions[n].central for n in names})
    recorded = {n: np.ones(totals.n_draws) for n in names}
    recorded["s15a_flagged_share"] = central["s15a_flagged_share"]
    add("recorded only (no adjustment)", recorded, include_s15a, {n: float(recorded[n][0]) for n in names})
    add(f"central values, s.15A {'out of' if include_s15a else 'in'} scope", central, not include_s15a,
        {n: assumptions[n].central for n in names})
    for name, a in assumptions.items():
        if a.dist == "fixed":
            continue
        for label, q in (("5th", LOWER), ("95th", UPPER)):
            values = dict(central)
            values[name] = np.full(totals.n_draws, float(a.quantile(q)))
            add(f"one-way: {name} at its {label} percentile", values, include_s15a,
                {n: float(values[n][0]) for n in names})

    rows = []
    for variant, metrics, s15a_in, used in variants:
        for metric, (med, lo, hi) in _summary(metrics).items():
            rows.append({"variant": variant, "metric": metric, "median": med, "lower_90": lo, "upper_90": hi,
                         "include_s15a": s15a_in, **used})
    return pd.DataFrame(rows)


def tornado_table(sensitivity: pd.DataFrame, assumptions: dict[str, Assumption]) -> pd.DataFrame:
    """Long form of the one-way rows: metric, assumption, value at 5th/95th, metric at each, swing."""
    central = sensitivity[sensitivity["variant"] == "central values"].set_index("metric")["median"]
    rows = []
    for name, a in assumptions.items():
        if a.dist == "fixed":
            continue
        low = sensitivity[sensitivity["variant"] == f"one-way: {name} at its 5th percentile"].set_index("metric")
        high = sensitivity[sensitivity["variant"] == f"one-way: {name} at its 95th percentile"].set_index("metric")
        for metric in central.index:
            rows.append({"metric": metric, "assumption": name, "value_at_5th": float(a.quantile(LOWER)),
                         "value_at_95th": float(a.quantile(UPPER)), "metric_at_central": central[metric],
                         "metric_at_5th": low.loc[metric, "median"], "metric_at_95th": high.loc[metric, "median"],
                         "swing": abs(high.loc[metric, "median"] - low.loc[metric, "median"])})
    return pd.DataFrame(rows)
