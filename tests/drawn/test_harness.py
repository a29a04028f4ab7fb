"""The one drawn-accuracy harness: every pipeline sees the same drawings, each reader reads them once."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

from digitlab.config import NUM_CLASSES
from digitlab.drawn.canvas import CONDITIONS
from digitlab.drawn.drawings import NOT_A_DIGIT, PenDrawing
from digitlab.drawn.harness import READERS, Pipeline, score_drawings, score_in_random_conditions
from digitlab.model import predict_proba


def always(digit: int):
    """A classifier that answers `digit` with certainty."""
    return lambda images: np.tile(np.eye(NUM_CLASSES, dtype=np.float32)[digit], (len(images), 1))


@pytest.fixture
def sevens() -> list[PenDrawing]:
    stroke = np.array([[0, 0], [100, 0], [40, 200]], dtype=np.float32)
    return [PenDrawing(label=7, writer=f"test/{index % 2}", strokes=(stroke,)) for index in range(3)]


def test_scores_each_condition_and_all_of_them(sevens):
    scores = score_drawings({"sure": Pipeline(READERS["draw page"], always(7))}, sevens, ["centred", "large"])["sure"]
    assert scores.condition_names == ["centred", "large"]
    assert scores.accuracy() == scores.accuracy("large") == 1.0 and len(scores.labels) == 6
    assert set(scores.writers) == {"test/0", "test/1"}
    assert scores.summary() == {"accuracy": 1.0, "count": 6, "conditions": {"centred": 1.0, "large": 1.0}}
    wrong = score_drawings({"wrong": Pipeline(READERS["draw page"], always(1))}, sevens, ["centred"])["wrong"]
    assert wrong.accuracy() == 0.0 and wrong.confusion()[7, 1] == 3


def test_a_blank_reading_is_never_right_and_counts_as_no_digit(sevens):
    pipeline = Pipeline(lambda canvas: None, always(7))
    scores = score_drawings({"blind": pipeline}, sevens, ["centred"])["blind"]
    assert not scores.is_read.any() and (scores.answers == NOT_A_DIGIT).all()
    assert scores.accuracy() == 0.0 and scores.confusion()[7, NUM_CLASSES] == 3


def test_every_pipeline_sees_the_same_drawings_and_each_reader_reads_once(sevens):
    seen: dict[str, list] = {"a": [], "b": []}

    def reader(canvas):
        seen["a"].append(canvas.picture.copy())
        return READERS["canvas picture"](canvas)

    def other_reader(canvas):
        seen["b"].append(canvas.picture.copy())
        return READERS["canvas picture"](canvas)

    pipelines = {"one": Pipeline(reader, always(7)), "two": Pipeline(reader, always(1))}
    pipelines["three"] = Pipeline(other_reader, always(7))
    score_drawings(pipelines, sevens, ["off_centre"], seed=3)
    assert len(seen["a"]) == len(seen["b"]) == len(sevens)  # one reading per reader, not per pipeline
    for first, second in zip(seen["a"], seen["b"], strict=True):
        np.testing.assert_array_equal(first, second)


def test_the_jitter_is_seeded(sevens):
    def pictures(seed: int) -> list[np.ndarray]:
        shown = []
        score_drawings({"x": Pipeline(lambda c: shown.append(c.picture) or None, always(7))}, sevens, seed=seed)
        return shown

    first, again, other = pictures(0), pictures(0), pictures(1)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other, strict=True))


def test_random_conditions_are_drawn_per_drawing(sevens):
    scores = score_in_random_conditions({"x": Pipeline(READERS["draw page"], always(7))}, sevens * 10,
                                        np.random.default_rng(0))["x"]  # fmt: skip
    assert len(scores.labels) == 30 and set(scores.conditions) <= set(CONDITIONS)
    assert len(set(scores.conditions)) > 3


def test_the_draw_page_reads_a_digit_the_picture_reader_reads_too(tiny_model, sevens):
    classify = partial(predict_proba, tiny_model)
    pipelines = {name: Pipeline(reader, classify) for name, reader in READERS.items()}
    scores = score_drawings(pipelines, sevens[:1], ["centred", "thick_stroke"])
    for result in scores.values():
        assert result.is_read.all() and result.probabilities.shape == (2, NUM_CLASSES)
    # The draw page reads the strokes with its own pen: it never notes a thick pen; the picture may.
    assert not scores["draw page"].thick_pen.any()
