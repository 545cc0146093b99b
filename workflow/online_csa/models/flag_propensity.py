"""How much of the growth in online-flagged offences is growth in the flagged share?

Where a force-year has both the flagged count y and all recorded child sexual offences A, the
flagged share s = y / A is modelled as a binomial GLM with force and year effects
(logit s = a_f + g_t) with quasi-likelihood scale (Pearson chi2 / df), and growth in flagged
offences is decomposed exactly on the log scale:

    log(y1 / y0) = log(A1 / A0) + log(s1 / s0)

Growth that is mostly in s while A is flat points to flagging practice, or to a real shift
towards online offending: the two cannot be told apart without data from outside the police.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from online_csa.common.fiscal_years import format_fiscal_year, parse_fiscal_year
from online_csa.models.model_panel import OBSERVED_STATUSES


def paired_cells(panel: pd.DataFrame, flagged: str, all_offences: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Force-years with both counts observed; and the pairs that cannot be used, with the reason."""
    keep = panel["status"].isin(OBSERVED_STATUSES) & panel["value"].notna()
    cols = ["force", "fiscal_year", "value", "record_ids"]
    y = panel[keep & (panel["series"] == flagged)][cols].rename(columns={"value": "flagged", "record_ids": "flagged_records"})
    a = panel[keep & (panel["series"] == all_offences)][cols].rename(columns={"value": "all_offences", "record_ids": "all_records"})
    pairs = y.merge(a, on=["force", "fiscal_year"], how="inner")
    pairs["flagged"] = pairs["flagged"].astype(float)
    pairs["all_offences"] = pairs["all_offences"].astype(float)
    bad = pairs["flagged"] > pairs["all_offences"]
    quarantined = pairs[bad].assign(reason="flagged count exceeds all child sexual offences (different sources or definitions)")
    pairs = pairs[~bad].copy()
    pairs["year"] = pairs["fiscal_year"].map(parse_fiscal_year)
    pairs["share"] = pairs["flagged"] / pairs["all_offences"]
    return pairs.sort_values(["force", "year"]).reset_index(drop=True), quarantined.reset_index(drop=True)


def fit_flag_share(pairs: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Binomial GLM (quasi-likelihood scale) of the flagged share by force and year.

    Returns the year effects as odds ratios against the first year, and the predicted share of
    a typical force (mean force effect) per year, with 95% intervals."""
    forces = sorted(pairs["force"].unique())
    years = sorted(pairs["year"].unique())
    X = np.hstack([(pairs["force"].to_numpy()[:, None] == np.array(forces)[None, :]).astype(float),
                   (pairs["year"].to_numpy()[:, None] == np.array(years[1:])[None, :]).astype(float)])
    # proportions with the totals as variance weights: with a two-column (successes, failures)
    # response, statsmodels 0.15 returns a scale that is not Pearson chi2 / df
    fit = sm.GLM(pairs["share"].to_numpy(float), X, family=sm.families.Binomial(),
                 var_weights=pairs["all_offences"].to_numpy(float)).fit(scale="X2")
    k = len(forces)
    params, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
    mean_force = params[:k].mean()
    rows = []
    for j, year in enumerate(years):
        # contrast: mean force effect + year effect
        c = np.zeros(len(params))
        c[:k] = 1.0 / k
        if j > 0:
            c[k + j - 1] = 1.0
        eta, se = float(c @ params), float(np.sqrt(c @ cov @ c))
        odds_ratio = 1.0 if j == 0 else float(np.exp(params[k + j - 1]))
        se_year = 0.0 if j == 0 else float(np.sqrt(cov[k + j - 1, k + j - 1]))
        cells = pairs[pairs["year"] == year]
        rows.append({"fiscal_year": format_fiscal_year(year), "pairs": len(cells),
                     "pooled_observed_share": cells["flagged"].sum() / cells["all_offences"].sum(),
                     "model_share": 1 / (1 + np.exp(-eta)), "model_share_lower_95": 1 / (1 + np.exp(-(eta - 1.96 * se))),
                     "model_share_upper_95": 1 / (1 + np.exp(-(eta + 1.96 * se))), "odds_ratio_vs_first_year": odds_ratio,
                     "odds_ratio_lower_95": float(np.exp(np.log(odds_ratio) - 1.96 * se_year)),
                     "odds_ratio_upper_95": float(np.exp(np.log(odds_ratio) + 1.96 * se_year))})
    info = {"scale": float(fit.scale), "pearson_chi2": float(fit.pearson_chi2), "df_resid": float(fit.df_resid), "n_pairs": len(pairs), "n_forces": k, "mean_force_effect": float(mean_force)}
    return pd.DataFrame(rows), info


def decompose_growth(pairs: pd.DataFrame, from_year: str, to_year: str) -> dict:
    """Like-for-like decomposition on the forces with both counts in both years."""
    y0, y1 = parse_fiscal_year(from_year), parse_fiscal_year(to_year)
    both = set(pairs.loc[pairs["year"] == y0, "force"]) & set(pairs.loc[pairs["year"] == y1, "force"])
    sub = pairs[pairs["force"].isin(both)]
    f0, f1 = (sub[sub["year"] == y]["flagged"].sum() for y in (y0, y1))
    a0, a1 = (sub[sub["year"] == y]["all_offences"].sum() for y in (y0, y1))
    out = {"from_year": from_year, "to_year": to_year, "forces": len(both), "force_list": "; ".join(sorted(both)),
           "flagged_from": f0, "flagged_to": f1, "all_from": a0, "all_to": a1}
    if not both:
        return {**out, "growth_flagged": np.nan, "growth_all": np.nan, "growth_share": np.nan,
                "share_of_log_growth_from_flagging": np.nan}
    g_flag, g_all = f1 / f0, a1 / a0
    g_share = g_flag / g_all
    return {**out, "share_from": f0 / a0, "share_to": f1 / a1, "growth_flagged": g_flag, "growth_all": g_all,
            "growth_share": g_share,
            "share_of_log_growth_from_flagging": np.log(g_share) / np.log(g_flag) if g_flag != 1 else np.nan}
