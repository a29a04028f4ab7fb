"""The draw page's whole path: what the canvas returns -> the prepared model input."""

import json

import numpy as np
import pytest

import digitlab
from digitlab.config import ROOT_DIR
from digitlab.drawing import Stroke, canvas_strokes, pencil_json, reading_pen, stroke_picture
from digitlab.preprocess import preprocess_canvas
from digitlab.reading import read_drawing, read_strokes
from tests.conftest import ellipse, hole_area

CANVAS_JSON = json.loads((ROOT_DIR / "tests" / "data" / "canvas_two_strokes.json").read_text())


def test_read_drawing_is_the_package_entry_point():
    assert digitlab.read_drawing is read_drawing


def test_an_empty_canvas_reads_as_nothing():
    assert read_drawing(None, None) is None
    assert read_drawing(None, {"version": "7.4.0", "objects": []}) is None
    assert read_drawing(np.full((280, 280, 4), 255, np.uint8), {"objects": []}) is None


def test_strokes_are_read_with_the_reading_pen_and_say_so():
    strokes = canvas_strokes(CANVAS_JSON)
    steps = read_drawing(None, CANVAS_JSON)
    assert steps.image.shape == (28, 28) and steps.image.dtype == np.float32
    assert steps.reading_pen == pytest.approx(reading_pen(strokes))
    assert steps.ink.shape == (280, 280)


def test_strokes_win_over_the_picture():
    picture = stroke_picture([Stroke(np.array([[10.0, 10.0], [270.0, 270.0]]), 18)])
    from_strokes = read_drawing(picture, CANVAS_JSON)
    np.testing.assert_array_equal(from_strokes.image, read_drawing(None, CANVAS_JSON).image)


def test_unreadable_strokes_fall_back_to_the_picture():
    picture = stroke_picture([Stroke(ellipse((140, 140), (60, 100)), 18)])
    steps = read_drawing(picture, {"objects": [{"type": "rect"}]})
    assert steps.reading_pen is None
    np.testing.assert_array_equal(steps.image, preprocess_canvas(picture).image)
    assert read_drawing(None, {"objects": [{"type": "rect"}]}) is None


def test_a_canvas_of_any_shape_is_read():
    wide = pencil_json([Stroke(np.array([[600.0, 40.0], [600.0, 160.0]]), 12)])
    steps = read_drawing(None, wide, shape=(200, 700))
    assert steps.ink.shape == (200, 700) and steps.bbox[1] > 580
    assert read_drawing(np.zeros((200, 700, 4), np.uint8), wide).ink.shape == (200, 700)


def test_a_small_zero_drawn_with_a_wide_pen_keeps_its_loop():
    zero = [Stroke(ellipse((30, 35), (9, 16)).round(), 18.0)]
    assert hole_area(read_strokes(zero).image[None]) >= 20
    assert hole_area(preprocess_canvas(stroke_picture(zero)).image[None]) == 0
