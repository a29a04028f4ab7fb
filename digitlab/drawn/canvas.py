"""Pen drawings put on the drawing canvas the way a person draws them there, and returned as the canvas returns
a drawing: its fabric.js JSON (the strokes) and its picture.

A pen trajectory is sampled sparsely (the development set every 100 ms); a mouse or a finger reports the
pointer far more often, and the canvas's pencil then draws quadratic curves through those positions. So a
drawing is placed and sized on the canvas, followed by a pointer (a smooth curve through the pen's samples,
reported every few pixels, in whole pixels as browsers report them) and drawn by the pencil's own rules
(`digitlab.drawing.pencil_json`). `python -m bench.harness_check` checks this against the real canvas in
Chromium.

The benchmark conditions (`CONDITIONS`) name the ways a drawing can reach the app: centred, large, small in a
corner, off-centre, with a thin or a thick pen, in colours, on a transparent background.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from digitlab.config import CANVAS_SIZE, DEFAULT_STROKE_WIDTH
from digitlab.drawing import BLACK, TRANSPARENT, WHITE, Stroke, canvas_strokes, pencil_json, stroke_picture
from digitlab.drawn.drawings import PenDrawing

# The pointer reports the pen's position about every this share of the drawing's longest side (a mouse or a
# finger at 60 Hz drawing a digit in about a second), and at least a pixel apart.
POINTER_SPACING = 0.04

# Drawing parameters of each benchmark condition (see `place_strokes`). `digit_size` is the ink's longer
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
    """A drawing as the canvas returns it: its fabric.js JSON and, made from it on first use, the strokes the
    JSON holds and the picture they paint in the ink over the background."""

    json_data: dict
    shape: tuple[int, int] = (CANVAS_SIZE, CANVAS_SIZE)
    ink: tuple[int, int, int] = BLACK
    background: tuple[int, int, int, int] = field(default=WHITE)

    @cached_property
    def strokes(self) -> list[Stroke]:
        return canvas_strokes(self.json_data)

    @cached_property
    def picture(self) -> np.ndarray:
        """uint8 (height, width, 4) RGBA."""
        return stroke_picture(self.strokes, self.shape, self.ink, self.background)


def draw_on_canvas(
    drawing: PenDrawing,
    canvas_size: int = CANVAS_SIZE,
    ink: tuple[int, int, int] = BLACK,
    background: tuple[int, int, int, int] = WHITE,
    **placement,
) -> CanvasDrawing:
    """A pen drawing drawn on a square canvas with the canvas's pencil, placed by `pointer_strokes`'s `placement`
    (digit_size, centre, stroke_width); `background` is RGBA, and alpha 0 gives a transparent canvas whose
    alpha channel carries the ink."""
    pointer = pointer_strokes(drawing, canvas_size, **placement)
    return draw_pointer_strokes(pointer, (canvas_size, canvas_size), ink, background)


def draw_pointer_strokes(
    pointer: Sequence[Stroke],
    shape: tuple[int, int],
    ink: tuple[int, int, int] = BLACK,
    background: tuple[int, int, int, int] = WHITE,
) -> CanvasDrawing:
    """Pointer strokes (of one drawing or of several side by side) drawn with the canvas's pencil on a canvas of
    any `shape` (height, width)."""
    return CanvasDrawing(pencil_json(pointer), tuple(shape), tuple(ink), tuple(background))


def pointer_strokes(
    drawing: PenDrawing,
    canvas_size: int = CANVAS_SIZE,
    digit_size: float = 0.7,
    centre: tuple[float, float] = (0.5, 0.5),
    stroke_width: float = DEFAULT_STROKE_WIDTH,
) -> list[Stroke]:
    """The pointer positions a browser reports while the drawing is drawn on the square canvas, one Stroke
    (positions in whole canvas pixels, without repeats, and the pen's width) per pen stroke.

    Args:
        digit_size: the ink's longer side (stroke width included) as a share of canvas_size; the aspect
            ratio is kept.
        centre: the centre of the ink's bounding box as shares (x, y) of the canvas.
        stroke_width: the pen's width in pixels.
    """
    side = canvas_size * digit_size
    return fitted_pointer_strokes(drawing, (side, side), np.array(centre) * canvas_size, stroke_width)


def fitted_pointer_strokes(
    drawing: PenDrawing, size: tuple[float, float], centre: Sequence[float], stroke_width: float
) -> list[Stroke]:
    """`pointer_strokes` on a canvas of any shape: the drawing's ink (path and pen) fitted into a box of `size`
    (width, height) in pixels, keeping its aspect ratio, with the ink box's centre at `centre` (x, y) in pixels."""
    paths = pointer_paths(drawing)
    points = np.concatenate(paths)
    (left, top), (right, bottom) = points.min(axis=0), points.max(axis=0)
    # Scale the pointer's path so that path plus pen fit the box; place the ink box's centre at `centre`.
    room = np.maximum(np.asarray(size, dtype=float) - stroke_width, 1.0)
    scale = float(np.min(room / np.maximum([right - left, bottom - top], 1e-6)))
    offset = np.asarray(centre, dtype=float) - scale * np.array([left + right, top + bottom]) / 2
    return [Stroke(_without_repeats(np.rint(path * scale + offset)), stroke_width) for path in paths]


def pointer_paths(drawing: PenDrawing) -> list[np.ndarray]:
    """Where the pointer goes while each stroke is drawn, in the drawing's units: a smooth curve through the pen's
    samples (centripetal Catmull-Rom) reported about every POINTER_SPACING of the drawing's longest side."""
    left, top, right, bottom = drawing.bounds()
    spacing = max(POINTER_SPACING * max(right - left, bottom - top), 1e-6)
    paths = []
    for stroke in drawing.strokes:
        samples = _without_repeats(np.asarray(stroke, dtype=float))
        paths.append(catmull_rom(samples, spacing) if len(samples) > 1 else samples)
    return paths


def catmull_rom(points: np.ndarray, spacing: float) -> np.ndarray:
    """A centripetal Catmull-Rom curve through float (n, 2) points, n >= 2, sampled about `spacing` apart along
    each segment, both ends included: it passes through every point without the loops of the uniform kind."""
    padded = np.vstack([2 * points[0] - points[1], points, 2 * points[-1] - points[-2]])
    p0, p1, p2, p3 = padded[:-3], padded[1:-2], padded[2:-1], padded[3:]
    # Knot intervals: the square root of each chord's length (centripetal parametrisation).
    d01, d12, d23 = (np.maximum(np.linalg.norm(b - a, axis=1) ** 0.5, 1e-6) for a, b in ((p0, p1), (p1, p2), (p2, p3)))
    steps = np.maximum(np.ceil(np.linalg.norm(p2 - p1, axis=1) / spacing), 1).astype(int)
    segment = np.repeat(np.arange(len(p1)), steps)
    u = (np.arange(steps.sum()) - np.repeat(np.cumsum(steps) - steps, steps)) / steps[segment]
    t0, t1 = -d01[segment], np.zeros_like(u)
    t2, t3 = d12[segment], (d12 + d23)[segment]
    t = (u * t2)[:, None]
    t0, t1, t2, t3 = (knot[:, None] for knot in (t0, t1, t2, t3))
    a, b, c, d = p0[segment], p1[segment], p2[segment], p3[segment]
    a1 = ((t1 - t) * a + (t - t0) * b) / (t1 - t0)
    a2 = ((t2 - t) * b + (t - t1) * c) / (t2 - t1)
    a3 = ((t3 - t) * c + (t - t2) * d) / (t3 - t2)
    b1 = ((t2 - t) * a1 + (t - t0) * a2) / (t2 - t0)
    b2 = ((t3 - t) * a2 + (t - t1) * a3) / (t3 - t1)
    curve = ((t2 - t) * b1 + (t - t1) * b2) / (t2 - t1)
    return np.vstack([curve, points[-1:]])


def _without_repeats(points: np.ndarray) -> np.ndarray:
    """float (n, 2) without points equal to the one before them."""
    keep = np.ones(len(points), bool)
    keep[1:] = np.any(points[1:] != points[:-1], axis=1)
    return points[keep]


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
