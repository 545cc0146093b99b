"""The cleaned panel as the models see it: one row per force-year of one series, in scope.

A cell is *observed* when the panel has a value for it (status observed, or conflicting with a
chosen value). Every other cell in scope is *missing* and will be imputed: status `missing`
(no source prints it), `not_provided` (a source said the force gave no figure), or
`conflicting` with no chosen value. `not_applicable` cells (the offence did not exist) are out
of the model altogether.

The offset is the log child population. The ledger's populations start at mid-2015, so a year
without one borrows the nearest mid-year of the same force, and the row says so.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from online_csa.common.fiscal_years import parse_fiscal_year

OBSERVED_STATUSES = ("observed", "conflicting")


def model_frame(panel: pd.DataFrame, series: str, forces: list[str]) -> pd.DataFrame:
    """Rows of `panel` for `series` and `forces`, with `year`, `observed`, `population`, `population_note`."""
    rows = panel[(panel["series"] == series) & panel["force"].isin(forces)
                 & (panel["status"] != "not_applicable")].copy()
    if rows.empty:
        raise ValueError(f"panel has no rows for series {series!r} in the modelled forces")
    rows["year"] = rows["fiscal_year"].map(parse_fiscal_year)
    rows["value"] = pd.to_numeric(rows["value"], errors="coerce").astype(float)
    rows["observed"] = rows["status"].isin(OBSERVED_STATUSES) & rows["value"].notna()
    rows = rows.sort_values(["force", "year"]).reset_index(drop=True)
    population = pd.to_numeric(rows["child_population"], errors="coerce").astype(float)
    rows["population"] = population
    rows["population_note"] = ""
    for force, index in rows.groupby("force").groups.items():
        known = rows.loc[index][population.loc[index].notna()]
        if known.empty:
            continue
        for i in index:
            if np.isnan(rows.at[i, "population"]):
                nearest = known.iloc[(known["year"] - rows.at[i, "year"]).abs().argsort().iloc[0]]
                rows.at[i, "population"] = nearest["population"]
                rows.at[i, "population_note"] = (f"child population of mid-{nearest['year']} used "
                                                 f"(none in the ledger for mid-{rows.at[i, 'year']})")
    no_population = rows["population"].isna()
    if no_population.any():
        forces_without = sorted(rows.loc[no_population, "force"].unique())
        raise ValueError(f"no child population for {', '.join(forces_without)}: cannot model series {series!r}")
    rows["log_population"] = np.log(rows["population"])
    for bound in ("lower", "upper"):  # a suppressed cell's bounds (NaN elsewhere)
        rows[bound] = pd.to_numeric(rows[bound], errors="coerce").astype(float) if bound in rows else np.nan
    return rows[["series", "force", "fiscal_year", "year", "status", "value", "observed", "population",
                 "log_population", "population_note", "record_ids", "lower", "upper"]]


def panel_values_used_by_models(panel: pd.DataFrame, series: list[str], forces: list[str],
                                geography: str) -> pd.DataFrame:
    """Every observed panel value (the definition `model_frame` uses), in panel order, whether a
    model uses it, and if not why: its series is not modelled (`series`), or its force is outside
    the modelled geography (`forces`, the forces of `geography`)."""
    observed = panel[panel["status"].isin(OBSERVED_STATUSES) & panel["value"].notna()]
    in_series = observed["series"].isin(series).to_numpy()
    in_geography = observed["force"].isin(forces).to_numpy()
    reason = np.where(~in_series, f"series not in models.series ({', '.join(series)})",
                      np.where(~in_geography, f"force outside the modelled geography ({geography})", ""))
    return pd.DataFrame({"series": observed["series"], "force": observed["force"],
                         "fiscal_year": observed["fiscal_year"], "value": observed["value"],
                         "record_ids": observed["record_ids"], "used_by_models": in_series & in_geography,
                         "reason": reason}).reset_index(drop=True)
