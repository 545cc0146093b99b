"""Figures of the models and sensitivity chapters, one function per figure."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from online_csa.figures.data_figures import _style, national_points, set_margins  # noqa: E402
from online_csa.figures.small_multiples import PANEL_TITLE_Y, autoscale_once  # noqa: E402

OBSERVED, IMPUTED, PUBLISHED, THRESHOLD = "#0072B2", "#E69F00", "#D55E00", "#555555"


def plot_imputed_totals(national: pd.DataFrame, claims: pd.DataFrame, series_labels: dict[str, str],
                        geography: str, national_geographies) -> plt.Figure:
    """Per series: the sum of observed cells, the imputed total with its 90% interval, and
    the totals the releases printed over `national_geographies` (geography ids)."""
    _style()
    series = list(national["series"].unique())
    fig, axes = plt.subplots(1, len(series), figsize=(5.2 * len(series), 3.6), squeeze=False)
    for ax, name in zip(axes[0], series):
        rows = national[(national["series"] == name) & (national["geography"] == geography)]
        x = np.arange(len(rows))
        ax.bar(x, rows["observed_sum"], color=OBSERVED, alpha=0.35, label="sum of observed force figures")
        ok = rows["estimate"].notna().to_numpy()
        ax.errorbar(x[ok], rows["estimate"][ok], yerr=[(rows["estimate"] - rows["lower_90"])[ok],
                                                       (rows["upper_90"] - rows["estimate"])[ok]],
                    fmt="o", color=IMPUTED, capsize=3, label="imputed total, 90% interval")
        printed = national_points(claims, name, national_geographies)
        printed = printed[printed["fiscal_year"].isin(rows["fiscal_year"])]
        pos = {fy: i for i, fy in enumerate(rows["fiscal_year"])}
        for geo_id, marker in (("ew", "v"), ("ewni", "D"), ("uk", "^")):
            p = printed[printed["geo_id"] == geo_id]
            if len(p):
                ax.scatter(p["fiscal_year"].map(pos), p["published_value"], marker=marker, s=20, color=PUBLISHED,
                           zorder=3, label=f"printed total, {geo_id.upper()} (responding forces only)")
        ax.set_xticks(x, rows["fiscal_year"], rotation=45, fontsize=7)
        ax.set_title(series_labels.get(name, name), fontsize=9)
        ax.yaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    axes[0][0].set_ylabel(f"offences ({geography.upper()})")
    axes[0][0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    return fig


def plot_imputed_force_cells(cells: pd.DataFrame, series: str) -> plt.Figure:
    """One small panel per force: observed cells filled, imputed cells hollow with 90% intervals."""
    _style()
    rows = cells[cells["series"] == series]
    forces = sorted(rows["force"].unique())
    years = sorted(rows["fiscal_year"].unique())
    ncol = 8
    nrow = int(np.ceil(len(forces) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(13, 1.55 * nrow), sharex=True)
    with autoscale_once(axes.flat, "x"):  # each panel's own y limits are read below
        for ax, force in zip(axes.flat, forces):
            f = rows[rows["force"] == force].set_index("fiscal_year").reindex(years)
            x = np.arange(len(years))
            obs = f["method"].eq("observed").to_numpy()
            imp = f["estimate"].notna().to_numpy() & ~obs
            ax.vlines(x[imp], f["lower_90"][imp], f["upper_90"][imp], color=IMPUTED, lw=1)
            ax.plot(x[imp], f["estimate"][imp], "o", mfc="white", mec=IMPUTED, ms=3)
            ax.plot(x[obs], f["estimate"][obs], "o", color=OBSERVED, ms=3)
            ax.set_title(force.replace("Police Service of Northern Ireland", "PSNI"), fontsize=6.5, y=PANEL_TITLE_Y)
            ax.tick_params(labelsize=5.5)
            ax.set_ylim(bottom=0)
    for ax in axes.flat[len(forces):]:
        ax.axis("off")
    for ax in axes[-1]:
        ax.set_xticks(np.arange(len(years))[::2], [y[2:4] for y in years[::2]])
    fig.suptitle("Observed (filled) and imputed (hollow, 90% prediction interval) force-years; "
                 "x axis: fiscal year starting 20xx", fontsize=8)
    set_margins(fig, left=0.4, right=0.1, top=0.7, bottom=0.3, wspace=0.3, hspace=0.45)
    return fig


def plot_tornado(tornado: pd.DataFrame, metrics: list[str]) -> plt.Figure:
    _style()
    fig, axes = plt.subplots(len(metrics), 1, figsize=(7, 1.0 + 0.45 * tornado["assumption"].nunique() * len(metrics)),
                             squeeze=False)
    for ax, metric in zip(axes[:, 0], metrics):
        t = tornado[tornado["metric"] == metric].sort_values("swing")
        centre = t["metric_at_central"].iloc[0]
        y = np.arange(len(t))
        lo, hi = t["metric_at_5th"].to_numpy(), t["metric_at_95th"].to_numpy()
        ax.barh(y, lo - centre, left=centre, color=OBSERVED, label="assumption at its 5th percentile")
        ax.barh(y, hi - centre, left=centre, color=IMPUTED, label="assumption at its 95th percentile")
        ax.axvline(centre, color=THRESHOLD, lw=0.8)
        ax.set_yticks(y, t["assumption"], fontsize=7)
        ax.set_title(f"{metric} (line: all assumptions central)", fontsize=8)
        if "ratio" in metric:
            ax.axvline(1.0, color=PUBLISHED, lw=0.8, ls="--")
    axes[0, 0].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def plot_tipping_curves(curves: pd.DataFrame, points: pd.DataFrame, claim_id: str) -> plt.Figure:
    _style()
    c = curves[curves["claim_id"] == claim_id]
    assumptions = list(c["assumption"].unique())
    fig, axes = plt.subplots(1, len(assumptions), figsize=(3.2 * len(assumptions), 3.0), sharey=True, squeeze=False)
    thresholds = sorted(points.loc[points["claim_id"] == claim_id, "threshold"].unique())
    for ax, name in zip(axes[0], assumptions):
        a = c[c["assumption"] == name]
        ax.fill_between(a["value"], a["lower_90"], a["upper_90"], color=IMPUTED, alpha=0.25, label="90% of model draws")
        ax.plot(a["value"], a["median"], color=IMPUTED, label="model median")
        for threshold in thresholds:
            ax.axhline(threshold, color=THRESHOLD, lw=0.8, ls=":")
            tip = points[(points["claim_id"] == claim_id) & (points["assumption"] == name)
                         & (points["threshold"] == threshold) & (points["others_at"] == "central")
                         & (points["method"] == "model: median of imputed totals")]["tipping_value"]
            if len(tip) and pd.notna(tip.iloc[0]) and a["value"].min() <= tip.iloc[0] <= a["value"].max():
                ax.axvline(tip.iloc[0], color=PUBLISHED, lw=0.8, ls="--")
        ax.set_xlabel(name, fontsize=8)
    axes[0, 0].set_ylabel("adjusted ratio (later / earlier year)")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle(f"{claim_id}: the ratio as one assumption moves (others central); dotted: thresholds; "
                 "dashed: tipping point", fontsize=8)
    fig.tight_layout()
    return fig


def plot_flagged_share(pairs: pd.DataFrame, shares: pd.DataFrame) -> plt.Figure:
    _style()
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    years = sorted(set(pairs["fiscal_year"]) | set(shares["fiscal_year"]))
    pos = {fy: i for i, fy in enumerate(years)}
    for _, f in pairs.groupby("force"):
        ax.plot(f["fiscal_year"].map(pos), f["share"], color="#999999", lw=0.7, marker=".", ms=3, alpha=0.7)
    x = shares["fiscal_year"].map(pos)
    ax.fill_between(x, shares["model_share_lower_95"], shares["model_share_upper_95"], color=OBSERVED, alpha=0.25)
    ax.plot(x, shares["model_share"], color=OBSERVED, marker="o", label="model: typical force, 95% interval")
    ax.plot([], [], color="#999999", lw=0.7, label="one force (observed share)")
    ax.set_xticks(range(len(years)), years, fontsize=7)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_ylabel("flagged share of all child sexual offences")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_scenario_comparison(comparison: pd.DataFrame) -> plt.Figure:
    """One panel per headline metric: each scenario's median and 90% interval, the baseline first
    (top) with a vertical line through its median; ratio panels also mark 1 (no change). A
    metric a scenario cannot compute (no s.15A count for that year) is marked n/a."""
    import textwrap

    from matplotlib.ticker import FuncFormatter, MaxNLocator

    _style()
    metrics = list(dict.fromkeys(comparison["metric"]))
    scenarios = list(dict.fromkeys(comparison["scenario"]))
    ncols = 2
    nrows = -(-len(metrics) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(8, 0.6 + nrows * (0.8 + 0.3 * len(scenarios))), squeeze=False)
    y = np.arange(len(scenarios))[::-1]
    for ax, metric in zip(axes.flat, metrics):
        m = comparison[comparison["metric"] == metric].set_index("scenario").loc[scenarios]
        ok = m["median"].notna().to_numpy()
        ax.errorbar(m["median"][ok], y[ok], xerr=[(m["median"] - m["lower_90"])[ok], (m["upper_90"] - m["median"])[ok]],
                    fmt="o", color=IMPUTED, ecolor=IMPUTED, capsize=2, ms=4)
        ax.axvline(m["median"].iloc[0], color=THRESHOLD, lw=0.8)
        if "ratio" in metric:
            ax.axvline(1.0, color=PUBLISHED, lw=0.8, ls="--")
        else:
            ax.xaxis.set_major_locator(MaxNLocator(5))
            if m["upper_90"].max() >= 10_000:
                ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v / 1000:,.0f}k"))
        for yy in y[~ok]:
            ax.text(0.02, yy, "n/a (no s.15A count for a year)", transform=ax.get_yaxis_transform(), fontsize=7,
                    va="center", color=THRESHOLD)
        ax.set_yticks(y, scenarios if ax in axes[:, 0] else [""] * len(y), fontsize=8)
        ax.set_title("\n".join(textwrap.wrap(metric, 48)), fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    for ax in list(axes.flat)[len(metrics):]:
        ax.set_visible(False)
    fig.suptitle("Scenarios: median and 90% interval of the joint draws\n(solid line: baseline median; "
                 "dashed: ratio 1, no change)", fontsize=8)
    fig.tight_layout()
    return fig


def plot_claim_support(claim_support: pd.DataFrame, drawn: dict[str, str] | None = None) -> plt.Figure:
    """For each trend claim and threshold: the share of assumption draws in which it holds, the
    baseline as a large dot, each other scenario as a small one; a scenario that cannot compute the
    share (no s.15A count for a year) is left out. `drawn` (claim_id -> words) adds to each label what
    the draws are of."""
    import textwrap

    _style()
    keys = list(dict.fromkeys(zip(claim_support["claim_id"], claim_support["threshold_meaning"])))
    fig, ax = plt.subplots(figsize=(7.5, 0.9 + (0.75 if drawn else 0.5) * len(keys)))
    y = np.arange(len(keys))[::-1]
    labels = []
    for position, (claim_id, meaning) in zip(y, keys):
        rows = claim_support[(claim_support["claim_id"] == claim_id) & (claim_support["threshold_meaning"] == meaning)]
        label = textwrap.fill(f"{rows['description'].iloc[0]}: {meaning}", 40)
        if drawn and claim_id in drawn:
            label += "\n" + textwrap.fill(drawn[claim_id], 40)
        labels.append(label)
        others = rows[(rows["scenario"] != "baseline") & rows["share_holding_adjusted"].notna()]
        ax.scatter(others["share_holding_adjusted"], [position] * len(others), s=14, color=THRESHOLD, alpha=0.7,
                   label="another scenario" if position == y[0] else None, zorder=2)
        base = rows[rows["scenario"] == "baseline"]["share_holding_adjusted"]
        ax.scatter(base, [position] * len(base), s=60, color=IMPUTED, label="baseline" if position == y[0] else None,
                   zorder=3)
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(y.min() - 0.6, y.max() + 0.6)
    ax.set_xlabel("share of assumption draws in which the claim holds (offences, not records)", fontsize=8)
    # above the axes, so no dot is hidden under it
    ax.legend(fontsize=7, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, frameon=False)
    fig.tight_layout()
    return fig
