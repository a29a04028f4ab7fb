"""The pen-drawn development set: parsing the UNIPEN file, the canvas-brush renderer and the accuracy harness."""

from __future__ import annotations

import numpy as np
import pytest

from digitlab import pendigits
from digitlab.config import PENDIGITS_PATH
from digitlab.pendigits import CONDITIONS, PenDigit

UNIPEN_SAMPLE = """.INCLUDE        dene.doc

.LEXICON "0" "1" "2" "3" "4" "5" "6" "7" "8" "9"
.HIERARCHY      DIGIT

.SEGMENT DIGIT    0 ? "7"
.COMMENT 7 3  12
.PEN_DOWN
 100  400
 300  400
 150  100
.PEN_UP
.DT 100

.SEGMENT DIGIT    1 ? "4"
.COMMENT 4 5   7
.PEN_DOWN
 100  400
 100  250
 300  250
.PEN_UP
.DT 100
.PEN_DOWN
 250  400
 250  100
.PEN_UP
"""


@pytest.fixture(scope="module")
def pen_digits() -> list[PenDigit]:
    if not PENDIGITS_PATH.is_file():
        pytest.skip(f"pen-drawn data not found at {PENDIGITS_PATH} (it lives outside the repository)")
    return pendigits.load_pendigits()


@pytest.fixture
def box_digit() -> PenDigit:
    """A synthetic digit whose centre line spans a 100 x 200 box (wide x tall), in one open stroke."""
    stroke = np.array([[0, 0], [100, 0], [100, 200], [0, 200]], dtype=np.float32)
    return PenDigit(label=7, writer=1, strokes=(stroke,))


