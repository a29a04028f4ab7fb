"""Turn a canvas drawing into an MNIST-style 28x28 image, the way LeCun et al. prepared MNIST.

The steps: find the ink (any ink and background colours, opaque or transparent background) ->
crop to the ink -> fit into a 20x20 box keeping the aspect ratio (the stroke redrawn at MNIST's width) ->
place in 28x28 so that the centre of mass is at the centre. Each step after finding the ink can be turned off
(`Steps`), to show what it is worth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

from digitlab.config import (
    CENTRE_OF_MASS,
    DIGIT_BOX,
    IMAGE_SIZE,
    INK_THRESHOLD,
    MIN_INK_EXTENT,
    MNIST_STROKE_WIDTH,
    THICK_PEN_SHARE,
)

# The background colour is estimated from every this-many-th pixel along each axis.
BACKGROUND_SAMPLING = 4
# Stroke width is measured and changed at this many times the 20x20 resolution, then averaged down.
STROKE_OVERSAMPLING = 4


@dataclass(frozen=True)
class Steps:
    """Which steps of the MNIST procedure run: all of them (the default) is the draw page's path."""

    crop: bool = True  # crop to the ink; off, the whole canvas is fitted
    fit: bool = True  # fit into the 20x20 box keeping the aspect ratio; off, stretched to fill 28x28
    centre: bool = True  # centre of mass at MNIST's centre; off, the box is put in the middle
    normalise: bool = True  # strokes redrawn at MNIST's typical width


ALL_STEPS = Steps()


@dataclass(frozen=True)
class Preprocessed:
    """Every intermediate image of the pipeline, for the app's "what the model sees" panel."""

    ink: np.ndarray  # float32 (H, W) in [0, 1]: ink intensity on the canvas
    bbox: tuple[int, int, int, int]  # (top, left, bottom, right) of the ink, bottom/right exclusive
    cropped: np.ndarray  # float32 (h, w) in [0, 1]: the ink cropped to its bounding box
    fitted: np.ndarray  # float32, longest side 20, in [0, 1]: fitted into the 20x20 box
    image: np.ndarray  # float32 (28, 28) in [0, 1]: the model input, white digit on black
    # The pen the canvas's strokes were drawn again with before these steps (see digitlab.reading), in canvas
    # pixels, and how many strokes were read; both None when the picture itself was read.
    reading_pen: float | None = None
    strokes: int | None = None
    # True when every stroke read was a tap (`digitlab.drawing.is_tap`): dots, in whatever pattern, have no shape.
    is_only_taps: bool = False

    @property
    def extent(self) -> float:
        """Longest side of the ink's bounding box as a share of the canvas' shorter side."""
        top, left, bottom, right = self.bbox
        return max(bottom - top, right - left) / min(self.ink.shape)

    @property
    def is_too_small(self) -> bool:
        """True for a dot or a tiny mark, or taps alone (`is_only_taps`): too little drawing to read a digit from."""
        return self.extent < MIN_INK_EXTENT or self.is_only_taps

    @property
    def pen_share(self) -> float:
        """The stroke's width as a share of the ink's longest side: about 0.1 for a digit drawn large."""
        return stroke_width(self.cropped) / max(self.cropped.shape)

    @property
    def is_pen_thick(self) -> bool:
        """True when the pen is so wide for the drawing's size that its loops close up and strokes merge."""
        return self.pen_share >= THICK_PEN_SHARE


def ink_intensity(rgba: np.ndarray) -> np.ndarray:
    """Ink per pixel of a canvas image: uint8 (H, W, 4), (H, W, 3) or (H, W) -> float32 (H, W) in [0, 1].

    A mostly transparent image is read by its alpha channel; an opaque one by each pixel's colour
    distance from the background colour (the median colour), scaled so the strongest ink is 1.
    """
    pixels = _as_float_rgba(rgba)
    alpha = pixels[..., 3]
    # Medians over a 4x4 grid of pixels: the background is most of the canvas, and this is 16x cheaper.
    sample = pixels[::BACKGROUND_SAMPLING, ::BACKGROUND_SAMPLING]
    if np.median(sample[..., 3]) < 0.5:
        ink = alpha
    else:
        background = np.median(sample[..., :3].reshape(-1, 3), axis=0)
        distance = np.abs(pixels[..., 0] - background[0])
        for channel in (1, 2):
            np.maximum(distance, np.abs(pixels[..., channel] - background[channel]), out=distance)
        distance *= alpha
        ink = scale_ink(distance)
    return np.where(ink >= INK_THRESHOLD, ink, 0.0).astype(np.float32)


