"""Check each published figure against force-level data and give it a verdict.

Verdicts:

* ``reproduced``       recomputed from complete data and equal to the published figure
                       (to the precision it was printed: a printed 22 matches 22.53, since
                       releases both round and truncate);
* ``consistent``       the data are incomplete, and the published figure lies within what
                       the missing forces or years could add;
* ``contradicted``     the data rule the figure out (complete data disagree, or the forces
                       we can see already exceed a published total);
* ``not_reproducible`` published force data cannot test it (no force-level counterpart,
                       no usable period, too little coverage).

Each row says how (``method``), from what (``basis``, ``input_record_ids``) and how much of
the geography's child population the force data cover (``coverage_share``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from online_csa.common.fiscal_years import days_in_fiscal_year, format_fiscal_year, parse_period
from online_csa.common.geographies import Geography, GeographyMap
from online_csa.common.measures import classify_measure
from online_csa.cleaning.panel import release_key

VERDICTS = ("reproduced", "consistent", "contradicted", "not_reproducible")
CLAIM_COLUMNS = ["claim_id", "record_ids", "fiscal_year", "geography", "measure", "published_value",
                 "reproduced_value", "basis", "verdict", "note", "level", "kind", "method", "coverage_share",
                 "input_record_ids", "release_date"]
VALUED_STATUSES = ("observed", "conflicting")


def printed_unit(value_text) -> float:
    """The unit of the last printed digit: 1 for '22', 0.1 for '35.8'."""
    text = str(value_text).strip()
    if "." in text:
        return 10.0 ** -len(text.split(".", 1)[1])
    return 1.0


def approx_half_width(value: float) -> float:
    """An 'about N' figure is taken as N rounded at its last non-zero digit (34,000 -> +/-500)."""
    n = int(abs(value))
    zeros = 0
    while n and n % 10 == 0:
        n //= 10
        zeros += 1
    return 0.5 * 10 ** zeros


def fmt(x, digits=0) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:,.{digits}f}"


@dataclass
class Components:
    """Force-level cells behind an aggregate: what we see, what is known only within bounds (a
    suppressed small count), and what is missing."""
    observed: list = field(default_factory=list)  # (force, year, value, record_ids)
    missing: list = field(default_factory=list)  # (force, year, status)
    bounded: list = field(default_factory=list)  # (force, year, lower, upper, record_ids)

    @property
    def total(self) -> float:
        return float(sum(v for _, _, v, _ in self.observed))

    @property
    def total_range(self) -> tuple[float, float]:
        """The least and the most the known cells can sum to (observed plus suppressed bounds)."""
        return (self.total + sum(lo for _, _, lo, _, _ in self.bounded),
                self.total + sum(hi for _, _, _, hi, _ in self.bounded))

    @property
    def record_ids(self) -> str:
        ids = sorted({i for *_, ids in self.observed + self.bounded for i in ids.split(";") if i})
        return ";".join(ids)

    def describe_missing(self) -> str:
        if not self.missing:
            return "none"
        by_status: dict[str, list[str]] = {}
        for force, year, status in self.missing:
            by_status.setdefault(status, []).append(f"{force} {format_fiscal_year(year)}")
        return "; ".join(f"{status}: {', '.join(cells)}" for status, cells in sorted(by_status.items()))


class ClaimChecker:
    def __init__(self, panel: pd.DataFrame, geographies: GeographyMap, series: list[str],
                 min_coverage_share: float, published_counts: pd.DataFrame, force_claims: pd.DataFrame):
        self.geo = geographies
        self.series = series
        self.min_coverage = min_coverage_share
        years = panel["fiscal_year"].map(lambda y: int(str(y)[:4]))
        self.panel_years = (int(years.min()), int(years.max()))
        self.cells = {
            (s, f, y): (v, st, ids)
            for s, f, y, v, st, ids in zip(panel["series"], panel["force"], years, panel["value"], panel["status"],
                                           panel["record_ids"])
        }
        # suppressed small counts: known to lie between these bounds (interval-censored; the panel
        # schema guarantees a suppressed cell has both)
        suppressed = panel["status"] == "suppressed"
        self.bounds = {(s, f, y): (float(lo), float(hi)) for s, f, y, lo, hi in zip(
            panel.loc[suppressed, "series"], panel.loc[suppressed, "force"], years[suppressed],
            panel.loc[suppressed, "lower"], panel.loc[suppressed, "upper"])}
        pop = panel.drop_duplicates(["force", "fiscal_year"]).assign(year=years)
        self.population = {(f, y): p for f, y, p in zip(pop["force"], pop["year"], pop["child_population"]) if pd.notna(p)}
        self.published_counts = published_counts
        self.force_claims = force_claims

    # ---- force-level data -------------------------------------------------------------
    def cell(self, series, force, year):
        value, status, ids = self.cells.get((series, force, year), (pd.NA, "missing", ""))
        if status in VALUED_STATUSES and pd.notna(value):
            return float(value), status, ids
        return None, status, ids

    def components(self, series, forces, years, bounds: bool = False) -> Components:
        """The cells behind an aggregate. With `bounds`, a suppressed small count is a bounded cell
        (a total is then a range); otherwise it counts as missing, as in the checks of changes,
        ratios and rates, which would need a value."""
        comp = Components()
        for year in years:
            for force in forces:
                value, status, ids = self.cell(series, force, year)
                if value is None and bounds and (series, force, year) in self.bounds:
                    comp.bounded.append((force, year, *self.bounds[(series, force, year)], ids))
                elif value is None:
                    comp.missing.append((force, year, "outside_panel" if not self._in_panel(year) else status))
                else:
                    comp.observed.append((force, year, value, ids))
        return comp

    def _in_panel(self, year) -> bool:
        return self.panel_years[0] <= year <= self.panel_years[1]

    def coverage(self, comp: Components, forces, years) -> float:
        """Share of the geography's child-years that the observed cells cover (force count if no population)."""
        def weight(force, year):
            for candidate in (year, *sorted(range(year - 3, year + 4), key=lambda y: abs(y - year))):
                if (force, candidate) in self.population:
                    return float(self.population[(force, candidate)])
            return 1.0
        total = sum(weight(f, y) for y in years for f in forces)
        seen = sum(weight(f, y) for f, y, *_ in comp.observed + comp.bounded)
        return round(seen / total, 4) if total else 0.0

    # ---- published totals (arithmetic of the releases themselves) --------------------------
    def published_total(self, series, geo_id, year, release_date):
        """The published count for a geography and year: same release first, else the latest one not after it."""
        table = self.published_counts
        if table.empty:
            return None
        rows = table[(table["series"] == series) & (table["geo_id"] == geo_id) & (table["start_year"] == year)]
        if rows.empty:
            return None
        key = release_key(release_date)
        def closeness(k):
            # same day > same month > an earlier release > a later one
            return 3 if k == key and k[2] else 2 if k[:2] == key[:2] else 1 if k <= key else 0
        rows = rows.assign(_key=rows["release_date"].map(release_key))
        rows = rows.assign(_close=rows["_key"].map(closeness), _cited=rows["record_ids"].str.count(";"))
        pick = rows.sort_values(["_close", "_cited", "_key", "record_ids"], ascending=[False, False, False, True]).iloc[0]
        return float(pick["value"]), pick["record_ids"]

    # ---- verdict rules ------------------------------------------------------------------
    def judge_total(self, published, comp: Components, coverage, bound, exact_tolerance, partial_window=False):
        """Verdict for a published total against the sum of force-level cells."""
        total = comp.total
        if not comp.observed and not comp.bounded:
            return None, "not_reproducible", "no force-level figure for any component"
        tolerance = approx_half_width(published) if bound == "approx" else exact_tolerance
        complete = not comp.missing
        if comp.bounded and not partial_window:
            return self._judge_interval(published, comp, coverage, bound, tolerance)
        if partial_window:
            if complete and published <= total + tolerance:
                return total, "consistent", "a part-year count no larger than the whole years it falls in"
            if complete:
                return total, "contradicted", "a part-year count larger than the whole years it falls in"
            return total, "not_reproducible", "part-year count and the whole years are incomplete"
        if bound == "lower":
            if total >= published - tolerance:
                return total, "reproduced", "the observed cells alone reach the published lower bound"
            if complete:
                return total, "contradicted", "complete data fall short of the published lower bound"
        elif complete:
            if abs(total - published) <= tolerance:
                return total, "reproduced", "complete force-level data give the published figure"
            return total, "contradicted", f"complete force-level data give {fmt(total)}, not {fmt(published)}"
        elif total > published + tolerance:
            return total, "contradicted", "the forces we can see already exceed the published total"
        if coverage < self.min_coverage:
            return total, "not_reproducible", (f"force data cover {coverage:.0%} of the children in the area, "
                                               f"below the {self.min_coverage:.0%} needed to call it consistent")
        gap = published - total
        return total, "consistent", f"the missing cells would need to add {fmt(gap)} ({fmt(gap / len(comp.missing), 1)} each)"

    def _judge_interval(self, published, comp: Components, coverage, bound, tolerance):
        """judge_total when some cells are suppressed small counts: the known cells sum to a range,
        not a number, so a published figure inside it is consistent, never reproduced exactly."""
        low, high = comp.total_range
        many = len(comp.bounded) > 1
        cells = f"{len(comp.bounded)} suppressed cell{'s' if many else ''} counted at {'their' if many else 'its'} bounds"
        between = f"between {fmt(low)} and {fmt(high)} ({cells})"
        if bound == "lower":
            if low >= published - tolerance:
                return low, "reproduced", f"the known cells reach the published lower bound even at their least: {between}"
            if not comp.missing and high < published - tolerance:
                return low, "contradicted", f"complete force-level data give at most {fmt(high)}: {between}"
        elif not comp.missing:
            if low - tolerance <= published <= high + tolerance:
                return low, "consistent", f"complete force-level data give {between}; the published figure lies within"
            return low, "contradicted", f"complete force-level data give {between}, not {fmt(published)}"
        elif low > published + tolerance:
            return low, "contradicted", f"the forces we can see already exceed the published total: {between}"
        if coverage < self.min_coverage:
            return low, "not_reproducible", (f"force data cover {coverage:.0%} of the children in the area, "
                                             f"below the {self.min_coverage:.0%} needed to call it consistent")
        return low, "consistent", (f"the known cells give {between}; the missing cells would need to add "
                                   f"{fmt(published - high)} to {fmt(published - low)}")

    # ---- one claim ----------------------------------------------------------------------
    def check(self, claim: pd.Series) -> dict:
        measure = classify_measure(claim["measure"], self.series)
        period = parse_period(claim["fiscal_year"])
        geography = self._geography(claim)
        result = {"kind": measure.kind, "method": "", "reproduced_value": np.nan, "coverage_share": np.nan,
                  "input_record_ids": "", "basis": "", "verdict": "not_reproducible", "note": ""}
        if measure.kind == "other":
            result["basis"] = "the ledger has no force-level counterpart of this measure"
            return result
        if pd.isna(claim["published_value"]):
            printed = claim["value_text"] if isinstance(claim["value_text"], str) and claim["value_text"] else "nothing"
            result["basis"] = f"the source printed {printed!r}, not a number: there is no figure to check"
            return result
        if geography is None:
            result["basis"] = f"geography label {claim['geography']!r} is not defined in config/geographies.yaml"
            return result
        if period.kind == "other" or not period.start_years:
            result["basis"] = f"period {claim['fiscal_year']!r} is not a fiscal year or span of fiscal years"
            return result
        handler = getattr(self, f"_check_{measure.kind}")
        result.update(handler(claim, measure, period, geography))
        return result

    def _geography(self, claim) -> Geography | None:
        if claim["level"] == "force":
            return self.geo.for_force(claim["force"])
        return self.geo.for_record(claim["record_ids"].split(";")[0], claim["geography"])

    def _total_result(self, claim, measure, years, geography, partial_window=False):
        comp = self.components(measure.series, geography.forces, years, bounds=True)
        coverage = self.coverage(comp, geography.forces, years)
        value, verdict, why = self.judge_total(claim["published_value"], comp, coverage, measure.bound,
                                               exact_tolerance=0.0, partial_window=partial_window)
        basis = (f"sum of {measure.series} over {len(comp.observed)} of {len(geography.forces) * len(years)} "
                 f"force-years in {geography.label} = {fmt(comp.total if comp.observed else None)}")
        if comp.bounded:
            low, high = comp.total_range
            basis += (f", {fmt(low)} to {fmt(high)} with the suppressed cells ("
                      + ", ".join(f"{f} {format_fiscal_year(y)}: {fmt(lo)} to {fmt(hi)}" for f, y, lo, hi, _ in comp.bounded)
                      + ")")
        basis += f"; cells without a value: {comp.describe_missing()}"
        return {"method": "force-level sum", "reproduced_value": value, "coverage_share": coverage,
                "input_record_ids": comp.record_ids, "basis": basis, "verdict": verdict, "note": why}

    def _check_count(self, claim, measure, period, geography):
        partial = period.kind == "window"
        return self._total_result(claim, measure, period.start_years, geography, partial_window=partial)

    def _check_cumulative(self, claim, measure, period, geography):
        return self._total_result(claim, measure, period.start_years, geography, partial_window=period.kind == "window")

    def _change(self, claim, measure, period, geography):
        """(start total, end total, method, record ids, coverage, basis) for a change between two years."""
        first, last = period.first, period.last
        forces = geography.forces
        start = self.components(measure.series, forces, [first])
        end = self.components(measure.series, forces, [last])
        if not start.missing and not end.missing:
            basis = (f"{measure.series} in {geography.label}: {fmt(start.total)} in {format_fiscal_year(first)}, "
                     f"{fmt(end.total)} in {format_fiscal_year(last)} (all {len(forces)} forces)")
            ids = ";".join(filter(None, [start.record_ids, end.record_ids]))
            return start.total, end.total, "force-level totals", ids, 1.0, basis
        geo_id = geography.id
        a = self.published_total(measure.series, geo_id, first, claim["release_date"])
        b = self.published_total(measure.series, geo_id, last, claim["release_date"])
        if a and b:
            basis = (f"published totals for {geography.label}: {fmt(a[0])} ({a[1]}) in {format_fiscal_year(first)}, "
                     f"{fmt(b[0])} ({b[1]}) in {format_fiscal_year(last)}")
            return a[0], b[0], "published totals", f"{a[1]};{b[1]}", np.nan, basis
        both = [f for f in forces if self.cell(measure.series, f, first)[0] is not None
                and self.cell(measure.series, f, last)[0] is not None]
        like = self.components(measure.series, both, [first])
        like_end = self.components(measure.series, both, [last])
        basis = (f"no complete force data and no published totals for both years; "
                 f"{len(both)} of {len(forces)} forces have both years")
        if both:
            basis += f" ({fmt(like.total)} -> {fmt(like_end.total)}, like-for-like, indicative only)"
        return None, None, "like-for-like (indicative)", ";".join(filter(None, [like.record_ids, like_end.record_ids])), \
            self.coverage(like, forces, [first]), basis

    def _judge_change(self, claim, measure, computed, unit):
        published = claim["published_value"]
        if measure.bound == "lower":
            ok = computed >= published - unit
            return ("reproduced" if ok else "contradicted"), "a lower bound: the change must be at least this large"
        ok = abs(computed - published) < unit
        return ("reproduced" if ok else "contradicted"), (
            "matches to the printed precision (rounded or truncated)" if ok else
            f"recomputed {computed:.2f} differs from the printed {published:g}")

    def _check_pct_change(self, claim, measure, period, geography):
        a, b, method, ids, coverage, basis = self._change(claim, measure, period, geography)
        if a is None or not a:
            return {"method": method, "input_record_ids": ids, "coverage_share": coverage, "basis": basis,
                    "verdict": "not_reproducible", "note": "the change cannot be computed for the whole area"}
        computed = (b / a - 1) * 100
        verdict, why = self._judge_change(claim, measure, computed, printed_unit(claim["value_text"]))
        return {"method": method, "reproduced_value": round(computed, 2), "input_record_ids": ids,
                "coverage_share": coverage, "basis": basis, "verdict": verdict, "note": why}

    def _check_fold_change(self, claim, measure, period, geography):
        a, b, method, ids, coverage, basis = self._change(claim, measure, period, geography)
        if a is None or not a:
            return {"method": method, "input_record_ids": ids, "coverage_share": coverage, "basis": basis,
                    "verdict": "not_reproducible", "note": "the ratio cannot be computed for the whole area"}
        ratio = b / a
        ok = round(ratio, 1) >= claim["published_value"]
        return {"method": method, "reproduced_value": round(ratio, 4), "input_record_ids": ids,
                "coverage_share": coverage, "basis": basis, "verdict": "reproduced" if ok else "contradicted",
                "note": f"ratio {ratio:.3f}; 'x-fold' holds when the ratio rounds (1 d.p.) to at least {claim['published_value']:g}"}

    def _check_per_day(self, claim, measure, period, geography):
        if period.kind != "year":
            return {"basis": "per-day figures are checked for single fiscal years only"}
        year = period.first
        days = days_in_fiscal_year(year)
        total = self.published_total(measure.series, geography.id, year, claim["release_date"])
        if total:
            value, ids, method = total[0], total[1], "published total / days"
        else:
            comp = self.components(measure.series, geography.forces, [year])
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
                "basis": f"{fmt(value)} ({ids}) / {days} days in {format_fiscal_year(year)} = {per_day:.2f}",
                "verdict": "reproduced" if ok else "contradicted",
                "note": (f"the printed {published:g} is {per_day:.2f} {kind}" if ok else
                         f"{per_day:.2f} a day, not {published:g}") + (" (a 366-day year)" if days == 366 else "")}

    def _check_increase_abs(self, claim, measure, period, geography):
        if period.kind != "year":
            return {"basis": "an increase is checked for a single fiscal year against the year before"}
        year = period.first
        a = self.published_total(measure.series, geography.id, year - 1, claim["release_date"])
        b = self.published_total(measure.series, geography.id, year, claim["release_date"])
        if not (a and b):
            return {"basis": f"no published totals for {geography.label} in both "
                             f"{format_fiscal_year(year - 1)} and {format_fiscal_year(year)}"}
        diff = b[0] - a[0]
        tolerance = approx_half_width(claim["published_value"]) if measure.bound == "approx" else 0.0
        ok = abs(diff - claim["published_value"]) <= tolerance
        return {"method": "published totals", "reproduced_value": diff, "input_record_ids": f"{a[1]};{b[1]}",
                "basis": f"{fmt(b[0])} ({b[1]}) - {fmt(a[0])} ({a[1]}) = {fmt(diff)}",
                "verdict": "reproduced" if ok else "contradicted", "note": ""}

    def _share(self, claim, measure, period, geography):
        year = period.first
        flagged = self.components(measure.series, geography.forces, [year])
        denominator = self.components(measure.denominator, geography.forces, [year])
        if not flagged.missing and not denominator.missing and denominator.total:
            ids = ";".join(filter(None, [flagged.record_ids, denominator.record_ids]))
            return flagged.total, denominator.total, "force-level totals", ids
        a = self.published_total(measure.series, geography.id, year, claim["release_date"])
        b = self.published_total(measure.denominator, geography.id, year, claim["release_date"])
        if a and b and b[0]:
            return a[0], b[0], "published totals", f"{a[1]};{b[1]}"
        return None, None, "", ""

    def _check_share_pct(self, claim, measure, period, geography):
        if period.kind != "year":
            return {"basis": "shares are checked for single fiscal years only"}
        flagged, total, method, ids = self._share(claim, measure, period, geography)
        if flagged is None:
            return {"basis": f"needs both {measure.series} and {measure.denominator} for {geography.label} "
                             f"in {claim['fiscal_year']}; the ledger lacks at least one"}
        share = flagged / total * 100
        ok = abs(share - claim["published_value"]) < printed_unit(claim["value_text"])
        return {"method": method, "reproduced_value": round(share, 2), "input_record_ids": ids,
                "basis": f"{fmt(flagged)} flagged / {fmt(total)} all = {share:.2f}%",
                "verdict": "reproduced" if ok else "contradicted", "note": ""}

    def _check_share_one_in(self, claim, measure, period, geography):
        if period.kind != "year":
            return {"basis": "shares are checked for single fiscal years only"}
        flagged, total, method, ids = self._share(claim, measure, period, geography)
        if flagged is None or not flagged:
            return {"basis": f"needs both {measure.series} and {measure.denominator} for {geography.label} "
                             f"in {claim['fiscal_year']}; the ledger lacks at least one"}
        one_in = total / flagged
        ok = abs(one_in - claim["published_value"]) < 1
        return {"method": method, "reproduced_value": round(one_in, 2), "input_record_ids": ids,
                "basis": f"{fmt(total)} all / {fmt(flagged)} flagged = one in {one_in:.2f}",
                "verdict": "reproduced" if ok else "contradicted", "note": ""}

    def _check_age_count(self, claim, measure, period, geography):
        if claim["level"] == "force":
            return {"basis": "a single force's age breakdown; the ledger has no finer figure to check it against"}
        parts = self.force_claims
        parts = parts[(parts["measure"] == claim["measure"]) & (parts["fiscal_year"] == claim["fiscal_year"])
                      & parts["force"].isin(geography.forces)]
        if parts.empty:
            return {"basis": f"no force-level {claim['measure']} figures for {claim['fiscal_year']}"}
        total = float(parts["published_value"].sum())
        ids = ";".join(sorted(parts["record_ids"]))
        published = claim["published_value"]
        verdict = "consistent" if total <= published else "contradicted"
        return {"method": "force-level sum", "reproduced_value": total, "input_record_ids": ids,
                "basis": f"{len(parts)} forces print this figure, summing to {fmt(total)}",
                "verdict": verdict,
                "note": "a lower bound from the forces that printed it" if verdict == "consistent" else
                        "the forces that printed it already exceed the national figure"}

    def _check_age_statistic(self, claim, measure, period, geography):
        return {"basis": "needs victims by single year of age for every responding force; "
                         "the ledger has a few force-level age counts only"}

    def _check_response(self, claim, measure, period, geography):
        if period.kind != "year":
            return {"basis": "response counts are checked for single fiscal years only"}
        year = period.first
        comp = self.components(measure.series, geography.forces, [year])
        n_forces = len(geography.forces)
        published = claim["published_value"]
        not_provided = [f for f, _, status in comp.missing if status == "not_provided"]
        if claim["measure"].startswith("forces_asked"):
            verdict = "reproduced" if published == n_forces else "consistent" if abs(published - n_forces) <= 1 else "contradicted"
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
                "input_record_ids": comp.record_ids, "coverage_share": self.coverage(comp, geography.forces, [year]),
                "basis": f"{seen} of {n_forces} forces in {geography.label} have a {format_fiscal_year(year)} figure; "
                         f"known not provided: {', '.join(not_provided) or 'none'}",
                "verdict": verdict, "note": why}


