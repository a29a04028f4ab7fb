"""Training images from pen drawings: each drawing put on a canvas of random size, at a random place, with a
pen of random width, then prepared exactly like the app prepares a drawing."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from digitlab.drawn.canvas import draw_on_canvas
from digitlab.drawn.drawings import PenDrawing
from digitlab.drawn.synthetic import GENERATORS, TRAINING_KINDS, as_pen_drawing
from digitlab.preprocess import canvas_to_mnist
from digitlab.training.templates import TEMPLATE_PENS, styled_digit_strokes

# Styled digits: canvases of 64-200 px with the drawing 30-60 % of it (about 20 to 120 px): a thick pen must
# not cover most of the canvas, or the background would be read as ink.
STYLED_CANVASES, STYLED_SIZES = (64, 200), (0.3, 0.6)
# Generated non-digits: canvases of 64-128 px, the drawing 30-95 % of it, a pen 3-12 % of the canvas.
NONDIGIT_CANVASES, NONDIGIT_SIZES, NONDIGIT_PENS = (64, 128), (0.3, 0.95), (0.03, 0.12)


def random_canvas(rng: np.random.Generator, canvas_sizes: tuple[int, int], sizes: tuple[float, float]):
    """(canvas side in px, the drawing's size as a share of it), drawn at random."""
    return int(rng.integers(*canvas_sizes)), rng.uniform(*sizes)


def draw_placed(
    drawing: PenDrawing,
    rng: np.random.Generator,
    canvas_size: int,
    size: float,
    pen_scale: float,
    pens: tuple[float, float],
) -> np.ndarray | None:
    """The drawing at a random place of the canvas, with a pen `pen_scale` times a random share in `pens` wide
    -> float32 (28, 28) as the app reads its picture, or None when nothing was drawn."""
    centre = tuple(rng.uniform(size / 2, 1 - size / 2, 2))
    canvas = draw_on_canvas(
        drawing, canvas_size, digit_size=size, centre=centre, stroke_width=pen_scale * rng.uniform(*pens)
    )
    return canvas_to_mnist(canvas.picture)


def render_styled_digits(
    count: int, seed: int, pen_range: tuple[float, float] = TEMPLATE_PENS
) -> tuple[np.ndarray, np.ndarray]:
    """`count` styled digits (balanced classes), pens in `pen_range` (shares of the drawing's size)
    -> (float32 (count, 28, 28) in [0, 1], int labels)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % 10
    images = np.empty((count, 28, 28), np.float32)
    for index, label in enumerate(labels):
        canvas_size, size = random_canvas(rng, STYLED_CANVASES, STYLED_SIZES)
        drawing = as_pen_drawing(styled_digit_strokes(int(label), rng), label=int(label), kind="template")
        images[index] = draw_placed(drawing, rng, canvas_size, size, canvas_size * size, pen_range)
    return images, labels


def render_nondigit_images(count: int, seed: int, kinds: Sequence[str] = TRAINING_KINDS) -> np.ndarray:
    """`count` generated non-digits of `kinds` -> float32 (count, 28, 28) in [0, 1]."""
    rng = np.random.default_rng(seed)
    images = []
    while len(images) < count:
        drawing = as_pen_drawing(GENERATORS[kinds[rng.integers(len(kinds))]](rng))
        canvas_size, size = random_canvas(rng, NONDIGIT_CANVASES, NONDIGIT_SIZES)
        image = draw_placed(drawing, rng, canvas_size, size, canvas_size, NONDIGIT_PENS)
        if image is not None:
            images.append(image)
    return np.stack(images)
