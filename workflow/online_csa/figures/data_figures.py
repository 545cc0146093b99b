"""Figures of the report, one function per figure; each returns a matplotlib Figure."""
from __future__ import annotations

import io
import re

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from PIL import Image  # noqa: E402

from online_csa.common.lean_imports import import_without  # noqa: E402
from online_csa.figures.small_multiples import PANEL_TITLE_Y, autoscale_once, cell_borders  # noqa: E402

# seaborn imports these at start-up only for its kernel density estimate, its cluster map and
# its interactive palette pickers (ipywidgets, which loads IPython), none of which these figures
# use, and carries on without them when they cannot be imported (they are a large share of a
# figure job's start-up).
_SEABORN_OPTIONAL = ("scipy.stats", "scipy.cluster", "ipywidgets")
sns = import_without("seaborn", _SEABORN_OPTIONAL)

STATUS_COLOURS = {  # colour-blind-safe (Okabe-Ito) and distinct in greyscale
    "observed": "#0072B2",
    "conflicting": "#E69F00",
    "suppressed": "#CC79A7",
    "not_provided": "#D55E00",
    "missing": "#F0F0F0",
    "not_applicable": "#BBBBBB",
}
VERDICT_COLOURS = {
    "reproduced": "#009E73",
    "consistent": "#56B4E9",
    "contradicted": "#D55E00",
    "not_reproducible": "#999999",
}


def _style():
    sns.set_theme(style="whitegrid", context="paper", font_scale=1.0)
    plt.rcParams.update({"svg.hashsalt": "online-csa", "figure.dpi": 100})


def plot_panel_coverage(panel: pd.DataFrame, series_labels: dict[str, str]) -> plt.Figure:
    """Force x year grid per series, coloured by the status of each cell."""
    _style()
    statuses = list(STATUS_COLOURS)
    cmap = ListedColormap([STATUS_COLOURS[s] for s in statuses])
    forces = list(dict.fromkeys(panel["force"]))
    years = sorted(panel["fiscal_year"].unique())
    series = list(series_labels)
    # every grid has the same forces and years, so the panels line up without sharing their y axes;
    # only the first names the forces (a shared axis would still make, and hide, every force's tick)
    fig, axes = plt.subplots(1, len(series), figsize=(4.2 * len(series), 11))
    for ax, name in zip(np.atleast_1d(axes), series):
        grid = (panel[panel["series"] == name].pivot(index="force", columns="fiscal_year", values="status")
                .reindex(index=forces, columns=years).map(statuses.index))
        ax.imshow(grid.to_numpy(), cmap=cmap, vmin=-0.5, vmax=len(statuses) - 0.5, aspect="auto",
                  interpolation="nearest")
        ax.set_xticks(range(len(years)), [y[2:] for y in years], rotation=90)
        ax.set_yticks(range(len(forces)) if ax is np.atleast_1d(axes)[0] else [],
                      forces if ax is np.atleast_1d(axes)[0] else [])
        ax.set_title(series_labels[name], fontsize=9, y=PANEL_TITLE_Y)
        ax.grid(visible=False)
        cell_borders(ax, len(years), len(forces), color="white", linewidth=0.6)
        observed = grid.isin([0, 1]).to_numpy().sum()
        ax.set_xlabel(f"fiscal year ({observed} of {grid.size} cells have a value)")
    fig.legend(handles=[Patch(facecolor=STATUS_COLOURS[s], edgecolor="#666666", label=s.replace("_", " "))
                        for s in statuses], loc="lower center", ncol=len(statuses), frameon=False)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def national_points(claims: pd.DataFrame, series: str, geographies) -> pd.DataFrame:
    """Published counts of a series over one of `geographies` (geography ids), one point per
    claim, with the geography id they cover."""
    rows = claims[(claims["measure"] == series) & (claims["level"] == "national")
                  & claims["fiscal_year"].str.fullmatch(r"\d{4}/\d{2}")].copy()
    rows["geo_id"] = rows["geography"].str.extract(r"\[([a-z_]+)\]$", expand=False)
    rows = rows[rows["geo_id"].isin(list(geographies))]
    rows["release_year"] = rows["release_date"].str[:4]
    return rows


