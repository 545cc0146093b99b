"""One check per kind of measure (common/measures.KINDS), and the table that picks it.

Each check takes the claim, its parsed measure, period and geography and returns the columns
it knows of the claim's row in claims.csv: ``method``, ``reproduced_value``, ``coverage_share``,
``input_record_ids``, ``basis``, ``verdict`` and ``note``. A column it leaves out keeps the
default of ``check_claims.check_claim`` (``not_reproducible``, with no value).
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import pandas as pd

from online_csa.claims.claim_context import ClaimContext
from online_csa.claims.verdicts import approx_half_width, judge_change, judge_ratio, judge_total, printed_unit
from online_csa.claims.vintages import VintageMatch, printed_after_note, search_vintages
from online_csa.common.fiscal_years import Period, days_in_fiscal_year, format_fiscal_year
from online_csa.common.formatting import format_number
from online_csa.common.geographies import Geography
from online_csa.common.measures import Measure

Check = Callable[[ClaimContext, pd.Series, Measure, Period, Geography], dict]


# ---- totals: counts and cumulative counts --------------------------------------------------
def _total_result(context: ClaimContext, claim, measure: Measure, years, geography: Geography,
                  partial_window=False) -> dict:
    cells, forces = context.cells, geography.forces

    def judge(comp):
        return judge_total(claim["published_value"], comp, cells.coverage(comp, forces, years), measure.bound,
                           exact_tolerance=0.0, min_coverage_share=context.min_coverage_share,
                           partial_window=partial_window)

    comp = cells.components(measure.series, forces, years, bounds=True)
    value, verdict, why = judge(comp)
    later = printed_after_note(cells, measure.series, comp, claim["release_date"])
    basis = (f"sum of {measure.series} over {len(comp.observed)} of {len(forces) * len(years)} "
             f"force-years in {geography.label} = {format_number(comp.total if comp.observed else None)}")
    if comp.bounded:
        low, high = comp.total_range
        basis += (f", {format_number(low)} to {format_number(high)} with the suppressed cells ("
                  + ", ".join(f"{f} {format_fiscal_year(y)}: {format_number(lo)} to {format_number(hi)}"
                              for f, y, lo, hi, _ in comp.bounded)
                  + ")")
    basis += f"; cells without a value: {comp.describe_missing()}"
    if verdict == "contradicted" and (match := search_vintages(cells, measure.series, forces, years, judge)):
        comp, value, verdict, why = match.components, match.value, "consistent", _vintage_note(match, why)
    why = "; ".join(filter(None, [why, later]))
    return {"method": "force-level sum", "reproduced_value": value, "input_record_ids": comp.record_ids,
            "coverage_share": cells.coverage(comp, forces, years), "basis": basis, "verdict": verdict, "note": why}


def _vintage_note(match: VintageMatch, chosen_why: str) -> str:
    """Why a total the chosen vintages contradict is consistent with other vintages of the same figures."""
    others = f" (or {match.others} other combination{'s' if match.others > 1 else ''} as small)" if match.others else ""
    if match.verdict == "reproduced":
        found = f"equals the sum with {match.described}{others}: {format_number(match.value)}"
    else:
        found = f"with {match.described}{others}: {match.why}"
    return f"{found}; with the vintages the panel chose, {chosen_why}"


def check_count(context: ClaimContext, claim, measure: Measure, period: Period, geography: Geography) -> dict:
    return _total_result(context, claim, measure, period.start_years, geography, partial_window=period.kind == "window")


def check_cumulative(context: ClaimContext, claim, measure: Measure, period: Period, geography: Geography) -> dict:
    return _total_result(context, claim, measure, period.start_years, geography, partial_window=period.kind == "window")


# ---- changes between two years --------------------------------------------------------------
def _change(context: ClaimContext, claim, measure: Measure, period: Period, geography: Geography):
    """(start total, end total, method, record ids, coverage, basis) for a change between two years."""
    cells = context.cells
    first, last = period.first, period.last
    forces = geography.forces
    start = cells.components(measure.series, forces, [first])
    end = cells.components(measure.series, forces, [last])
    if not start.missing and not end.missing:
        basis = (f"{measure.series} in {geography.label}: {format_number(start.total)} in {format_fiscal_year(first)}, "
                 f"{format_number(end.total)} in {format_fiscal_year(last)} (all {len(forces)} forces)")
        ids = ";".join(filter(None, [start.record_ids, end.record_ids]))
        return start.total, end.total, "force-level totals", ids, 1.0, basis
    geo_id = geography.id
    a = context.published_total(measure.series, geo_id, first, claim["release_date"])
    b = context.published_total(measure.series, geo_id, last, claim["release_date"])
    if a and b:
        basis = (f"published totals for {geography.label}: {format_number(a[0])} ({a[1]}) in "
                 f"{format_fiscal_year(first)}, {format_number(b[0])} ({b[1]}) in {format_fiscal_year(last)}")
        return a[0], b[0], "published totals", f"{a[1]};{b[1]}", np.nan, basis
    both = cells.forces_with_figures_in_both(measure.series, forces, first, last)
    like = cells.components(measure.series, both, [first])
    like_end = cells.components(measure.series, both, [last])
    basis = (f"no complete force data and no published totals for both years; "
             f"{len(both)} of {len(forces)} forces have both years")
    if both:
        basis += f" ({format_number(like.total)} -> {format_number(like_end.total)}, like-for-like, indicative only)"
    return None, None, "like-for-like (indicative)", ";".join(filter(None, [like.record_ids, like_end.record_ids])), \
        cells.coverage(like, forces, [first]), basis


def change_arithmetic(published: float, a: float, b: float, unit: float) -> str:
    """The arithmetic behind a contradicted percent change, and a misprint it matches, if any."""
    text = (f"from {format_number(a)} to {format_number(b)} the change is ({format_number(b)} - {format_number(a)}) "
            f"/ {format_number(a)} = {(b / a - 1) * 100:+.1f}%")
    ratio = b / a
    if abs(ratio * 100 - published) < max(unit, 1.0):
        text += (f"; the printed {published:g} is the ratio {format_number(b)} / {format_number(a)} = "
                 f"{ratio:.2f} written as a percentage (x100), not the change")
    elif abs((1 - a / b) * 100 - published) < max(unit, 1.0):
        text += (f"; the printed {published:g} is the change divided by the later year's {format_number(b)} "
                 "instead of the earlier year's")
    return text


def check_pct_change(context: ClaimContext, claim, measure: Measure, period: Period, geography: Geography) -> dict:
    a, b, method, ids, coverage, basis = _change(context, claim, measure, period, geography)
    if a is None or not a:
        return {"method": method, "input_record_ids": ids, "coverage_share": coverage, "basis": basis,
                "verdict": "not_reproducible", "note": "the change cannot be computed for the whole area"}
    computed = (b / a - 1) * 100
    unit = printed_unit(claim["value_text"])
    verdict, why = judge_change(claim["published_value"], measure.bound, computed, unit)
    if verdict == "contradicted":
        why += "; " + change_arithmetic(claim["published_value"], a, b, unit)
        if method == "force-level totals":
            match = _change_vintage_match(context, claim, measure, period, geography, unit)
            if match is not None:
                verdict, why = "consistent", (f"recomputed {match.value:.2f} with {match.described}, which the "
                                              f"figure was printed from; with the vintages the panel chose, {why}")
    return {"method": method, "reproduced_value": round(computed, 2), "input_record_ids": ids,
            "coverage_share": coverage, "basis": basis, "verdict": verdict, "note": why}


def _change_vintage_match(context: ClaimContext, claim, measure: Measure, period: Period, geography: Geography,
                          unit: float) -> VintageMatch | None:
    """Losing vintages of the two years' force figures under which the printed change is reproduced."""
    first, last = period.first, period.last

    def judge(comp):
        a = sum(value for _, year, value, *_ in comp.observed if year == first)
        b = sum(value for _, year, value, *_ in comp.observed if year == last)
        if not a:
            return float("nan"), "not_reproducible", ""
        computed = (b / a - 1) * 100
        verdict, why = judge_change(claim["published_value"], measure.bound, computed, unit)
        return computed, verdict, why

    match = search_vintages(context.cells, measure.series, geography.forces, [first, last], judge)
    return match if match is not None and match.verdict == "reproduced" else None


