"""Tipping points: the value of one assumption at which a trend claim's adjusted ratio reaches a
threshold, the other assumptions held at reference values, found three ways: by the published
arithmetic, by the model's median and by the model's 5th percentile (below that value the claim
fails in more than 5% of model draws). And the curves behind them: the adjusted ratio as one
assumption moves, the others central.

A claim holds when its ratio is at least the threshold, unrounded; each threshold says what it
tips (`threshold_meaning`: "any rise", "doubling"). A per-year ratio assumption's tipping point is given per year
(`tipping_value`) and as the ratio it implies over the comparison's span
(`tipping_ratio_over_span` = tipping_value ** span_years): for "doubled since 2015/16" by the
published arithmetic, any rise vanishes at a span ratio of 4,042 / 8,224 = 0.49 and the doubling
at 2 x 4,042 / 8,224 = 0.98.

The reference values are `neutral` (every ratio and multiplier 1, every s.15A offence in the
flagged series: the published arithmetic) or `central` (each assumption's central value).
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np
import pandas as pd

from online_csa.common.intervals import LOWER, central_interval
from online_csa.sensitivity.distributions import Assumption
from online_csa.sensitivity.monte_carlo import LEVEL_ASSUMPTIONS, RATIO_ASSUMPTIONS, span_factor
from online_csa.sensitivity.recorded_totals import RecordedTotals, recorded_total
from online_csa.sensitivity.trend_claims import Threshold, TrendClaim

MODEL_MEDIAN = "model: median of imputed totals"
MODEL_LOWER = "model: 5th percentile of imputed totals"


class Tipping(NamedTuple):
    """One row of the tipping-point table, before the claim, threshold and reference are added.
    `ratio_over_span`: for a per-year ratio, the ratio over the comparison's span it implies."""
    assumption: str
    value: float
    method: str
    note: str = ""
    ratio_over_span: float = np.nan


def claim_ratio_draws(totals: RecordedTotals, claim: TrendClaim, nonresponse_multiplier, s15a_flagged_share,
                      include_s15a: bool) -> np.ndarray:
    """The claim's recorded ratio (later total over earlier total) in every imputation draw."""
    every_draw = np.arange(totals.n_draws)
    earlier = recorded_total(totals, claim.from_year, every_draw, nonresponse_multiplier, s15a_flagged_share,
                             include_s15a)
    later = recorded_total(totals, claim.to_year, every_draw, nonresponse_multiplier, s15a_flagged_share,
                           include_s15a)
    return later / earlier


def _bisect(f, lo: float, hi: float, iterations: int = 80) -> float:
    """A root of f between lo and hi, or NaN if f has the same sign (or is NaN) at both ends."""
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


def _value_where_quantile_reaches(ratio_draws_at: Callable[[float], np.ndarray], q: float, ratio_factor: float,
                                  threshold: float, low: float, high: float) -> float:
    """The value between low and high at which the q-quantile of the adjusted ratio (the ratio
    draws at that value, times `ratio_factor`) equals the threshold; NaN if there is none."""
    return _bisect(lambda value: float(np.quantile(ratio_draws_at(value), q) * ratio_factor - threshold), low, high)


def reference_values(assumptions: dict[str, Assumption], others_at: str) -> dict[str, float]:
    """The values other assumptions are held at: `neutral` (every ratio and multiplier 1, every
    s.15A offence in the flagged series: the published arithmetic) or `central`."""
    central = {name: a.central for name, a in assumptions.items()}
    if others_at == "central":
        return central
    neutral = {name: 1.0 for name in RATIO_ASSUMPTIONS + ("nonresponse_multiplier", "s15a_flagged_share")}
    return {**central, **neutral}


def ratio_assumption_tipping(claim: TrendClaim, threshold: float, held_at: dict[str, float],
                             model_median: float, model_lower: float) -> list[Tipping]:
    """Each per-year ratio scales the claim's ratio by its power over the span: the ratio over the
    span at which the claim tips is the threshold over the ratio with the other ratio assumptions
    at their reference values, and the per-year value is its span-th root."""
    published = claim.published_ratio
    span = claim.span_years
    out = []
    for name in RATIO_ASSUMPTIONS:
        others = float(span_factor(held_at, span)) / held_at[name] ** span
        for ratio, method, note in (
                (published, f"arithmetic on published totals ({claim.published_records})", claim.arithmetic_caveat),
                (model_median, MODEL_MEDIAN, ""),
                (model_lower, MODEL_LOWER, "below this value the claim fails in more than 5% of model draws")):
            over_span = threshold / (ratio * others)
            out.append(Tipping(name, over_span ** (1 / span), method, note, over_span))
    return out


