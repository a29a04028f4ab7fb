"""The canvas -> MNIST pipeline: output contract, ink detection, cropping, fitting and centring."""

import numpy as np
import pytest
from scipy import ndimage

from digitlab.config import CENTRE_OF_MASS, DIGIT_BOX, IMAGE_SIZE
from digitlab.preprocess import canvas_to_mnist, centre_by_mass, fit_to_box, ink_intensity, preprocess_canvas
from tests.conftest import make_canvas

COLOURS = {
    "black on white": ((0, 0, 0), (255, 255, 255, 255)),
    "white on black": ((255, 255, 255), (0, 0, 0, 255)),
    "blue on yellow": ((20, 40, 200), (250, 240, 120, 255)),
    "grey on light grey": ((90, 90, 90), (220, 220, 220, 255)),
    "black on transparent": ((0, 0, 0), (0, 0, 0, 0)),
    "red on transparent white": ((200, 0, 0), (255, 255, 255, 0)),
}


def ink_mass_centre(image):
    return np.array(ndimage.center_of_mass(image))


def assert_mnist_contract(image):
    assert image.shape == (IMAGE_SIZE, IMAGE_SIZE)
    assert image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0
    assert image.max() == pytest.approx(1.0)


@pytest.mark.parametrize("colours", COLOURS.values(), ids=COLOURS.keys())
def test_any_ink_and_background_colour_gives_white_digit_on_black(colours):
    ink, background = colours
    image = canvas_to_mnist(make_canvas(ink=ink, background=background))
    assert_mnist_contract(image)
    # Mostly black background with a thinner white digit, as in MNIST.
    assert np.median(image) == 0.0
    assert 0.03 < (image > 0.5).mean() < 0.4


@pytest.mark.parametrize("colours", list(COLOURS.values())[1:], ids=list(COLOURS.keys())[1:])
def test_colours_do_not_change_the_result(colours):
    reference = canvas_to_mnist(make_canvas())
    image = canvas_to_mnist(make_canvas(ink=colours[0], background=colours[1]))
    np.testing.assert_allclose(image, reference, atol=0.02)


