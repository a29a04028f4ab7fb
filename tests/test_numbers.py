"""A whole number on the canvas: split into digits by its strokes or its picture, each read by the draw page's path."""

import subprocess
import sys

import numpy as np
import pytest

import digitlab
from digitlab import numbers
from digitlab.config import CONFIDENT_THRESHOLD, NUM_CLASSES, ROOT_DIR
from digitlab.drawing import Stroke, canvas_strokes, pencil_json, stroke_picture
from digitlab.numbers import NumberReading, read_number, split_number
from digitlab.reading import read_strokes
from tests.conftest import DIGIT_PATHS, ellipse, number_paths, polyline

SHAPE = (240, 840)


def pieces(strokes: list[Stroke]) -> list[tuple[int, int, int, int]]:
    """The boxes of the pieces the strokes split into, as the canvas would send them."""
    return [piece.box for piece in split_number(None, pencil_json(strokes))]


def digit(character: str, left: float = 40, top: float = 40) -> list[Stroke]:
    return number_paths(character, left, top)


@pytest.mark.parametrize("character", ["4", "5", "7"])
def test_a_digit_drawn_in_two_strokes_stays_one_piece(character):
    """The 4's strokes cross, the 5's flag touches its body, the 7's crossbar lies within its width."""
    assert len(DIGIT_PATHS[character]) == 2
    assert len(pieces(digit(character))) == 1


def test_two_ones_side_by_side_are_two_pieces():
    assert len(pieces(number_paths("11"))) == 2


def test_two_zeros_that_touch_are_one_piece_that_is_not_a_confident_digit():
    touching = [Stroke(ellipse((120, 120), (40, 76)), 12), Stroke(ellipse((200, 120), (40, 76)), 12)]
    assert len(pieces(touching)) == 1
    reading = read_number(None, pencil_json(touching))
    assert reading.digits == [None] and reading.touching == [True]


def test_a_4_whose_stem_does_not_touch_stays_one_digit():
    """An open 4: the stem just right of the corner, reaching lower than the rest: not a digit of its own."""
    open_four = [Stroke(polyline((60, 40), (20, 130), (96, 130)), 12), Stroke(polyline((110, 80), (110, 196)), 12)]
    assert len(pieces(open_four)) == 1


def test_a_digit_reaching_under_the_one_before_stays_apart():
    """A 1 written close after a 7, its foot under the 7's bar: their ink overlaps horizontally, a little."""
    seven = digit("7")  # ink from x = 40 to 140
    one = [Stroke(polyline((152, 50), (134, 196)), 12)]
    assert len(pieces(seven + one)) == 2
    assert read_number(None, pencil_json(seven + one)).digits == [7, 1]


def test_a_number_is_read_left_to_right_with_boxes_round_its_ink():
    reading = read_number(None, pencil_json(number_paths("7041")))
    assert reading.digits == [7, 0, 4, 1] and reading.text == "7041" and reading.is_confident
    lefts = [box[0] for box in reading.boxes]
    assert lefts == sorted(lefts) and len(set(lefts)) == 4
    # The first digit's ink: its pointer path from x = 46 to 134 and y = 48 to 196, widened by half the pen.
    assert reading.boxes[0] == pytest.approx((40, 42, 140, 202), abs=1)


def test_the_strokes_may_come_in_any_order():
    strokes = number_paths("150")
    assert read_number(None, pencil_json(strokes[::-1])).digits == [1, 5, 0]


def test_the_contract():
    """read_number(picture, json, model) -> digits, confidences and boxes, one each per piece, left to right."""
    assert digitlab.read_number is read_number
    reading = read_number(None, pencil_json(number_paths("47")))
    assert isinstance(reading, NumberReading)
    assert len(reading.digits) == len(reading.confidences) == len(reading.boxes) == 2
    assert all(isinstance(value, int) and 0 <= value <= 9 for value in reading.digits)
    assert all(isinstance(value, float) and 0.0 <= value <= 1.0 for value in reading.confidences)
    assert all(len(box) == 4 and all(isinstance(value, int) for value in box) for box in reading.boxes)
    assert reading.probabilities.shape == (2, NUM_CLASSES) and reading.probabilities.dtype == np.float32
    assert [steps.image.shape for steps in reading.steps] == [(28, 28), (28, 28)]


@pytest.mark.parametrize("json_data", [None, {"version": "7.4.0", "objects": []}])
def test_an_empty_canvas_gives_empty_lists_without_loading_a_model(json_data, monkeypatch):
    monkeypatch.setattr(numbers, "bundled_model", lambda: pytest.fail("an empty canvas needs no model"))
    for picture in (None, np.full((*SHAPE, 4), 255, np.uint8)):
        reading = read_number(picture, json_data)
        assert (reading.digits, reading.confidences, reading.boxes, reading.text) == ([], [], [], "")
        assert reading.probabilities.shape == (0, NUM_CLASSES) and not reading.is_confident


