"""Shared fixtures: synthetic canvases, a small untrained model, and a real app in headless Chromium."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy import ndimage

from digitlab import browser


def make_canvas(
    size: tuple[int, int] = (280, 280),
    box: tuple[float, float, float, float] = (0.3, 0.2, 0.7, 0.8),
    width: int = 18,
    ink: tuple[int, int, int] = (0, 0, 0),
    background: tuple[int, int, int, int] = (255, 255, 255, 255),
    shape: str = "seven",
) -> np.ndarray:
    """A uint8 (H, W, 4) canvas with a digit-like stroke drawn in `box` (left, top, right, bottom as shares)."""
    w, h = size
    left, top, right, bottom = box[0] * w, box[1] * h, box[2] * w, box[3] * h
    image = Image.new("RGBA", size, background)
    pen = ImageDraw.Draw(image)
    colour = (*ink, 255)
    if shape == "seven":
        points = [(left, top), (right, top), (left + (right - left) * 0.3, bottom)]
    elif shape == "one":
        points = [((left + right) / 2, top), ((left + right) / 2, bottom)]
    elif shape == "zero":
        pen.ellipse((left, top, right, bottom), outline=colour, width=width)
        return np.asarray(image)
    else:
        raise ValueError(shape)
    pen.line(points, fill=colour, width=width, joint="curve")
    for x, y in points:  # round caps, like a canvas brush
        pen.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=colour)
    return np.asarray(image)


def hole_area(images: np.ndarray) -> int:
    """Pixels enclosed by the ink of float (N, 28, 28) digits: the inside of their loops, 0 when all are closed up."""
    return int(sum((ndimage.binary_fill_holes(ink) & ~ink).sum() for ink in images > 0.5))


@pytest.fixture
def canvas_factory():
    return make_canvas


@pytest.fixture(scope="session")
def tiny_model():
    """The real architecture, untrained: enough to check shapes and contracts quickly."""
    import keras

    from digitlab.model import build_model

    keras.utils.set_random_seed(0)
    return build_model()


@pytest.fixture(scope="session")
def app_url():
    """The real app served by `streamlit run app.py` on a free localhost port."""
    with browser.running_app() as (url, _process):
        yield url


@pytest.fixture(scope="session")
def chromium_browser():
    with browser.chromium() as chromium:
        yield chromium


@pytest.fixture
def page(chromium_browser):
    context = chromium_browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def synthetic_mnist(tmp_path_factory):
    """500 learnable MNIST-shaped images in the Keras npz layout: a bar whose position encodes the label."""
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("synthetic") / "mnist-synthetic.npz"
    x = np.zeros((500, 28, 28), np.uint8)
    y = rng.integers(0, 10, 500).astype(np.uint8)
    for image, label in zip(x, y, strict=True):
        image[4:24, 2 + 2 * label : 4 + 2 * label] = 255
    np.savez(path, x_train=x[:400], y_train=y[:400], x_test=x[400:], y_test=y[400:])
    return path


@pytest.fixture(scope="session")
def trained_zoo(tmp_path_factory, synthetic_mnist):
    """A model folder whose zoo/ holds every classic network after one epoch on 400 synthetic digits."""
    import train
    from digitlab.architectures import RECIPES

    model_dir = tmp_path_factory.mktemp("models")
    for name in RECIPES:
        argv = ["--arch", name, "--data", str(synthetic_mnist), "--epochs", "1", "--output-dir", str(model_dir)]
        assert train.main([*argv, "--quiet"]) == 0, name
    return model_dir