def scale_ink(amount: np.ndarray) -> np.ndarray:
    """float (H, W) amount of ink per pixel -> float32 (H, W) in [0, 1]: scaled so the strongest ink is 1, and
    ink fainter than INK_THRESHOLD dropped (all of it when even the strongest is that faint)."""
    peak = float(amount.max()) if amount.size else 0.0
    if peak < INK_THRESHOLD:
        return np.zeros(amount.shape, np.float32)
    ink = amount / peak
    return np.where(ink >= INK_THRESHOLD, ink, 0.0).astype(np.float32)


def preprocess_canvas(rgba: np.ndarray, steps: Steps = ALL_STEPS) -> Preprocessed | None:
    """Run the MNIST procedure on a canvas image, keeping every step; None when there is no ink.

    The stroke is also thickened or thinned to MNIST's typical width, so a thin pen, a thick pen and a small
    drawing all reach the model looking alike. `steps` turns steps off.
    """
    return preprocess_ink(ink_intensity(rgba), steps)


def preprocess_ink(ink: np.ndarray, steps: Steps = ALL_STEPS) -> Preprocessed | None:
    """`preprocess_canvas` from the ink itself: float32 (H, W) in [0, 1] -> every step; None without ink."""
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    if rows.size == 0:
        return None
    bbox = (int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1)
    cropped = ink[bbox[0] : bbox[2], bbox[1] : bbox[3]] if steps.crop else ink
    box, keep_aspect = (DIGIT_BOX, True) if steps.fit else (IMAGE_SIZE, False)
    if steps.normalise:
        fitted = normalise_stroke(cropped, box=box, keep_aspect=keep_aspect, crop=steps.crop)
    else:
        fitted = fit_to_box(cropped, box, keep_aspect)
    image = centre_by_mass(fitted) if steps.centre else centre_box(fitted)
    return Preprocessed(ink=ink, bbox=bbox, cropped=cropped, fitted=fitted, image=image)


def canvas_to_mnist(rgba: np.ndarray) -> np.ndarray | None:
    """Canvas RGBA uint8 (H, W, 4) -> float32 (28, 28) in [0, 1], white on black; None when blank."""
    steps = preprocess_canvas(rgba)
    return None if steps is None else steps.image


def resize_whole_canvas(rgba: np.ndarray) -> Preprocessed:
    """The tutorials' preparation, for comparison: the whole canvas in grey resized to 28x28 (no cropping, no
    centring, aspect ratio lost), inverted when light. Like the tutorials it reads the colour channels only, so
    a transparent canvas loses its ink; it never finds a canvas empty."""
    grey = Image.fromarray(np.ascontiguousarray(np.asarray(rgba)[..., :3])).convert("L")
    image = np.asarray(grey.resize((IMAGE_SIZE, IMAGE_SIZE)), dtype=np.float32) / 255.0
    ink = np.asarray(grey, dtype=np.float32) / 255.0
    if image.mean() > 0.5:
        image, ink = 1.0 - image, 1.0 - ink
    bbox = (0, 0, *ink.shape)
    return Preprocessed(ink=ink, bbox=bbox, cropped=ink, fitted=image, image=image)


def fit_to_box(image: np.ndarray, box: int, keep_aspect: bool = True) -> np.ndarray:
    """Resize float32 (h, w) so its longest side is `box`, keeping the aspect ratio (else to box x box, stretched);
    peak scaled to 1."""
    height, width = image.shape
    scale = box / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale))) if keep_aspect else (box, box)
    # PIL widens the bilinear kernel when shrinking, which anti-aliases like MNIST's normalisation did.
    resized = np.asarray(Image.fromarray(image, mode="F").resize(size, Image.Resampling.BILINEAR))
    resized = np.clip(resized, 0.0, None)
    return (resized / resized.max()).astype(np.float32)


