"""MNIST for training: the validation split, digits restroked the way the canvas draws, digits side by side.

Restroked digits have uniform round-pen strokes of any width and are prepared by the app's own pipeline.
Training on them closes the gap between scanned pen strokes and drawings (a thick pen on a small digit closes
its loops; normalising the stroke cannot reopen them).
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

from digitlab.config import DIGIT_BOX
from digitlab.data import to_float_images
from digitlab.preprocess import centre_by_mass, crop_to_ink, fit_to_box, normalise_stroke, restroke

# The canvas-like resolution the digit is restroked at (a 28x28 digit becomes 112x112).
RESTROKE_SCALE = 4
# Pen widths relative to the digit's height: from a fine pen on a large digit to a thick pen on a tiny one.
RESTROKE_PENS = (0.04, 0.4)
# Elastic distortion (Simard et al., 2003) at 28x28: displacement field strength and smoothness.
ELASTIC_ALPHA = 30.0
ELASTIC_SIGMA = 5.0


def split_validation(x: np.ndarray, y: np.ndarray, size: int, seed: int):
    """Seeded random split of (x, y) into ((x_train, y_train), (x_val, y_val)) with `size` held out."""
    order = np.random.default_rng(seed).permutation(len(x))
    held, kept = order[:size], order[size:]
    return (x[kept], y[kept]), (x[held], y[held])


def prepare_splits(mnist, validation_size: int, seed: int, limit: int | None = None):
    """uint8 MNIST ((x_train, y_train), (x_test, y_test)) -> (train, validation, test) splits of float32
    (N, 28, 28) images in [0, 1] with their labels; `limit` keeps the first N of each set, and at most a
    fifth of the training images are held out for validation, drawn with `seed`."""
    (x_train, y_train), (x_test, y_test) = mnist
    if limit:
        x_train, y_train, x_test, y_test = x_train[:limit], y_train[:limit], x_test[:limit], y_test[:limit]
    x_train, x_test = to_float_images(x_train), to_float_images(x_test)
    train_split, validation = split_validation(x_train, y_train, min(validation_size, len(x_train) // 5), seed)
    return train_split, validation, (x_test, y_test)


def elastic_distort(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """float32 (28, 28) -> the same digit under a smooth random displacement field, like another hand."""
    fields = [ndimage.gaussian_filter(rng.uniform(-1, 1, image.shape), ELASTIC_SIGMA) * ELASTIC_ALPHA for _ in range(2)]
    rows, cols = np.meshgrid(np.arange(image.shape[0]), np.arange(image.shape[1]), indexing="ij")
    coordinates = [rows + fields[0], cols + fields[1]]
    return ndimage.map_coordinates(image, coordinates, order=1, mode="constant").astype(np.float32)


def restroke_digit(image: np.ndarray, pen: float) -> np.ndarray | None:
    """float32 (28, 28) MNIST digit -> float32 (28, 28) as the app would see it drawn with a round pen
    `pen` times the digit's height wide; None if nothing of the digit is left."""
    size = image.shape[0] * RESTROKE_SCALE
    fine = np.asarray(
        Image.fromarray(image.astype(np.float32), mode="F").resize((size, size), Image.Resampling.BILINEAR)
    )
    ink = np.pad(fine > 0.5, RESTROKE_SCALE * 8)
    rows = np.flatnonzero(ink.any(axis=1))
    if rows.size == 0:
        return None
    drawn = restroke(ink, pen * (rows[-1] - rows[0] + 1))
    if not drawn.any():
        return None
    return centre_by_mass(normalise_stroke(crop_to_ink(drawn).astype(np.float32)))


def restroke_images(
    images: np.ndarray, seed: int, elastic_probability: float = 0.5, pen_range: tuple[float, float] = RESTROKE_PENS
) -> np.ndarray:
    """float32 (N, 28, 28) -> each digit restroked with a pen of random width in `pen_range` (shares of the
    digit's height) and, by chance, elastically distorted."""
    rng = np.random.default_rng(seed)
    restroked = np.empty_like(images, dtype=np.float32)
    for index, image in enumerate(images):
        source = elastic_distort(image, rng) if rng.random() < elastic_probability else image
        result = restroke_digit(source, rng.uniform(*pen_range))
        restroked[index] = image if result is None else result
    return restroked


def side_by_side_images(digits: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Two or three of float32 (N, 28, 28) digits written side by side, prepared like a drawing of them."""
    rng = np.random.default_rng(seed)
    images = np.empty((count, 28, 28), np.float32)
    for index in range(count):
        parts = [crop_to_ink(digits[i]) for i in rng.choice(len(digits), size=rng.integers(2, 4), replace=False)]
        height = max(part.shape[0] for part in parts)
        gap = np.zeros((height, int(rng.integers(1, 6))), np.float32)
        padded = [np.pad(part, ((0, height - part.shape[0]), (0, 0))) for part in parts]
        row = np.concatenate([piece for part in padded for piece in (part, gap)][:-1], axis=1)
        images[index] = centre_by_mass(fit_to_box(row, DIGIT_BOX))
    return images