def test_the_picture_is_read_where_the_strokes_cannot_be():
    json_data = pencil_json(number_paths("705"))
    picture = stroke_picture(canvas_strokes(json_data), SHAPE)
    from_picture = read_number(picture, {"objects": [{"type": "rect"}]})
    from_strokes = read_number(None, json_data)
    assert from_picture.digits == from_strokes.digits == [7, 0, 5]
    for (left, top, right, bottom), box in zip(from_picture.boxes, from_strokes.boxes, strict=True):
        assert np.allclose((left, top, right, bottom), box, atol=2)
    assert read_number(picture, None).digits == [7, 0, 5]


def test_the_picture_of_touching_digits_is_one_piece_that_is_not_a_confident_digit():
    touching = [Stroke(ellipse((120, 120), (40, 76)), 12), Stroke(ellipse((200, 120), (40, 76)), 12)]
    reading = read_number(stroke_picture(touching, SHAPE), None)
    assert reading.digits == [None] and reading.touching == [True]
    assert read_number(stroke_picture(number_paths("0"), SHAPE), None).digits == [0]


@pytest.mark.parametrize("scale", [0.5, 1.0, 1.6])
def test_any_canvas_size_is_read_in_its_own_pixels(scale):
    strokes = [Stroke(stroke.points * scale, stroke.width * scale) for stroke in number_paths("41")]
    reading = read_number(None, pencil_json(strokes))
    assert reading.digits == [4, 1]
    assert reading.boxes[1][2] == pytest.approx((40 + 150 + 62 + 6) * scale, abs=2)


def test_a_piece_larger_than_any_screen_is_read_as_at_its_usual_size():
    """Drawn on a canvas 20 times the page's, each digit is longer than a piece is ever drawn to be read."""
    strokes = [Stroke(stroke.points * 20, stroke.width * 20) for stroke in number_paths("41")]
    reading = read_number(None, pencil_json(strokes))
    assert min(max(right - left, bottom - top) for left, top, right, bottom in reading.boxes) > numbers.MAX_PIECE_SIDE
    assert reading.digits == [4, 1]
    usual = read_number(None, pencil_json(number_paths("41")))
    assert np.corrcoef(reading.steps[0].image.ravel(), usual.steps[0].image.ravel())[0, 1] > 0.9


@pytest.mark.parametrize(
    "stroke",
    [Stroke(np.array([[-1e12, 0.0], [1e12, 5e11]]), 12), Stroke(np.array([[10.0, 10.0], [100.0, 100.0]]), 1e9)],
    ids=["coordinates", "pen"],
)
def test_sizes_no_canvas_sends_are_read_without_running_out_of_memory(stroke):
    reading = read_number(None, pencil_json([stroke]))
    assert len(reading.digits) == 1 and len(reading.boxes) == 1


def test_each_piece_is_read_as_the_draw_page_reads_its_strokes():
    strokes = number_paths("70")
    seven = canvas_strokes(pencil_json(strokes[:2]))
    first = split_number(None, pencil_json(strokes))[0]
    np.testing.assert_allclose(first.steps.image, read_strokes(seven, SHAPE).image, atol=1e-6)


def test_a_mark_beside_the_digits_is_not_a_digit():
    dot = [Stroke(np.array([[200.0, 190.0]]), 12)]
    reading = read_number(None, pencil_json(number_paths("1") + dot + number_paths("7", left=240)))
    assert reading.digits == [1, None, 7] and reading.marks == [False, True, False]


def dash(left: float, right: float, height: float) -> Stroke:
    """A short straight stroke across, drawn from `left` to `right` at `height`."""
    return Stroke(polyline((left, height), (right, height)), 12)


def test_a_dash_before_a_number_level_with_its_middle_is_its_minus_sign():
    """The 4 and the 1 stand from y = 44 to 196; the dash, at 120, ends 40 px before the 4's ink."""
    strokes = [dash(10, 60, 120), *number_paths("41", left=100)]
    reading = read_number(None, pencil_json(strokes))
    assert reading.digits == [4, 1] and reading.text == "-41" and reading.is_confident
    assert reading.minus == pytest.approx((4, 114, 66, 126), abs=1)
    assert len(reading.boxes) == len(reading.confidences) == len(reading.steps) == len(reading.probabilities) == 2
    assert reading.boxes == read_number(None, pencil_json(strokes[1:])).boxes
    # The picture alone: the same sign, from the same ink.
    from_picture = read_number(stroke_picture(canvas_strokes(pencil_json(strokes)), SHAPE), None)
    assert from_picture.text == "-41" and from_picture.minus == pytest.approx(reading.minus, abs=2)


def test_a_minus_sign_written_close_to_the_first_digit_stays_apart_from_it():
    """Within a pen's width of the 4, where a stroke that does not stand on the digits' line would join it."""
    reading = read_number(None, pencil_json([dash(40, 86, 120), *number_paths("41", left=100)]))
    assert reading.text == "-41" and reading.minus[2] > reading.boxes[0][0] - 12


