"""Monte Carlo sensitivity of the headline metrics to the under-recording assumptions.

For a year t, the recorded total of the modelled geography is

    N_t = observed_t + nonresponse_multiplier * imputed_t  [- s15a_flagged_share * s15a_t, if s.15A is out of scope]

where `imputed_t` is one posterior-predictive draw of the missing cells (imputation.py). The
number of offences that occurred is

    adjusted_t = N_t / (recording_compliance_t * flag_completeness_t * reporting_rate_t)

Each factor is given for the later year of a comparison, with a first-year/last-year ratio for
the trend (`*_ratio` = value in the earlier year / value in the later year), so

    adjusted ratio = (N_1 / N_0) * flag_completeness_ratio * recording_compliance_ratio * reporting_rate_ratio

Everything is vectorised over draws. Tornado: each assumption at its 5th and 95th percentile
with the others at their central value. Tipping point: the value of one assumption, the others
central, at which a claim's ratio reaches its threshold, by the published arithmetic, by the
model's median and by the model's 5th percentile.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from online_csa.sensitivity.distributions import Assumption

RATIO_ASSUMPTIONS = ("flag_completeness_ratio", "recording_compliance_ratio", "reporting_rate_ratio")
LEVEL_ASSUMPTIONS = ("flag_completeness", "recording_compliance", "reporting_rate")
REQUIRED = RATIO_ASSUMPTIONS + LEVEL_ASSUMPTIONS + ("nonresponse_multiplier", "s15a_flagged_share")
QUANTILES = (0.05, 0.5, 0.95)


@dataclass(frozen=True)
class TrendClaim:
    claim_id: str
    description: str
    from_year: str
    to_year: str
    published_from: float
    published_to: float
    published_records: str
    thresholds: tuple[float, ...]


@dataclass
class RecordedTotals:
    """Observed sums and imputation draws of the modelled geography, plus s.15A counts."""
    observed: dict[str, float]  # fiscal year -> observed sum
    imputed: dict[str, np.ndarray]  # fiscal year -> draws of the imputed part
    s15a: dict[str, float]  # fiscal year -> national s.15A count (published)

    @property
    def n_draws(self) -> int:
        return len(next(iter(self.imputed.values())))


def recorded_total(totals: RecordedTotals, year: str, index: np.ndarray, delta, s15a_share, include_s15a: bool):
    n = totals.observed[year] + np.asarray(delta) * totals.imputed[year][index]
    if not include_s15a:
        if year not in totals.s15a:
            return np.full(np.shape(n), np.nan)
        n = n - np.asarray(s15a_share) * totals.s15a[year]
    return n


def evaluate(totals: RecordedTotals, claims: list[TrendClaim], values: dict[str, np.ndarray], index: np.ndarray,
             include_s15a: bool) -> dict[str, np.ndarray]:
    """Every headline metric, one value per draw."""
    metrics = {}
    detection = values["flag_completeness"] * values["recording_compliance"] * values["reporting_rate"]
    ratio_factor = values["flag_completeness_ratio"] * values["recording_compliance_ratio"] * values["reporting_rate_ratio"]
    metrics["iceberg multiplier (offences per recorded flagged offence)"] = 1.0 / detection
    for claim in claims:
        n0 = recorded_total(totals, claim.from_year, index, values["nonresponse_multiplier"],
                            values["s15a_flagged_share"], include_s15a)
        n1 = recorded_total(totals, claim.to_year, index, values["nonresponse_multiplier"],
                            values["s15a_flagged_share"], include_s15a)
        tag = f"{claim.to_year} vs {claim.from_year}"
        metrics[f"recorded ratio {tag}"] = n1 / n0
        metrics[f"adjusted ratio {tag}"] = n1 / n0 * ratio_factor
        metrics[f"recorded total {claim.from_year}"] = n0
        metrics[f"recorded total {claim.to_year}"] = n1
        metrics[f"adjusted total {claim.to_year}"] = n1 / detection
        metrics[f"adjusted total {claim.from_year}"] = n0 / (detection * ratio_factor)
    return metrics


def _summary(metrics: dict[str, np.ndarray]) -> dict[str, tuple[float, float, float]]:
    out = {}
    for name, draws in metrics.items():
        if np.isnan(draws).all():
            out[name] = (np.nan, np.nan, np.nan)
        else:
            lo, med, hi = np.quantile(draws, QUANTILES)
            out[name] = (float(med), float(lo), float(hi))
    return out


def joint_metrics(totals: RecordedTotals, claims: list[TrendClaim], assumptions: dict[str, Assumption],
                  include_s15a: bool, draws: int, seed: int) -> dict[str, np.ndarray]:
    """Every headline metric with all assumptions drawn jointly: one value per Monte Carlo draw,
    each draw pairing one draw of every assumption with a resampled imputation draw."""
    rng = np.random.default_rng([int(seed), 0])
    index = rng.integers(0, totals.n_draws, size=int(draws))  # resampled imputation draws
    values = {name: a.draw(draws, seed) for name, a in assumptions.items()}
    return evaluate(totals, claims, values, index, include_s15a)


def claim_support(metrics: dict[str, np.ndarray], claims: list[TrendClaim]) -> pd.DataFrame:
    """For each trend claim and threshold, the share of joint draws (`joint_metrics`) in which
    the claim holds (ratio at or above the threshold), recorded and adjusted for under-recording."""
    rows = []
    for claim in claims:
        tag = f"{claim.to_year} vs {claim.from_year}"
        for threshold in claim.thresholds:
            row = {"claim_id": claim.claim_id, "description": claim.description, "threshold": float(threshold)}
            for kind in ("recorded", "adjusted"):
                ratio = metrics[f"{kind} ratio {tag}"]
                row[f"share_holding_{kind}"] = (float(np.mean(ratio >= threshold))
                                                if not np.isnan(ratio).all() else np.nan)
            rows.append(row)
    return pd.DataFrame(rows)


def _central_values(assumptions: dict[str, Assumption], size: int) -> dict[str, np.ndarray]:
    return {name: np.full(size, a.central) for name, a in assumptions.items()}


def run_sensitivity(totals: RecordedTotals, claims: list[TrendClaim], assumptions: dict[str, Assumption],
                    include_s15a: bool, draws: int, seed: int,
                    joint: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """The sensitivity table: one row per variant (all drawn, central, one-way, ...) and metric,
    with the assumption values used. Pass `joint` (`joint_metrics` with the same arguments) when
    it is already computed, so the Monte Carlo is drawn once."""
    if joint is None:
        joint = joint_metrics(totals, claims, assumptions, include_s15a, draws, seed)
    model_index = np.arange(totals.n_draws)
    names = list(assumptions)
    variants = [("all assumptions drawn", joint, include_s15a, {n: np.nan for n in names})]

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
        for label, q in (("5th", 0.05), ("95th", 0.95)):
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
            rows.append({"metric": metric, "assumption": name, "value_at_5th": float(a.quantile(0.05)),
                         "value_at_95th": float(a.quantile(0.95)), "metric_at_central": central[metric],
                         "metric_at_5th": low.loc[metric, "median"], "metric_at_95th": high.loc[metric, "median"],
                         "swing": abs(high.loc[metric, "median"] - low.loc[metric, "median"])})
    return pd.DataFrame(rows)


def _ratio_draws(totals, claim, delta, share, include_s15a):
    idx = np.arange(totals.n_draws)
    n0 = recorded_total(totals, claim.from_year, idx, delta, share, include_s15a)
    n1 = recorded_total(totals, claim.to_year, idx, delta, share, include_s15a)
    return n1 / n0


def _bisect(f, lo: float, hi: float, iterations: int = 80) -> float:
    f_lo, f_hi = f(lo), f(hi)
    if np.isnan(f_lo) or np.isnan(f_hi) or np.sign(f_lo) == np.sign(f_hi):
        return np.nan
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        f_mid = f(mid)
        if np.sign(f_mid) == np.sign(f_lo):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _reference_values(assumptions: dict[str, Assumption], others_at: str) -> dict[str, float]:
    """The values other assumptions are held at: `neutral` (every ratio and multiplier 1, every
    s.15A offence in the flagged series: the published arithmetic) or `central`."""
    central = {name: a.central for name, a in assumptions.items()}
    if others_at == "central":
        return central
    neutral = {name: 1.0 for name in RATIO_ASSUMPTIONS + ("nonresponse_multiplier", "s15a_flagged_share")}
    return {**central, **neutral}


def tipping_points(totals: RecordedTotals, claims: list[TrendClaim], assumptions: dict[str, Assumption],
                   include_s15a: bool) -> pd.DataFrame:
    rows = []
    for others_at in ("neutral", "central"):
        c = _reference_values(assumptions, others_at)
        ratio_factor = float(np.prod([c[n] for n in RATIO_ASSUMPTIONS]))
        for claim in claims:
            rows += _claim_tipping_rows(totals, claim, c, ratio_factor, include_s15a, others_at)
    return pd.DataFrame(rows)


def _claim_tipping_rows(totals, claim, c, ratio_factor, include_s15a, others_at) -> list[dict]:
    rows = []
    published = claim.published_to / claim.published_from
    s15a_to, s15a_from = totals.s15a.get(claim.to_year), totals.s15a.get(claim.from_year)
    model = _ratio_draws(totals, claim, c["nonresponse_multiplier"], c["s15a_flagged_share"], include_s15a)
    model_median, model_low = float(np.median(model)), float(np.quantile(model, 0.05))
    with_s15a = float(np.median(_ratio_draws(totals, claim, c["nonresponse_multiplier"], c["s15a_flagged_share"], True)))
    without = _ratio_draws(totals, claim, c["nonresponse_multiplier"], c["s15a_flagged_share"], False)
    without_text = "n/a (no s.15A count)" if np.isnan(without).all() else f"{np.median(without) * ratio_factor:.2f}"
    for threshold in claim.thresholds:
        base = {"claim_id": claim.claim_id, "claim": claim.description, "threshold": threshold, "others_at": others_at}
        holds = bool(model_median * ratio_factor >= threshold)

        def add(assumption, value, method, note=""):
            rows.append({**base, "assumption": assumption, "tipping_value": value, "method": method,
                         "reference_value": c.get(assumption, np.nan), "holds_at_reference": holds, "note": note})

        for name in RATIO_ASSUMPTIONS:
            others = ratio_factor / c[name]
            add(name, threshold / (published * others), f"arithmetic on published totals ({claim.published_records})")
            add(name, threshold / (model_median * others), "model: median of imputed totals")
            add(name, threshold / (model_low * others), "model: 5th percentile of imputed totals",
                "below this value the claim fails in more than 5% of model draws")
        for name in LEVEL_ASSUMPTIONS:
            add(name, np.nan, "none", "scales both years alike, so it cannot change a ratio")

        def delta_gap(q):
            return lambda d: float(np.quantile(_ratio_draws(totals, claim, d, c["s15a_flagged_share"], include_s15a), q)
                                   * ratio_factor - threshold)
        for q, method in ((0.5, "model: median of imputed totals"), (0.05, "model: 5th percentile of imputed totals")):
            value = _bisect(delta_gap(q), 0.01, 100.0)
            add("nonresponse_multiplier", value, method,
                "" if not np.isnan(value) else "the verdict is the same for every multiplier from 0.01 to 100")

        if s15a_to is not None and s15a_from is not None:
            # (P1 - s*S1) / (P0 - s*S0) * factor = threshold, solved for the share s
            t = threshold / ratio_factor
            denominator = s15a_to - t * s15a_from
            arithmetic = (claim.published_to - t * claim.published_from) / denominator if denominator else np.nan
            in_range = 0 <= arithmetic <= 1
            add("s15a_flagged_share", arithmetic if in_range else np.nan,
                f"arithmetic on published totals ({claim.published_records}), s.15A out of scope",
                "" if in_range else f"no share between 0 and 1 (solution {arithmetic:.2f})")

            def share_gap(q):
                return lambda s: float(np.quantile(_ratio_draws(totals, claim, c["nonresponse_multiplier"], s, False), q)
                                       * ratio_factor - threshold)
            for q, method in ((0.5, "model: median of imputed totals, s.15A out of scope"),
                              (0.05, "model: 5th percentile of imputed totals, s.15A out of scope")):
                value = _bisect(share_gap(q), 0.0, 1.0)
                add("s15a_flagged_share", value, method,
                    "" if not np.isnan(value) else "the verdict is the same for every share from 0 to 1")
        else:
            add("s15a_flagged_share", np.nan, "none", "no published s.15A count for both years")
        add("include_s15a", np.nan, "switch",
            f"model median ratio {with_s15a * ratio_factor:.2f} with s.15A in scope, {without_text} without")
    return rows


def tipping_curves(totals: RecordedTotals, claims: list[TrendClaim], assumptions: dict[str, Assumption],
                   include_s15a: bool, points: int = 41) -> pd.DataFrame:
    """The adjusted ratio (median and 90% band over model draws) as one assumption moves, others central."""
    c = {name: a.central for name, a in assumptions.items()}
    ratio_factor = np.prod([c[n] for n in RATIO_ASSUMPTIONS])
    grids = {name: np.linspace(0.3, 1.5, points) for name in RATIO_ASSUMPTIONS}
    grids["nonresponse_multiplier"] = np.linspace(0.25, 3.0, points)
    rows = []
    for claim in claims:
        central = _ratio_draws(totals, claim, c["nonresponse_multiplier"], c["s15a_flagged_share"], include_s15a)
        for name, grid in grids.items():
            for value in grid:
                if name in RATIO_ASSUMPTIONS:
                    draws = central * ratio_factor / c[name] * value
                else:
                    draws = _ratio_draws(totals, claim, value, c["s15a_flagged_share"], include_s15a) * ratio_factor
                lo, med, hi = np.quantile(draws, QUANTILES) if not np.isnan(draws).all() else (np.nan,) * 3
                rows.append({"claim_id": claim.claim_id, "assumption": name, "value": value, "median": med,
                             "lower_90": lo, "upper_90": hi, "published_ratio": claim.published_to / claim.published_from})
    return pd.DataFrame(rows)


def load_recorded_totals(national_estimates: pd.DataFrame, national_draws: pd.DataFrame, records: pd.DataFrame,
                         series: str, geography: str, s15a_records: dict[str, str], s15a_first_year: int) -> RecordedTotals:
    """Observed sums and imputation draws of one series and geography; published s.15A counts
    (zero before the offence existed)."""
    rows = national_estimates[(national_estimates["series"] == series) & (national_estimates["geography"] == geography)]
    if rows.empty:
        raise ValueError(f"sensitivity: no national estimates for series {series!r} and geography {geography!r} "
                         "(is the geography in models.imputation.summary_geographies?)")
    observed, imputed = {}, {}
    for row in rows.itertuples():
        column = f"{series}|{geography}|{row.fiscal_year}"
        if column in national_draws.columns:
            observed[row.fiscal_year] = float(row.observed_sum)
            imputed[row.fiscal_year] = national_draws[column].to_numpy(float)
    s15a = {year: 0.0 for year in observed if int(year[:4]) < s15a_first_year}
    for year, record_id in s15a_records.items():
        s15a[year] = float(records.loc[record_id, "value"])
    return RecordedTotals(observed, imputed, s15a)


def trend_claims_from_config(entries: list[dict], records: pd.DataFrame) -> list[TrendClaim]:
    claims = []
    for e in entries:
        for key in ("from_record", "to_record"):
            if e[key] not in records.index:
                raise ValueError(f"sensitivity.trend_claims[{e['claim_id']}].{key}: {e[key]} is not a claim record")
        claims.append(TrendClaim(e["claim_id"], e["description"], e["from_year"], e["to_year"],
                                 float(records.loc[e["from_record"], "value"]), float(records.loc[e["to_record"], "value"]),
                                 f"{e['from_record']}, {e['to_record']}", tuple(float(t) for t in e["thresholds"])))
    return claims
