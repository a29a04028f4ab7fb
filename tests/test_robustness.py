"""Behaviour of the bundled model on drawings: invariance to how a digit is drawn, and honesty on non-digits."""

from functools import partial

import numpy as np
import pytest

from digitlab.config import CONFIDENT_THRESHOLD, PENDIGITS_PATH
from digitlab.drawn.canvas import CONDITIONS, draw_condition, draw_on_canvas
from digitlab.drawn.drawings import every_kth
from digitlab.drawn.harness import READERS, Pipeline, score_drawings
from digitlab.drawn.pendigits import load_pendigits
from digitlab.drawn.synthetic import GENERATORS, make_nondigits
from digitlab.model import load_model, predict_proba, predict_readings
from digitlab.robustness import (
    drawn_digit_report,
    expected_calibration_error,
    format_report,
    handwriting_report,
    handwriting_sets,
    is_flagged,
    left_out_report,
    main,
    nondigit_report,
    thick_pen_summary,
    writer_interval,
)
from tests.conftest import writers_in

needs_pendigits = pytest.mark.skipif(
    not PENDIGITS_PATH.is_file(), reason=f"the pen-drawn development set is not at {PENDIGITS_PATH}"
)


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def pipelines(model):
    return {name: Pipeline(reader, partial(predict_proba, model)) for name, reader in READERS.items()}


def read(model, canvases, reader: str = "canvas picture") -> np.ndarray:
    """(N, 10) probabilities of the model on canvases (`CanvasDrawing`s), read like the app reads them."""
    return predict_readings(partial(predict_proba, model), [READERS[reader](canvas) for canvas in canvases])


@pytest.fixture(scope="module")
def pen_digits():
    return every_kth(load_pendigits(), 150) if PENDIGITS_PATH.is_file() else []


def test_calibration_error_is_zero_when_confidence_matches_accuracy():
    confidence = np.array([0.9] * 10 + [0.6] * 10)
    correct = np.array([True] * 9 + [False] + [True] * 6 + [False] * 4)
    assert expected_calibration_error(confidence, correct) == pytest.approx(0.0)


def test_calibration_error_measures_overconfidence():
    confidence = np.full(10, 0.95)
    correct = np.array([True] * 5 + [False] * 5)
    assert expected_calibration_error(confidence, correct) == pytest.approx(0.45)


def test_flagging_uses_the_confidence_threshold():
    sure, unsure = np.eye(10)[3], np.full(10, 0.1)
    assert is_flagged(np.stack([sure, unsure])).tolist() == [False, True]
    assert 0 < CONFIDENT_THRESHOLD < 1


def test_writer_interval_is_narrow_when_every_writer_scores_alike():
    writers = np.repeat(np.arange(10), 20)
    correct = np.tile([True] * 18 + [False] * 2, 10)
    assert writer_interval(correct, writers) == pytest.approx((0.9, 0.9))


def test_writer_interval_widens_when_one_writer_is_always_wrong():
    """Same 90 % overall, but all the mistakes are one writer's: other writers could score 70 % or 100 %."""
    writers = np.repeat(np.arange(10), 20)
    correct = writers != 3
    low, high = writer_interval(correct, writers)
    assert low < 0.8 and high == pytest.approx(1.0)


def test_writer_interval_needs_two_writers():
    assert writer_interval(np.ones(20, bool), np.zeros(20, int)) is None


def test_thick_pen_summary_scores_noted_drawings_apart():
    correct = np.array([True, False, True, True])
    noted = np.array([True, True, False, False])
    assert thick_pen_summary(correct, noted) == {"share": 0.5, "accuracy": 0.5, "others_accuracy": 1.0}
    assert thick_pen_summary(correct, np.zeros(4, bool))["accuracy"] is None


def test_report_lists_each_condition_with_its_interval_for_each_pipeline():
    drawn = {
        "conditions": {"centred": {"accuracy": 0.93, "interval": (0.9, 0.95)}, "small_corner": {"accuracy": 0.5}},
        "overall": {"accuracy": 0.9, "interval": (0.85, 0.94)},
        "flagged": 0.01,
        "calibration_error": 0.02,
        "mean_confidence": 0.9,
        "thick_pen": {"share": 0.12, "accuracy": 0.8, "others_accuracy": 0.95},
    }
    strokes = {**drawn, "overall": {"accuracy": 0.97}, "thick_pen": {"share": 0.0, "accuracy": None}}
    report = format_report(
        {"draw page": strokes, "canvas picture": drawn},
        {"draw page": {"scribble": 0.95}, "canvas picture": {"scribble": 0.9}},
        100,
    )
    assert "| condition | draw page | 95 % interval over writers | canvas picture |" in report
    assert "| centred | 93.00% | 90.00% – 95.00% | 93.00% | 90.00% – 95.00% |" in report
    assert "| small_corner | 50.00% | – | 50.00% | – |" in report
    assert "| overall | 97.00% | – | 90.00% | 85.00% – 94.00% |" in report
    assert "canvas picture: drawn with a pen a quarter" in report and "12.0% of the drawings, read at 80.00%" in report
    assert "draw page: drawn with a pen" not in report  # never noted: the strokes are redrawn
    assert "| scribble | 95.0% | 90.0% | yes |" in report


@needs_pendigits
def test_drawn_digit_report_brackets_each_accuracy_by_its_writer_interval(pipelines, pen_digits):
    report = drawn_digit_report(score_drawings(pipelines, pen_digits)["canvas picture"])
    assert set(report["conditions"]) == set(CONDITIONS)
    for result in [*report["conditions"].values(), report["overall"]]:
        low, high = result["interval"]
        assert low <= result["accuracy"] <= high
    assert 0 <= report["flagged"] <= 0.05
    # A small digit in a corner is drawn with a pen about a quarter of its size: most of those get the note.
    assert 0.5 / len(CONDITIONS) < report["thick_pen"]["share"] < 2 / len(CONDITIONS)