def collapse_claim_records(records: pd.DataFrame, geographies: GeographyMap) -> pd.DataFrame:
    """Identical figures from several outlets become one claim listing every record_id."""
    records = records.copy()
    def geo_key(row):
        if row["level"] == "force":
            return f"force:{row['force']}"
        geography = geographies.for_record(row["record_id"], row["geography"])
        return geography.id if geography else f"label:{row['geography']}"
    records["geo_key"] = records.apply(geo_key, axis=1) if len(records) else []
    records["value_key"] = records["value"].map(lambda v: "none" if pd.isna(v) else repr(float(v)))
    records["period_key"] = records["fiscal_year"].map(lambda y: str(y).split(" (")[0] if parse_period(y).kind == "year" or
                                                          parse_period(y).kind == "span" else str(y))
    rows = []
    for _, group in records.groupby(["level", "geo_key", "period_key", "measure", "value_key"], sort=False):
        group = group.sort_values("record_id")
        first = group.iloc[0]
        rows.append({
            "claim_id": first["record_id"], "record_ids": ";".join(group["record_id"]),
            "fiscal_year": first["fiscal_year"], "geography": first["geography"], "measure": first["measure"],
            "published_value": first["value"], "value_text": first["value_text"], "level": first["level"],
            "force": first["force"], "geo_key": first["geo_key"],
            # the most precise date any outlet gives for the release (ties: the earliest)
            "release_date": min(group["release_date"].dropna(), default="",
                                key=lambda d: (-sum(p > 0 for p in release_key(d)), release_key(d))),
        })
    claims = pd.DataFrame(rows)
    # note other published values for the same figure
    if len(claims):
        claims["conflicts"] = ""
        for _, group in claims.groupby(["level", "geo_key", "fiscal_year", "measure"]):
            if len(group) > 1:
                for idx in group.index:
                    others = group.drop(idx)
                    claims.at[idx, "conflicts"] = "other published values for this figure: " + "; ".join(
                        f"{fmt(v, 0) if pd.notna(v) else 'none'} ({ids})" for v, ids in zip(others["published_value"], others["record_ids"]))
    return claims


