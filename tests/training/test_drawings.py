"""Training images from pen drawings, read exactly as the draw page reads a drawing; the style templates and the
generated non-digits they are drawn from."""

import numpy as np
import pytest

from digitlab.drawn.canvas import draw_on_canvas
from digitlab.drawn.drawings import NOT_A_DIGIT, PenDrawing
from digitlab.drawn.synthetic import TRAINING_KINDS, as_pen_drawing
from digitlab.reading import read_drawing
from digitlab.training.drawings import generated_nondigits, read_like_the_draw_page, render_drawings, styled_digits
from digitlab.training.templates import STYLES, styled_digit_strokes


@pytest.mark.parametrize("digit", range(10))
def test_every_style_of_every_digit_draws_a_digit_sized_mark(digit):
    rng = np.random.default_rng(digit)
    for _ in range(3 * len(STYLES[digit])):
        drawing = as_pen_drawing(styled_digit_strokes(digit, rng))
        image = read_drawing(None, draw_on_canvas(drawing, stroke_width=10).json_data).image
        rows = np.flatnonzero(image.any(axis=1))
        assert rows[-1] - rows[0] + 1 >= 12  # upright digits: taller than a dash


def test_styled_digits_are_balanced_labelled_and_reproducible():
    drawings = styled_digits(40, seed=0)
    assert np.bincount([d.label for d in drawings], minlength=10).tolist() == [4] * 10
    assert {d.kind for d in drawings} == {"template"}
    again = styled_digits(40, seed=0)
    assert all(np.array_equal(a.strokes[0], b.strokes[0]) for a, b in zip(drawings, again, strict=True))


def test_generated_nondigits_come_from_the_training_kinds():
    drawings = generated_nondigits(30, seed=1)
    assert {d.label for d in drawings} == {NOT_A_DIGIT} and {d.kind for d in drawings} <= set(TRAINING_KINDS)


def test_drawings_are_read_as_the_draw_page_reads_them_with_their_labels():
    drawings = [*styled_digits(10, seed=2), *generated_nondigits(5, seed=2)]
    images, labels = render_drawings(drawings, seed=3, copies=2)
    assert images.shape == (30, 28, 28) and images.dtype == np.float32 and 0 <= images.min() <= images.max() <= 1
    assert labels.tolist() == [*range(10), *[NOT_A_DIGIT] * 5] * 2
    assert not np.array_equal(images[0], images[15])  # each copy placed anew
    np.testing.assert_array_equal(images, render_drawings(drawings, seed=3, copies=2)[0])


def test_a_drawing_is_placed_anywhere_on_the_canvas_at_any_size():
    seven = PenDrawing(7, "test/1", (np.array([[0, 0], [40, 0], [15, 60]], np.float32),))
    rng = np.random.default_rng(0)
    images = [read_like_the_draw_page(seven, rng) for _ in range(5)]
    assert all(image is not None and image.shape == (28, 28) for image in images)
    # The draw page's preparation makes them alike wherever and however large they were drawn.
    assert min(np.corrcoef(images[0].ravel(), image.ravel())[0, 1] for image in images) > 0.8
