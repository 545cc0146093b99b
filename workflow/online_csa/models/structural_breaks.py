"""Interrupted time series: the s.15A offence (from April 2017) and the pandemic year (2020/21).

The NB count model is refitted with a linear trend and a level step from each break year in
place of the year effects (Lopez Bernal et al. 2017). The trend between two years is then
reported two ways:

* **s.15A in scope**: the fitted change including the s.15A step, as the NSPCC's totals do;
* **s.15A out of scope**: the trend alone, the step removed: what the series would have done
  without the new offence (the step also absorbs anything else that changed in April 2017).

The arithmetic version on the published totals is reported beside it: the later total less the
s.15A count, over the earlier total (all s.15A offences assumed to be in the flagged series).
`s15a_step` puts the s.15A level step and that arithmetic in one row, named by the kind of term
and its break year.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from online_csa.common.fiscal_years import format_fiscal_year, parse_fiscal_year
from online_csa.models.negative_binomial import NegativeBinomialFit, coefficient_table, time_terms

Z95 = 1.959964


def trend_ratio(fit: NegativeBinomialFit, from_year: str, to_year: str, include_steps: list[int]) -> dict:
    """Fitted ratio of to_year to from_year, with a model-based 95% interval."""
    y0, y1 = parse_fiscal_year(from_year), parse_fiscal_year(to_year)
    k = len(fit.forces)
    c = np.zeros(len(fit.params))
    c[k] = y1 - y0  # trend
    for j, b in enumerate(fit.breaks):
        if b in include_steps:
            c[k + 1 + j] = float(y1 >= b) - float(y0 >= b)
    est = float(c @ fit.params)
    se = float(np.sqrt(c @ fit.cov_model @ c))
    return {"ratio": np.exp(est), "lower_95": np.exp(est - Z95 * se), "upper_95": np.exp(est + Z95 * se)}


def trend_with_and_without_s15a(fit: NegativeBinomialFit, series: str, from_year: str, to_year: str,
                                s15a_break: int, published: dict | None = None) -> pd.DataFrame:
    other_breaks = [b for b in fit.breaks if b != s15a_break]
    rows = []
    for scope, steps in (("s.15A in scope", fit.breaks), ("s.15A out of scope", other_breaks)):
        rows.append({"series": series, "from_year": from_year, "to_year": to_year, "scope": scope,
                     "method": "interrupted time series (NB, force effects)", **trend_ratio(fit, from_year, to_year, steps)})
    if published:
        base, end, s15a = published["from_total"], published["to_total"], published.get("s15a_total")
        rows.append({"series": series, "from_year": from_year, "to_year": to_year, "scope": "s.15A in scope",
                     "method": f"published totals ({published['records']})", "ratio": end / base,
                     "lower_95": np.nan, "upper_95": np.nan})
        if s15a is not None:
            rows.append({"series": series, "from_year": from_year, "to_year": to_year, "scope": "s.15A out of scope",
                         "method": f"published totals less s.15A ({published['records']})",
                         "ratio": published_ratio_less_s15a(published), "lower_95": np.nan, "upper_95": np.nan})
    return pd.DataFrame(rows)


def published_ratio_less_s15a(published: dict) -> float:
    """The later published total less the published s.15A count, over the earlier total."""
    return (published["to_total"] - published["s15a_total"]) / published["from_total"]


def break_table(fit: NegativeBinomialFit, series: str, printed_years: pd.Series, min_cells: int) -> pd.DataFrame:
    """The coefficient table of an interrupted-time-series fit, each term with the printed cells
    it rests on (a level step: the cells from its break to the next one) and whether it is
    reported as estimated (at least `min_cells` of them)."""
    terms = time_terms(fit.design, fit.years, fit.breaks)  # the rows of the coefficient table, in order
    table = coefficient_table(fit, series).assign(term_kind=[term.kind for term in terms],
                                                  break_year=[term.year for term in terms])
    years = printed_years.to_numpy(int)
    cells = []
    for kind, year in zip(table["term_kind"], table["break_year"]):
        if kind == "level_step":
            later = [b for b in fit.breaks if b > year]
            cells.append(int(((years >= year) & (years < (later[0] if later else 10 ** 4))).sum()))
        else:
            cells.append(len(years))
    table["printed_cells"] = cells
    table["reported_as_estimated"] = table["printed_cells"] >= min_cells
    table["note"] = np.where(table["reported_as_estimated"], "",
                             [f"rests on {n} printed cell(s) (fewer than {min_cells}): not an estimate" for n in cells])
    return table


def s15a_step(table: pd.DataFrame, s15a_break: int, published: dict) -> pd.DataFrame:
    """One row of `break_table`: the level step from the s.15A break year as an incidence-rate
    ratio with its model-based 95% interval, and the published totals' ratio with the s.15A count
    removed."""
    step = table[(table["term_kind"] == "level_step") & (table["break_year"] == s15a_break)]
    if len(step) != 1:
        raise ValueError(f"structural breaks: the fit has no level step from {format_fiscal_year(s15a_break)}")
    return (step.assign(break_year=format_fiscal_year(s15a_break),
                        published_ratio_less_s15a=published_ratio_less_s15a(published),
                        published_records=published["records"])
            [["series", "term_kind", "break_year", "term", "irr", "irr_lower_95", "irr_upper_95", "se_model",
              "printed_cells", "reported_as_estimated", "published_ratio_less_s15a", "published_records"]]
            .reset_index(drop=True))
