"""The draw page's whole path, from what the drawing canvas returns to the image the model reads.

The canvas returns its picture and its strokes (fabric.js JSON). Where the strokes can be read, they are drawn
again with a pen in proportion to the drawing (`digitlab.drawing.with_reading_pen`), so a small digit keeps
the loops that a wide pen closes in the picture; then comes the MNIST procedure of `digitlab.preprocess`.
The picture is the fallback, for a canvas whose JSON cannot be read.

`ReadingOptions` turns parts of the path off, or reads the drawing the tutorials' way, to show what each part
is worth; its defaults are the draw page's path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from digitlab.config import CANVAS_SIZE
from digitlab.drawing import (
    Stroke,
    canvas_strokes,
    is_tap,
    pen_coverage,
    reading_pen,
    stroke_picture,
    with_reading_pen,
)
from digitlab.preprocess import (
    ALL_STEPS,
    Preprocessed,
    Steps,
    preprocess_canvas,
    preprocess_ink,
    resize_whole_canvas,
    scale_ink,
)


@dataclass(frozen=True)
class ReadingOptions:
    """How a drawing is read: the defaults are the draw page's path."""

    strokes: bool = True  # read the strokes, redrawn with the reading pen; off, the canvas's picture is read
    steps: Steps = ALL_STEPS  # which steps of the MNIST procedure run
    whole_canvas: bool = False  # instead of all the above, the tutorials' way: the whole picture resized


DRAW_PAGE = ReadingOptions()


def read_drawing(
    image_data: np.ndarray | None,
    json_data: Mapping | None,
    shape: tuple[int, int] | None = None,
    options: ReadingOptions = DRAW_PAGE,
) -> Preprocessed | None:
    """What the canvas returned -> the prepared steps the model reads; None for an empty canvas.

    Args:
        image_data: the canvas's picture, uint8 (H, W, 4) RGBA, or None when it was not sent.
        json_data: the canvas's fabric.js JSON, or None.
        shape: (height, width) of the canvas in pixels, for strokes without a picture (default: the
            picture's shape, else the draw page's square canvas).
        options: which parts of the path run (default: all of the draw page's).
    """
    if shape is None:
        shape = image_data.shape[:2] if image_data is not None else (CANVAS_SIZE, CANVAS_SIZE)
    if options.whole_canvas:
        picture = canvas_picture(image_data, json_data, shape)
        return None if picture is None else resize_whole_canvas(picture)
    strokes = canvas_strokes(json_data) if options.strokes else None
    if strokes:
        return read_strokes(strokes, shape, options.steps)
    if not options.strokes:
        image_data = canvas_picture(image_data, json_data, shape)
    return preprocess_canvas(image_data, options.steps) if image_data is not None else None


def read_strokes(
    strokes: Sequence[Stroke], shape: tuple[int, int] = (CANVAS_SIZE, CANVAS_SIZE), steps: Steps = ALL_STEPS
) -> Preprocessed | None:
    """Strokes in canvas pixels -> the prepared steps, drawn with the reading pen; None without ink."""
    if not strokes:
        return None
    # The pen's coverage is the ink: what reading the black-on-white picture of it would find, without painting
    # and reading back the whole canvas.
    prepared = preprocess_ink(scale_ink(pen_coverage(with_reading_pen(strokes), shape)), steps)
    if prepared is None:
        return None
    taps = all(map(is_tap, strokes))
    return replace(prepared, reading_pen=reading_pen(strokes), strokes=len(strokes), is_only_taps=taps)


def canvas_picture(
    image_data: np.ndarray | None, json_data: Mapping | None, shape: tuple[int, int] = (CANVAS_SIZE, CANVAS_SIZE)
) -> np.ndarray | None:
    """The canvas's picture, uint8 (H, W, 4): `image_data` when it was sent, else its strokes painted as the
    canvas paints them (black on white, each with its own pen); None for an empty canvas."""
    if image_data is not None:
        return image_data
    strokes = canvas_strokes(json_data)
    return stroke_picture(strokes, shape) if strokes else None
