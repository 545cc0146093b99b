"""Every printed total of a modelled series, as a candidate constraint on the imputation, with
the rule that decides which are applied.

A candidate is any published count of the series (measure `<series>`) or cumulative count
(`<series>_cumulative`) whose period is whole fiscal years inside the model and whose geography
(a force, or a label mapped in geographies.yaml) lies inside the modelled forces. No config entry
is needed; config can exclude a total (with a reason) or correct its count of responding forces
(with a reason).

Which forces a total covers. A release that says how many forces responded (forces_responded)
covers that many forces of its geography: every force with a printed figure that year, every force
that printed a suppressed count, and, for the rest, forces drawn at random from those without a
figure (a source that says a force gave no figure rules it out). A total printed without a count
of responders is taken to cover every force of its geography that is not known to have given no
figure ("complete"), and the table says so.

A total whose geography covers modelled forces and forces outside the modelled geography (a UK
total over a model of England, Wales and Northern Ireland) cannot fix the modelled forces' sum,
but it bounds it: the outside forces' counts are unknown but not negative. Such a total is an
**upper bound** on the sum of its modelled responders' cells (role "upper bound"), less any
figure the series prints for an outside force in its years. A release that says how many forces
responded covers at least that many, less the outside forces, of the modelled ones (the outside
forces may all have responded), the rest drawn at random as for other totals. Of bounds on the
same modelled cells whose figures differ, the latest release's applies (the later vintage, as for
the exact totals); of copies of one figure, one whose release states how many forces responded,
then the one over more responders; the others say so.

The rule for totals that describe the same cells (stated in the report):

1. One release per year. For each year, the totals applied are those of one release: the latest
   release whose national total (config: `national_geographies`) for that year states how many
   forces responded, or, if none does, the latest release with a national total for that year
   (or, in a year without one, with any total). Totals of that
   release for nested or disjoint geographies (a region inside the nation) are applied with it.
2. A total of another release is applied when its forces overlap no applied total of that year.
   Every other total for that year (earlier vintages, revised bases, regional totals of another
   release) is not applied: it is predicted out of sample and scored in
   `published_total_checks.csv`. A total that repeats another (same cells, same figure, another
   outlet) is a copy, scored once.
3. Totals over several years (a force's or a region's cumulative total) are applied when their
   unprinted cells do not overlap another applied cumulative total's (the earlier-listed one wins)
   and do not contain every unprinted cell of an applied one-year total (the one-year total wins:
   the imputation splits a cumulative total first, and could then not meet the other exactly).
4. A total whose cells are all printed is a check of the printed figures, not a constraint. A
   total the printed figures contradict (printed cells already above it, or more printed forces
   than responders) is not applied, and the table says why; nor is a total the printed cells
   reach exactly while it is taken to cover cells without a figure (each would be zero: its label
   is more likely narrower than the geography it was mapped to). A total the imputation cannot apply
   (its own cells' remainder, after nested totals, is negative or has too few forces left) is
   not applied either (`series_model` asks the imputation before any rule uses the list).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from online_csa.cleaning.panel import release_key
from online_csa.common.fiscal_years import format_fiscal_year, parse_period

BOUND, UNAPPLIED_BOUND = "upper bound", "upper bound, not applied"
CANDIDATE_COLUMNS = ["series", "record_id", "kind", "geography", "fiscal_years", "release_date", "total",
                     "forces_in_geography", "forces_responded", "responders_rule", "applied", "role",
                     "forces_without_figure", "reason"]


@dataclass
class TotalCandidate:
    record_id: str
    series: str
    kind: str  # "year" (one fiscal year) or "cumulative" (several)
    forces: tuple[str, ...]
    years: tuple[int, ...]
    total: float
    release_date: str
    geography: str
    responded: int | None  # None: every force of the geography (stated, or taken as complete)
    responders_rule: str
    count_stated: bool  # the release says how many forces responded
    applied: bool = False
    role: str = "check"  # "constraint" (applied), "check" (scored out of sample only), "upper bound" (applied as
    # an inequality), "upper bound, not applied" or "not usable"
    reason: str = ""
    parent: str | None = None  # the applied total this one nests inside (same year)
    children: list[str] = field(default_factory=list)
    outside: tuple[str, ...] = ()  # forces of its geography outside the modelled ones (an upper bound)
    outside_printed: float = 0.0  # what the series prints for those forces in its years
    without_figure: tuple[str, ...] = ()  # an applied bound's modelled forces that gave no figure in its years

    @property
    def is_bound(self) -> bool:
        """A total over modelled and unmodelled forces: an upper bound on the modelled part."""
        return bool(self.outside)

    @property
    def bound(self) -> float:
        """The most the modelled forces' cells it covers can sum to."""
        return self.total - self.outside_printed

    def modelled(self) -> "TotalCandidate":
        """A bound as a total over its modelled forces alone: at least `responded` less the outside
        forces of them responded; its figure less the outside forces' printed figures."""
        responded = None if self.responded is None else self.responded - len(self.outside)
        return replace(self, forces=tuple(f for f in self.forces if f not in self.outside), responded=responded,
                       total=self.bound, outside=(), outside_printed=0.0)

    @property
    def release(self) -> tuple[int, int, int]:
        return release_key(self.release_date)

    @property
    def year_span(self) -> str:
        """Its fiscal year, or its first and last ("2016/17-2018/19")."""
        return format_fiscal_year(self.years[0]) if len(self.years) == 1 else (
            f"{format_fiscal_year(self.years[0])}-{format_fiscal_year(self.years[-1])}")

    @property
    def label(self) -> str:
        return f"{self.record_id} {self.geography} {self.year_span}: {self.total:,.0f}"