def check_fold_change(context: ClaimContext, claim, measure: Measure, period: Period, geography: Geography) -> dict:
    a, b, method, ids, coverage, basis = _change(context, claim, measure, period, geography)
    if a is None or not a:
        return {"method": method, "input_record_ids": ids, "coverage_share": coverage, "basis": basis,
                "verdict": "not_reproducible", "note": "the ratio cannot be computed for the whole area"}
    ratio = b / a
    verdict, why = judge_ratio(ratio, claim["published_value"])
    return {"method": method, "reproduced_value": round(ratio, 4), "input_record_ids": ids,
            "coverage_share": coverage, "basis": basis, "verdict": verdict, "note": why}


def check_increase_abs(context: ClaimContext, claim, measure: Measure, period: Period, geography: Geography) -> dict:
    if period.kind != "year":
        return {"basis": "an increase is checked for a single fiscal year against the year before"}
    year = period.first
    a = context.published_total(measure.series, geography.id, year - 1, claim["release_date"])
    b = context.published_total(measure.series, geography.id, year, claim["release_date"])
    if not (a and b):
        return {"basis": f"no published totals for {geography.label} in both "
                         f"{format_fiscal_year(year - 1)} and {format_fiscal_year(year)}"}
    diff = b[0] - a[0]
    tolerance = approx_half_width(claim["published_value"]) if measure.bound == "approx" else 0.0
    ok = abs(diff - claim["published_value"]) <= tolerance
    return {"method": "published totals", "reproduced_value": diff, "input_record_ids": f"{a[1]};{b[1]}",
            "basis": f"{format_number(b[0])} ({b[1]}) - {format_number(a[0])} ({a[1]}) = {format_number(diff)}",
            "verdict": "reproduced" if ok else "contradicted", "note": ""}


