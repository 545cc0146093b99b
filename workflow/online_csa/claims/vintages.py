"""Which vintage of the force figures a published total agrees with, and when those figures were printed.

The panel keeps one value per force-year (the vintage rule's choice) and the losing vintages
beside it. A total printed before a force revised its figure may equal the sum with the
earlier figure: it is then consistent with that vintage, not contradicted by the later one.
:func:`search_vintages` tries the combinations of losing vintages (fewest replacements first;
a claim rests on a handful of conflicting cells, so the search is small, and it stops after
``MAX_COMBINATIONS``). :func:`printed_after_note` says how many of the force values behind a
total were printed only after the total was.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable

from online_csa.claims.cell_index import CellIndex, Components
from online_csa.cleaning.panel import release_key
from online_csa.common.fiscal_years import format_fiscal_year

MAX_COMBINATIONS = 4096
SUPPORTING = ("reproduced", "consistent")


@dataclass
class VintageMatch:
    """A combination of losing vintages under which a total is no longer contradicted."""
    components: Components
    value: float
    verdict: str  # the verdict judge_total gives with these vintages (reproduced or consistent)
    why: str
    described: str  # "Gwent's earlier 389 (F0336, F0348; 2016-03-09)"
    size: int  # how many cells take a losing vintage
    others: int = 0  # how many other combinations of as many replacements give the same verdict


def _describe(cells: CellIndex, series, force, year, vintage: dict, several_years: bool) -> str:
    chosen = cells.first_printed.get((series, force, year))
    earlier = chosen and vintage["label"] != "undated" and release_key(vintage["label"]) < release_key(chosen)
    when = f" {format_fiscal_year(year)}" if several_years else ""
    return (f"{force}'s{when} {'earlier' if earlier else 'other vintage'} {vintage['text']} "
            f"({', '.join(vintage['record_ids'])}; {vintage['label']})")


def search_vintages(cells: CellIndex, series, forces, years,
                    judge: Callable[[Components], tuple[float, str, str]]) -> VintageMatch | None:
    """The fewest losing vintages under which `judge` reproduces the total, else the fewest under
    which it calls it consistent, else None. `judge` maps components to (value, verdict, why), as
    judge_total does."""
    open_cells = [(f, y, cells.alternatives[(series, f, y)]) for y in years for f in forces
                  if (series, f, y) in cells.alternatives]
    found: dict[str, VintageMatch] = {}
    tried = 0
    for size in range(1, len(open_cells) + 1):
        for chosen in itertools.combinations(open_cells, size):
            for picks in itertools.product(*(alternatives for _, _, alternatives in chosen)):
                tried += 1
                if tried > MAX_COMBINATIONS:
                    return found.get("reproduced") or found.get("consistent")
                vintages = {(f, y): pick for (f, y, _), pick in zip(chosen, picks)}
                comp = cells.components(series, forces, years, bounds=True, vintages=vintages)
                value, verdict, why = judge(comp)
                if verdict not in SUPPORTING:
                    continue
                if verdict in found:
                    found[verdict].others += found[verdict].size == size
                    continue
                described = ", ".join(_describe(cells, series, f, y, v, len(years) > 1)
                                      for (f, y), v in vintages.items())
                found[verdict] = VintageMatch(comp, value, verdict, why, described, size)
        if "reproduced" in found:
            break
    return found.get("reproduced") or found.get("consistent")


def printed_after(cell_date: str | None, release_date) -> bool:
    """True when a force value first printed on `cell_date` appeared after a release dated
    `release_date`, compared at the precision both dates have (2016-06 is not after 2016-06-21)."""
    a, b = release_key(cell_date), release_key(release_date)
    if not a[0] or not b[0]:
        return False
    precision = min(sum(part > 0 for part in a), sum(part > 0 for part in b))
    return a[:precision] > b[:precision]


def printed_after_note(cells: CellIndex, series, comp: Components, release_date) -> str:
    """'k of n force values were printed after this release' when k > 0, else ''."""
    used = [(f, y) for f, y, *_ in comp.observed + comp.bounded]
    later = [(f, y) for f, y in used if printed_after(cells.first_printed.get((series, f, y)), release_date)]
    if not later:
        return ""
    return f"{len(later)} of {len(used)} force values were printed after this release ({release_date})"