def _responders(row, n_forces: int, override: dict | None) -> tuple[int | None, str, bool]:
    """(responders, or None for every force; the rule in words; whether the count is stated)."""
    if override is not None:
        responded = int(override["forces_responded"])
        rule = f"{responded} responded (corrected in config: {override['reason']})"
    else:
        responded = pd.to_numeric(row.get("forces_responded"), errors="coerce")
        if pd.isna(responded):
            return None, ("no count of responders printed: taken as complete (every force not known to have "
                          "given no figure)"), False
        responded = int(responded)
        rule = f"{responded} of {n_forces} responded"
    if responded >= n_forces:
        return None, f"{responded} responded: every force of the geography", True
    return responded, rule, True


def candidate_totals(claim_records: pd.DataFrame, series: str, geographies, forces: list[str], years: list[int],
                     exclude: dict[str, str] | None = None,
                     responder_overrides: dict[str, dict] | None = None,
                     outside_figures: dict[tuple[str, int], float] | None = None) -> list[TotalCandidate]:
    """Every published count or cumulative count of `series`, as candidates (none applied yet).
    A record that cannot be a candidate at all (a period that is not whole fiscal years, a
    geography with no modelled force) is returned with applied=False, role "not usable" and its
    reason; one that also covers forces outside the modelled ones is a candidate upper bound
    (role "upper bound"). `outside_figures`: the series' printed figures of forces outside the
    modelled ones, by (force, year)."""
    exclude, responder_overrides = exclude or {}, responder_overrides or {}
    outside_figures = outside_figures or {}
    rows = claim_records[claim_records["measure"].isin([series, f"{series}_cumulative"])]
    out = []
    for _, row in rows.sort_values("record_id").iterrows():
        period = parse_period(row["fiscal_year"])
        kind = "cumulative" if row["measure"].endswith("_cumulative") else "year"
        span = tuple(range(period.first, period.last + 1)) if period.kind in ("year", "span") else ()
        if row["level"] == "force":
            geo_forces, geo_label = (row["force"],), row["force"]
        else:
            geography = geographies.for_record(row["record_id"], row["geography"])
            geo_forces = geography.forces if geography else ()
            geo_label = geography.id if geography else str(row["geography"])
        value = pd.to_numeric(row["value"], errors="coerce")
        responded, rule, stated = _responders(row, len(geo_forces), responder_overrides.get(row["record_id"]))
        candidate = TotalCandidate(row["record_id"], series, "cumulative" if len(span) > 1 else kind, tuple(geo_forces),
                                   span, float(value) if pd.notna(value) else np.nan, str(row["release_date"]),
                                   geo_label, responded, rule, stated, role="not usable")
        unregistered = geography.outside_register if row["level"] != "force" and geography else ()
        if row["record_id"] in exclude:
            candidate.reason = f"excluded in config: {exclude[row['record_id']]}"
        elif pd.isna(value):
            candidate.reason = "no number printed"
        elif period.kind not in ("year", "span"):
            candidate.reason = f"period {row['fiscal_year']!r} is not whole fiscal years"
        elif kind == "year" and len(span) > 1:
            candidate.reason = "a count printed for a span of years without saying it is a cumulative total"
        elif not geo_forces:
            candidate.reason = f"geography {row['geography']!r} is not mapped in geographies.yaml"
        elif unregistered:
            candidate.reason = f"includes forces outside the register ({', '.join(unregistered)})"
        elif set(span) - set(years):
            candidate.reason = "covers years outside the model"
        elif not set(geo_forces) & set(forces):
            candidate.reason = "covers no modelled force"
        elif set(geo_forces) - set(forces):
            candidate.outside = tuple(f for f in geo_forces if f not in set(forces))
            candidate.outside_printed = float(sum(outside_figures.get((f, y), 0.0)
                                                  for f in candidate.outside for y in span))
            candidate.role = UNAPPLIED_BOUND
        else:
            candidate.role = "check"
        out.append(candidate)
    return out


