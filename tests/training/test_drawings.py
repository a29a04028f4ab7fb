"""Digits drawn from handwriting-style stroke templates (training data for styles MNIST lacks), and the
training images made from pen drawings."""

import numpy as np
import pytest

from digitlab.drawn.canvas import draw_on_canvas
from digitlab.drawn.synthetic import as_pen_drawing
from digitlab.preprocess import canvas_to_mnist
from digitlab.training.drawings import render_nondigit_images, render_styled_digits
from digitlab.training.templates import STYLES, styled_digit_strokes
from tests.conftest import hole_area


@pytest.mark.parametrize("digit", range(10))
def test_every_style_of_every_digit_draws_a_digit_sized_mark(digit):
    rng = np.random.default_rng(digit)
    for _ in range(3 * len(STYLES[digit])):
        drawing = as_pen_drawing(styled_digit_strokes(digit, rng))
        image = canvas_to_mnist(draw_on_canvas(drawing, canvas_size=140, stroke_width=10).picture)
        assert image is not None
        rows = np.flatnonzero(image.any(axis=1))
        assert rows[-1] - rows[0] + 1 >= 12  # upright digits: taller than a dash


def test_rendered_styled_digits_are_balanced_and_follow_the_input_contract():
    images, labels = render_styled_digits(40, seed=0)
    assert images.shape == (40, 28, 28) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1
    assert np.bincount(labels, minlength=10).tolist() == [4] * 10


def test_styled_digits_are_reproducible():
    first, _ = render_styled_digits(10, seed=4)
    second, _ = render_styled_digits(10, seed=4)
    np.testing.assert_array_equal(first, second)


def test_pen_range_sets_how_thick_the_styled_digits_are_drawn():
    thin, labels = render_styled_digits(30, seed=2, pen_range=(0.05, 0.06))
    thick, same_labels = render_styled_digits(30, seed=2, pen_range=(0.36, 0.38))
    assert labels.tolist() == same_labels.tolist()
    assert hole_area(thick) < 0.7 * hole_area(thin)  # a thick pen on a small digit closes its loops


def test_rendered_nondigit_images_follow_the_model_input_contract():
    images = render_nondigit_images(12, seed=3)
    assert images.shape == (12, 28, 28) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1
