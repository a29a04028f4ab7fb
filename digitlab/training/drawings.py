"""Training images from pen drawings, read exactly as the draw page reads a drawing: each drawing put on the
canvas at a random size and place, drawn with the canvas's pencil and a pen of random width
(`digitlab.drawn.canvas`), and read from the canvas's JSON (`digitlab.reading.read_drawing`).

The drawings are real handwriting (UNIPEN digits; letters, symbols and gestures as non-digits), digits drawn
from style templates, and generated non-digits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from digitlab.config import CANVAS_SIZE, STROKE_WIDTH_RANGE
from digitlab.drawn.canvas import draw_on_canvas
from digitlab.drawn.drawings import NOT_A_DIGIT, PenDrawing
from digitlab.drawn.synthetic import GENERATORS, TRAINING_KINDS, as_pen_drawing
from digitlab.reading import read_drawing
from digitlab.training.templates import styled_digit_strokes

# The drawing's longer side as a share of the canvas: from a small mark in a corner to the whole canvas.
DRAWING_SIZES = (0.2, 0.95)


def read_like_the_draw_page(
    drawing: PenDrawing, rng: np.random.Generator, pens: tuple[float, float] | None = None
) -> np.ndarray | None:
    """The drawing at a random size and place on the draw page's canvas, with a pen of random width (`pens` as
    shares of the drawing's size, default the slider's range in pixels) -> float32 (28, 28) as the page reads
    it, or None when nothing was drawn."""
    size = rng.uniform(*DRAWING_SIZES)
    centre = tuple(rng.uniform(size / 2, 1 - size / 2, 2))
    pen = CANVAS_SIZE * size * rng.uniform(*pens) if pens else rng.uniform(*STROKE_WIDTH_RANGE)
    canvas = draw_on_canvas(drawing, CANVAS_SIZE, digit_size=size, centre=centre, stroke_width=pen)
    steps = read_drawing(None, canvas.json_data, canvas.shape)
    return None if steps is None else steps.image


def render_drawings(
    drawings: Sequence[PenDrawing], seed: int, copies: int = 1, pens: tuple[float, float] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each drawing read `copies` times, each time placed anew -> (float32 (M, 28, 28) in [0, 1], int labels (M,)
    with NOT_A_DIGIT for non-digits); a drawing that reads as nothing is left out."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for _ in range(copies):
        for drawing in drawings:
            image = read_like_the_draw_page(drawing, rng, pens)
            if image is not None:
                images.append(image)
                labels.append(drawing.label)
    if not images:
        return np.zeros((0, 28, 28), np.float32), np.zeros(0, int)
    return np.stack(images), np.array(labels)


def styled_digits(count: int, seed: int) -> list[PenDrawing]:
    """`count` digits drawn from the style templates (balanced classes), each bent at random like a hand would."""
    rng = np.random.default_rng(seed)
    return [
        as_pen_drawing(styled_digit_strokes(int(label), rng), label=int(label), kind="template")
        for label in np.arange(count) % 10
    ]


def generated_nondigits(count: int, seed: int, kinds: Sequence[str] = TRAINING_KINDS) -> list[PenDrawing]:
    """`count` generated non-digits of `kinds`, the kind of each drawn at random."""
    rng = np.random.default_rng(seed)
    return [
        as_pen_drawing(GENERATORS[kind](rng), label=NOT_A_DIGIT, kind=kind)
        for kind in (kinds[rng.integers(len(kinds))] for _ in range(count))
    ]