@pytest.mark.parametrize("size", [(280, 280), (400, 400), (600, 300), (150, 220), (28, 28)])
def test_any_canvas_size_gives_28x28(size):
    box = (0.3, 0.2, 0.7, 0.8)
    width = max(2, min(size) // 15)
    assert_mnist_contract(canvas_to_mnist(make_canvas(size=size, box=box, width=width)))


@pytest.mark.parametrize(
    "box",
    [(0.3, 0.2, 0.7, 0.8), (0.02, 0.02, 0.22, 0.32), (0.75, 0.65, 0.95, 0.95), (0.2, 0.06, 0.8, 0.96)],
    ids=["centred", "top-left corner", "bottom-right corner", "filling the canvas"],
)
def test_position_and_size_on_the_canvas_do_not_matter(box):
    # Same shape (2:3) everywhere; the stroke scales with the digit so only position and size change.
    width = round(18 * (box[3] - box[1]) / 0.6)
    reference = canvas_to_mnist(make_canvas())
    image = canvas_to_mnist(make_canvas(box=box, width=width))
    assert np.abs(image - reference).mean() < 0.05


@pytest.mark.parametrize("width", [4, 10, 18, 30, 45])
def test_stroke_widths_give_a_valid_centred_digit(width):
    image = canvas_to_mnist(make_canvas(width=width))
    assert_mnist_contract(image)
    np.testing.assert_allclose(ink_mass_centre(image), CENTRE_OF_MASS, atol=0.5)


@pytest.mark.parametrize("shape", ["seven", "one", "zero"])
@pytest.mark.parametrize("box", [(0.3, 0.2, 0.7, 0.8), (0.05, 0.5, 0.4, 0.95)])
def test_centre_of_mass_is_at_the_centre(shape, box):
    image = canvas_to_mnist(make_canvas(shape=shape, box=box))
    np.testing.assert_allclose(ink_mass_centre(image), CENTRE_OF_MASS, atol=0.5)


@pytest.mark.parametrize("shape", ["seven", "one", "zero"])
def test_digit_fits_the_20x20_box_keeping_its_aspect_ratio(shape):
    steps = preprocess_canvas(make_canvas(shape=shape))
    assert max(steps.fitted.shape) == DIGIT_BOX
    ratio_in = steps.cropped.shape[0] / steps.cropped.shape[1]
    ratio_out = steps.fitted.shape[0] / steps.fitted.shape[1]
    assert ratio_out == pytest.approx(ratio_in, rel=0.15)
    rows = np.flatnonzero(steps.image.any(axis=1))
    cols = np.flatnonzero(steps.image.any(axis=0))
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 == DIGIT_BOX


def test_crop_is_the_ink_bounding_box():
    canvas = make_canvas(box=(0.5, 0.5, 0.9, 0.9), width=10)
    steps = preprocess_canvas(canvas)
    top, left, bottom, right = steps.bbox
    ink_rows = np.flatnonzero((canvas[..., 0] < 200).any(axis=1))
    assert top == pytest.approx(ink_rows[0], abs=1) and bottom - 1 == pytest.approx(ink_rows[-1], abs=1)
    assert steps.cropped.shape == (bottom - top, right - left)


@pytest.mark.parametrize(
    "canvas",
    [
        np.full((280, 280, 4), 255, np.uint8),
        np.zeros((280, 280, 4), np.uint8),
        np.dstack([np.full((200, 300, 3), (30, 90, 160), np.uint8), np.full((200, 300), 255, np.uint8)]),
    ],
    ids=["white", "transparent", "solid blue"],
)
def test_blank_canvas_gives_none(canvas):
    assert canvas_to_mnist(canvas) is None
    assert preprocess_canvas(canvas) is None


def test_faint_noise_is_not_ink():
    rng = np.random.default_rng(0)
    canvas = np.full((280, 280, 4), 255, np.uint8)
    canvas[..., :3] -= rng.integers(0, 6, size=(280, 280, 3), dtype=np.uint8)
    assert canvas_to_mnist(canvas) is None


def test_a_dot_is_too_small():
    canvas = np.full((280, 280, 4), 255, np.uint8)
    canvas[140:149, 140:149, :3] = 0
    steps = preprocess_canvas(canvas)
    assert steps is not None and steps.is_too_small
    assert not preprocess_canvas(make_canvas()).is_too_small


def test_the_same_pen_is_thick_for_a_small_drawing_and_not_for_a_large_one():
    large = preprocess_canvas(make_canvas(shape="zero", width=18))
    small = preprocess_canvas(make_canvas(shape="zero", width=18, box=(0.1, 0.1, 0.2, 0.3)))
    assert large.pen_share == pytest.approx(18 / 186, rel=0.25) and not large.is_pen_thick
    assert small.pen_share > 0.3 and small.is_pen_thick
    assert not preprocess_canvas(make_canvas(shape="zero", width=6, box=(0.1, 0.1, 0.2, 0.3))).is_pen_thick


def test_transparent_canvas_reads_ink_from_alpha():
    canvas = np.zeros((100, 100, 4), np.uint8)
    canvas[20:80, 48:52, 3] = 255
    canvas[20:80, 47, 3] = 128
    ink = ink_intensity(canvas)
    assert ink[50, 50] == 1.0 and ink[50, 47] == pytest.approx(128 / 255) and ink[5, 5] == 0.0


def test_rgb_and_greyscale_uploads_are_accepted():
    rgba = make_canvas()
    np.testing.assert_allclose(canvas_to_mnist(rgba[..., :3]), canvas_to_mnist(rgba))
    np.testing.assert_allclose(canvas_to_mnist(rgba[..., 0]), canvas_to_mnist(rgba))


@pytest.mark.parametrize("bad", [np.zeros((10,)), np.zeros((5, 5, 2)), np.zeros((0, 10, 4))])
def test_malformed_arrays_raise_a_clear_error(bad):
    with pytest.raises(ValueError, match="expected an image of shape"):
        canvas_to_mnist(bad)


def test_fit_to_box_scales_up_small_drawings():
    small = np.zeros((5, 3), np.float32)
    small[:, 1] = 1.0
    fitted = fit_to_box(small, DIGIT_BOX)
    assert fitted.shape == (20, 12)
    assert fitted.max() == pytest.approx(1.0)


def test_centring_keeps_a_lopsided_digit_whole():
    digit = np.zeros((20, 20), np.float32)
    digit[0:3, :] = 1.0  # all the mass at the top: centring would push it off the image
    image = centre_by_mass(digit)
    assert image.sum() == pytest.approx(digit.sum())
