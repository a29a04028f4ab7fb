"""MNIST digits redrawn the way the canvas draws: uniform round-pen strokes of any width, then prepared
by the app's own pipeline. Training on them closes the gap between scanned pen strokes and drawings
(a thick pen on a small digit closes its loops; normalising the stroke cannot reopen them).
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

from digitlab.preprocess import centre_by_mass, crop_to_ink, normalise_stroke, restroke

# The canvas-like resolution the digit is redrawn at (a 28x28 digit becomes 112x112).
REDRAW_SCALE = 4
# Pen widths relative to the digit's height: from a fine pen on a large digit to a thick pen on a tiny one.
PEN_RANGE = (0.04, 0.4)
# Elastic distortion (Simard et al., 2003) at 28x28: displacement field strength and smoothness.
ELASTIC_ALPHA = 30.0
ELASTIC_SIGMA = 5.0


def elastic_distort(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """float32 (28, 28) -> the same digit under a smooth random displacement field, like another hand."""
    fields = [ndimage.gaussian_filter(rng.uniform(-1, 1, image.shape), ELASTIC_SIGMA) * ELASTIC_ALPHA for _ in range(2)]
    rows, cols = np.meshgrid(np.arange(image.shape[0]), np.arange(image.shape[1]), indexing="ij")
    coordinates = [rows + fields[0], cols + fields[1]]
    return ndimage.map_coordinates(image, coordinates, order=1, mode="constant").astype(np.float32)


def redraw_digit(image: np.ndarray, pen: float) -> np.ndarray | None:
    """float32 (28, 28) MNIST digit -> float32 (28, 28) as the app would see it drawn with a round pen
    `pen` times the digit's height wide; None if nothing of the digit is left."""
    size = image.shape[0] * REDRAW_SCALE
    fine = np.asarray(
        Image.fromarray(image.astype(np.float32), mode="F").resize((size, size), Image.Resampling.BILINEAR)
    )
    ink = np.pad(fine > 0.5, REDRAW_SCALE * 8)
    rows = np.flatnonzero(ink.any(axis=1))
    if rows.size == 0:
        return None
    drawn = restroke(ink, pen * (rows[-1] - rows[0] + 1))
    if not drawn.any():
        return None
    return centre_by_mass(normalise_stroke(crop_to_ink(drawn).astype(np.float32)))


def redraw_images(
    images: np.ndarray, seed: int, elastic_probability: float = 0.5, pen_range: tuple[float, float] = PEN_RANGE
) -> np.ndarray:
    """float32 (N, 28, 28) -> each digit redrawn with a pen of random width in `pen_range` (shares of the
    digit's height) and, by chance, elastically distorted."""
    rng = np.random.default_rng(seed)
    redrawn = np.empty_like(images, dtype=np.float32)
    for index, image in enumerate(images):
        source = elastic_distort(image, rng) if rng.random() < elastic_probability else image
        result = redraw_digit(source, rng.uniform(*pen_range))
        redrawn[index] = image if result is None else result
    return redrawn
