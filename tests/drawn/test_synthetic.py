"""Generated non-digit drawings."""

import numpy as np
import pytest

from digitlab.drawn.canvas import draw_on_canvas
from digitlab.drawn.drawings import NOT_A_DIGIT
from digitlab.drawn.pendigits import PEN_BOX
from digitlab.drawn.synthetic import (
    GENERATORS,
    HELD_OUT_GLYPHS,
    TRAINING_GLYPHS,
    TRAINING_KINDS,
    as_pen_drawing,
    densify,
    make_nondigits,
)
from digitlab.preprocess import canvas_to_mnist


@pytest.mark.parametrize("kind", list(GENERATORS))
def test_every_kind_renders_as_a_drawing(kind):
    for drawing in make_nondigits(kind, 5, seed=1):
        points = np.concatenate(drawing.strokes)
        assert points.min() >= -1e-3 and points.max() <= PEN_BOX + 1e-3
        image = canvas_to_mnist(draw_on_canvas(drawing, canvas_size=140, stroke_width=9).picture)
        assert image is not None and image.shape == (28, 28)


def test_generation_is_reproducible():
    first, second = make_nondigits("scribble", 3, seed=7), make_nondigits("scribble", 3, seed=7)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(np.concatenate(a.strokes), np.concatenate(b.strokes))


def test_held_out_glyphs_are_never_trained_on():
    assert not set(HELD_OUT_GLYPHS) & set(TRAINING_GLYPHS)
    assert "held_out_glyph" not in TRAINING_KINDS and set(TRAINING_KINDS) < set(GENERATORS)


def test_each_drawing_knows_its_kind():
    assert {drawing.kind for drawing in make_nondigits("zigzag", 3, seed=1)} == {"zigzag"}


def test_densify_keeps_the_polyline():
    line = np.array([(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)])
    dense = densify(line, per_segment=4)
    assert len(dense) == 9
    np.testing.assert_allclose(dense[[0, 4, 8]], line)


def test_as_pen_drawing_fits_the_pen_box_keeping_shape():
    drawing = as_pen_drawing([np.array([(10.0, 10.0), (30.0, 20.0)])])
    points = np.concatenate(drawing.strokes)
    assert points[:, 0].max() == pytest.approx(PEN_BOX) and points[:, 1].max() == pytest.approx(PEN_BOX / 2)
    assert drawing.label == NOT_A_DIGIT and drawing.kind == "generated"
