"""The draw page's whole path: what the canvas returns -> the prepared model input."""

import json

import numpy as np
import pytest

import digitlab
from digitlab.config import CENTRE_OF_MASS, DIGIT_BOX, IMAGE_SIZE, ROOT_DIR, STROKE_WIDTH_RANGE
from digitlab.drawing import Stroke, canvas_strokes, pencil_json, reading_pen, stroke_picture
from digitlab.preprocess import Steps, fit_to_box, preprocess_canvas, resize_whole_canvas
from digitlab.reading import DRAW_PAGE, ReadingOptions, canvas_picture, read_drawing, read_strokes
from tests.conftest import ellipse, hole_area

CANVAS_JSON = json.loads((ROOT_DIR / "tests" / "data" / "canvas_two_strokes.json").read_text())


def test_read_drawing_is_the_package_entry_point():
    assert digitlab.read_drawing is read_drawing


def test_an_empty_canvas_reads_as_nothing():
    assert read_drawing(None, None) is None
    assert read_drawing(None, {"version": "7.4.0", "objects": []}) is None
    assert read_drawing(np.full((280, 280, 4), 255, np.uint8), {"objects": []}) is None


def test_strokes_are_read_with_the_reading_pen_and_say_so():
    strokes = canvas_strokes(CANVAS_JSON)
    steps = read_drawing(None, CANVAS_JSON)
    assert steps.image.shape == (28, 28) and steps.image.dtype == np.float32
    assert steps.reading_pen == pytest.approx(reading_pen(strokes))
    assert steps.ink.shape == (280, 280)


@pytest.mark.parametrize(
    "taps",
    [[(140, 110), (140, 170)], [(100, 140), (180, 140)], [(60, 60), (140, 140), (220, 220)]],
    ids=["a colon", "two side by side", "three in a row"],
)
def test_taps_alone_are_too_little_to_read_however_far_apart(taps):
    """Dots have no shape: the model would read two of them, one over the other, as a 1."""
    steps = read_drawing(None, pencil_json([Stroke(np.array([tap], dtype=float), 18) for tap in taps]))
    assert steps.is_only_taps and steps.is_too_small and steps.extent > 0.2
    line = Stroke(np.array([[140.0, 110.0], [140.0, 170.0]]), 18)
    steps = read_drawing(None, pencil_json([Stroke(np.array([tap], dtype=float), 18) for tap in taps] + [line]))
    assert not steps.is_only_taps and not steps.is_too_small


@pytest.mark.parametrize("stroke", [ellipse((140, 140), (15, 20)), np.array([[140.0, 120.0], [140.0, 150.0]])])
def test_a_small_digit_drawn_with_the_thickest_pen_is_read(stroke):
    """A 0 or a 1 of 30 to 40 px drawn with a 40 px pen: a blob in the picture, a shape in the strokes."""
    steps = read_drawing(None, pencil_json([Stroke(stroke, STROKE_WIDTH_RANGE[1])]))
    assert not steps.is_only_taps and not steps.is_too_small


def test_strokes_win_over_the_picture():
    picture = stroke_picture([Stroke(np.array([[10.0, 10.0], [270.0, 270.0]]), 18)])
    from_strokes = read_drawing(picture, CANVAS_JSON)
    np.testing.assert_array_equal(from_strokes.image, read_drawing(None, CANVAS_JSON).image)


def test_unreadable_strokes_fall_back_to_the_picture():
    picture = stroke_picture([Stroke(ellipse((140, 140), (60, 100)), 18)])
    steps = read_drawing(picture, {"objects": [{"type": "rect"}]})
    assert steps.reading_pen is None
    np.testing.assert_array_equal(steps.image, preprocess_canvas(picture).image)
    assert read_drawing(None, {"objects": [{"type": "rect"}]}) is None


def test_a_canvas_of_any_shape_is_read():
    wide = pencil_json([Stroke(np.array([[600.0, 40.0], [600.0, 160.0]]), 12)])
    steps = read_drawing(None, wide, shape=(200, 700))
    assert steps.ink.shape == (200, 700) and steps.bbox[1] > 580
    assert read_drawing(np.zeros((200, 700, 4), np.uint8), wide).ink.shape == (200, 700)


def test_a_small_zero_drawn_with_a_wide_pen_keeps_its_loop():
    zero = [Stroke(ellipse((30, 35), (9, 16)).round(), 18.0)]
    assert hole_area(read_strokes(zero).image[None]) >= 20
    assert hole_area(preprocess_canvas(stroke_picture(zero)).image[None]) == 0


# --- Switching parts of the path off ---------------------------------------------------------------------------

SMALL_SEVEN = pencil_json([Stroke(np.array([[20.0, 20.0], [80.0, 20.0], [45.0, 95.0]]), 18.0)])


def read_seven(**options):
    return read_drawing(None, SMALL_SEVEN, options=ReadingOptions(**options))


def test_without_the_strokes_the_picture_the_canvas_shows_is_read():
    steps = read_seven(strokes=False)
    assert steps.reading_pen is None and steps.strokes is None
    picture = canvas_picture(None, SMALL_SEVEN)
    np.testing.assert_array_equal(picture, stroke_picture(canvas_strokes(SMALL_SEVEN)))
    np.testing.assert_array_equal(steps.image, preprocess_canvas(picture).image)
    # The picture is drawn with the 18 px pen, the strokes are read with a thinner one: the ink differs.
    assert (steps.ink > 0).sum() > (read_seven().ink > 0).sum()


def test_a_picture_that_was_sent_is_read_as_it_is():
    picture = stroke_picture([Stroke(ellipse((140, 140), (60, 100)), 18)])
    steps = read_drawing(picture, SMALL_SEVEN, options=ReadingOptions(strokes=False))
    np.testing.assert_array_equal(steps.image, preprocess_canvas(picture).image)


