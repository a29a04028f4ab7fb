"""The tutorial approach we compare against: the whole canvas resized to 28x28, then `model.predict`.

This is what the common digit-drawing demos do: no cropping, no centring, no aspect ratio. It is given
the benefit of the doubt on colours: a light canvas is inverted to MNIST's white-on-black. Like those
demos it reads the RGB channels only, so a transparent canvas loses its ink.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from digitlab.config import IMAGE_SIZE


def tutorial_to_mnist(rgba: np.ndarray) -> np.ndarray:
    """Canvas uint8 (H, W, 4) -> float32 (28, 28) in [0, 1]: greyscale, whole-canvas resize, inverted if light."""
    grey = Image.fromarray(np.ascontiguousarray(rgba[..., :3])).convert("L").resize((IMAGE_SIZE, IMAGE_SIZE))
    pixels = np.asarray(grey, dtype=np.float32) / 255.0
    return 1.0 - pixels if pixels.mean() > 0.5 else pixels


def tutorial_predict(model, rgba: np.ndarray) -> np.ndarray:
    """One canvas -> float32 (10,) probabilities, through `model.predict` as the tutorials call it."""
    return model.predict(tutorial_to_mnist(rgba)[None, ..., None], verbose=0)[0]


def tutorial_predictor(model):
    """A `predict_fn` for `pendigits.drawn_digit_accuracy`: canvases (N, H, W, 4) -> int (N,) labels."""

    def predict(canvases: np.ndarray) -> np.ndarray:
        images = np.stack([tutorial_to_mnist(canvas) for canvas in canvases])
        return model.predict(images[..., None], verbose=0, batch_size=len(images)).argmax(axis=1)

    return predict