def level_assumption_tipping() -> list[Tipping]:
    return [Tipping(name, np.nan, "none", "scales both years alike, so it cannot change a ratio")
            for name in LEVEL_ASSUMPTIONS]


def nonresponse_tipping(totals: RecordedTotals, claim: TrendClaim, threshold: float, held_at: dict[str, float],
                        ratio_factor: float, include_s15a: bool) -> list[Tipping]:
    """The non-response multiplier (between 0.01 and 100) at which the model's median and 5th
    percentile ratios reach the threshold."""
    def ratio_draws_at(multiplier):
        return claim_ratio_draws(totals, claim, multiplier, held_at["s15a_flagged_share"], include_s15a)

    out = []
    for q, method in ((0.5, MODEL_MEDIAN), (LOWER, MODEL_LOWER)):
        value = _value_where_quantile_reaches(ratio_draws_at, q, ratio_factor, threshold, 0.01, 100.0)
        note = "" if not np.isnan(value) else "the verdict is the same for every multiplier from 0.01 to 100"
        out.append(Tipping("nonresponse_multiplier", value, method, note))
    return out


def share_direction(ratio_with_none_out: float, ratio_with_all_out: float) -> str:
    """Which side of an s.15A-share tipping point the claim holds on. Taking flagged s.15A offences
    out lowers the ratio when they are a larger part of the later total (the usual case: none in a
    year before the offence), so the claim then holds at shares below the tipping value, unlike a
    ratio assumption, where it holds above."""
    side = "below" if ratio_with_all_out < ratio_with_none_out else "above"
    return f"the claim holds at shares {side} this value"


def s15a_share_tipping(totals: RecordedTotals, claim: TrendClaim, threshold: float, held_at: dict[str, float],
                       ratio_factor: float) -> list[Tipping]:
    """With s.15A out of scope, the share of s.15A offences in the flagged series at which the
    ratio reaches the threshold: solved on the published totals, and bisected on the model's."""
    s15a_to, s15a_from = totals.s15a.get(claim.to_year), totals.s15a.get(claim.from_year)
    if s15a_to is None or s15a_from is None:
        return [Tipping("s15a_flagged_share", np.nan, "none", "no published s.15A count for both years")]
    # (P1 - s*S1) / (P0 - s*S0) * factor = threshold, solved for the share s
    t = threshold / ratio_factor
    denominator = s15a_to - t * s15a_from
    arithmetic = (claim.published_to - t * claim.published_from) / denominator if denominator else np.nan
    in_range = 0 <= arithmetic <= 1
    if claim.arithmetic_caveat:
        arithmetic_note = claim.arithmetic_caveat
    elif in_range:
        arithmetic_note = share_direction(claim.published_to / claim.published_from,
                                          (claim.published_to - s15a_to) / (claim.published_from - s15a_from))
    else:
        arithmetic_note = f"no share between 0 and 1 (solution {arithmetic:.2f})"
    out = [Tipping("s15a_flagged_share", arithmetic if in_range and not claim.arithmetic_caveat else np.nan,
                   f"arithmetic on published totals ({claim.published_records}), s.15A out of scope",
                   arithmetic_note)]

    def ratio_draws_at(share):
        return claim_ratio_draws(totals, claim, held_at["nonresponse_multiplier"], share, False)

    model_direction = share_direction(float(np.median(ratio_draws_at(0.0))), float(np.median(ratio_draws_at(1.0))))
    for q, method in ((0.5, f"{MODEL_MEDIAN}, s.15A out of scope"), (LOWER, f"{MODEL_LOWER}, s.15A out of scope")):
        value = _value_where_quantile_reaches(ratio_draws_at, q, ratio_factor, threshold, 0.0, 1.0)
        out.append(Tipping("s15a_flagged_share", value, method,
                           model_direction if not np.isnan(value) else "the verdict is the same for every share from 0 to 1"))
    return out


def s15a_switch_tipping(totals: RecordedTotals, claim: TrendClaim, held_at: dict[str, float],
                        ratio_factor: float) -> Tipping:
    """Not a value but the two sides of the switch: the model's median adjusted ratio with s.15A
    in scope and out of it."""
    multiplier, share = held_at["nonresponse_multiplier"], held_at["s15a_flagged_share"]
    with_s15a = float(np.median(claim_ratio_draws(totals, claim, multiplier, share, True)))
    without = claim_ratio_draws(totals, claim, multiplier, share, False)
    without_text = "n/a (no s.15A count)" if np.isnan(without).all() else f"{np.median(without) * ratio_factor:.2f}"
    return Tipping("include_s15a", np.nan, "switch",
                   f"model median ratio {with_s15a * ratio_factor:.2f} with s.15A in scope, {without_text} without")


