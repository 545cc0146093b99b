"""The panel as a lookup of force-year cells, and the cells behind an aggregate.

A published total is checked against the force-level cells it sums: those with a value, those
known only within bounds (a suppressed small count) and those missing. ``coverage`` says how
much of the area's child population the cells with a figure stand for. A cell whose sources
disagree keeps the losing vintages (``alternatives``), and ``components`` can take any of
them in place of the chosen one.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from online_csa.cleaning.panel import parse_alternatives
from online_csa.common.fiscal_years import format_fiscal_year, parse_fiscal_year

VALUED_STATUSES = ("observed", "conflicting")


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


def _add_vintage(comp: Components, force, year, vintage: dict, bounds: bool) -> None:
    """Add a cell as one of its losing vintages says (a value, a suppressed count or no figure)."""
    ids = ";".join(vintage["record_ids"])
    if vintage["value"] is not None:
        comp.observed.append((force, year, vintage["value"], ids))
    elif vintage["lower"] is not None and bounds:
        comp.bounded.append((force, year, vintage["lower"], vintage["upper"], ids))
    else:
        comp.missing.append((force, year, "suppressed" if vintage["lower"] is not None else "not_provided"))


class CellIndex:
    """The panel's cells by (series, force, start year), with the suppressed cells' bounds and the
    child population by force and year."""

    def __init__(self, panel: pd.DataFrame):
        years = panel["fiscal_year"].map(parse_fiscal_year)
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
        # the losing vintages of conflicting cells, and when each chosen value was first printed
        alternatives = panel["alternatives"] if "alternatives" in panel else pd.Series("", index=panel.index)
        self.alternatives = {(s, f, y): parse_alternatives(text) for s, f, y, text in zip(
            panel["series"], panel["force"], years, alternatives) if isinstance(text, str) and text}
        printed = panel["first_printed"] if "first_printed" in panel else pd.Series("", index=panel.index)
        self.first_printed = {(s, f, y): date for s, f, y, date in zip(panel["series"], panel["force"], years, printed)
                              if isinstance(date, str) and date}
        pop = panel.drop_duplicates(["force", "fiscal_year"]).assign(year=years)
        self.population = {(f, y): p for f, y, p in zip(pop["force"], pop["year"], pop["child_population"])
                           if pd.notna(p)}

    def cell(self, series, force, year) -> tuple[float | None, str, str]:
        """(value, status, record_ids); value is None unless the cell has a usable figure."""
        value, status, ids = self.cells.get((series, force, year), (pd.NA, "missing", ""))
        if status in VALUED_STATUSES and pd.notna(value):
            return float(value), status, ids
        return None, status, ids

    def value(self, series, force, year) -> float | None:
        return self.cell(series, force, year)[0]

    def forces_with_figures_in_both(self, series, forces, first, last) -> list[str]:
        """The forces (in the order given) with a figure in both years: the like-for-like set."""
        return [f for f in forces if self.value(series, f, first) is not None
                and self.value(series, f, last) is not None]

    def in_panel(self, year) -> bool:
        return self.panel_years[0] <= year <= self.panel_years[1]

    def components(self, series, forces, years, bounds: bool = False, vintages: dict | None = None) -> Components:
        """The cells behind an aggregate. With `bounds`, a suppressed small count is a bounded cell
        (a total is then a range); otherwise it counts as missing, as in the checks of changes,
        ratios and rates, which would need a value. `vintages` ({(force, year): alternative}, from
        ``self.alternatives``) puts a losing vintage in place of a cell's chosen value."""
        comp = Components()
        vintages = vintages or {}
        for year in years:
            for force in forces:
                if (force, year) in vintages:
                    _add_vintage(comp, force, year, vintages[(force, year)], bounds)
                    continue
                value, status, ids = self.cell(series, force, year)
                if value is None and bounds and (series, force, year) in self.bounds:
                    comp.bounded.append((force, year, *self.bounds[(series, force, year)], ids))
                elif value is None:
                    comp.missing.append((force, year, "outside_panel" if not self.in_panel(year) else status))
                else:
                    comp.observed.append((force, year, value, ids))
        return comp

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