def ink_box(rgba: np.ndarray, background_alpha: bool = False) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of the pixels that differ from the top-left background pixel."""
    channel = rgba[..., 3] if background_alpha else rgba[..., :3]
    ink = np.abs(channel.astype(int) - channel[0, 0].astype(int))
    ink = ink.max(axis=-1) if ink.ndim == 3 else ink
    rows, cols = np.flatnonzero((ink > 0).any(axis=1)), np.flatnonzero((ink > 0).any(axis=0))
    return int(rows[0]), int(cols[0]), int(rows[-1]) + 1, int(cols[-1]) + 1


def test_pendigits_file_has_every_digit_of_30_writers(pen_digits):
    assert len(pen_digits) == 7494
    assert len({digit.writer for digit in pen_digits}) == 30
    assert {digit.label for digit in pen_digits} == set(range(10))
    assert all(stroke.ndim == 2 and stroke.shape[1] == 2 for digit in pen_digits for stroke in digit.strokes)


def test_pendigits_y_axis_is_flipped_to_screen_coordinates(pen_digits):
    # The file's first digit, an "8" by writer 12, starts at (267, 333) with y pointing up.
    first = pen_digits[0]
    assert (first.label, first.writer) == (8, 12)
    np.testing.assert_allclose(first.strokes[0][0], [267, 500 - 333])


def test_unipen_records_with_several_strokes_are_parsed(tmp_path):
    path = tmp_path / "sample.tra"
    path.write_text(UNIPEN_SAMPLE)
    seven, four = pendigits.load_pendigits(path)
    assert (seven.label, seven.writer, len(seven.strokes)) == (7, 3, 1)
    assert (four.label, four.writer, len(four.strokes)) == (4, 5, 2)
    np.testing.assert_allclose(four.strokes[1], [[250, 100], [250, 400]])


def test_missing_pendigits_file_says_where_to_put_it(tmp_path):
    with pytest.raises(pendigits.PendigitsNotFoundError, match="pendigits-orig.tra"):
        pendigits.load_pendigits(tmp_path / "absent.tra")


def test_every_kth_keeps_every_writer():
    digits = [PenDigit(label=i % 10, writer=i % 3, strokes=(np.zeros((1, 2)),)) for i in range(30)]
    chosen = pendigits.every_kth(digits, 5)
    assert len(chosen) == 6
    assert {digit.writer for digit in chosen} == {0, 1, 2}


def test_smoothing_keeps_end_points_and_adds_points():
    points = np.array([[0, 0], [10, 0], [10, 10]], dtype=np.float32)
    smooth = pendigits.smooth_stroke(points)
    assert len(smooth) > len(points)
    np.testing.assert_allclose(smooth[[0, -1]], points[[0, -1]])


def test_rendered_digit_is_an_rgba_canvas_with_antialiased_ink(box_digit):
    canvas = pendigits.render_digit(box_digit)
    assert canvas.shape == (280, 280, 4) and canvas.dtype == np.uint8
    assert (canvas[..., 3] == 255).all()
    grey = canvas[..., 0]
    assert (grey == 0).any() and (grey == 255).any()
    assert ((grey > 20) & (grey < 235)).any(), "stroke edges should be anti-aliased"


def test_rendered_digit_has_requested_size_position_and_aspect(box_digit):
    canvas = pendigits.render_digit(box_digit, digit_size=0.5, centre=(0.3, 0.6), stroke_width=10)
    top, left, bottom, right = ink_box(canvas)
    height, width = bottom - top, right - left
    assert height == pytest.approx(140, abs=3)
    # The centre line is 1:2, so the ink (centre line plus the pen) is (130 / 2 + 10) wide.
    assert width == pytest.approx(75, abs=3)
    assert ((left + right) / 2, (top + bottom) / 2) == pytest.approx((84, 168), abs=2)


def test_small_digit_stays_inside_its_corner(box_digit):
    canvas = pendigits.render_condition(box_digit, "small_corner")
    top, left, bottom, right = ink_box(canvas)
    assert bottom <= 140 and right <= 140
    assert max(bottom - top, right - left) == pytest.approx(0.25 * 280, abs=3)


def test_thick_stroke_draws_more_ink_than_thin(box_digit):
    thin = pendigits.render_condition(box_digit, "thin_stroke")
    thick = pendigits.render_condition(box_digit, "thick_stroke")
    assert (thick[..., 0] < 128).sum() > 3 * (thin[..., 0] < 128).sum()


def test_transparent_background_carries_the_ink_in_alpha(box_digit):
    canvas = pendigits.render_condition(box_digit, "transparent")
    alpha = canvas[..., 3]
    assert alpha[0, 0] == 0 and alpha.max() == 255
    assert np.median(alpha) == 0
    assert (canvas[alpha == 255][:, :3] == 0).all()


@pytest.mark.parametrize("name", ["light_on_dark", "coloured"])
def test_ink_and_background_colours_are_painted(box_digit, name):
    canvas = pendigits.render_condition(box_digit, name)
    params = CONDITIONS[name]
    assert tuple(canvas[0, 0]) == tuple(params["background"])
    pixels = {tuple(pixel) for pixel in canvas.reshape(-1, 4)}
    assert (*params["ink"], 255) in pixels


def test_every_condition_renders_a_real_digit(pen_digits):
    rng = np.random.default_rng(0)
    for name in CONDITIONS:
        canvas = pendigits.render_condition(pen_digits[0], name, rng)
        assert canvas.shape == (280, 280, 4)
        assert len(np.unique(canvas.reshape(-1, 4), axis=0)) > 2, name


def test_accuracy_harness_scores_each_condition(box_digit):
    digits = [box_digit] * 3
    right = pendigits.drawn_digit_accuracy(lambda canvases: np.full(len(canvases), 7), digits, ["centred", "large"])
    assert set(right["conditions"]) == {"centred", "large"}
    assert right["overall"]["accuracy"] == 1.0 and right["overall"]["count"] == 6
    blank = pendigits.drawn_digit_accuracy(lambda canvases: np.full(len(canvases), -1), digits, ["centred"])
    assert blank["overall"]["accuracy"] == 0.0
    assert blank["conditions"]["centred"]["confusion"][7, 10] == 3


def test_accuracy_harness_shows_the_same_canvases_to_every_predictor(box_digit):
    seen = []
    for _ in range(2):
        pendigits.drawn_digit_accuracy(
            lambda canvases: seen.append(canvases.copy()) or np.zeros(len(canvases)), [box_digit], ["off_centre"]
        )
    np.testing.assert_array_equal(seen[0], seen[1])


def test_canvas_predictor_reads_blank_canvases_as_no_digit(tiny_model, box_digit):
    predict = pendigits.canvas_predictor(tiny_model)
    canvases = np.stack([pendigits.render_digit(box_digit), np.full((280, 280, 4), 255, np.uint8)])
    labels = predict(canvases)
    assert labels.shape == (2,)
    assert 0 <= labels[0] <= 9 and labels[1] == -1