def sum_disagreement(cells_sum: float, total: float) -> str:
    """How far the cells a total covers, all fixed, fall from it, in words ("" if they meet it):
    such a total checks the printed figures; the words name the gap, not its cause."""
    if cells_sum == total:
        return ""
    side = "below" if cells_sum < total else "above"
    return (f"they sum to {cells_sum:,.0f}, {abs(cells_sum - total) / total:.0%} {side} it")


def _nested(inner: TotalCandidate, outer: TotalCandidate) -> bool:
    return set(inner.forces) <= set(outer.forces) and len(inner.forces) < len(outer.forces)


def _disjoint(a: TotalCandidate, b: TotalCandidate) -> bool:
    return not set(a.forces) & set(b.forces)


def choose_constraints(candidates: list[TotalCandidate], cells: pd.DataFrame,
                       national_geographies: list[str]) -> list[TotalCandidate]:
    """Apply the rule of the module docstring. `cells` is the model frame (force, year, observed,
    value, status); `national_geographies` the geography ids whose totals can anchor a year.
    Sets applied, role and reason on each usable candidate; returns the list."""
    printed = cells[cells["observed"]].groupby(["force", "year"])["value"].sum().to_dict()

    def contradiction(c: TotalCandidate) -> str:
        cells_printed = [(f, y) for f in c.forces for y in c.years if (f, y) in printed]
        printed_sum = sum(printed[k] for k in cells_printed)
        if len(cells_printed) == len(c.forces) * len(c.years):
            gap = sum_disagreement(printed_sum, c.total)
            return ("every cell it covers is printed: a check of the printed figures, not a constraint"
                    + (f"; {gap}" if gap else ""))
        if printed_sum > c.total:
            return f"printed cells already sum to {printed_sum:,.0f}, above the total"
        covered_unprinted = (len(c.forces) if c.responded is None else c.responded) * len(c.years) - len(cells_printed)
        if printed_sum == c.total and covered_unprinted > 0:
            cells_word = "cell" if covered_unprinted == 1 else "cells"
            return (f"printed cells already sum to the total ({printed_sum:,.0f}), which would leave 0 for the "
                    f"{covered_unprinted} {cells_word} without a figure it is taken to cover: its geography is likely "
                    "narrower than mapped")
        if c.kind == "year" and c.responded is not None and len(cells_printed) > c.responded:
            return (f"{len(cells_printed)} forces have printed figures but only {c.responded} responded "
                    "(the printed figures come from other sources or vintages)")
        return ""

    def apply(c: TotalCandidate, reason: str) -> bool:
        problem = contradiction(c)
        if problem:
            c.reason = f"not applied: {problem}"
            return False
        c.applied, c.role, c.reason = True, "constraint", reason
        return True

    def unprinted_cells(c: TotalCandidate) -> set:
        return {(f, y) for f in c.forces for y in c.years if (f, y) not in printed}

    usable = [c for c in candidates if c.role == "check"]
    by_year: dict[int, list[TotalCandidate]] = {}
    for c in usable:
        if c.kind == "year":
            by_year.setdefault(c.years[0], []).append(c)
    for year, group in sorted(by_year.items()):
        national = [c for c in group if c.geography in national_geographies] or group
        stated = [c for c in national if c.count_stated]
        anchor = max(stated or national, key=lambda c: (c.release, len(c.forces), c.record_id))
        applied = [anchor] if apply(anchor, "applied: the release applied for this year") else []
        for c in sorted(group, key=lambda c: (-len(c.forces), c.record_id)):
            if c is anchor:
                continue
            copy = next((d for d in group if d is not c and set(d.forces) == set(c.forces) and d.total == c.total
                         and (d.applied or d.record_id < c.record_id)), None)
            same_cells = any(set(c.forces) == set(d.forces) for d in applied)
            laminar = all(_nested(c, d) or _nested(d, c) or _disjoint(c, d) for d in applied)
            disjoint = all(_disjoint(c, d) for d in applied)
            if copy is not None:
                c.role, c.reason = "copy", f"not applied: the same figure as {copy.record_id} (scored once, there)"
            elif c.release_date == anchor.release_date and laminar and not same_cells:
                if apply(c, f"applied: same release as {anchor.record_id}, geography nested or disjoint"):
                    applied.append(c)
            elif disjoint:
                if apply(c, "applied: covers forces no other applied total of this year covers"):
                    applied.append(c)
            else:
                c.reason = (f"not applied: {anchor.record_id} ({anchor.release_date}) is the release applied for "
                            f"{format_fiscal_year(year)}; this total is scored out of sample")
    applied_years = [c for c in usable if c.kind == "year" and c.applied]
    applied_cumulative: list[TotalCandidate] = []
    for c in sorted((c for c in usable if c.kind == "cumulative"), key=lambda c: c.record_id):
        clash = next((d for d in applied_cumulative if unprinted_cells(d) & unprinted_cells(c)), None)
        inside = next((d for d in applied_years if unprinted_cells(d) and unprinted_cells(d) <= unprinted_cells(c)),
                      None)
        if clash is not None:
            c.reason = f"not applied: overlaps {clash.record_id}, applied first; scored out of sample"
        elif inside is not None:
            c.reason = (f"not applied: every unprinted cell of {inside.record_id} (applied for "
                        f"{format_fiscal_year(inside.years[0])}) lies inside it, and splitting one total cannot "
                        "meet the other exactly; scored out of sample")
        elif apply(c, "applied"):
            applied_cumulative.append(c)
    no_figure = (set(map(tuple, cells.loc[cells["status"] == "not_provided", ["force", "year"]].to_numpy().tolist()))
                 if "status" in cells else set())
    _choose_bounds([c for c in candidates if c.role == UNAPPLIED_BOUND], contradiction, no_figure)
    return candidates


