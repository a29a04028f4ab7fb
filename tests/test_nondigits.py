"""Generated non-digit drawings and the redrawn training digits."""

import numpy as np
import pytest

from digitlab.nondigits import (
    GENERATORS,
    HELD_OUT_GLYPHS,
    TRAINING_GLYPHS,
    as_pen_drawing,
    densify,
    make_nondigits,
    render_nondigit_images,
    side_by_side_images,
)
from digitlab.pendigits import PEN_BOX, render_digit
from digitlab.preprocess import canvas_to_mnist
from digitlab.redraw import redraw_digit, redraw_images
from tests.conftest import hole_area


@pytest.mark.parametrize("kind", list(GENERATORS))
def test_every_kind_renders_as_a_drawing(kind):
    for drawing in make_nondigits(kind, 5, seed=1):
        points = np.concatenate(drawing.strokes)
        assert points.min() >= -1e-3 and points.max() <= PEN_BOX + 1e-3
        image = canvas_to_mnist(render_digit(drawing, canvas_size=140, stroke_width=9))
        assert image is not None and image.shape == (28, 28)


def test_generation_is_reproducible():
    first, second = make_nondigits("scribble", 3, seed=7), make_nondigits("scribble", 3, seed=7)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(np.concatenate(a.strokes), np.concatenate(b.strokes))


def test_held_out_glyphs_are_never_trained_on():
    assert not set(HELD_OUT_GLYPHS) & set(TRAINING_GLYPHS)


def test_densify_keeps_the_polyline():
    line = np.array([(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)])
    dense = densify(line, per_segment=4)
    assert len(dense) == 9
    np.testing.assert_allclose(dense[[0, 4, 8]], line)


def test_as_pen_drawing_fits_the_pen_box_keeping_shape():
    drawing = as_pen_drawing([np.array([(10.0, 10.0), (30.0, 20.0)])])
    points = np.concatenate(drawing.strokes)
    assert points[:, 0].max() == pytest.approx(PEN_BOX) and points[:, 1].max() == pytest.approx(PEN_BOX / 2)
    assert drawing.label == -1


def test_rendered_nondigit_images_follow_the_model_input_contract():
    images = render_nondigit_images(12, seed=3)
    assert images.shape == (12, 28, 28) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1


def test_side_by_side_digits_are_wide():
    digit = np.zeros((28, 28), np.float32)
    digit[4:24, 8:20] = 1.0  # a "0", 12 by 20
    digit[7:21, 11:17] = 0.0
    images = side_by_side_images(np.stack([digit] * 3), 4, seed=0)
    for image in images:
        cols = np.flatnonzero(image.any(axis=0))
        rows = np.flatnonzero(image.any(axis=1))
        assert cols[-1] - cols[0] > rows[-1] - rows[0]  # wider than tall: several digits in a row


def test_redrawn_digit_keeps_the_digit_and_the_input_contract():
    digit = np.zeros((28, 28), np.float32)
    digit[4:24, 12:15] = 1.0
    for pen in (0.05, 0.3):
        image = redraw_digit(digit, pen)
        assert image.shape == (28, 28) and 0 <= image.min() and image.max() <= 1
        rows = np.flatnonzero(image.any(axis=1))
        assert rows[-1] - rows[0] + 1 == 20  # fitted into the 20x20 box again


def test_redraw_images_is_seeded():
    digits = np.zeros((3, 28, 28), np.float32)
    digits[:, 6:22, 10:18] = 1.0
    np.testing.assert_array_equal(redraw_images(digits, seed=5), redraw_images(digits, seed=5))


def test_a_thick_pen_range_closes_the_small_loop_of_a_nine():
    nine = np.zeros((4, 28, 28), np.float32)
    rows, cols = np.ogrid[:28, :28]
    nine[:, (np.hypot(rows - 9, cols - 14) - 4) ** 2 < 1.5] = 1.0  # a small loop...
    nine[:, 9:25, 17:19] = 1.0  # ...on a long tail

    assert hole_area(redraw_images(nine, seed=1, elastic_probability=0, pen_range=(0.05, 0.06))) > 0
    assert hole_area(redraw_images(nine, seed=1, elastic_probability=0, pen_range=(0.4, 0.45))) == 0