def stroke_width(image: np.ndarray) -> float:
    """Typical stroke width in pixels of float (h, w) ink: twice the area over the outline length."""
    ink = image > 0.5
    outline = ink & ~ndimage.binary_erosion(ink)
    return 2.0 * ink.sum() / max(outline.sum(), 1)


def normalise_stroke(
    cropped: np.ndarray,
    width: float = MNIST_STROKE_WIDTH,
    box: int = DIGIT_BOX,
    keep_aspect: bool = True,
    crop: bool = True,
) -> np.ndarray:
    """Fit float32 (h, w) ink into the `box` (`fit_to_box`) with its strokes redrawn `width` pixels wide, cropped
    to the redrawn ink (or, without `crop`, in the frame it was given).

    Works at STROKE_OVERSAMPLING times the resolution: the ink is eroded or dilated by the distance
    transform to the target width, then averaged down, which anti-aliases the edges.
    """
    fine = fit_to_box(cropped, box * STROKE_OVERSAMPLING, keep_aspect)
    restroked = restroke(np.pad(fine > 0.5, STROKE_OVERSAMPLING), width * STROKE_OVERSAMPLING)
    if not restroked.any():
        return fit_to_box(cropped, box, keep_aspect)
    framed = crop_to_ink(restroked) if crop else restroked[STROKE_OVERSAMPLING:-STROKE_OVERSAMPLING,
                                                           STROKE_OVERSAMPLING:-STROKE_OVERSAMPLING]  # fmt: skip
    return fit_to_box(framed.astype(np.float32), box, keep_aspect)


def restroke(ink: np.ndarray, width: float) -> np.ndarray:
    """bool (h, w) ink -> bool (h, w) with its strokes eroded or dilated (distance transform) to `width` px."""
    change = (width - stroke_width(ink)) / 2
    if change < 0:
        return ndimage.distance_transform_edt(ink) > -change
    return ndimage.distance_transform_edt(~ink) <= change


def crop_to_ink(image: np.ndarray) -> np.ndarray:
    """(h, w) array with some ink -> the rows and columns from the first to the last that hold ink."""
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    return image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def centre_by_mass(digit: np.ndarray) -> np.ndarray:
    """Place float32 (h, w), h, w <= 28, in a 28x28 image with its centre of mass at MNIST's centre.

    Like MNIST the shift is in whole pixels (no resampling blur); it stops at the border, so a
    lopsided digit stays whole rather than being cut off.
    """
    height, width = digit.shape
    com_row, com_col = ndimage.center_of_mass(digit)
    top = int(np.clip(round(CENTRE_OF_MASS[0] - com_row), 0, IMAGE_SIZE - height))
    left = int(np.clip(round(CENTRE_OF_MASS[1] - com_col), 0, IMAGE_SIZE - width))
    image = np.zeros((IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
    image[top : top + height, left : left + width] = digit
    return image


def centre_box(digit: np.ndarray) -> np.ndarray:
    """Place float32 (h, w), h, w <= 28, in the middle of a 28x28 image by its box (no centre of mass)."""
    height, width = digit.shape
    top, left = (IMAGE_SIZE - height) // 2, (IMAGE_SIZE - width) // 2
    image = np.zeros((IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
    image[top : top + height, left : left + width] = digit
    return image


def _as_float_rgba(image: np.ndarray) -> np.ndarray:
    """Any uint8 greyscale, RGB or RGBA array -> float32 (H, W, 4) in [0, 1]."""
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.repeat(array[..., None], 3, axis=-1)
    if array.ndim != 3 or array.shape[-1] not in (3, 4) or min(array.shape[:2]) == 0:
        raise ValueError(f"expected an image of shape (H, W, 4), (H, W, 3) or (H, W), got {array.shape}")
    if array.shape[-1] == 3:
        array = np.concatenate([array, np.full(array.shape[:2] + (1,), 255, array.dtype)], axis=-1)
    scale = 255.0 if array.dtype == np.uint8 or array.max() > 1 else 1.0
    return array.astype(np.float32) / scale
