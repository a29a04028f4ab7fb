"""Drawings that are not a digit, generated as pen strokes: scribbles, zigzags, crossed circles, letters,
shapes, filled blobs and several digits at once.

They teach the model to spread its confidence on non-digits (training kinds) and measure how often the
app flags them (all kinds; the held-out kinds are never seen in training).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from digitlab.drawn.drawings import NOT_A_DIGIT, PenDrawing
from digitlab.drawn.pendigits import PEN_BOX

# Letters and symbols as polylines in a unit box (x right, y down). None of them reads as a digit.
GLYPHS: dict[str, list[list[tuple[float, float]]]] = {
    "A": [[(0.0, 1.0), (0.5, 0.0), (1.0, 1.0)], [(0.22, 0.6), (0.78, 0.6)]],
    "E": [[(0.9, 0.0), (0.1, 0.0), (0.1, 1.0), (0.9, 1.0)], [(0.1, 0.5), (0.7, 0.5)]],
    "F": [[(0.9, 0.0), (0.1, 0.0), (0.1, 1.0)], [(0.1, 0.5), (0.7, 0.5)]],
    "H": [[(0.1, 0.0), (0.1, 1.0)], [(0.9, 0.0), (0.9, 1.0)], [(0.1, 0.5), (0.9, 0.5)]],
    "K": [[(0.1, 0.0), (0.1, 1.0)], [(0.9, 0.0), (0.1, 0.55), (0.9, 1.0)]],
    "M": [[(0.0, 1.0), (0.1, 0.0), (0.5, 0.6), (0.9, 0.0), (1.0, 1.0)]],
    "W": [[(0.0, 0.0), (0.25, 1.0), (0.5, 0.35), (0.75, 1.0), (1.0, 0.0)]],
    "X": [[(0.0, 0.0), (1.0, 1.0)], [(1.0, 0.0), (0.0, 1.0)]],
    "N": [[(0.1, 1.0), (0.1, 0.0), (0.9, 1.0), (0.9, 0.0)]],
    "R": [[(0.1, 1.0), (0.1, 0.0), (0.7, 0.05), (0.85, 0.25), (0.7, 0.45), (0.1, 0.5)], [(0.4, 0.5), (0.9, 1.0)]],
    "#": [
        [(0.35, 0.0), (0.25, 1.0)],
        [(0.75, 0.0), (0.65, 1.0)],
        [(0.0, 0.33), (1.0, 0.33)],
        [(0.0, 0.67), (1.0, 0.67)],
    ],
    "*": [[(0.5, 0.0), (0.5, 1.0)], [(0.07, 0.25), (0.93, 0.75)], [(0.93, 0.25), (0.07, 0.75)]],
    "arrow": [[(0.0, 0.5), (1.0, 0.5)], [(0.65, 0.15), (1.0, 0.5), (0.65, 0.85)]],
    "square": [[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]],
    "triangle": [[(0.5, 0.0), (1.0, 1.0), (0.0, 1.0), (0.5, 0.0)]],
    "star": [[(0.5, 0.0), (0.8, 1.0), (0.0, 0.38), (1.0, 0.38), (0.2, 1.0), (0.5, 0.0)]],
}
TRAINING_GLYPHS = ("A", "E", "F", "H", "K", "M", "W", "X", "square", "triangle")
HELD_OUT_GLYPHS = ("N", "R", "#", "*", "arrow", "star")


def scribble(rng: np.random.Generator) -> list[np.ndarray]:
    """A tangled random walk that turns a lot: a child's scribble."""
    steps = rng.integers(30, 60)
    angles = np.cumsum(rng.normal(0, 1.2, steps))
    lengths = rng.uniform(0.1, 0.3, steps)
    points = np.cumsum(np.stack([np.cos(angles), np.sin(angles)], axis=1) * lengths[:, None], axis=0)
    return [points]


def zigzag(rng: np.random.Generator) -> list[np.ndarray]:
    """A horizontal zigzag with several sharp peaks."""
    peaks = rng.integers(4, 9)
    x = np.linspace(0.0, 1.0, 2 * peaks + 1)
    y = np.where(np.arange(len(x)) % 2 == 0, 0.0, 1.0) * rng.uniform(0.25, 0.6) + rng.normal(0, 0.03, len(x))
    return [np.stack([x, y], axis=1)]


