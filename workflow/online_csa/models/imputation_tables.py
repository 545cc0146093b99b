"""The imputation's tables: each force-year, each geography's yearly total, the draws the
sensitivity stage reads, the selection factors and every candidate constraint."""
from __future__ import annotations

import numpy as np
import pandas as pd

from online_csa.common.fiscal_years import format_fiscal_year
from online_csa.common.intervals import LEVEL, central_interval
from online_csa.models.selection_imputation import RATIO_ROW, SelectionImputation
from online_csa.models.total_constraints import BOUND, UNAPPLIED_BOUND, TotalCandidate, candidates_table


def force_year_table(imp: SelectionImputation) -> pd.DataFrame:
    """One row per force-year: the printed value, or the median and 90% interval of the draws."""
    cells = imp.cells
    observed = np.ones(len(cells), dtype=bool)
    observed[imp.unprinted] = False
    lower, median, upper = np.full((3, len(cells)), np.nan)
    estimable = ~np.isnan(imp.draws).any(axis=0)
    cols = imp.unprinted[estimable]
    lower[cols], median[cols], upper[cols] = central_interval(imp.draws[:, estimable], axis=0)
    suppressed = (cells["status"] == "suppressed").to_numpy()
    return pd.DataFrame({
        "series": cells["series"], "force": cells["force"], "fiscal_year": cells["fiscal_year"],
        "status": cells["status"], "observed": np.where(observed, cells["value"], np.nan),
        # a printed cell cites its records, and so does a suppressed one: its record bounds the draws
        "record_ids": np.where(observed | suppressed, cells["record_ids"].fillna(""), ""),
        "estimate": np.where(observed, cells["value"], median),
        "lower_90": np.where(observed, cells["value"], lower), "upper_90": np.where(observed, cells["value"], upper),
        "method": cells["method"], "constraints": cells["constraints"],
        "pinned_share": cells["pinned_share"], "population_note": cells["population_note"]})


def national_table(imp: SelectionImputation, geographies: dict[str, tuple[str, ...]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per geography and year: the printed sum and the total with its 90% interval; and the draws
    (draws x columns) of each total's imputed part, `<series>|<geography>|<year>`, and of the part
    no published total pins in that draw, the same name with `|free`."""
    cells = imp.cells
    series = cells["series"].iloc[0]
    observed = np.ones(len(cells), dtype=bool)
    observed[imp.unprinted] = False
    column = np.full(len(cells), -1)
    column[imp.unprinted] = np.arange(len(imp.unprinted))
    rows, draws = [], {}
    for gid, forces in geographies.items():
        for year in sorted(cells["year"].unique()):
            mask = (cells["year"] == year).to_numpy() & cells["force"].isin(forces).to_numpy()
            cols = column[mask & ~observed]
            imputed = imp.draws[:, cols].sum(axis=1)
            free = (imp.draws[:, cols] * ~imp.pinned[:, cols]).sum(axis=1)
            printed = float(cells.loc[mask & observed, "value"].sum())
            total = printed + imputed
            estimable = not np.isnan(total).any()
            lower, median, upper = central_interval(total) if estimable else (np.nan,) * 3
            pinned = float(np.mean(free == 0)) if estimable and len(cols) else 1.0
            rows.append({"series": series, "fiscal_year": format_fiscal_year(year), "geography": gid,
                         "forces": int(mask.sum()), "observed_forces": int((mask & observed).sum()),
                         "observed_sum": printed, "estimate": median, "lower_90": lower, "upper_90": upper,
                         "pinned_by_totals": estimable and pinned == 1.0,
                         "note": "" if estimable else "not estimable: outside the printed years and no total"})
            if estimable:
                name = f"{series}|{gid}|{format_fiscal_year(year)}"
                draws[name], draws[f"{name}|free"] = imputed, free
    return pd.DataFrame(rows), pd.DataFrame(draws)


def mark_thin_ratio(selection: pd.DataFrame, never_printed_cells: int, min_cells: int) -> pd.DataFrame:
    """The ratio of the two selection factors is told apart from its prior only by the
    never-printed cells that an applied total covers; resting on fewer than `min_cells` of them
    it is not an estimate, and its basis says so."""
    out = selection.copy()
    if never_printed_cells < min_cells:
        ratio = out["forces"] == RATIO_ROW
        noun = "cell" if never_printed_cells == 1 else "cells"
        out.loc[ratio, "basis"] = (f"not an estimate: it rests on {never_printed_cells} never-printed {noun} in the "
                                   f"applied totals (fewer than {min_cells})")
    return out


def selection_table(imp: SelectionImputation, series: str, min_cells: int) -> pd.DataFrame:
    out = mark_thin_ratio(imp.selection, imp.diagnostics["never_printed_cells_in_totals"], min_cells)
    out.insert(0, "series", series)
    out["effective_sample_size"] = imp.diagnostics["effective_sample_size"]
    out["proposals"] = imp.diagnostics["proposals"]  # the effective sample size counts these, not the draws
    out["pilot_proposals"] = imp.diagnostics["pilot_proposals"]  # weighed to adapt the proposal, then set aside
    out["draws"] = imp.diagnostics["draws"]
    # the share of the count sets meeting the totals that stay within every applied upper bound, each weighted
    # back by 1/a of its proposal (the share setting aside alone keeps; see impute_with_selection)
    out["share_within_bounds"] = 1.0 - imp.diagnostics["bound_rejected_share"]
    # the kept draws as a sample of distinct proposals (their weights summed per proposal; see
    # impute_with_selection): what the intervals rest on after resampling, the totals' splits and the bounds
    out["kept_effective_sample_size"] = imp.diagnostics["kept_effective_sample_size"]
    out["kept_distinct_proposals"] = imp.diagnostics["kept_distinct_proposals"]
    return out


def constraints_table(candidates: list[TotalCandidate], imp: SelectionImputation) -> pd.DataFrame:
    """Every candidate total: applied or why not, and what the imputation did with it."""
    table = candidates_table(candidates)
    table["imputation"] = table["record_id"].map(imp.diagnostics["log"]).fillna("")
    dropped = table["imputation"].str.startswith("not applied in the imputation")
    table.loc[dropped, "applied"] = False
    table.loc[dropped, "role"] = np.where(table.loc[dropped, "role"].isin([BOUND, UNAPPLIED_BOUND]), UNAPPLIED_BOUND,
                                          "check")
    return table