def published_count_table(claims: pd.DataFrame, geographies: GeographyMap, series: list[str]) -> pd.DataFrame:
    """National/regional published counts for single years, for the arithmetic checks."""
    rows = []
    for claim in claims.itertuples(index=False):
        measure = classify_measure(claim.measure, series)
        period = parse_period(claim.fiscal_year)
        if claim.level != "national" or not measure.is_count or measure.bound or period.kind != "year":
            continue
        if pd.isna(claim.published_value):
            continue
        geography = geographies.for_record(claim.record_ids.split(";")[0], claim.geography)
        if geography is None:
            continue
        rows.append({"series": measure.series, "geo_id": geography.id, "start_year": period.first,
                     "value": claim.published_value, "record_ids": claim.record_ids, "release_date": claim.release_date})
    return pd.DataFrame(rows, columns=["series", "geo_id", "start_year", "value", "record_ids", "release_date"])


def check_claims(claim_records: pd.DataFrame, panel: pd.DataFrame, geographies: GeographyMap, series: list[str],
                 min_coverage_share: float) -> pd.DataFrame:
    claims = collapse_claim_records(claim_records, geographies)
    published = published_count_table(claims, geographies, series)
    force_claims = claims[claims["level"] == "force"]
    checker = ClaimChecker(panel, geographies, series, min_coverage_share, published, force_claims)
    results = []
    for _, claim in claims.iterrows():
        outcome = checker.check(claim)
        if claim.get("conflicts"):
            outcome["note"] = "; ".join(filter(None, [outcome.get("note", ""), claim["conflicts"]]))
        geography = checker._geography(claim)
        results.append({**claim.to_dict(), **outcome,
                        "geography": claim["geography"] if geography is None or claim["level"] == "force"
                        else f"{claim['geography']} [{geography.id}]"})
    frame = pd.DataFrame(results)
    return frame.reindex(columns=CLAIM_COLUMNS), checker