def plot_national_series(claims: pd.DataFrame, panel: pd.DataFrame, series: str,
                         national_geographies: dict[str, str]) -> plt.Figure:
    """Each release's national total beside the sum of the force figures the ledger holds.
    `national_geographies`: the geographies drawn (id -> name in the legend, in legend order; at most four)."""
    _style()
    points = national_points(claims, series, national_geographies)
    sub = panel[(panel["series"] == series) & panel["value"].notna()]
    sums = sub.groupby("fiscal_year").agg(total=("value", "sum"), forces=("force", "nunique")).reset_index()
    years = sorted(set(points["fiscal_year"]) | set(sums["fiscal_year"]))
    x = {y: i for i, y in enumerate(years)}
    fig, ax = plt.subplots(figsize=(9, 5))
    ax.bar([x[y] for y in sums["fiscal_year"]], sums["total"], color="#CCCCCC", width=0.6,
           label="sum of force figures in the ledger")
    for y, total, n in zip(sums["fiscal_year"], sums["total"], sums["forces"]):
        ax.annotate(f"{n} forces", (x[y], total), ha="center", va="bottom", fontsize=7, color="#555555")
    markers = dict(zip(national_geographies, ["o", "s", "D", "^"]))
    palette = dict(zip(sorted(points["release_year"].unique()), sns.color_palette("colorblind", 8)))
    for row in points.itertuples(index=False):
        ax.scatter(x[row.fiscal_year], row.published_value, marker=markers[row.geo_id], s=45,
                   color=palette[row.release_year], edgecolor="black", linewidth=0.5, zorder=3)
        ax.annotate(row.claim_id, (x[row.fiscal_year], row.published_value), xytext=(5, 0),
                    textcoords="offset points", fontsize=6, va="center")
    handles = [plt.Line2D([], [], marker=markers[g], linestyle="", color="#777777", label=label)
               for g, label in national_geographies.items() if g in set(points["geo_id"])]
    handles += [Patch(color=c, label=f"released {r}") for r, c in palette.items()]
    handles.append(Patch(color="#CCCCCC", label="sum of force figures in the ledger"))
    ax.legend(handles=handles, fontsize=7, loc="upper left", frameon=True)
    ax.set_xticks(range(len(years)), years)
    ax.set_ylabel("offences")
    ax.set_xlabel("fiscal year")
    ax.set_title("Published national totals (points, by release and area) and what force data support (bars)",
                 fontsize=9)
    fig.tight_layout()
    return fig


def _alternative_values(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"(?:^|\| )(\d+) \[", str(text))]


def plot_force_rates(panel: pd.DataFrame, series: str) -> plt.Figure:
    """Small multiples of offences per 100,000 children by force; conflicting vintages marked."""
    _style()
    sub = panel[panel["series"] == series].copy()
    sub["year"] = sub["fiscal_year"].str[:4].astype(int)
    has_value = sub.groupby("force")["value"].apply(lambda v: v.notna().any())
    forces = [f for f in dict.fromkeys(sub["force"]) if has_value.get(f, False)]
    cols = 6
    rows = int(np.ceil(len(forces) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2.1 * cols, 1.7 * rows), sharex=True, sharey=True)
    flat = np.atleast_1d(axes).ravel()
    with autoscale_once(flat):
        for ax, force in zip(flat, forces):
            data = sub[sub["force"] == force]
            ok = data[data["rate_per_100k"].notna()]
            ax.plot(ok["year"], ok["rate_per_100k"], color=STATUS_COLOURS["observed"], marker="o", markersize=3,
                    linewidth=1)
            conflict = ok[ok["status"] == "conflicting"]
            if len(conflict):  # a scatter of no points draws nothing
                ax.scatter(conflict["year"], conflict["rate_per_100k"], color=STATUS_COLOURS["conflicting"], s=22,
                           zorder=3, edgecolor="black", linewidth=0.4)
            for row in data[data["alternatives"] != ""].itertuples(index=False):
                if pd.notna(row.child_population):
                    for alt in _alternative_values(row.alternatives):
                        ax.scatter(row.year, alt / row.child_population * 1e5, facecolor="none",
                                   edgecolor=STATUS_COLOURS["conflicting"], s=22, zorder=3)
            ax.set_title(force, fontsize=7, y=PANEL_TITLE_Y)
            ax.tick_params(labelsize=6)
    for ax in flat[len(forces):]:
        ax.set_visible(False)
    years = sorted(sub["year"].unique())
    flat[0].set_xticks(years[::2], [f"{y % 100:02d}/{(y + 1) % 100:02d}" for y in years[::2]])
    fig.supylabel("offences per 100,000 children aged 0-17", fontsize=8)
    fig.legend(handles=[
        plt.Line2D([], [], color=STATUS_COLOURS["observed"], marker="o", markersize=3, label="value used"),
        plt.Line2D([], [], color=STATUS_COLOURS["conflicting"], marker="o", linestyle="", markeredgecolor="black",
                   label="conflicting sources: value chosen"),
        plt.Line2D([], [], color=STATUS_COLOURS["conflicting"], marker="o", linestyle="", markerfacecolor="none",
                   label="conflicting sources: value not chosen")], loc="upper center", ncol=3, fontsize=8,
        frameon=False)
    set_margins(fig, left=0.75, right=0.15, top=0.5, bottom=0.3, wspace=0.25, hspace=0.35)
    return fig