# ---- rates and shares ---------------------------------------------------------------------
def check_per_day(context: ClaimContext, claim, measure: Measure, period: Period, geography: Geography) -> dict:
    if period.kind != "year":
        return {"basis": "per-day figures are checked for single fiscal years only"}
    year = period.first
    days = days_in_fiscal_year(year)
    total = context.published_total(measure.series, geography.id, year, claim["release_date"])
    if total:
        value, ids, method = total[0], total[1], "published total / days"
    else:
        comp = context.cells.components(measure.series, geography.forces, [year])
        if comp.missing:
            return {"basis": f"no published total for {geography.label} {format_fiscal_year(year)} "
                             f"and force data incomplete ({len(comp.missing)} forces missing)",
                    "method": "force-level sum / days"}
        value, ids, method = comp.total, comp.record_ids, "force-level sum / days"
    per_day = value / days
    published = claim["published_value"]
    ok = abs(per_day - published) < printed_unit(claim["value_text"])
    kind = "truncated" if math.floor(per_day) == published and round(per_day) != published else "rounded"
    return {"method": method, "reproduced_value": round(per_day, 3), "input_record_ids": ids,
            "basis": f"{format_number(value)} ({ids}) / {days} days in {format_fiscal_year(year)} = {per_day:.2f}",
            "verdict": "reproduced" if ok else "contradicted",
            "note": (f"the printed {published:g} is {per_day:.2f} {kind}" if ok else
                     f"{per_day:.2f} a day, not {published:g}") + (" (a 366-day year)" if days == 366 else "")}


def _share(context: ClaimContext, claim, measure: Measure, period: Period, geography: Geography):
    """(flagged, all, method, record ids): force-level totals if complete, else the published totals."""
    year = period.first
    flagged = context.cells.components(measure.series, geography.forces, [year])
    denominator = context.cells.components(measure.denominator, geography.forces, [year])
    if not flagged.missing and not denominator.missing and denominator.total:
        ids = ";".join(filter(None, [flagged.record_ids, denominator.record_ids]))
        return flagged.total, denominator.total, "force-level totals", ids
    a = context.published_total(measure.series, geography.id, year, claim["release_date"])
    b = context.published_total(measure.denominator, geography.id, year, claim["release_date"])
    if a and b and b[0]:
        return a[0], b[0], "published totals", f"{a[1]};{b[1]}"
    return None, None, "", ""


def _share_not_available(claim, measure: Measure, geography: Geography) -> dict:
    return {"basis": f"needs both {measure.series} and {measure.denominator} for {geography.label} "
                     f"in {claim['fiscal_year']}; the ledger lacks at least one"}


def check_share_pct(context: ClaimContext, claim, measure: Measure, period: Period, geography: Geography) -> dict:
    if period.kind != "year":
        return {"basis": "shares are checked for single fiscal years only"}
    flagged, total, method, ids = _share(context, claim, measure, period, geography)
    if flagged is None:
        return _share_not_available(claim, measure, geography)
    share = flagged / total * 100
    ok = abs(share - claim["published_value"]) < printed_unit(claim["value_text"])
    return {"method": method, "reproduced_value": round(share, 2), "input_record_ids": ids,
            "basis": f"{format_number(flagged)} flagged / {format_number(total)} all = {share:.2f}%",
            "verdict": "reproduced" if ok else "contradicted", "note": ""}


def check_share_one_in(context: ClaimContext, claim, measure: Measure, period: Period, geography: Geography) -> dict:
    if period.kind != "year":
        return {"basis": "shares are checked for single fiscal years only"}
    flagged, total, method, ids = _share(context, claim, measure, period, geography)
    if flagged is None or not flagged:
        return _share_not_available(claim, measure, geography)
    one_in = total / flagged
    ok = abs(one_in - claim["published_value"]) < 1
    return {"method": method, "reproduced_value": round(one_in, 2), "input_record_ids": ids,
            "basis": f"{format_number(total)} all / {format_number(flagged)} flagged = one in {one_in:.2f}",
            "verdict": "reproduced" if ok else "contradicted", "note": ""}


