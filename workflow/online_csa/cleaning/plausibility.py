"""Screen force-year counts for values no force could have recorded, before they enter the panel.

A count is implausible, and quarantined as ``implausible_value``, when any of three rules
catches it (fixed rules, not configuration, so that what passes the screen does not depend
on a setting):

* **child population**: it is larger than the force's child population (the panel's age
  band, in the mid-year of the fiscal year's start, or the nearest mid-year the population
  table has);
* **the force's other years**: the force printed the same series for at least two other
  fiscal years, and the count is more than 20 times the median of those years' values
  (the largest such ratio in the ledger is about 6, Lancashire's 419 in 2019/20 against a
  median of 66.5, so a real jump passes with room to spare);
* **national total**: it is larger than the largest national or regional total of that
  series any release printed.

A reviewed row can be let through with an ``accept`` entry in config/corrections.csv; the
panel cell then says it was accepted and why.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from online_csa.common.fiscal_years import format_fiscal_year
from online_csa.common.formatting import format_number

OTHER_YEARS_FACTOR = 20  # "far outside the force's other years": more than this times their median
OTHER_YEARS_MINIMUM = 2  # the fewest other printed years that make a median worth comparing with


def _child_population(mid_years: np.ndarray, children: np.ndarray, year: int) -> tuple[float, int] | None:
    """(children, mid-year) in the mid-year of `year` from one force's population (its mid-years and counts, in
    the table's order), else the nearest one (the first of equally near ones)."""
    if len(mid_years) == 0:
        return None
    nearest = np.argsort(np.abs(mid_years - year), kind="stable")[0]
    return float(children[nearest]), int(mid_years[nearest])


def largest_national_totals(national_claims: pd.DataFrame, series: list[str]) -> dict[str, tuple[float, str]]:
    """The largest printed national or regional count of each series: {series: (value, record_id)}."""
    counts = national_claims[national_claims["measure"].isin(series) & national_claims["value"].notna()]
    largest = {}
    for name, rows in counts.groupby("measure"):
        top = rows.sort_values(["value", "record_id"], ascending=[False, True]).iloc[0]
        largest[name] = (float(top["value"]), top["record_id"])
    return largest


def implausibility(candidate: dict, series_years: np.ndarray, series_values: np.ndarray, mid_years: np.ndarray,
                   children: np.ndarray, age_band: str, national_largest: dict[str, tuple[float, str]]) -> list[str]:
    """The rules (module docstring) that catch one candidate's value, each with its numbers; empty
    when the value is plausible. `series_years` and `series_values` are the start years and values
    of the force's candidates of the same series, `mid_years` and `children` the force's child
    population."""
    value = candidate["value"]
    if pd.isna(value):
        return []
    force, series, year = candidate["force"], candidate["series"], int(candidate["start_year"])
    caught = []
    population = _child_population(mid_years, children, year)
    if population is not None and value > population[0]:
        caught.append(f"child population: {format_number(value)} is more than the {format_number(population[0])} "
                      f"children ({age_band}) in {force} in mid-{population[1]}")
    others = (series_years != year) & ~np.isnan(series_values)
    other_years = np.unique(series_years[others])
    if len(other_years) >= OTHER_YEARS_MINIMUM:
        medians = [np.median(series_values[others & (series_years == y)]) for y in other_years]
        median = float(np.median(medians))
        if median > 0 and value > OTHER_YEARS_FACTOR * median:
            years = ", ".join(format_fiscal_year(int(y)) for y in other_years)
            caught.append(f"the force's other years: {format_number(value)} is more than {OTHER_YEARS_FACTOR} times "
                          f"{format_number(median, 1)}, the median of {force}'s {len(other_years)} other printed years "
                          f"of {series} ({years})")
    if series in national_largest and value > national_largest[series][0]:
        total, record = national_largest[series]
        caught.append(f"national total: {format_number(value)} is more than the largest published total of "
                      f"{series}, {format_number(total)} ({record})")
    return caught


def screen_counts(candidates: pd.DataFrame, population: pd.DataFrame, age_band: str,
                  national_largest: dict[str, tuple[float, str]], accepted: dict[str, str]):
    """Split panel candidates into (kept, implausible). `implausible` has record_id, detail (the
    rules that caught the value) and the cell (series, force, start_year); a record in `accepted` ({record_id: reason}) is kept, and its
    review noted in the candidate's `review_note`."""
    population = population.loc[population["age_band"] == age_band, ["force", "mid_year", "population"]]
    by_force = {force: (rows["mid_year"].to_numpy(int), rows["population"].to_numpy(float))
                for force, rows in population.groupby("force")}
    no_population = (np.zeros(0, dtype=int), np.zeros(0))
    candidates = candidates.assign(review_note=None)
    dropped, implausible = [], []
    for (force, _), same_series in candidates.groupby(["force", "series"], sort=False):
        years, values = same_series["start_year"].to_numpy(int), same_series["value"].to_numpy(float)
        for index, candidate in zip(same_series.index, same_series.to_dict("records")):
            caught = implausibility(candidate, years, values, *by_force.get(force, no_population), age_band,
                                    national_largest)
            if caught and candidate["record_id"] in accepted:
                candidates.at[index, "review_note"] = (
                    f"value {format_number(candidate['value'])} accepted after review (config/corrections.csv): "
                    f"{accepted[candidate['record_id']]}")
            elif caught:
                dropped.append(index)
                implausible.append({"record_id": candidate["record_id"], "detail": "; ".join(caught),
                                    "series": candidate["series"], "force": force,
                                    "start_year": int(candidate["start_year"])})
    return (candidates.drop(index=dropped).reset_index(drop=True),
            pd.DataFrame(implausible, columns=["record_id", "detail", "series", "force", "start_year"]
                         ).sort_values("record_id", kind="stable"))


def quarantined_by_cell(implausible: pd.DataFrame) -> dict[tuple[str, str, int], list[str]]:
    """{(series, force, start year): record ids quarantined there}, so the panel cell can say that a
    source printed it and the value was set aside, rather than that no source printed it."""
    return {key: list(rows["record_id"]) for key, rows in implausible.groupby(["series", "force", "start_year"])}
