"""The pen-drawn development set: parsing the UNIPEN file, and every writer kept when subsampling."""

from __future__ import annotations

import numpy as np
import pytest

from digitlab.config import PENDIGITS_PATH
from digitlab.data import DataNotFoundError
from digitlab.drawn.drawings import PenDrawing, every_kth
from digitlab.drawn.pendigits import load_pendigits

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
def pen_digits() -> list[PenDrawing]:
    if not PENDIGITS_PATH.is_file():
        pytest.skip(f"pen-drawn data not found at {PENDIGITS_PATH} (it lives outside the repository)")
    return load_pendigits()


def test_pendigits_file_has_every_digit_of_30_writers(pen_digits):
    assert len(pen_digits) == 7494
    assert len({digit.writer for digit in pen_digits}) == 30
    assert {digit.label for digit in pen_digits} == set(range(10))
    assert all(stroke.ndim == 2 and stroke.shape[1] == 2 for digit in pen_digits for stroke in digit.strokes)


def test_pendigits_y_axis_is_flipped_to_screen_coordinates(pen_digits):
    # The file's first digit, an "8" by writer 12, starts at (267, 333) with y pointing up.
    first = pen_digits[0]
    assert (first.label, first.writer) == (8, "pendigits/12")
    np.testing.assert_allclose(first.strokes[0][0], [267, 500 - 333])


def test_unipen_records_with_several_strokes_are_parsed(tmp_path):
    path = tmp_path / "sample.tra"
    path.write_text(UNIPEN_SAMPLE)
    seven, four = load_pendigits(path)
    assert (seven.label, seven.writer, len(seven.strokes)) == (7, "pendigits/03", 1)
    assert (four.label, four.writer, len(four.strokes)) == (4, "pendigits/05", 2)
    np.testing.assert_allclose(four.strokes[1], [[250, 100], [250, 400]])


def test_missing_pendigits_file_says_where_to_put_it(tmp_path):
    with pytest.raises(DataNotFoundError, match="pendigits-orig.tra"):
        load_pendigits(tmp_path / "absent.tra")


def test_every_kth_keeps_every_writer():
    digits = [PenDrawing(label=i % 10, writer=str(i % 3), strokes=(np.zeros((1, 2)),)) for i in range(30)]
    chosen = every_kth(digits, 5)
    assert len(chosen) == 6
    assert {digit.writer for digit in chosen} == {"0", "1", "2"}
