"""Real pen handwriting: UNIPEN digits and non-digits, their clean-up, and the split by writer."""

from __future__ import annotations

import pytest

from digitlab.config import UNIPEN_DIGITS_PATH, UNIPEN_NONDIGITS_PATH
from digitlab.data import DataNotFoundError
from digitlab.drawn.drawings import NOT_A_DIGIT
from digitlab.drawn.unipen import (
    NONDIGIT_KINDS,
    SEVERAL_ZEROS_SOURCE,
    cap_per_writer,
    in_split,
    is_digit_like,
    load_nondigits,
    load_unipen_digits,
    writer_split,
)
from tests.conftest import write_ndjson

SEVEN = [[[0, 0], [40, 0], [15, 60]]]


def digit(label: int, writer: str, strokes=SEVEN, source: str = "data/1a/x/y.dat") -> dict:
    return {"label": label, "writer": writer, "source": source, "strokes": strokes}


@pytest.fixture
def sample(tmp_path):
    """Tiny data files in the shared folder's formats."""
    digits, letters, gestures = tmp_path / "digits.ndjson.gz", tmp_path / "letters.ndjson.gz", tmp_path / "g.ndjson.gz"
    write_ndjson(
        digits,
        [
            digit(7, "apa/w1"),
            digit(7, "apa/w1"),  # the same ink again: a duplicate
            digit(1, "ibm/02", [[[0, 0], [80, 2]]]),  # a flat stroke labelled 1
            digit(0, "val/val01", [[[0, 0], [10, 10], [0, 20]]], SEVERAL_ZEROS_SOURCE),
            digit(4, "syn/w2", [[[0, 0], [0, 30], [20, 30]], [[15, 0], [15, 60]]]),
        ],
    )
    write_ndjson(
        letters,
        [
            {"label": "A", "category": "1b", "writer": "apa/w1", "strokes": [[[0, 60], [20, 0], [40, 60]]]},
            {"label": "o", "category": "1c", "writer": "apa/w1", "strokes": [[[0, 0], [9, 9], [0, 18], [0, 0]]]},
            {"label": ".", "category": "1d", "writer": "apa/w1", "strokes": [[[0, 0], [1, 1]]]},
            {"label": "#", "category": "1d", "writer": "syn/w2", "strokes": [[[0, 0], [9, 9]], [[9, 0], [0, 9]]]},
        ],
    )
    write_ndjson(gestures, [{"name": "star", "subject": "user6", "points": [[0, 0], [5, 9], [9, 0], [0, 6], [9, 6]]}])
    return digits, letters, gestures


def test_digits_lose_duplicates_and_known_mislabels(sample):
    digits = load_unipen_digits(sample[0])
    assert [(d.label, d.writer) for d in digits] == [(7, "apa/w1"), (4, "syn/w2")]
    assert digits[1].kind == "digit" and digits[1].symbol == "4" and len(digits[1].strokes) == 2
    assert digits[0].strokes[0].dtype.name == "float32" and digits[0].strokes[0].shape == (3, 2)


def test_nondigits_have_kinds_and_no_tiny_marks(sample):
    nondigits = load_nondigits(sample[1], sample[2])
    assert [(d.kind, d.symbol) for d in nondigits] == [
        ("upper", "A"),
        ("lower", "o"),
        ("symbol", "#"),
        ("gesture", "star"),
    ]
    assert {d.label for d in nondigits} == {NOT_A_DIGIT} and {d.kind for d in nondigits} == set(NONDIGIT_KINDS)
    assert nondigits[-1].writer == "gestures/user6"
    assert [is_digit_like(d) for d in nondigits] == [False, True, False, False]


def test_a_missing_file_says_where_to_get_it(tmp_path):
    with pytest.raises(DataNotFoundError, match="zenodo.1195803"):
        load_unipen_digits(tmp_path / "absent.ndjson.gz")


def test_every_writer_has_one_split_in_every_data_set():
    assert writer_split("apa/w1") == writer_split("apa/w1") in {"train", "validation", "test"}
    assert writer_split("ceb/gb2911") == writer_split("cea/gb2911")  # one person, two contributors
    assert writer_split("gestures/user5") == "validation" and writer_split("gestures/user6") == "test"
    shares = [writer_split(f"w/{index}") for index in range(2000)]
    assert 0.65 < shares.count("train") / 2000 < 0.75 and 0.12 < shares.count("test") / 2000 < 0.18


def test_splits_and_caps_keep_whole_writers(sample):
    digits = load_unipen_digits(sample[0]) * 3
    assert sum(len(in_split(digits, split)) for split in ("train", "validation", "test")) == len(digits)
    capped = cap_per_writer(digits, 2)
    assert [d.writer for d in capped].count("apa/w1") == 2 and len(capped) == 4


@pytest.mark.skipif(not UNIPEN_DIGITS_PATH.is_file(), reason=f"UNIPEN digits are not at {UNIPEN_DIGITS_PATH}")
def test_the_shared_digits_are_258_writers_without_duplicates():
    digits = load_unipen_digits()
    assert 15_300 < len(digits) < 15_953 and len({d.writer for d in digits}) == 258
    assert {d.label for d in digits} == set(range(10))


@pytest.mark.skipif(not UNIPEN_NONDIGITS_PATH.is_file(), reason=f"non-digits are not at {UNIPEN_NONDIGITS_PATH}")
def test_the_shared_nondigits_have_every_kind_in_every_split():
    nondigits = [d for d in load_nondigits() if not is_digit_like(d)]
    for split in ("train", "validation", "test"):
        kinds = {d.kind for d in in_split(nondigits, split)}
        assert kinds == set(NONDIGIT_KINDS), split