def test_without_cropping_a_small_drawing_stays_small():
    steps = read_seven(steps=Steps(crop=False))
    assert steps.cropped.shape == steps.ink.shape == (280, 280)
    assert ink_extent(steps.image) < DIGIT_BOX / 2 and ink_extent(read_seven().image) == DIGIT_BOX


def test_without_fitting_the_drawing_is_stretched_over_the_whole_image():
    one = pencil_json([Stroke(np.array([[140.0, 40.0], [140.0, 240.0]]), 18.0)])
    stretched = read_drawing(None, one, options=ReadingOptions(steps=Steps(fit=False)))
    assert stretched.fitted.shape == stretched.image.shape == (IMAGE_SIZE, IMAGE_SIZE)
    assert (stretched.image > 0.5).any(axis=0).sum() > 20  # a thin 1 now fills the width
    assert read_drawing(None, one).fitted.shape[0] == DIGIT_BOX


def test_without_centring_by_mass_the_box_is_put_in_the_middle():
    steps = read_seven(steps=Steps(centre=False))
    height, width = steps.fitted.shape
    top, left = (IMAGE_SIZE - height) // 2, (IMAGE_SIZE - width) // 2
    np.testing.assert_array_equal(steps.image[top : top + height, left : left + width], steps.fitted)
    # A 7's ink is top-heavy: by its box it sits higher than centred by mass.
    assert ndimage_centre(steps.image)[0] < CENTRE_OF_MASS[0] - 0.5
    np.testing.assert_allclose(ndimage_centre(read_seven().image), CENTRE_OF_MASS, atol=0.5)


def test_without_stroke_normalisation_the_fitted_ink_is_only_resized():
    steps = read_seven(steps=Steps(normalise=False))
    np.testing.assert_array_equal(steps.fitted, fit_to_box(steps.cropped, DIGIT_BOX))
    assert not np.array_equal(steps.fitted, read_seven().fitted)


def test_the_tutorials_way_resizes_the_whole_picture():
    steps = read_seven(whole_canvas=True)
    np.testing.assert_array_equal(steps.image, resize_whole_canvas(canvas_picture(None, SMALL_SEVEN)).image)
    assert read_drawing(None, {"objects": []}, options=ReadingOptions(whole_canvas=True)) is None


def ink_extent(image) -> int:
    """The longest side, in pixels, of the box around float (28, 28)'s ink."""
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    return int(max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1)


def ndimage_centre(image):
    from scipy import ndimage

    return np.array(ndimage.center_of_mass(image))


# --- Today's path, byte for byte ------------------------------------------------------------------------------

# The draw page's readings of a few drawings, saved before the reading path had options: its defaults must go on
# giving exactly these images. Rewrite it only for a deliberate change of the path: `python -m tests.test_reading`.
TODAYS_READINGS = ROOT_DIR / "tests" / "data" / "todays_readings.npz"


def todays_drawings() -> dict[str, tuple]:
    """name -> (image_data, json_data, shape): strokes as the canvas sends them, and pictures read as the
    fallback, in the conditions the draw page meets."""
    from bench.browser import DIGIT_STROKES
    from tests.conftest import make_canvas

    def strokes(points, width=18.0):
        return pencil_json([Stroke(np.asarray(path, dtype=float), width) for path in points])

    return {
        "two strokes": (None, CANVAS_JSON, None),
        **{f"strokes of a {digit}": (None, strokes(paths), None) for digit, paths in DIGIT_STROKES.items()},
        "small zero in a corner": (None, strokes([ellipse((30, 35), (9, 16)).round()]), None),
        "thin pen": (None, strokes(DIGIT_STROKES[7], 6.0), None),
        "wide canvas": (None, strokes([[(600.0, 40.0), (600.0, 160.0)]], 12.0), (200, 700)),
        "picture of a seven": (make_canvas(), None, None),
        "picture of a zero": (make_canvas(shape="zero"), None, None),
        "picture, white on black": (make_canvas(ink=(255, 255, 255), background=(0, 0, 0, 255)), None, None),
        "picture, transparent": (make_canvas(background=(0, 0, 0, 0)), None, None),
        "picture, small with a thick pen": (make_canvas(shape="zero", box=(0.1, 0.1, 0.2, 0.3)), None, None),
        "picture, thin pen": (make_canvas(shape="one", width=4), None, None),
    }


@pytest.mark.parametrize("options", [None, DRAW_PAGE, ReadingOptions(steps=Steps())], ids=["no options", "draw page",
                         "all steps"])  # fmt: skip
def test_the_default_options_give_exactly_todays_images(options):
    extra = {} if options is None else {"options": options}
    with np.load(TODAYS_READINGS) as saved:
        for index, (name, (image_data, json_data, shape)) in enumerate(todays_drawings().items()):
            steps = read_drawing(image_data, json_data, shape, **extra)
            assert steps.image.tobytes() == saved[f"{index}_image"].tobytes(), name
            assert steps.fitted.tobytes() == saved[f"{index}_fitted"].tobytes(), name
            assert steps.bbox == tuple(saved[f"{index}_bbox"]), name


def write_todays_readings() -> None:
    arrays = {}
    for index, (image_data, json_data, shape) in enumerate(todays_drawings().values()):
        steps = read_drawing(image_data, json_data, shape)
        arrays |= {f"{index}_image": steps.image, f"{index}_fitted": steps.fitted, f"{index}_bbox": steps.bbox}
    np.savez_compressed(TODAYS_READINGS, **arrays)


if __name__ == "__main__":
    write_todays_readings()