def test_a_minus_sign_that_touches_the_first_digit_is_still_a_minus_sign():
    """Its end on the 4's slant, a stroke of its own: the strokes say the two are apart."""
    reading = read_number(None, pencil_json([dash(40, 112, 120), *number_paths("41", left=100)]))
    assert reading.text == "-41" and reading.minus[2] > reading.boxes[0][0]


def test_a_minus_sign_may_reach_under_the_bar_of_a_7_but_a_crossbar_that_misses_the_stem_is_the_7s():
    """A 7 without a crossbar: its bar runs from x = 106 to 194, its stem crosses the middle (y = 122) at x = 150."""
    seven = Stroke(DIGIT_PATHS["7"][0] + (100, 40), 12)
    tucked = read_number(None, pencil_json([dash(60, 110, 122), seven]))  # a quarter of it under the bar
    assert tucked.text == "-7" and tucked.minus[2] > tucked.boxes[0][0]
    crossbar = read_number(None, pencil_json([dash(80, 136, 122), seven]))  # most of it under the bar
    assert crossbar.minus is None and len(crossbar.digits) == 1


@pytest.mark.parametrize(
    "mark",
    [
        [dash(10, 60, 190)],  # low, like a stroke under the line
        [dash(10, 60, 52)],  # high, like a stroke over it
        [dash(40, 56, 120)],  # a short tick, shorter than a quarter of the digit's height
        [Stroke(polyline((30, 100), (40, 140)), 12)],  # a line more upright than across
        [Stroke(np.array([[40.0, 120.0]]), 12)],  # a dot
        [dash(0, 80, 108), dash(0, 80, 132)],  # an equals sign: two dashes, one piece, as wide as a dash for its height
        [Stroke(np.array([[x, 120 + 7 * np.sin(x / 8)] for x in range(0, 81, 2)], float), 12)],  # a tilde, as wide
        [dash(-400, -350, 120)],  # far before the number
    ],
    ids=["low", "high", "short", "upright", "dot", "equals", "tilde", "far"],
)
def test_a_mark_before_a_number_that_is_not_a_dash_level_with_its_middle_is_no_minus_sign(mark):
    json_data = pencil_json([*mark, *number_paths("41", left=100)])
    reading = read_number(None, json_data)
    assert reading.minus is None and reading.digits == [None, 4, 1] and reading.marks == [True, False, False]
    assert read_number(stroke_picture(canvas_strokes(json_data), SHAPE), None).minus is None


def test_a_dash_between_digits_or_alone_is_no_minus_sign():
    between = read_number(None, pencil_json([*number_paths("4"), dash(170, 210, 120), *number_paths("1", left=260)]))
    assert between.minus is None and between.digits == [4, None, 1]
    alone = read_number(None, pencil_json([dash(10, 60, 120)]))
    assert alone.minus is None and alone.marks == [False] and alone.digits == [None]


def test_a_minus_sign_before_a_piece_that_is_not_sure_stays_a_minus_sign():
    touching = [Stroke(ellipse((140, 120), (40, 76)), 12), Stroke(ellipse((220, 120), (40, 76)), 12)]
    reading = read_number(None, pencil_json([dash(10, 60, 120), *touching]))
    assert reading.text == "-?" and reading.touching == [True] and not reading.is_confident


def test_dots_alone_are_a_mark_not_a_digit():
    """A colon on its own: its two dots overlap, so they are one piece, which the model reads as a confident 1."""
    colon = [Stroke(np.array([[200.0, 90.0]]), 12), Stroke(np.array([[200.0, 130.0]]), 12)]
    reading = read_number(None, pencil_json(colon))
    assert reading.digits == [None] and reading.marks == [True]
    assert read_number(None, pencil_json(number_paths("1"))).marks == [False]


def test_a_piece_the_model_is_not_sure_of_is_none(tiny_model):
    """The untrained model is sure of nothing: every piece is None, with its best guess's probability."""
    reading = read_number(None, pencil_json(number_paths("14")), tiny_model)
    assert reading.digits == [None, None] and reading.text == "??"
    assert all(confidence < CONFIDENT_THRESHOLD for confidence in reading.confidences)


def test_a_scribble_is_not_a_digit():
    scribble = Stroke(polyline(*[(60 + 80 * (index % 2), 40 + 12 * index) for index in range(14)]), 12)
    assert read_number(None, pencil_json([scribble])).digits == [None]


def test_the_pieces_are_read_in_one_padded_batch(monkeypatch):
    import digitlab.model

    batches = []
    monkeypatch.setattr(digitlab.model, "predict_batch", lambda model, inputs: batches.append(inputs.shape) or
                        np.full((len(inputs), NUM_CLASSES), 0.1, np.float32))  # fmt: skip
    reading = read_number(None, pencil_json(number_paths("0147")), model=object())
    assert batches == [(numbers.PIECE_BATCH, 28, 28, 1)] and len(reading.digits) == 4


def test_the_bundled_model_is_loaded_once():
    assert numbers.bundled_model() is numbers.bundled_model()


def test_importing_digitlab_does_not_import_keras():
    code = "import sys, digitlab; assert 'keras' not in sys.modules and 'jax' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT_DIR, check=True)
