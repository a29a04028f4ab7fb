"""Digits drawn from stroke templates of common handwriting styles.

MNIST was written mostly by American writers: it has few European "1"s with a long flag, crossed "7"s,
"9"s with a curved tail or open-top "4"s, which people draw in the app. These templates (written from
handwriting conventions, not from any data set) are bent by random affine transforms and wobble, drawn
with a round pen and prepared by the app's own pipeline, and added to the training data.
"""

from __future__ import annotations

import numpy as np

# A template stroke: (x, y) points in a unit box, x right and y down.
Polyline = list[tuple[float, float]]

# Largest smooth displacement of a template, as a share of the digit's size.
WARP = 0.08
# Pen width as a share of the drawing's size: a fine pen on a large digit to a thick pen on a tiny one.
TEMPLATE_PENS = (0.05, 0.32)


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, points: int = 16) -> Polyline:
    """Points on an ellipse from angle `start` to `end` (degrees, 0 = right, 90 = down)."""
    angles = np.radians(np.linspace(start, end, points))
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in angles]


# Each digit: a list of styles; each style: a list of strokes in a unit box (x right, y down).
STYLES: dict[int, list[list[Polyline]]] = {
    0: [[_arc(0.5, 0.5, 0.38, 0.5, -90, 270, 24)], [_arc(0.5, 0.5, 0.3, 0.5, -100, 250, 24)]],
    1: [
        [[(0.5, 0.0), (0.5, 1.0)]],
        [[(0.2, 0.3), (0.55, 0.0), (0.55, 1.0)]],
        [[(0.15, 0.38), (0.6, 0.0), (0.6, 1.0)]],
        [[(0.05, 0.5), (0.6, 0.0), (0.58, 1.0)]],
        [[(0.25, 0.25), (0.55, 0.0), (0.55, 1.0)], [(0.25, 1.0), (0.85, 1.0)]],
        [_arc(0.5, 0.3, 0.3, 0.3, 160, 270, 6) + [(0.55, 0.0), (0.52, 1.0)]],
    ],
    2: [
        [_arc(0.5, 0.28, 0.38, 0.28, 190, 380, 10) + [(0.1, 1.0), (0.95, 1.0)]],
        [_arc(0.5, 0.3, 0.4, 0.3, 180, 400, 12) + [(0.15, 0.95), (0.3, 0.85), (0.5, 1.0), (0.95, 0.98)]],
    ],
    3: [
        [_arc(0.45, 0.25, 0.38, 0.25, 200, 450, 12) + _arc(0.45, 0.74, 0.42, 0.26, -90, 160, 12)],
        [[(0.1, 0.0), (0.85, 0.0), (0.4, 0.42)] + _arc(0.45, 0.7, 0.42, 0.3, -90, 160, 12)],
    ],
    4: [
        [[(0.65, 0.0), (0.05, 0.68), (0.95, 0.68)], [(0.7, 0.3), (0.7, 1.0)]],
        [[(0.2, 0.0), (0.12, 0.6), (0.9, 0.6)], [(0.72, 0.0), (0.72, 1.0)]],
        [[(0.25, 0.0), (0.15, 0.55), (0.75, 0.55), (0.75, 0.0), (0.75, 1.0)]],
        [[(0.55, 0.0), (0.1, 0.6), (0.9, 0.6)], [(0.62, 0.2), (0.6, 1.0)]],
        [[(0.3, 0.0), (0.1, 0.55), (0.85, 0.5)], [(0.75, 0.05), (0.65, 1.0)]],
    ],
    5: [
        [[(0.85, 0.0), (0.2, 0.0), (0.15, 0.45)] + _arc(0.45, 0.68, 0.42, 0.32, -120, 150, 12)],
        [[(0.2, 0.0), (0.15, 0.45)] + _arc(0.45, 0.68, 0.42, 0.32, -120, 150, 12), [(0.2, 0.0), (0.85, 0.0)]],
    ],
    6: [
        [[(0.75, 0.0), (0.35, 0.3)] + _arc(0.5, 0.7, 0.36, 0.3, 190, 530, 18)],
        [_arc(0.85, 0.7, 0.7, 0.7, 250, 180, 8) + _arc(0.5, 0.72, 0.35, 0.28, 180, 520, 18)],
    ],
    7: [
        [[(0.05, 0.0), (0.95, 0.0), (0.4, 1.0)]],
        [[(0.05, 0.0), (0.95, 0.0), (0.4, 1.0)], [(0.3, 0.52), (0.85, 0.5)]],
        [[(0.05, 0.18), (0.1, 0.0), (0.95, 0.0), (0.45, 1.0)]],
        [[(0.05, 0.0), (0.9, 0.0), (0.75, 0.35), (0.55, 1.0)]],
        [[(0.05, 0.15), (0.15, 0.0), (0.95, 0.02), (0.5, 1.0)], [(0.25, 0.5), (0.9, 0.45)]],
        [[(0.0, 0.12), (0.08, 0.0), (0.95, 0.0), (0.7, 0.4), (0.55, 0.75), (0.5, 1.0)]],
    ],
    8: [
        [_arc(0.5, 0.25, 0.3, 0.25, 0, 360, 16) + _arc(0.5, 0.74, 0.38, 0.26, -90, 270, 16)],
        [[(0.5 + 0.38 * np.sin(2 * t), 0.5 - 0.5 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 32)]],
    ],
    9: [
        [_arc(0.5, 0.28, 0.36, 0.28, 0, 360, 18) + [(0.86, 0.3), (0.8, 1.0)]],
        [
            _arc(0.5, 0.28, 0.36, 0.28, 0, 360, 18)
            + [(0.86, 0.3), (0.86, 0.72)]
            + _arc(0.55, 0.72, 0.31, 0.28, 0, 150, 8)
        ],
        [_arc(0.5, 0.28, 0.36, 0.28, -10, 350, 18) + [(0.84, 0.35), (0.5, 1.0)]],
        [
            _arc(0.5, 0.28, 0.34, 0.28, 140, 360, 14)
            + [(0.84, 0.4), (0.82, 0.7)]
            + _arc(0.52, 0.72, 0.3, 0.28, 0, 160, 8)
        ],
        [_arc(0.5, 0.28, 0.34, 0.28, 110, 360, 14) + [(0.84, 0.4), (0.7, 1.0)]],
    ],
}


def styled_digit_strokes(digit: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One digit in a random style, sheared, stretched, rotated and wobbled like a hand would."""
    styles = STYLES[digit]
    strokes = [np.asarray(stroke, dtype=np.float64) for stroke in styles[rng.integers(len(styles))]]
    angle = np.radians(rng.normal(0, 6))
    shear = rng.normal(0, 0.15)
    stretch = rng.uniform(0.75, 1.2)
    transform = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) @ np.array(
        [[stretch, shear], [0.0, 1.0]]
    )
    strokes = [stroke @ transform.T for stroke in strokes]
    return [warp(stroke, rng) + rng.normal(0, 0.015, stroke.shape) for stroke in strokes]


def warp(stroke: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) points under one smooth random displacement (a slow wave per axis): flags get longer or
    shorter, loops rounder or flatter, as between one writer and the next."""
    frequency = rng.uniform(1.0, 3.0, 2)
    phase = rng.uniform(0, 2 * np.pi, 2)
    amplitude = rng.uniform(0, WARP, 2)
    return stroke + amplitude * np.sin(frequency * stroke[:, ::-1] * np.pi + phase)
