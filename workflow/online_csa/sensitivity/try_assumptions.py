"""The headline metrics recomputed for assumptions edited by hand, for a chapter's "try it" cell.

The sensitivity stage (rule run_sensitivity) writes its tables once per scenario. A student
who wants to see a number move should not have to rerun the pipeline for each idea, and must
not be misled by editing a value the chapter only displays. So a chapter loads what
run_sensitivity reads (the imputation's draws of the recorded totals, the published totals of
the trend claims, a scenario's assumptions, draws, seed and correlations) and recomputes the
joint Monte Carlo here, with the same functions, for the changes it is given: a fraction of a
second. With no change it gives the stored table's numbers exactly (`matches_stored`), which is
how a chapter shows that it recomputes what the pipeline computed.

A change replaces an assumption's whole distribution, as a scenario file does:
`{"flag_completeness_ratio_per_year": {"dist": "fixed", "value": 0.9}}`. `per_year` turns a
ratio over a comparison's span (the earlier year's rate over the later year's) into the
per-year ratio the assumptions are written in.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from online_csa.common.fiscal_years import parse_fiscal_year
from online_csa.common.intervals import central_interval
from online_csa.common.tables import read_table
from online_csa.sensitivity import monte_carlo as sens
from online_csa.sensitivity.distributions import parse_assumptions
from online_csa.sensitivity.metric_names import JOINT
from online_csa.sensitivity.recorded_totals import RecordedTotals, load_recorded_totals
from online_csa.sensitivity.trend_claims import TrendClaim, trend_claims_from_config


@dataclass(frozen=True)
class MonteCarloSetting:
    """One scenario's Monte Carlo as run_sensitivity ran it: the recorded totals and trend claims,
    the assumptions' specifications, whether s.15A is counted, draws, seed and correlations."""
    totals: RecordedTotals
    claims: tuple[TrendClaim, ...]
    specs: dict = field(hash=False)  # assumption -> distribution spec (include_s15a kept apart)
    include_s15a: bool = True
    draws: int = 10_000
    seed: int = 0
    correlations: tuple = ()

    def claim(self, claim_id: str) -> TrendClaim:
        return next(c for c in self.claims if c.claim_id == claim_id)


def monte_carlo_setting(inputs, monte_carlo: dict) -> MonteCarloSetting:
    """The setting of one scenario from a job's inputs (national_estimates, national_draws,
    claim_records) and a `monte_carlo` param as the rules write it (scenario_monte_carlo in
    sensitivity.smk): assumptions, draws, seed, correlations, series, geography, s15a_first_year,
    s15a_counts and trend_claims."""
    records = read_table(inputs["claim_records"], "claim_records").set_index("record_id")
    totals = load_recorded_totals(pd.read_csv(inputs["national_estimates"]), pd.read_csv(inputs["national_draws"]),
                                  records, monte_carlo["series"], monte_carlo["geography"],
                                  monte_carlo["s15a_counts"], parse_fiscal_year(monte_carlo["s15a_first_year"]))
    claims = trend_claims_from_config(monte_carlo["trend_claims"], records)
    assumptions = dict(monte_carlo["assumptions"])
    include_s15a = bool(assumptions.pop("include_s15a", True))
    return MonteCarloSetting(totals, tuple(claims), assumptions, include_s15a, int(monte_carlo["draws"]),
                             int(monte_carlo["seed"]), tuple(monte_carlo["correlations"]))


def per_year(ratio_over_span: float, span_years: int) -> float:
    """The per-year ratio that compounds to `ratio_over_span` over `span_years` years."""
    return float(ratio_over_span) ** (1.0 / span_years)


def with_changes(setting: MonteCarloSetting, changes: dict | None = None, include_s15a: bool | None = None,
                 draws: int | None = None, seed: int | None = None) -> MonteCarloSetting:
    """The setting with some assumptions replaced (each by a whole distribution spec), s.15A
    scope, draws or seed changed. An unknown assumption is refused, naming it."""
    changes = dict(changes or {})
    unknown = sorted(set(changes) - set(setting.specs))
    if unknown:
        raise KeyError(f"unknown assumption {', '.join(unknown)} (the assumptions are {', '.join(setting.specs)})")
    return replace(setting, specs={**setting.specs, **changes},
                   include_s15a=setting.include_s15a if include_s15a is None else bool(include_s15a),
                   draws=setting.draws if draws is None else int(draws),
                   seed=setting.seed if seed is None else int(seed))


@dataclass
class Recomputed:
    """The joint Monte Carlo of one setting: every metric's median and 90% interval, and the share
    of draws in which each trend claim holds."""
    metrics: pd.DataFrame  # metric, median, lower_90, upper_90
    claim_support: pd.DataFrame  # claim_id, threshold, threshold_meaning, share_holding_recorded/_adjusted
    draws: dict  # metric -> the draws themselves


def recompute(setting: MonteCarloSetting) -> Recomputed:
    """The headline metrics with every assumption drawn, exactly as run_sensitivity computes its
    'all assumptions drawn' rows and its claim support."""
    assumptions = parse_assumptions(setting.specs, required=sens.REQUIRED)
    joint = sens.joint_metrics(setting.totals, list(setting.claims), assumptions, setting.include_s15a,
                               setting.draws, setting.seed, list(setting.correlations))
    rows = []
    for metric, values in joint.items():
        if np.isnan(values).all():
            rows.append({"metric": metric, "median": np.nan, "lower_90": np.nan, "upper_90": np.nan})
            continue
        lo, med, hi = central_interval(values)
        rows.append({"metric": metric, "median": float(med), "lower_90": float(lo), "upper_90": float(hi)})
    support = sens.claim_support(joint, list(setting.claims)).drop(columns="description")
    return Recomputed(pd.DataFrame(rows), support, joint)


def matches_stored(recomputed: Recomputed, stored_sensitivity: pd.DataFrame, rel: float = 1e-5) -> pd.DataFrame:
    """The recomputed medians and intervals beside the stored table's joint rows, with `matches`
    (equal to the 6 significant figures the CSV keeps). Every row matches when the setting is
    the one the stored table was computed with."""
    stored = stored_sensitivity[stored_sensitivity["variant"] == JOINT].set_index("metric")
    out = recomputed.metrics.set_index("metric")
    both = out.join(stored[["median", "lower_90", "upper_90"]], rsuffix="_stored", how="inner")
    close = [np.isclose(both[c], both[f"{c}_stored"], rtol=rel, atol=0, equal_nan=True)
             for c in ("median", "lower_90", "upper_90")]
    both["matches"] = np.logical_and.reduce(close)
    return both.reset_index()


def beside(as_run: Recomputed, tried: Recomputed) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tried setting's metrics and claim support beside the run's: each metric's median as
    run, as tried (with its 90% interval) and their ratio; each claim's share of draws holding."""
    metrics = as_run.metrics.set_index("metric")[["median"]].rename(columns={"median": "median_as_run"}).join(
        tried.metrics.set_index("metric").rename(columns=lambda c: f"{c}_tried"))
    metrics["tried_over_as_run"] = metrics["median_tried"] / metrics["median_as_run"]
    keys = ["claim_id", "threshold", "threshold_meaning"]
    support = as_run.claim_support[keys + ["share_holding_adjusted"]].merge(
        tried.claim_support[keys + ["share_holding_recorded", "share_holding_adjusted"]], on=keys,
        suffixes=("_as_run", "_tried"))
    return metrics.reset_index(), support
