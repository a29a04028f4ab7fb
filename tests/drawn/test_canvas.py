"""Pen drawings put on the canvas like the canvas brush draws them, under the benchmark's conditions."""

from __future__ import annotations

import numpy as np
import pytest

from digitlab.config import PENDIGITS_PATH
from digitlab.drawn.canvas import (
    CONDITIONS,
    catmull_rom,
    draw_condition,
    draw_on_canvas,
    draw_pointer_strokes,
    fitted_pointer_strokes,
    pointer_paths,
    pointer_strokes,
)
from digitlab.drawn.drawings import PenDrawing
from digitlab.drawn.pendigits import load_pendigits


@pytest.fixture(scope="module")
def pen_digits() -> list[PenDrawing]:
    if not PENDIGITS_PATH.is_file():
        pytest.skip(f"pen-drawn data not found at {PENDIGITS_PATH} (it lives outside the repository)")
    return load_pendigits()


@pytest.fixture
def box_digit() -> PenDrawing:
    """A synthetic digit whose centre line spans a 100 x 200 box (wide x tall), in one open stroke."""
    stroke = np.array([[0, 0], [100, 0], [100, 200], [0, 200]], dtype=np.float32)
    return PenDrawing(label=7, writer="test/1", strokes=(stroke,))


def ink_box(rgba: np.ndarray, background_alpha: bool = False) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of the pixels that differ from the top-left background pixel."""
    channel = rgba[..., 3] if background_alpha else rgba[..., :3]
    ink = np.abs(channel.astype(int) - channel[0, 0].astype(int))
    ink = ink.max(axis=-1) if ink.ndim == 3 else ink
    rows, cols = np.flatnonzero((ink > 0).any(axis=1)), np.flatnonzero((ink > 0).any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def test_the_curve_passes_through_every_sample_without_loops():
    samples = np.array([[0.0, 0.0], [100.0, 0.0], [100.0, 10.0], [0.0, 200.0]])
    curve = catmull_rom(samples, spacing=2.0)
    for sample in samples:
        assert np.linalg.norm(curve - sample, axis=1).min() < 1e-6
    steps = np.linalg.norm(np.diff(curve, axis=0), axis=1)
    assert steps.max() < 3.0
    assert curve[:, 0].min() > -5 and curve[:, 0].max() < 105  # no overshoot round the sharp corners


def test_the_pointer_reports_whole_pixels_a_few_apart(box_digit):
    (stroke,) = pointer_strokes(box_digit, digit_size=0.7, stroke_width=10)
    pointer = stroke.points
    assert np.array_equal(pointer, np.rint(pointer)) and len(pointer) > 20 and stroke.width == 10
    assert not (np.diff(pointer, axis=0) == 0).all(axis=1).any()  # no repeated position
    spacing = np.linalg.norm(np.diff(pointer, axis=0), axis=1)
    assert np.median(spacing) == pytest.approx(0.04 * (0.7 * 280 - 10), rel=0.3)
    dot = PenDrawing(0, "test/1", (np.array([[5.0, 5.0]], np.float32), box_digit.strokes[0]))
    assert len(pointer_strokes(dot)[0].points) == 1  # a dot stays a dot


def test_a_drawing_reaches_the_page_as_the_canvas_json_with_one_path_per_stroke(box_digit):
    two_strokes = PenDrawing(4, "test/1", (box_digit.strokes[0], box_digit.strokes[0][:2] + 30))
    canvas = draw_on_canvas(two_strokes, stroke_width=12)
    assert [item["type"] for item in canvas.json_data["objects"]] == ["Path", "Path"]
    assert [stroke.width for stroke in canvas.strokes] == [12, 12]
    assert canvas.picture.shape == (280, 280, 4)


def test_rendered_digit_is_an_rgba_canvas_with_antialiased_ink(box_digit):
    canvas = draw_on_canvas(box_digit).picture
    assert canvas.shape == (280, 280, 4) and canvas.dtype == np.uint8
    assert (canvas[..., 3] == 255).all()
    grey = canvas[..., 0]
    assert (grey == 0).any() and (grey == 255).any()
    assert ((grey > 20) & (grey < 235)).any(), "stroke edges should be anti-aliased"


def test_rendered_digit_has_requested_size_position_and_aspect(box_digit):
    canvas = draw_on_canvas(box_digit, digit_size=0.5, centre=(0.3, 0.6), stroke_width=10).picture
    top, left, bottom, right = ink_box(canvas)
    height, width = bottom - top, right - left
    assert height == pytest.approx(140, abs=3)
    # The pointer's path keeps its aspect: the ink is the path scaled to 130 px high, plus the pen.
    path = np.concatenate(pointer_paths(box_digit))
    aspect = np.ptp(path[:, 0]) / np.ptp(path[:, 1])
    assert width == pytest.approx(130 * aspect + 10, abs=3)
    assert ((left + right) / 2, (top + bottom) / 2) == pytest.approx((84, 168), abs=2)


def test_small_digit_stays_inside_its_corner(box_digit):
    canvas = draw_condition(box_digit, "small_corner").picture
    top, left, bottom, right = ink_box(canvas)
    assert bottom <= 140 and right <= 140
    assert max(bottom - top, right - left) == pytest.approx(0.25 * 280, abs=3)


def test_thick_stroke_draws_more_ink_than_thin(box_digit):
    thin = draw_condition(box_digit, "thin_stroke").picture
    thick = draw_condition(box_digit, "thick_stroke").picture
    assert (thick[..., 0] < 128).sum() > 3 * (thin[..., 0] < 128).sum()


def test_transparent_background_carries_the_ink_in_alpha(box_digit):
    canvas = draw_condition(box_digit, "transparent").picture
    alpha = canvas[..., 3]
    assert alpha[0, 0] == 0 and alpha.max() == 255
    assert np.median(alpha) == 0
    assert (canvas[alpha == 255][:, :3] == 0).all()


@pytest.mark.parametrize("name", ["light_on_dark", "coloured"])
def test_ink_and_background_colours_are_painted(box_digit, name):
    canvas = draw_condition(box_digit, name).picture
    params = CONDITIONS[name]
    assert tuple(canvas[0, 0]) == tuple(params["background"])
    pixels = {tuple(pixel) for pixel in canvas.reshape(-1, 4)}
    assert (*params["ink"], 255) in pixels


def test_every_condition_renders_a_real_digit(pen_digits):
    rng = np.random.default_rng(0)
    for name in CONDITIONS:
        canvas = draw_condition(pen_digits[0], name, rng).picture
        assert canvas.shape == (280, 280, 4)
        assert len(np.unique(canvas.reshape(-1, 4), axis=0)) > 2, name


def test_a_drawing_is_fitted_into_a_box_anywhere_on_a_wide_canvas(box_digit):
    strokes = fitted_pointer_strokes(box_digit, (np.inf, 120), (600, 100), stroke_width=10)
    points = np.concatenate([stroke.points for stroke in strokes])
    (left, top), (right, bottom) = points.min(axis=0) - 5, points.max(axis=0) + 5
    assert bottom - top == pytest.approx(120, abs=1)  # its height, as no width was asked for
    assert ((left + right) / 2, (top + bottom) / 2) == pytest.approx((600, 100), abs=1)
    assert np.array_equal(points, np.rint(points))


def test_several_drawings_reach_the_page_as_one_wide_canvas(box_digit):
    first = fitted_pointer_strokes(box_digit, (100, 100), (100, 120), stroke_width=12)
    second = fitted_pointer_strokes(box_digit, (100, 100), (400, 120), stroke_width=12)
    canvas = draw_pointer_strokes(first + second, (240, 840))
    assert len(canvas.json_data["objects"]) == 2 and canvas.picture.shape == (240, 840, 4)
    top, left, bottom, right = ink_box(canvas.picture)
    assert left < 100 < 400 < right and right < 460


def test_the_square_canvas_places_a_drawing_as_a_box_of_its_size(box_digit):
    square = pointer_strokes(box_digit, 280, 0.5, (0.3, 0.6), 10)
    boxed = fitted_pointer_strokes(box_digit, (140, 140), (84, 168), 10)
    assert all(np.array_equal(a.points, b.points) and a.width == b.width for a, b in zip(square, boxed, strict=True))