@needs_pendigits
def test_same_digit_gets_the_same_answer_however_it_is_drawn(model, pen_digits):
    """Sizes, positions, stroke widths, colours, transparency: one drawing, one answer."""
    answers = np.stack(
        [read(model, [draw_condition(digit, name) for name in CONDITIONS]).argmax(axis=1) for digit in pen_digits]
    )
    labels = np.array([digit.label for digit in pen_digits])
    consistent = (answers == answers[:, :1]).all(axis=1)
    assert consistent.mean() >= 0.9, f"{(~consistent).sum()} of {len(pen_digits)} digits change answer"
    assert (answers[consistent, 0] == labels[consistent]).mean() >= 0.95


@needs_pendigits
def test_the_draw_page_gives_one_answer_however_the_digit_is_drawn(model, pen_digits):
    """From the strokes the pen's width and the colours drop out, and a small digit keeps its loops."""
    answers = np.stack(
        [
            read(model, [draw_condition(digit, name) for name in CONDITIONS], "draw page").argmax(axis=1)
            for digit in pen_digits
        ]
    )
    consistent = (answers == answers[:, :1]).all(axis=1)
    assert consistent.mean() >= 0.95, f"{(~consistent).sum()} of {len(pen_digits)} digits change answer"


@needs_pendigits
def test_the_draw_page_report_covers_every_condition_and_never_notes_a_thick_pen(pipelines, pen_digits):
    report = drawn_digit_report(score_drawings(pipelines, pen_digits)["draw page"])
    assert set(report["conditions"]) == set(CONDITIONS)
    assert report["overall"]["interval"][0] <= report["overall"]["accuracy"] <= report["overall"]["interval"][1]
    assert report["thick_pen"]["share"] == 0
    assert report["flagged"] <= 0.05


@needs_pendigits
def test_real_drawn_digits_are_rarely_flagged(model, pen_digits):
    canvases = [draw_condition(digit, "centred") for digit in pen_digits]
    assert is_flagged(read(model, canvases)).mean() <= 0.05


@pytest.mark.parametrize("kind", ["scribble", "zigzag", "crossed_circle", "filled_blob", "letter_or_shape"])
def test_non_digits_are_flagged(model, kind):
    drawings = make_nondigits(kind, 30, seed=99)
    canvases = [draw_on_canvas(drawing, stroke_width=14) for drawing in drawings]
    assert is_flagged(read(model, canvases)).mean() >= 0.85


@needs_pendigits
def test_several_digits_at_once_are_flagged(model, pen_digits):
    drawings = make_nondigits("several_digits", 30, seed=98, digits=pen_digits)
    canvases = [draw_on_canvas(drawing, digit_size=0.9) for drawing in drawings]
    assert is_flagged(read(model, canvases)).mean() >= 0.85


@needs_pendigits
def test_the_nondigit_report_scores_every_kind_for_every_pipeline(pipelines, pen_digits):
    shares = nondigit_report(pipelines, pen_digits, count=4)
    assert set(shares) == set(READERS)
    assert set(shares["draw page"]) == {*GENERATORS, "several_digits"}
    assert all(0 <= share <= 1 for kinds in shares.values() for share in kinds.values())


def test_the_command_says_what_is_missing(tmp_path, capsys):
    assert main(["--pendigits", str(tmp_path / "absent.tra")]) == 2
    assert "pendigits-orig.tra" in capsys.readouterr().err


def test_real_handwriting_is_measured_on_test_writers_only(tiny_model, tiny_handwriting):
    sets = handwriting_sets()
    assert {d.writer for d in sets["digits"]} == set(writers_in("test", 2)) and len(sets["digits"]) == 20
    assert set(sets) == {"digits", "upper"}  # the gesture's author is a training writer
    pipelines = {"draw page": Pipeline(READERS["draw page"], partial(predict_proba, tiny_model))}
    report = handwriting_report(pipelines, sets)["draw page"]
    assert report["digits"]["overall"]["count"] == 20 and 0 <= report["upper"] <= 1


def test_each_left_out_kind_is_measured_with_the_model_that_never_saw_it(tiny_model, tiny_handwriting, tmp_path):
    (tmp_path / "upper").mkdir()
    tiny_model.save(tmp_path / "upper" / "digitlab_cnn.keras")
    results = left_out_report(tmp_path, handwriting_sets(), CONFIDENT_THRESHOLD)
    assert list(results) == ["upper"] and set(results["upper"]) == {"flagged", "digits_flagged"}
    text = format_report(
        {"draw page": {"conditions": {}, "overall": {"accuracy": 0.99}, "flagged": 0.01, "calibration_error": 0.005,
                       "mean_confidence": 0.99, "thick_pen": {"share": 0.0}}},
        {"draw page": {"scribble": 1.0}},
        10,
        {"draw page": {"digits": {"overall": {"accuracy": 0.985, "count": 20, "interval": (0.97, 0.99)},
                                  "flagged": 0.015, "calibration_error": 0.004}, "upper": 0.93}},
        {"upper": {"flagged": 0.91, "digits_flagged": 0.012}},
    )  # fmt: skip
    assert "| digits read right | 98.50% (97.00% – 99.00%) |" in text and "| upper flagged | 93.0% |" in text
    assert "| upper | 91.0% | 1.20% |" in text
