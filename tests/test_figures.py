"""The cheaper ways of drawing the report's figures (online_csa.figures.small_multiples, data_figures.save)
draw what matplotlib's straightforward calls draw: the same limits, lines, titles and pixels."""
import io
from contextlib import nullcontext

import numpy as np
import pytest
from PIL import Image

from online_csa.figures.data_figures import _style, png_image, save
from online_csa.figures.small_multiples import PANEL_TITLE_Y, autoscale_once, border_segments, cell_borders

import matplotlib.pyplot as plt  # noqa: E402  (after data_figures, which selects the Agg backend)


def rendered(fig) -> np.ndarray:
    """The figure's RGBA pixels at 50 dpi (the figure is closed)."""
    raw = io.BytesIO()
    fig.savefig(raw, format="rgba", dpi=50)
    pixels = np.asarray(fig.canvas.buffer_rgba()).copy()
    plt.close(fig)
    assert pixels.size == len(raw.getvalue())
    return pixels


def synthetic_panels(deferred: bool, axis: str = "both", bottom_zero: bool = False):
    """Six panels sharing x (and y unless `bottom_zero`), each with a line and a few points, drawn
    inside autoscale_once or plainly; returns every panel's limits."""
    rng = np.random.default_rng(1)
    fig, axes = plt.subplots(2, 3, sharex=True, sharey=not bottom_zero)
    panels = list(axes.flat)
    with autoscale_once(panels, axis) if deferred else nullcontext():
        for i, ax in enumerate(panels):
            years = np.arange(2014 + i % 2, 2021 - i // 2)
            ax.plot(years, rng.uniform(10 * i, 50 + 30 * i, len(years)), marker="o")
            if i % 2:
                ax.scatter(years[:2] + 0.5, [5.0 * i, 200.0 + i], s=10)
            if bottom_zero:
                ax.set_ylim(bottom=0)
    limits = [(ax.get_xlim(), ax.get_ylim()) for ax in panels]
    plt.close(fig)
    return limits


def test_panels_drawn_with_one_autoscale_get_the_limits_of_drawing_them_plainly():
    plain = synthetic_panels(deferred=False)
    assert synthetic_panels(deferred=True) == plain
    # the shared limits span every panel's data with matplotlib's 5% margins
    (x0, x1), (y0, y1) = plain[0]
    assert (x0, x1) == pytest.approx((2014 - 0.05 * 6, 2020 + 0.05 * 6))
    assert y1 > 200 and all(limits == plain[0] for limits in plain)


def test_x_only_autoscale_once_keeps_each_panels_own_y_limits_read_inside_the_block():
    plain = synthetic_panels(deferred=False, bottom_zero=True)
    assert synthetic_panels(deferred=True, axis="x", bottom_zero=True) == plain
    assert all(y[0] == 0 for _, y in plain) and len({y[1] for _, y in plain}) == len(plain)


def test_autoscale_once_leaves_autoscaling_off_where_it_was_off():
    fig, ax = plt.subplots()
    ax.set_autoscalex_on(False)
    with autoscale_once([ax]):
        ax.plot([10, 20], [1, 2])
    assert not ax.get_autoscalex_on() and ax.get_autoscaley_on()
    assert ax.get_xlim() == (0, 1) and ax.get_ylim() == pytest.approx((0.95, 2.05))
    plt.close(fig)


def test_border_segments_run_from_bottom_to_top_at_every_cell_border():
    segments = border_segments(3)
    assert segments.shape == (4, 2, 2)
    assert segments[:, 0, 0].tolist() == [-0.5, 0.5, 1.5, 2.5] and (segments[:, 1, 0] == segments[:, 0, 0]).all()
    assert segments[:, 0, 1].tolist() == [0, 0, 0, 0] and segments[:, 1, 1].tolist() == [1, 1, 1, 1]


def synthetic_grid(borders: str):
    _style()
    fig, ax = plt.subplots(figsize=(3, 4))
    cells = np.arange(7 * 5).reshape(7, 5) % 4
    ax.imshow(cells, aspect="auto", interpolation="nearest", cmap="viridis")
    ax.set_xticks(range(5), list("abcde"))
    ax.set_yticks(range(7), [f"force {i}" for i in range(7)])
    if borders == "grid":
        ax.set_xticks(np.arange(-0.5, 5), minor=True)
        ax.set_yticks(np.arange(-0.5, 7), minor=True)
        ax.grid(which="minor", color="white", linewidth=0.6)
        ax.grid(which="major", visible=False)
    else:
        ax.grid(visible=False)
        cell_borders(ax, 5, 7, color="white", linewidth=0.6)
    ax.set_title("synthetic panel", y=PANEL_TITLE_Y if borders == "collections" else None)
    return fig


def test_cell_borders_and_a_placed_title_draw_the_pixels_of_a_minor_grid_and_an_automatic_title():
    with plt.rc_context():
        grid, collections = rendered(synthetic_grid("grid")), rendered(synthetic_grid("collections"))
    assert (grid == collections).all()
    assert (grid[:, :, :3] == 255).all(axis=2).sum() > 0  # white borders are drawn


def test_png_image_drops_the_alpha_channel_only_when_every_pixel_is_opaque():
    rgba = np.zeros((2, 3, 4), dtype=np.uint8)
    rgba[..., 0], rgba[..., 3] = [[10, 20, 30], [40, 50, 60]], 255
    opaque = png_image(rgba)
    assert opaque.mode == "RGB" and np.asarray(opaque).tolist() == rgba[..., :3].tolist()
    rgba[1, 2, 3] = 128
    translucent = png_image(rgba)
    assert translucent.mode == "RGBA" and np.asarray(translucent).tolist() == rgba.tolist()


def test_save_writes_matplotlibs_pixels_as_rgb_with_the_dpi_and_the_same_bytes_each_time(tmp_path):
    def figure():
        _style()
        fig, ax = plt.subplots(figsize=(2.3, 1.7))  # 1.7 x 150 is not a whole number in floating point
        ax.plot([1, 2, 3], [3, 1, 2], marker="o")
        ax.set_title("synthetic")
        return fig

    with plt.rc_context():
        reference = tmp_path / "matplotlib.png"
        fig = figure()
        fig.savefig(reference, dpi=150)
        plt.close(fig)
        save(figure(), tmp_path / "a.png", 150)
        save(figure(), tmp_path / "b.png", 150)
    image = Image.open(tmp_path / "a.png")
    assert image.mode == "RGB" and image.size == Image.open(reference).size
    assert round(image.info["dpi"][0]) == 150 and "Software" not in image.info
    assert (np.asarray(image) == np.asarray(Image.open(reference).convert("RGB"))).all()
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
