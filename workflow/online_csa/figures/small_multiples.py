"""Grids of many small panels drawn with fewer artists and one autoscale: the same marks, lines
and limits as matplotlib's straightforward calls give, at a fraction of their cost."""
from __future__ import annotations

from contextlib import contextmanager

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection

# Where a panel's title sits (axes coordinates: just above the top), given explicitly. Left to
# itself, matplotlib lays out every tick of the panel's y axis once more before placing the title,
# to lift it above tick labels at the top or the y axis' offset text ("1e6", "+1000"). The panels
# here have neither (ticks below and left; force names, or counts and rates far below 1e6 whose
# range is no sliver of their size), so the title lands where matplotlib would have put it.
PANEL_TITLE_Y = 1.0


@contextmanager
def autoscale_once(axes, axis: str = "both"):
    """Add data to panels that share an axis without rescaling the whole group each time.

    An artist added to one of n panels sharing an axis rescales all n of them there and then
    (so drawing into every panel costs n x n rescales); inside this block `axis` ("x", "y" or
    "both") is not rescaled, and on leaving it is rescaled once, lazily, from all the data at
    once, which gives the limits the panels would have had. Code inside the block must not read
    the limits of `axis` (they are stale there)."""
    axes = list(axes)
    names = ("x", "y") if axis == "both" else (axis,)
    before = [{name: getattr(ax, f"get_autoscale{name}_on")() for name in names} for ax in axes]
    for ax in axes:
        for name in names:
            getattr(ax, f"set_autoscale{name}_on")(False)
    try:
        yield
    finally:
        for ax, was in zip(axes, before):
            for name, on in was.items():
                if on:
                    ax.autoscale(True, axis=name)


def border_segments(cells: int) -> np.ndarray:
    """Segments from (b, 0) to (b, 1) at every border b of `cells` cells centred on 0, 1, ..., cells - 1,
    shape (cells + 1, 2, 2)."""
    borders = np.arange(cells + 1) - 0.5
    return np.stack([np.column_stack([borders, np.zeros_like(borders)]),
                     np.column_stack([borders, np.ones_like(borders)])], axis=1)


def cell_borders(ax: Axes, columns: int, rows: int, **line) -> None:
    """Lines between the cells of an image of `columns` x `rows` cells, where a grid at minor ticks
    on every cell border would draw them (across the whole axes, at the grid's z-order), as two
    line collections instead of a tick, a gridline and an empty label per border. `line`: the
    lines' colour, width and other collection properties."""
    style = {"zorder": ax.xaxis.get_zorder(), "capstyle": matplotlib.rcParams["lines.solid_capstyle"], **line}
    ax.add_collection(LineCollection(border_segments(columns), transform=ax.get_xaxis_transform(), **style),
                      autolim=False)
    ax.add_collection(LineCollection(border_segments(rows)[:, :, ::-1], transform=ax.get_yaxis_transform(),
                                     **style), autolim=False)
