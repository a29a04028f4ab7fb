"""The draw page's whole path, from what the drawing canvas returns to the image the model reads.

The canvas returns its picture and its strokes (fabric.js JSON). Where the strokes can be read, they are drawn
again with a pen in proportion to the drawing (`digitlab.drawing.with_reading_pen`), so a small digit keeps
the loops that a wide pen closes in the picture; then comes the MNIST procedure of `digitlab.preprocess`.
The picture is the fallback, for a canvas whose JSON cannot be read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from digitlab.config import CANVAS_SIZE
from digitlab.drawing import Stroke, canvas_strokes, pen_coverage, reading_pen, with_reading_pen
from digitlab.preprocess import Preprocessed, preprocess_canvas, preprocess_ink, scale_ink


def read_drawing(
    image_data: np.ndarray | None,
    json_data: Mapping | None,
    shape: tuple[int, int] | None = None,
) -> Preprocessed | None:
    """What the canvas returned -> the prepared steps the model reads; None for an empty canvas.

    Args:
        image_data: the canvas's picture, uint8 (H, W, 4) RGBA, or None when it was not sent.
        json_data: the canvas's fabric.js JSON, or None.
        shape: (height, width) of the canvas in pixels, for strokes without a picture (default: the
            picture's shape, else the draw page's square canvas).
    """
    if shape is None:
        shape = image_data.shape[:2] if image_data is not None else (CANVAS_SIZE, CANVAS_SIZE)
    strokes = canvas_strokes(json_data)
    if strokes:
        return read_strokes(strokes, shape)
    return preprocess_canvas(image_data) if image_data is not None else None


def read_strokes(strokes: Sequence[Stroke], shape: tuple[int, int] = (CANVAS_SIZE, CANVAS_SIZE)) -> Preprocessed | None:
    """Strokes in canvas pixels -> the prepared steps, drawn with the reading pen; None without ink."""
    if not strokes:
        return None
    # The pen's coverage is the ink: what reading the black-on-white picture of it would find, without painting
    # and reading back the whole canvas.
    steps = preprocess_ink(scale_ink(pen_coverage(with_reading_pen(strokes), shape)))
    return None if steps is None else replace(steps, reading_pen=reading_pen(strokes), strokes=len(strokes))
