"""Pen strokes on a canvas: read them from the drawing canvas's JSON, and draw them with a round pen.

The drawing canvas sends two things after every stroke: the picture, and the strokes themselves (the
pointer's path, in its fabric.js JSON). A digit drawn small with the default pen is mostly pen in the
picture: its loops close up and its strokes merge, and no preprocessing can open them again. From the
strokes the draw page draws the digit again with a pen in proportion to its size (`with_reading_pen`),
which loses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from digitlab.config import CANVAS_SIZE, MIN_READING_PEN, READING_PEN_SHARE, TAP_SIDE

# Drawing at this many times the canvas resolution, then averaging down, anti-aliases the strokes.
SUPERSAMPLING = 4
# Points sampled along each quadratic curve of a canvas path (its end point included).
CURVE_POINTS = 4
BLACK = (0, 0, 0)
WHITE = (255, 255, 255, 255)
TRANSPARENT = (0, 0, 0, 0)
# A path's own position and size in the canvas JSON, which reading its points relies on being untransformed.
_IDENTITY = {"scaleX": 1, "scaleY": 1, "angle": 0, "skewX": 0, "skewY": 0}
# The canvas's pencil (fabric.js 7's PencilBrush) drops pointer positions closer than this to the last one kept.
PENCIL_DECIMATE = 0.4
FABRIC_VERSION = "7.4.0"


@dataclass(frozen=True)
class Stroke:
    """One stroke of a round pen: the path of the pen's centre and the pen's width, in canvas pixels."""

    points: np.ndarray  # float (n, 2) of (x, y), y pointing down
    width: float


def canvas_strokes(json_data: Mapping | None) -> list[Stroke] | None:
    """The freehand strokes in the drawing canvas's JSON, in drawing order; None when they cannot be read.

    Only untransformed freehand paths (what the canvas's free-draw mode makes) are read; anything else
    (another kind of object, a moved or scaled path, a malformed JSON) gives None, and the caller reads
    the picture instead. An empty canvas gives [].
    """
    try:
        objects = json_data["objects"]
        return [_path_stroke(item) for item in objects]
    except (KeyError, TypeError, ValueError, IndexError):
        return None


def _path_stroke(item: Mapping) -> Stroke:
    """One fabric.js path object -> its Stroke; ValueError when it is not a plain freehand path."""
    if str(item["type"]).lower() != "path" or any(item.get(key, value) != value for key, value in _IDENTITY.items()):
        raise ValueError(f"not a freehand path: {item.get('type')!r}")
    commands = list(item["path"])
    if not commands or commands[0][0] != "M":
        raise ValueError("a path starts with a move")
    ends, controls = [], []
    for letter, *values in commands[1:]:
        if letter == "Q":
            controls.append(values[:2])
            ends.append(values[2:4])
        elif letter == "L":  # a straight line: a quadratic whose control point is its end
            controls.append(values[:2])
            ends.append(values[:2])
        else:
            raise ValueError(f"unexpected path command {letter!r}")
    start = np.array(commands[0][1:3], dtype=float)
    ends, controls = np.array(ends, dtype=float).reshape(-1, 2), np.array(controls, dtype=float).reshape(-1, 2)
    starts = np.vstack([start, ends])[:-1]
    # Each segment sampled at CURVE_POINTS steps along its quadratic Bezier, end point included.
    t = (np.arange(1, CURVE_POINTS + 1) / CURVE_POINTS)[None, :, None]
    curves = (1 - t) ** 2 * starts[:, None] + 2 * (1 - t) * t * controls[:, None] + t**2 * ends[:, None]
    points = np.vstack([start, curves.reshape(-1, 2)])
    width = float(item["strokeWidth"])
    if not np.isfinite(points).all() or not width > 0:
        raise ValueError("a path with a bad point or width")
    return Stroke(points, width)


def pencil_json(pointer_paths: Sequence[Stroke]) -> dict:
    """The canvas's JSON for strokes drawn with its pencil: each Stroke holds the pointer positions of one stroke
    (as the browser reports them, in canvas pixels) and the pen's width. See `pencil_path`."""
    objects = [
        {"type": "Path", "version": FABRIC_VERSION, "stroke": "#000000", "strokeWidth": stroke.width,
         "strokeLineCap": "round", "strokeLineJoin": "round", "fill": None, "scaleX": 1, "scaleY": 1, "angle": 0,
         "skewX": 0, "skewY": 0, "path": pencil_path(stroke.points, stroke.width)}
        for stroke in pointer_paths
    ]  # fmt: skip
    return {"version": FABRIC_VERSION, "objects": objects}


def pencil_path(pointer: np.ndarray, width: float) -> list[list]:
    """The path fabric.js's pencil makes of one stroke's pointer positions float (n, 2): quadratic curves through
    the midpoints of the positions, as its PencilBrush builds them (the first position doubled at pointer-down,
    repeats dropped, positions within PENCIL_DECIMATE px of the last kept one dropped, ends nudged by a
    thousandth of the pen's width)."""
    points = [tuple(point) for point in np.asarray(pointer, dtype=float).tolist()]
    pressed = [points[0], points[0]]
    for point in points[1:]:
        if point != pressed[-1]:
            pressed.append(point)
    kept = _decimate(pressed)
    correction = width / 1000
    first, second = kept[0], kept[1]
    many = len(kept) > 2
    sign = [_sign(kept[2][axis] - second[axis]) if many else (1, 0)[axis] for axis in (0, 1)]
    path = [["M", first[0] - sign[0] * correction, first[1] - sign[1] * correction]]
    for start, end in zip(kept[:-1], kept[1:], strict=True):
        if start != end:
            path.append(["Q", start[0], start[1], (start[0] + end[0]) / 2, (start[1] + end[1]) / 2])
    last = kept[-1]
    sign = [_sign(last[axis] - kept[-2][axis]) if many else (1, 0)[axis] for axis in (0, 1)]
    path.append(["L", last[0] + sign[0] * correction, last[1] + sign[1] * correction])
    return path


def _decimate(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """fabric.js's `decimatePoints`, quirk included: it never keeps the second-to-last point."""
    if len(points) <= 2:
        return points
    kept = [points[0]]
    for point in points[1:-2]:
        if (kept[-1][0] - point[0]) ** 2 + (kept[-1][1] - point[1]) ** 2 >= PENCIL_DECIMATE**2:
            kept.append(point)
    return kept + [points[-1]]


def _sign(value: float) -> int:
    return (value > 0) - (value < 0)


def is_tap(stroke: Stroke) -> bool:
    """True for a tap: a stroke whose path spans no more than TAP_SIDE pixels and its pen's width, a dot with no
    shape."""
    return float((stroke.points.max(axis=0) - stroke.points.min(axis=0)).max()) <= min(stroke.width, TAP_SIDE)


def reading_pen(strokes: Sequence[Stroke]) -> float:
    """The widest pen the draw page reads non-empty strokes with: READING_PEN_SHARE of the drawing's longest
    side, at least MIN_READING_PEN pixels, and never wider than the pen they were drawn with."""
    points = np.concatenate([stroke.points for stroke in strokes])
    extent = float((points.max(axis=0) - points.min(axis=0)).max())
    return min(max(READING_PEN_SHARE * extent, MIN_READING_PEN), max(stroke.width for stroke in strokes))


def with_reading_pen(strokes: Sequence[Stroke]) -> list[Stroke]:
    """The same strokes, each drawn with a pen no wider than `reading_pen`."""
    pen = reading_pen(strokes) if strokes else 0.0
    return [Stroke(stroke.points, min(stroke.width, pen)) for stroke in strokes]


def stroke_picture(
    strokes: Sequence[Stroke],
    shape: tuple[int, int] = (CANVAS_SIZE, CANVAS_SIZE),
    ink: tuple[int, int, int] = BLACK,
    background: tuple[int, int, int, int] = WHITE,
) -> np.ndarray:
    """The strokes painted on a canvas of `shape` (height, width) -> uint8 (height, width, 4) RGBA."""
    return composite(pen_coverage(strokes, shape), ink, background)


def pen_coverage(strokes: Sequence[Stroke], shape: tuple[int, int] = (CANVAS_SIZE, CANVAS_SIZE)) -> np.ndarray:
    """How much of each pixel the strokes cover, anti-aliased: float32 `shape` (height, width) in [0, 1]."""
    coverage = np.zeros(shape, dtype=np.float32)
    if not strokes:
        return coverage
    # Draw only the region around the ink at high resolution: small drawings render much faster.
    points = np.concatenate([stroke.points for stroke in strokes])
    pad = max(stroke.width for stroke in strokes) / 2 + 2
    size = np.array(shape[::-1])  # (width, height), as the points are (x, y)
    low = np.floor(points.min(axis=0) - pad).clip(0, size).astype(int)
    high = np.ceil(points.max(axis=0) + pad).clip(0, size).astype(int)
    if np.any(high <= low):
        return coverage
    mask = Image.new("L", tuple(int(v) for v in (high - low) * SUPERSAMPLING), 0)
    pen = ImageDraw.Draw(mask)
    for stroke in strokes:
        _draw_round_polyline(pen, (stroke.points - low) * SUPERSAMPLING, stroke.width * SUPERSAMPLING / 2)
    reduced = mask.reduce(SUPERSAMPLING)  # box filter: each pixel is the share of its area under the pen
    coverage[low[1] : high[1], low[0] : high[0]] = np.asarray(reduced, dtype=np.float32) / 255.0
    return coverage


def composite(coverage: np.ndarray, ink: tuple[int, int, int], background: tuple[int, int, int, int]) -> np.ndarray:
    """Paint ink over a background: coverage float (H, W) in [0, 1] -> uint8 (H, W, 4) RGBA (straight alpha)."""
    levels = np.rint(np.clip(coverage, 0.0, 1.0) * 255).astype(np.uint8)
    return _colour_table(tuple(ink), tuple(background))[levels]


def _colour_table(ink: tuple[int, int, int], background: tuple[int, int, int, int]) -> np.ndarray:
    """uint8 (256, 4): the RGBA of ink at each coverage level 0..255 painted "over" the background."""
    cover = np.linspace(0.0, 1.0, 256)[:, None]
    back_rgb, back_alpha = np.array(background[:3], dtype=float), background[3] / 255.0
    alpha = cover + back_alpha * (1.0 - cover)
    premultiplied = np.array(ink, dtype=float) * cover + back_rgb * back_alpha * (1.0 - cover)
    rgb = np.where(alpha > 0, premultiplied / np.maximum(alpha, 1e-9), back_rgb)
    return np.rint(np.concatenate([rgb, alpha * 255.0], axis=-1)).clip(0, 255).astype(np.uint8)


def _draw_round_polyline(pen: ImageDraw.ImageDraw, points: np.ndarray, radius: float) -> None:
    """A polyline with a round pen: a disc at every vertex gives round caps and joins."""
    flat = [tuple(point) for point in points.tolist()]
    if len(flat) > 1:
        pen.line(flat, fill=255, width=max(1, round(2 * radius)))
    for x, y in flat:
        pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
