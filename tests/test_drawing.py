"""The canvas's strokes: read from its JSON, made by its pencil, and drawn with a pen in proportion to the drawing."""

import json

import numpy as np
import pytest

from digitlab.config import CANVAS_SIZE, MIN_READING_PEN, READING_PEN_SHARE, ROOT_DIR
from digitlab.drawing import (
    Stroke,
    canvas_strokes,
    is_tap,
    pen_coverage,
    pencil_json,
    pencil_path,
    reading_pen,
    stroke_picture,
    with_reading_pen,
)
from digitlab.preprocess import preprocess_canvas
from tests.conftest import ellipse, hole_area

# What streamlit-drawable-canvas 0.13 sent for two strokes drawn in Chromium: a curve, then a click.
CANVAS_JSON = json.loads((ROOT_DIR / "tests" / "data" / "canvas_two_strokes.json").read_text())


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


def test_the_reading_pen_follows_the_drawing_size():
    small = [Stroke(ellipse((40, 40), (15, 25)), 18.0)]
    large = [Stroke(ellipse((140, 140), (60, 100)), 18.0)]
    thin = [Stroke(ellipse((140, 140), (60, 100)), 5.0)]
    assert reading_pen(small) == pytest.approx(max(READING_PEN_SHARE * 50, MIN_READING_PEN), rel=0.01)
    assert reading_pen(large) == pytest.approx(READING_PEN_SHARE * 200, rel=0.01)
    assert reading_pen(thin) == 5.0  # never wider than the pen drawn with
    assert [stroke.width for stroke in with_reading_pen(large)] == [pytest.approx(READING_PEN_SHARE * 200, rel=0.01)]


def test_a_small_loop_closed_by_a_wide_pen_stays_open_with_the_reading_pen():
    """A small 0 in a corner with the default pen: its picture is nearly solid, its strokes are not."""
    small_zero = [Stroke(ellipse((30, 35), (9, 16)), 18.0)]
    closed = preprocess_canvas(stroke_picture(small_zero)).image
    opened = preprocess_canvas(stroke_picture(with_reading_pen(small_zero))).image
    assert hole_area(closed[None]) == 0
    assert hole_area(opened[None]) >= 20


def test_a_stroke_picture_paints_ink_over_the_background_of_any_shape():
    canvas = stroke_picture([Stroke(np.array([[50.0, 50.0], [200.0, 120.0]]), 18.0)], shape=(140, 300))
    assert canvas.shape == (140, 300, 4) and canvas.dtype == np.uint8
    assert (canvas[..., 3] == 255).all() and canvas[0, 0, :3].tolist() == [255, 255, 255]
    assert canvas[..., :3].min() == 0
    coloured = stroke_picture([Stroke(np.array([[50.0, 50.0], [60.0, 60.0]]), 9.0)], ink=(30, 70, 200))
    assert (30, 70, 200, 255) in {tuple(pixel) for pixel in coloured.reshape(-1, 4)}


def test_pen_coverage_is_antialiased_and_stays_inside_the_canvas():
    coverage = pen_coverage([Stroke(np.array([[-20.0, 10.0], [400.0, 10.0]]), 6.0)])
    assert coverage.shape == (CANVAS_SIZE, CANVAS_SIZE)
    assert coverage.max() == 1.0 and ((coverage > 0) & (coverage < 1)).any()
    assert coverage[:, 0].max() == 1.0 and coverage[:, -1].max() == 1.0


def test_the_pencil_reproduces_the_path_the_real_canvas_sent():
    """The captured stroke's pointer positions are its curves' control points (plus one dropped by decimation)."""
    sent = CANVAS_JSON["objects"][0]
    pointer = [command[1:3] for command in sent["path"] if command[0] == "Q"] + [[59, 119], [60, 120]]
    assert pencil_path(np.array(pointer, dtype=float), sent["strokeWidth"]) == sent["path"]


def test_a_click_without_moving_is_a_dot():
    path = pencil_path(np.array([[150.0, 150.0]]), 18)
    assert path == [["M", 149.982, 150.0], ["L", 150.018, 150.0]]
    (dot,) = canvas_strokes(pencil_json([Stroke(np.array([[150.0, 150.0]]), 18)]))
    assert dot.points.min(axis=0) == pytest.approx([149.982, 150.0])


def test_a_stroke_that_barely_moves_is_a_tap():
    assert is_tap(Stroke(np.array([[150.0, 150.0]]), 18))  # a click
    assert is_tap(Stroke(np.array([[150.0, 150.0], [154.0, 155.0], [151.0, 157.0]]), 18))  # a finger's wobble
    assert not is_tap(Stroke(np.array([[150.0, 150.0], [154.0, 155.0], [151.0, 157.0]]), 6))  # wider than a thin pen
    assert not is_tap(Stroke(np.array([[150.0, 150.0], [150.0, 175.0]]), 18))  # a short line: a 1 drawn small
    assert not is_tap(Stroke(ellipse((30, 35), (9, 16)), 18))  # a small 0 with the default pen
    assert not is_tap(Stroke(ellipse((30, 35), (15, 20)), 40))  # a small 0 with the thickest pen
    assert not is_tap(Stroke(np.array([[150.0, 150.0], [150.0, 162.0]]), 40))  # a small 1 with the thickest pen


def test_pencil_json_reads_back_as_the_same_strokes():
    pointer = [Stroke(ellipse((100, 100), (30, 50)).round(), 12.0), Stroke(np.array([[20.0, 20.0], [60.0, 30.0]]), 7)]
    strokes = canvas_strokes(pencil_json(pointer))
    assert [stroke.width for stroke in strokes] == [12.0, 7.0]
    for drawn, read in zip(pointer, strokes, strict=True):
        # The pencil's curves pass through the midpoints between pointer positions: close to the pointer's path.
        t = np.linspace(0, 1, 20)[:, None, None]
        path = (drawn.points[:-1] * (1 - t) + drawn.points[1:] * t).reshape(-1, 2)
        distances = np.linalg.norm(read.points[:, None] - path[None], axis=-1).min(axis=1)
        assert distances.max() < 3