def claim_tipping_rows(totals: RecordedTotals, claim: TrendClaim, held_at: dict[str, float],
                       include_s15a: bool, others_at: str) -> list[dict]:
    """Every assumption's tipping point for each threshold of one claim."""
    ratio_factor = float(span_factor(held_at, claim.span_years))
    model = claim_ratio_draws(totals, claim, held_at["nonresponse_multiplier"], held_at["s15a_flagged_share"],
                              include_s15a)
    model_median, model_lower = float(np.median(model)), float(np.quantile(model, LOWER))
    switch = s15a_switch_tipping(totals, claim, held_at, ratio_factor)
    rows = []
    for threshold in claim.thresholds:
        holds = bool(model_median * ratio_factor >= threshold.ratio)
        tippings = (ratio_assumption_tipping(claim, threshold.ratio, held_at, model_median, model_lower)
                    + level_assumption_tipping()
                    + nonresponse_tipping(totals, claim, threshold.ratio, held_at, ratio_factor, include_s15a)
                    + s15a_share_tipping(totals, claim, threshold.ratio, held_at, ratio_factor)
                    + [switch])
        rows += [_row(claim, threshold, others_at, tipping, held_at, holds) for tipping in tippings]
    return rows


def _row(claim: TrendClaim, threshold: Threshold, others_at: str, tipping: Tipping, held_at: dict[str, float],
         holds: bool) -> dict:
    per_year = tipping.assumption in RATIO_ASSUMPTIONS
    return {"claim_id": claim.claim_id, "claim": claim.description, "threshold": threshold.ratio,
            "threshold_meaning": threshold.meaning, "threshold_source": threshold.source, "others_at": others_at,
            "assumption": tipping.assumption, "tipping_value": tipping.value,
            "span_years": claim.span_years if per_year else np.nan,
            "tipping_ratio_over_span": tipping.ratio_over_span, "method": tipping.method,
            "reference_value": held_at.get(tipping.assumption, np.nan), "holds_at_reference": holds,
            "note": tipping.note}


def tipping_points(totals: RecordedTotals, claims: list[TrendClaim], assumptions: dict[str, Assumption],
                   include_s15a: bool) -> pd.DataFrame:
    rows = []
    for others_at in ("neutral", "central"):
        held_at = reference_values(assumptions, others_at)
        for claim in claims:
            rows += claim_tipping_rows(totals, claim, held_at, include_s15a, others_at)
    return pd.DataFrame(rows)


# The grids the tipping curves run over: per-year ratios (a three-year comparison compounds them
# to about 0.2 to 1.7) and the non-response multiplier.
RATIO_PER_YEAR_GRID = (0.6, 1.2)
NONRESPONSE_GRID = (0.25, 3.0)


def tipping_curves(totals: RecordedTotals, claims: list[TrendClaim], assumptions: dict[str, Assumption],
                   include_s15a: bool, points: int = 41) -> pd.DataFrame:
    """The adjusted ratio (median and 90% band over model draws) as one assumption moves, others
    central; a per-year ratio's value is per year, and `ratio_over_span` what it compounds to."""
    central = {name: a.central for name, a in assumptions.items()}
    grids = {name: np.linspace(*RATIO_PER_YEAR_GRID, points) for name in RATIO_ASSUMPTIONS}
    grids["nonresponse_multiplier"] = np.linspace(*NONRESPONSE_GRID, points)
    rows = []
    for claim in claims:
        span = claim.span_years
        ratio_factor = float(span_factor(central, span))
        central_ratio = claim_ratio_draws(totals, claim, central["nonresponse_multiplier"],
                                          central["s15a_flagged_share"], include_s15a)
        for name, grid in grids.items():
            for value in grid:
                if name in RATIO_ASSUMPTIONS:
                    draws = central_ratio * ratio_factor / central[name] ** span * value ** span
                else:
                    draws = claim_ratio_draws(totals, claim, value, central["s15a_flagged_share"],
                                              include_s15a) * ratio_factor
                lo, med, hi = central_interval(draws) if not np.isnan(draws).all() else (np.nan,) * 3
                rows.append({"claim_id": claim.claim_id, "assumption": name, "value": value,
                             "ratio_over_span": value ** span if name in RATIO_ASSUMPTIONS else np.nan,
                             "median": med, "lower_90": lo, "upper_90": hi,
                             "published_ratio": claim.published_ratio})
    return pd.DataFrame(rows)
