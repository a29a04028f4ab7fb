"""Reading the drawing canvas's strokes and redrawing them with a pen in proportion to the drawing."""

import json

import numpy as np
import pytest

from digitlab.config import CANVAS_SIZE, MIN_REDRAW_PEN, REDRAW_PEN_SHARE, ROOT_DIR
from digitlab.pendigits import PenDigit, digit_strokes, redraw_digit, render_digit
from digitlab.preprocess import preprocess_canvas
from digitlab.strokes import Stroke, canvas_strokes, pen_coverage, redraw_pen, redraw_strokes
from tests.conftest import hole_area

# What streamlit-drawable-canvas 0.13 sent for two strokes drawn in Chromium: a curve, then a click.
CANVAS_JSON = json.loads((ROOT_DIR / "tests" / "data" / "canvas_two_strokes.json").read_text())


def ellipse(centre: tuple[float, float], radii: tuple[float, float], points: int = 40) -> np.ndarray:
    turn = np.linspace(0, 2 * np.pi, points)
    return np.stack([centre[0] + radii[0] * np.cos(turn), centre[1] + radii[1] * np.sin(turn)], axis=1)


def test_reads_each_freehand_stroke_of_the_canvas():
    strokes = canvas_strokes(CANVAS_JSON)
    assert len(strokes) == 2
    curve, click = strokes
    assert curve.width == click.width == 18
    # The path starts at its "M" point and ends at its "L" point, with every curve sampled in between.
    assert curve.points[0] == pytest.approx([39.982, 39.982])
    assert curve.points[-1] == pytest.approx([59.982, 120.018])
    assert len(curve.points) > len(CANVAS_JSON["objects"][0]["path"])
    assert click.points.min(axis=0) == pytest.approx([149.982, 150], abs=1e-3)


def test_curves_are_sampled_on_the_quadratic_between_their_ends():
    path = {"type": "Path", "strokeWidth": 10, "path": [["M", 0, 0], ["Q", 10, 0, 10, 10]]}
    points = canvas_strokes({"objects": [path]})[0].points
    assert points[0] == pytest.approx([0, 0]) and points[-1] == pytest.approx([10, 10])
    # Halfway along a quadratic Bezier: a quarter of each end plus half of the control point.
    assert (7.5, 2.5) in [tuple(point) for point in points.tolist()]


def test_an_empty_canvas_has_no_strokes():
    assert canvas_strokes({"version": "7.4.0", "objects": []}) == []


@pytest.mark.parametrize(
    "json_data",
    [
        None,
        {},
        {"objects": None},
        {"objects": [{"type": "rect", "strokeWidth": 3, "left": 10}]},
        {"objects": [{"type": "Path", "strokeWidth": 18, "scaleX": 2, "path": [["M", 1, 1], ["L", 5, 5]]}]},
        {"objects": [{"type": "Path", "strokeWidth": 18, "path": [["C", 1, 1, 2, 2, 3, 3]]}]},
        {"objects": [{"type": "Path", "strokeWidth": 18, "path": [["M", "x", 1]]}]},
        {"objects": [{"type": "Path", "strokeWidth": 0, "path": [["M", 1, 1], ["L", 5, 5]]}]},
        {"objects": [{"type": "Path", "strokeWidth": 18, "path": []}]},
    ],
)
def test_strokes_that_cannot_be_read_give_none(json_data):
    """The draw page then reads the canvas's picture instead."""
    assert canvas_strokes(json_data) is None


def test_the_redrawing_pen_follows_the_drawing_size():
    small = [Stroke(ellipse((40, 40), (15, 25)), 18.0)]
    large = [Stroke(ellipse((140, 140), (60, 100)), 18.0)]
    thin = [Stroke(ellipse((140, 140), (60, 100)), 5.0)]
    assert redraw_pen(small) == pytest.approx(max(REDRAW_PEN_SHARE * 50, MIN_REDRAW_PEN), rel=0.01)
    assert redraw_pen(large) == pytest.approx(REDRAW_PEN_SHARE * 200, rel=0.01)
    assert redraw_pen(thin) == 5.0  # never wider than the pen drawn with


def test_a_small_loop_closed_by_a_wide_pen_stays_open_when_redrawn():
    """A small 0 in a corner with the default pen: its picture is nearly solid, its strokes are not."""
    small_zero = [Stroke(ellipse((30, 35), (9, 16)), 18.0)]
    picture = np.dstack([np.rint(255 * (1 - pen_coverage(small_zero)))] * 3 + [np.full((280, 280), 255)])
    closed = preprocess_canvas(picture.astype(np.uint8)).image
    opened = preprocess_canvas(redraw_strokes(small_zero)).image
    assert hole_area(closed[None]) == 0
    assert hole_area(opened[None]) >= 20


def test_redrawing_is_black_on_white_on_the_whole_canvas():
    canvas = redraw_strokes([Stroke(np.array([[50.0, 50.0], [200.0, 220.0]]), 18.0)])
    assert canvas.shape == (CANVAS_SIZE, CANVAS_SIZE, 4) and canvas.dtype == np.uint8
    assert (canvas[..., 3] == 255).all() and canvas[0, 0, :3].tolist() == [255, 255, 255]
    assert canvas[..., :3].min() == 0


def test_a_digit_redrawn_from_its_strokes_ignores_the_colours_and_thins_the_pen():
    digit = PenDigit(0, 1, (ellipse((250, 250), (120, 200)).astype(np.float32),))
    where = {"digit_size": 0.3, "centre": (0.2, 0.2), "stroke_width": 18}
    plain = redraw_digit(digit, **where)
    assert np.array_equal(plain, redraw_digit(digit, **where, ink=(250, 250, 250), background=(0, 0, 0, 0)))
    # The same strokes as the picture, drawn with a thinner pen: the ink's box shrinks by the difference.
    pen = redraw_pen(digit_strokes(digit, **where))
    top, left, bottom, right = preprocess_canvas(render_digit(digit, **where)).bbox
    redrawn_top, redrawn_left, redrawn_bottom, redrawn_right = preprocess_canvas(plain).bbox
    assert pen < 18
    assert (redrawn_bottom - redrawn_top) == pytest.approx(bottom - top - (18 - pen), abs=2)