# ---- ages and responses -------------------------------------------------------------------
def check_age_count(context: ClaimContext, claim, measure: Measure, period: Period, geography: Geography) -> dict:
    if claim["level"] == "force":
        return {"basis": "a single force's age breakdown; the ledger has no finer figure to check it against"}
    parts = context.force_claims
    parts = parts[(parts["measure"] == claim["measure"]) & (parts["fiscal_year"] == claim["fiscal_year"])
                  & parts["force"].isin(geography.forces)]
    if parts.empty:
        return {"basis": f"no force-level {claim['measure']} figures for {claim['fiscal_year']}"}
    total = float(parts["published_value"].sum())
    ids = ";".join(sorted(parts["record_ids"]))
    published = claim["published_value"]
    verdict = "consistent" if total <= published else "contradicted"
    return {"method": "force-level sum", "reproduced_value": total, "input_record_ids": ids,
            "basis": f"{len(parts)} forces print this figure, summing to {format_number(total)}",
            "verdict": verdict,
            "note": "a lower bound from the forces that printed it" if verdict == "consistent" else
                    "the forces that printed it already exceed the national figure"}


def check_age_statistic(context: ClaimContext, claim, measure: Measure, period: Period, geography: Geography) -> dict:
    return {"basis": "needs victims by single year of age for every responding force; "
                     "the ledger has a few force-level age counts only"}


def check_response(context: ClaimContext, claim, measure: Measure, period: Period, geography: Geography) -> dict:
    if period.kind != "year":
        return {"basis": "response counts are checked for single fiscal years only"}
    year = period.first
    comp = context.cells.components(measure.series, geography.forces, [year])
    n_forces = len(geography.forces)
    published = claim["published_value"]
    not_provided = [f for f, _, status in comp.missing if status == "not_provided"]
    if claim["measure"].startswith("forces_asked"):
        verdict = ("reproduced" if published == n_forces else
                   "consistent" if abs(published - n_forces) <= 1 else "contradicted")
        return {"method": "force register", "reproduced_value": float(n_forces),
                "basis": f"{geography.label}: {n_forces} forces in police_forces.csv", "verdict": verdict,
                "note": "" if verdict == "reproduced" else
                "the release counted one force more or fewer (e.g. British Transport Police)"}
    seen = len(comp.observed)
    if published > n_forces:
        return {"method": "force-level count of responders", "reproduced_value": float(seen),
                "basis": f"the release counts {published:g} forces; the register holds {n_forces} for "
                         f"{geography.label} (forces outside police_forces.csv, such as the Channel Islands, "
                         "cannot be checked)"}
    if seen > published:
        verdict, why = "contradicted", "more forces have a published figure than the release says answered"
    elif seen == published:
        verdict, why = "reproduced", "every responding force has a published figure"
    elif len(not_provided) > n_forces - published:
        verdict, why = "contradicted", "more forces are known not to have answered than the release admits"
    else:
        verdict, why = "consistent", (f"{published - seen:g} responding forces have no published figure in the ledger"
                                      f"; {len(not_provided)} known non-responders")
    return {"method": "force-level count of responders", "reproduced_value": float(seen),
            "input_record_ids": comp.record_ids,
            "coverage_share": context.cells.coverage(comp, geography.forces, [year]),
            "basis": f"{seen} of {n_forces} forces in {geography.label} have a {format_fiscal_year(year)} figure; "
                     f"known not provided: {', '.join(not_provided) or 'none'}",
            "verdict": verdict, "note": why}


# every kind of measure with a force-level counterpart; 'other' has none and is never checked
CHECKS: dict[str, Check] = {
    "count": check_count,
    "cumulative": check_cumulative,
    "pct_change": check_pct_change,
    "fold_change": check_fold_change,
    "increase_abs": check_increase_abs,
    "per_day": check_per_day,
    "share_pct": check_share_pct,
    "share_one_in": check_share_one_in,
    "age_count": check_age_count,
    "age_statistic": check_age_statistic,
    "response": check_response,
}


def check_for_kind(kind: str) -> Check:
    """The check for a kind of measure; a kind without one is a programming error, named here."""
    if kind not in CHECKS:
        raise KeyError(f"no claim check for measure kind {kind!r}: add one to claims.checks.CHECKS")
    return CHECKS[kind]