def crossed_circle(rng: np.random.Generator) -> list[np.ndarray]:
    """A circle with an X or a + through it."""
    turn = np.linspace(0, 2 * np.pi, 40) + rng.uniform(0, 2 * np.pi)
    circle = np.stack([0.5 + 0.5 * np.cos(turn), 0.5 + 0.5 * np.sin(turn)], axis=1)
    if rng.random() < 0.5:
        cross = [np.array([(0.1, 0.1), (0.9, 0.9)]), np.array([(0.9, 0.1), (0.1, 0.9)])]
    else:
        cross = [np.array([(0.5, -0.05), (0.5, 1.05)]), np.array([(-0.05, 0.5), (1.05, 0.5)])]
    return [circle, *cross]


def filled_blob(rng: np.random.Generator) -> list[np.ndarray]:
    """A filled area: dense back-and-forth hatching that the thick pen turns into a solid patch."""
    rows = rng.integers(8, 14)
    y = np.repeat(np.linspace(0.0, rng.uniform(0.5, 1.0), rows), 2)
    x = np.tile([0.0, 1.0, 1.0, 0.0], rows // 2 + 1)[: len(y)] + rng.normal(0, 0.04, len(y))
    return [np.stack([x, y], axis=1)]


def glyph(names: Sequence[str]) -> Callable[[np.random.Generator], list[np.ndarray]]:
    """A generator drawing one of the named glyphs, each point wobbling like a hand-drawn line."""

    def draw(rng: np.random.Generator) -> list[np.ndarray]:
        strokes = GLYPHS[names[rng.integers(len(names))]]
        stretch = np.array([rng.uniform(0.6, 1.2), 1.0])
        return [np.asarray(stroke) * stretch + rng.normal(0, 0.025, (len(stroke), 2)) for stroke in strokes]

    return draw


def several_digits(digits: Sequence[PenDrawing]) -> Callable[[np.random.Generator], list[np.ndarray]]:
    """A generator of two or three of `digits` written side by side, as one drawing."""

    def draw(rng: np.random.Generator) -> list[np.ndarray]:
        strokes, x = [], 0.0
        for index in rng.choice(len(digits), size=rng.integers(2, 4), replace=False):
            digit = digits[index]
            left, top, right, bottom = digit.bounds()
            scale = 1.0 / max(bottom - top, 1e-6)
            strokes += [(stroke - (left, top)) * scale + (x, 0.0) for stroke in digit.strokes]
            x += (right - left) * scale + rng.uniform(0.15, 0.35)
        return strokes

    return draw


GENERATORS: dict[str, Callable[[np.random.Generator], list[np.ndarray]]] = {
    "scribble": scribble,
    "zigzag": zigzag,
    "crossed_circle": crossed_circle,
    "filled_blob": filled_blob,
    "letter_or_shape": glyph(TRAINING_GLYPHS),
    "held_out_glyph": glyph(HELD_OUT_GLYPHS),
}
# Kinds the model may learn from; the others only measure.
TRAINING_KINDS = ("scribble", "zigzag", "crossed_circle", "filled_blob", "letter_or_shape")


def densify(stroke: np.ndarray, per_segment: int = 8) -> np.ndarray:
    """Points along each segment of a polyline, so the renderer's smoothing keeps corners sharp like a pen's."""
    stroke = np.asarray(stroke, dtype=np.float32)
    if len(stroke) < 2:
        return stroke
    share = np.linspace(0.0, 1.0, per_segment, endpoint=False)[None, :, None]
    inner = stroke[:-1, None] + (stroke[1:] - stroke[:-1])[:, None] * share
    return np.concatenate([inner.reshape(-1, 2), stroke[-1:]])


def as_pen_drawing(strokes: list[np.ndarray], label: int = NOT_A_DIGIT, kind: str = "generated") -> PenDrawing:
    """Polylines in any units -> a generated PenDrawing in the development set's pen box, its corners kept sharp."""
    strokes = [densify(stroke) for stroke in strokes]
    points = np.concatenate(strokes)
    low, side = points.min(axis=0), max(float(np.ptp(points, axis=0).max()), 1e-6)
    scaled = tuple(((np.asarray(stroke) - low) / side * PEN_BOX).astype(np.float32) for stroke in strokes)
    return PenDrawing(label=label, writer="generated", strokes=scaled, kind=kind)


def make_nondigits(kind: str, count: int, seed: int, digits: Sequence[PenDrawing] | None = None) -> list[PenDrawing]:
    """`count` drawings of one kind ("several_digits" needs `digits` to compose), reproducible from `seed`."""
    generator = several_digits(digits) if kind == "several_digits" else GENERATORS[kind]
    rng = np.random.default_rng(seed)
    return [as_pen_drawing(generator(rng), kind=kind) for _ in range(count)]
