"""Pen drawings put on the drawing canvas the way a person draws them there: placed and sized, drawn with a
pen of some width and colours, and returned as the canvas returns a drawing (its strokes and its picture).

The benchmark conditions (`CONDITIONS`) name the ways a drawing can reach the app: centred, large, small in a
corner, off-centre, with a thin or a thick pen, in colours, on a transparent background.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from digitlab.config import CANVAS_SIZE, DEFAULT_STROKE_WIDTH
from digitlab.drawing import BLACK, TRANSPARENT, WHITE, Stroke, stroke_picture
from digitlab.drawn.drawings import PenDrawing

# Chaikin corner-cutting rounds; its limit is the quadratic B-spline a canvas brush draws through its points.
SMOOTHING_ROUNDS = 3

# Rendering parameters of each benchmark condition (see `draw_on_canvas`). `digit_size` is the ink's longer
# side as a share of the canvas; `centre` is the ink box's centre as shares of the canvas (x, y).
CONDITIONS: dict[str, dict] = {
    "centred": {"digit_size": 0.70, "centre": (0.50, 0.50)},
    "large": {"digit_size": 0.95, "centre": (0.50, 0.50)},
    "small_corner": {"digit_size": 0.25, "centre": (0.20, 0.20)},
    "off_centre": {"digit_size": 0.50, "centre": (0.68, 0.34)},
    "thin_stroke": {"digit_size": 0.70, "stroke_width": 7},
    "thick_stroke": {"digit_size": 0.70, "stroke_width": 38},
    "light_on_dark": {"digit_size": 0.70, "ink": (245, 245, 245), "background": (24, 26, 36, 255)},
    "coloured": {"digit_size": 0.70, "ink": (30, 70, 200), "background": (255, 236, 170, 255)},
    "transparent": {"digit_size": 0.70, "background": TRANSPARENT},
}
# Random jitter of `jitter_params`: relative size and stroke width, and centre shift (share of canvas).
SIZE_JITTER = 0.05
STROKE_JITTER = 0.10
CENTRE_JITTER = 0.03


@dataclass(frozen=True)
class CanvasDrawing:
    """A drawing as the canvas returns it: its strokes in canvas pixels (with the user's pen) and, drawn from
    them on first use, its picture."""

    strokes: list[Stroke]
    shape: tuple[int, int] = (CANVAS_SIZE, CANVAS_SIZE)
    ink: tuple[int, int, int] = BLACK
    background: tuple[int, int, int, int] = field(default=WHITE)

    @cached_property
    def picture(self) -> np.ndarray:
        """uint8 (height, width, 4) RGBA: the strokes painted in the ink over the background."""
        return stroke_picture(self.strokes, self.shape, self.ink, self.background)


def draw_on_canvas(
    drawing: PenDrawing,
    canvas_size: int = CANVAS_SIZE,
    ink: tuple[int, int, int] = BLACK,
    background: tuple[int, int, int, int] = WHITE,
    **placement,
) -> CanvasDrawing:
    """A pen drawing drawn on a square canvas like the canvas brush draws it, placed by `place_strokes`'s
    `placement` (digit_size, centre, stroke_width); `background` is RGBA, and alpha 0 gives a transparent canvas
    whose alpha channel carries the ink."""
    strokes = place_strokes(drawing, canvas_size, **placement)
    return CanvasDrawing(strokes, (canvas_size, canvas_size), tuple(ink), tuple(background))


def place_strokes(
    drawing: PenDrawing,
    canvas_size: int = CANVAS_SIZE,
    digit_size: float = 0.7,
    centre: tuple[float, float] = (0.5, 0.5),
    stroke_width: float = DEFAULT_STROKE_WIDTH,
) -> list[Stroke]:
    """The drawing's strokes, smoothed like a canvas brush, in canvas pixels.

    Args:
        digit_size: the ink's longer side (stroke width included) as a share of canvas_size; the aspect
            ratio is kept.
        centre: the centre of the ink's bounding box as shares (x, y) of the canvas.
        stroke_width: the pen's width in pixels.
    """
    left, top, right, bottom = drawing.bounds()
    # Scale the centre line so that line plus pen fill `digit_size`; place the ink box's centre at `centre`.
    path_side = max(canvas_size * digit_size - stroke_width, 1.0)
    scale = path_side / max(right - left, bottom - top, 1e-6)
    offset = np.array(centre) * canvas_size - scale * np.array([left + right, top + bottom]) / 2
    return [Stroke(smooth_stroke(stroke) * scale + offset, stroke_width) for stroke in drawing.strokes]


def smooth_stroke(points: np.ndarray, rounds: int = SMOOTHING_ROUNDS) -> np.ndarray:
    """Chaikin-smooth a polyline float (n, 2) -> float32 (m, 2), keeping both end points.

    A canvas brush draws quadratic curves through the midpoints of its sampled points; Chaikin's
    corner cutting converges to that same curve.
    """
    points = np.asarray(points, dtype=np.float32)
    for _ in range(rounds):
        if len(points) < 3:
            break
        start, end = points[:-1], points[1:]
        cut = np.empty((2 * len(start), 2), dtype=np.float32)
        cut[0::2] = 0.75 * start + 0.25 * end
        cut[1::2] = 0.25 * start + 0.75 * end
        points = np.concatenate([points[:1], cut[1:-1], points[-1:]])
    return points


def jitter_params(params: Mapping, rng: np.random.Generator) -> dict:
    """Drawing parameters with size and stroke width scaled by a few percent and the centre nudged."""
    x, y = params.get("centre", (0.5, 0.5))
    size, width, dx, dy = rng.uniform(-1, 1, size=4)
    return {
        **params,
        "digit_size": params.get("digit_size", 0.7) * (1 + SIZE_JITTER * size),
        "stroke_width": params.get("stroke_width", DEFAULT_STROKE_WIDTH) * (1 + STROKE_JITTER * width),
        "centre": (x + CENTRE_JITTER * dx, y + CENTRE_JITTER * dy),
    }


def draw_condition(drawing: PenDrawing, name: str, rng: np.random.Generator | None = None) -> CanvasDrawing:
    """A drawing on the canvas under the named benchmark condition, with small random jitter when `rng` is given."""
    params = CONDITIONS[name]
    return draw_on_canvas(drawing, **(jitter_params(params, rng) if rng is not None else params))