def _bound_preference(c: TotalCandidate) -> tuple:
    """Among copies of one figure, lower is preferred: one whose release states how many forces
    responded (a copy printed without the count is only taken as complete), then more responders
    (None: every force), then record id."""
    return (not c.count_stated, -(np.inf if c.responded is None else c.responded), c.record_id)


def _latest_figure(usable: list[TotalCandidate]) -> float:
    """The bound the latest release prints (the lowest, if that release prints several): when releases
    for the same cells differ, the later one is the later vintage, as for the equality totals."""
    latest = max(c.release for c in usable)
    return min(c.bound for c in usable if c.release == latest)


def _choose_bounds(bounds: list[TotalCandidate], contradiction, no_figure: set | frozenset = frozenset()) -> None:
    """Apply one of the upper bounds on each set of modelled cells (same years, same modelled forces):
    the latest release's figure, and of its copies the one stating its responders; say why the others
    are not applied. `no_figure`: (force, year) cells a source says were not provided."""
    groups: dict[tuple, list[TotalCandidate]] = {}
    for c in bounds:
        groups.setdefault((c.years, frozenset(c.modelled().forces)), []).append(c)
    for group in groups.values():
        usable = []
        for c in group:
            modelled = c.modelled()
            problem = ""
            if modelled.responded is not None and modelled.responded <= 0:
                problem = (f"{c.responded} responded of {len(c.forces)} forces, {len(c.outside)} of them outside the "
                           "model: it may cover no modelled force")
            else:
                problem = contradiction(modelled)
            if problem:
                c.reason = f"not applied as an upper bound: {problem}"
            else:
                usable.append(c)
        if not usable:
            continue
        figure = _latest_figure(usable)
        chosen = min((c for c in usable if c.bound == figure), key=_bound_preference)
        outside = ", ".join(chosen.outside)
        verb = "is" if len(chosen.outside) == 1 else "are"
        less = (f", less their printed {chosen.outside_printed:,.0f}" if chosen.outside_printed else
                ", and whose count is unknown")
        modelled = chosen.modelled()
        silent = sorted({f for f in modelled.forces for y in modelled.years if (f, y) in no_figure})
        years = format_fiscal_year(modelled.years[0]) if len(modelled.years) == 1 else "those years"
        if silent:
            gave = "which gave no figure" if len(silent) == 1 else "which gave no figures"
            left_out = f"{', '.join(silent[:-1])} and {silent[-1]}" if len(silent) > 1 else silent[0]
            covers = (f"every modelled force except {left_out}, {gave} for {years}," if modelled.responded is None
                      else f"at least {modelled.responded} of the {len(modelled.forces)} modelled forces (not "
                      f"{left_out}, {gave} for {years}, which makes every force outside the model a responder)")
        else:
            covers = ("every modelled force" if modelled.responded is None else
                      f"at least {modelled.responded} of the {len(modelled.forces)} modelled forces")
        chosen.applied, chosen.role, chosen.without_figure = True, BOUND, tuple(silent)
        chosen.reason = (f"applied as an upper bound: covers {outside}, which {verb} not modelled{less}; the "
                         f"cells of {covers} sum to at most {chosen.bound:,.0f}")
        over = ("every force" if chosen.responded is None else
                f"{chosen.responded} of {len(chosen.forces)} forces")
        for c in usable:
            if c is chosen:
                continue
            if c.bound == chosen.bound:
                c.reason = (f"not applied: {chosen.record_id} prints the same figure and states how many forces "
                            f"responded ({over}); this one does not; scored out of sample"
                            if chosen.count_stated and not c.count_stated else
                            f"not applied: {chosen.record_id} prints the same figure ({over}); scored out of sample")
            elif c.release == chosen.release:
                c.reason = (f"not applied: {chosen.record_id}, of the same release ({chosen.release_date}), prints "
                            f"the lower figure for these cells ({chosen.bound:,.0f} over {over}, against "
                            f"{c.bound:,.0f}), and the lower bound is the one that binds; scored out of sample")
            else:
                c.reason = (f"not applied: {chosen.record_id} ({chosen.release_date}, {chosen.bound:,.0f} over {over}) "
                            f"is the latest release's figure for these cells, and this earlier figure "
                            f"({c.bound:,.0f}, {c.release_date}) is another vintage; scored out of sample")


def candidates_table(candidates: list[TotalCandidate]) -> pd.DataFrame:
    rows = [{"series": c.series, "record_id": c.record_id, "kind": c.kind, "geography": c.geography,
             "fiscal_years": ";".join(format_fiscal_year(y) for y in c.years), "release_date": c.release_date,
             "total": c.total, "forces_in_geography": len(c.forces),
             "forces_responded": c.responded if c.responded is not None else (len(c.forces) if c.forces else None),
             "responders_rule": c.responders_rule, "applied": c.applied, "role": c.role,
             "forces_without_figure": ";".join(c.without_figure), "reason": c.reason}
            for c in candidates]
    return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)