def plot_claim_verdicts(claims: pd.DataFrame) -> plt.Figure:
    """How many claims got each verdict, by kind of claim."""
    _style()
    groups = {"headline": "headline cross-checks", "national": "national and regional figures",
              "force": "force-level figures"}
    counts = (claims.assign(group=claims["level"].map(groups))
              .pivot_table(index="group", columns="verdict", values="claim_id", aggfunc="count", fill_value=0)
              .reindex(index=list(groups.values()), columns=list(VERDICT_COLOURS), fill_value=0))
    shares = counts.div(counts.sum(axis=1).replace(0, 1), axis=0)
    fig, ax = plt.subplots(figsize=(8, 3.2))
    left = np.zeros(len(counts))
    for verdict, colour in VERDICT_COLOURS.items():
        values = shares[verdict].to_numpy()
        ax.barh(counts.index, values, left=left, color=colour, label=verdict.replace("_", " "))
        for i, (share, start, count) in enumerate(zip(values, left, counts[verdict])):
            if count:
                ax.text(start + share / 2, i, str(count), ha="center", va="center", fontsize=8, color="black")
        left += values
    ax.set_yticks(range(len(counts)), [f"{g} ({n})" for g, n in zip(counts.index, counts.sum(axis=1))])
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.invert_yaxis()
    ax.set_xlabel("share of claims (labels: number of claims)")
    ax.legend(ncol=4, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.25), frameon=False)
    ax.set_title("Verdicts on every published figure in the ledger", fontsize=9)
    fig.tight_layout()
    return fig


def set_margins(fig: plt.Figure, left: float, right: float, top: float, bottom: float, wspace: float,
                hspace: float) -> None:
    """Fixed margins, in inches, for a grid of small multiples. matplotlib's tight_layout measures
    every tick label of every panel, which is slow for the dozens of panels of a force grid."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height,
                        wspace=wspace, hspace=hspace)


def save(fig: plt.Figure, path, dpi: int) -> None:
    """The figure as a PNG at `dpi`: matplotlib's pixels, without the alpha channel when every pixel
    is opaque (a quarter less to compress, the same picture), and no timestamps or software versions
    in the file, so the same data give the same bytes."""
    raw = io.BytesIO()
    fig.savefig(raw, format="rgba", dpi=dpi)
    height, width, _ = np.asarray(fig.canvas.buffer_rgba()).shape  # of the canvas it has just drawn
    plt.close(fig)
    pixels = np.frombuffer(raw.getbuffer(), dtype=np.uint8)
    if pixels.size != width * height * 4:
        raise ValueError(f"{path}: matplotlib drew {pixels.size} bytes, not {width} x {height} RGBA pixels")
    png_image(pixels.reshape(height, width, 4)).save(path, format="png", dpi=(dpi, dpi))


def png_image(rgba: np.ndarray) -> Image.Image:
    """An image of an (height, width, 4) array of RGBA bytes: RGB when every pixel is opaque."""
    if (rgba[:, :, 3] == 255).all():
        return Image.fromarray(np.ascontiguousarray(rgba[:, :, :3]), mode="RGB")
    return Image.fromarray(rgba, mode="RGBA")
