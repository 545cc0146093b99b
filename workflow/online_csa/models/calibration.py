"""Do the imputation's prediction intervals cover as often as they claim?

`leave_one_out_calibration` refits the model without each observed cell in turn (re-estimating
alpha) and records whether the cell's prediction interval covers it; `calibration_summary`
gives the coverage over all cells, and separately for cells of forces with other cells and for a
force's only cell (which tests the pooled force effect that forces without any figure receive).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from online_csa.common.intervals import LEVEL, interval_bounds
from online_csa.models.negative_binomial import NotIdentifiedError, fit_negative_binomial, simulate_counts


def leave_one_out_calibration(frame: pd.DataFrame, design: str, alpha_method: str, draws: int, seed: int,
                              level: float = LEVEL) -> pd.DataFrame:
    """Refit without each observed cell (re-estimating alpha) and check its prediction interval."""
    observed = frame[frame["observed"]].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    lo_q, hi_q = interval_bounds(level)
    rows = []
    try:  # every refit starts from the fit to all cells, which differs from it by one cell
        full = fit_negative_binomial(observed, design=design, alpha_method=alpha_method, robust=False)
    except NotIdentifiedError:
        full = None
    for i, cell in observed.iterrows():
        rest = observed.drop(index=i)
        path = "force has other cells" if (rest["force"] == cell["force"]).any() else "force's only cell"
        row = {"series": cell["series"], "force": cell["force"], "fiscal_year": cell["fiscal_year"],
               "observed": cell["value"], "path": path}
        if not (rest["year"] == cell["year"]).any():
            rows.append({**row, "lower_90": np.nan, "upper_90": np.nan, "covered": pd.NA, "pit": np.nan,
                         "note": "year has no other observation: not estimable"})
            continue
        try:
            fit = fit_negative_binomial(rest, design=design, alpha_method=alpha_method, robust=False, near=full)
        except NotIdentifiedError:
            rows.append({**row, "lower_90": np.nan, "upper_90": np.nan, "covered": pd.NA, "pit": np.nan,
                         "note": "without this cell the model is not identified (a force and a year rest on one "
                                 "cell): not scored"})
            continue
        sims = simulate_counts(fit, [cell["force"]], [cell["year"]], [cell["log_population"]], draws, rng)[:, 0]
        lower, upper = np.quantile(sims, [lo_q, hi_q])
        y = cell["value"]
        pit = float((sims < y).mean() + 0.5 * (sims == y).mean())
        rows.append({**row, "lower_90": lower, "upper_90": upper, "covered": bool(lower <= y <= upper), "pit": pit,
                     "note": ""})
    out = pd.DataFrame(rows)
    out["covered"] = out["covered"].astype("boolean")
    return out


def calibration_summary(calibration: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for path, group in [("all cells", calibration)] + list(calibration.groupby("path")):
        scored = group.dropna(subset=["covered"])
        rows.append({"series": calibration["series"].iloc[0], "cells": path, "scored": len(scored),
                     "covered": int(scored["covered"].sum()),
                     "coverage": float(scored["covered"].mean()) if len(scored) else np.nan,
                     "nominal": LEVEL, "not_scored": len(group) - len(scored)})
    return pd.DataFrame(rows)
