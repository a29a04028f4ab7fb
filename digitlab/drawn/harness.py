"""The one drawn-accuracy harness: pen drawings put on the canvas, read, classified, and scored.

A pipeline is how an app reads a drawing (a reader: what the canvas returns -> the prepared model input) and
the model that classifies it. Every pipeline sees the same drawings under the same conditions and jitter;
each drawing is read once per reader, however many models share that reader.

    scores = score_drawings({"draw page": Pipeline(READERS["draw page"], partial(predict_proba, model))}, digits)
    scores["draw page"].accuracy("small_corner")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from digitlab.config import NUM_CLASSES
from digitlab.drawn.canvas import CONDITIONS, CanvasDrawing, draw_on_canvas, jitter_params
from digitlab.drawn.drawings import NOT_A_DIGIT, PenDrawing
from digitlab.model import predict_readings
from digitlab.preprocess import Preprocessed, preprocess_canvas
from digitlab.reading import read_drawing

# Drawings put on the canvas and read per batch (each batch's pictures are dropped after it).
BATCH_SIZE = 256

Reader = Callable[[CanvasDrawing], Preprocessed | None]
Classifier = Callable[[np.ndarray], np.ndarray]

# How DigitLab can read a drawing: the draw page reads the canvas's JSON exactly as it does in the browser
# (the strokes drawn again with the reading pen); the canvas picture is its fallback when they cannot be read.
READERS: dict[str, Reader] = {
    "draw page": lambda canvas: read_drawing(None, canvas.json_data, canvas.shape),
    "canvas picture": lambda canvas: preprocess_canvas(canvas.picture),
}


@dataclass(frozen=True)
class Pipeline:
    """How one app reads a drawing (`reader`) and the classifier of the prepared images: float32 (N, 28, 28)
    -> (N, 10) probabilities."""

    reader: Reader
    classify: Classifier


@dataclass(frozen=True)
class DrawnScores:
    """One pipeline's answers on a set of drawings, one row per drawing put on the canvas.

    labels: int (N,), NOT_A_DIGIT for a non-digit; writers: (N,) writer keys; conditions: (N,) condition names;
    probabilities: float32 (N, 10), NaN rows where nothing was read (a blank canvas); thick_pen: bool (N,),
    the drawings the app notes as drawn with a pen thick for their size.
    """

    labels: np.ndarray
    writers: np.ndarray
    conditions: np.ndarray
    probabilities: np.ndarray
    thick_pen: np.ndarray

    @property
    def is_read(self) -> np.ndarray:
        """bool (N,): False where the canvas read as blank."""
        return ~np.isnan(self.probabilities[:, 0])

    @property
    def answers(self) -> np.ndarray:
        """int (N,): the most probable digit, NOT_A_DIGIT where nothing was read."""
        return np.where(self.is_read, np.nan_to_num(self.probabilities).argmax(axis=1), NOT_A_DIGIT)

    @property
    def correct(self) -> np.ndarray:
        """bool (N,): the answer is the label (a blank canvas is never right)."""
        return self.answers == self.labels

    @property
    def condition_names(self) -> list[str]:
        """The conditions, in the order they were drawn."""
        return list(dict.fromkeys(self.conditions.tolist()))

    def rows(self, condition: str | None = None) -> np.ndarray:
        """bool (N,): the drawings of one condition, or all of them."""
        return np.ones(len(self.labels), bool) if condition is None else self.conditions == condition

    def accuracy(self, condition: str | None = None) -> float:
        """Share of right answers, under one condition or all of them."""
        rows = self.rows(condition)
        return float(self.correct[rows].mean()) if rows.any() else float("nan")

    def summary(self) -> dict:
        """{"accuracy", "count", "conditions": {condition: accuracy}}: what the Compare models page shows."""
        return {
            "accuracy": self.accuracy(),
            "count": int(len(self.labels)),
            "conditions": {condition: self.accuracy(condition) for condition in self.condition_names},
        }

    def confusion(self, condition: str | None = None) -> np.ndarray:
        """int (10, 11) [true digit, answer] of the digits, column 10 counting blank canvases."""
        rows = self.rows(condition) & (self.labels >= 0)
        answers = np.where(self.answers[rows] >= 0, self.answers[rows], NUM_CLASSES)
        confusion = np.zeros((NUM_CLASSES, NUM_CLASSES + 1), dtype=int)
        np.add.at(confusion, (self.labels[rows], answers), 1)
        return confusion


def score_drawings(
    pipelines: Mapping[str, Pipeline],
    drawings: Sequence[PenDrawing],
    conditions: Iterable[str] | Mapping[str, dict] | None = None,
    seed: int = 0,
    batch_size: int = BATCH_SIZE,
) -> dict[str, DrawnScores]:
    """Every drawing put on the canvas under each condition (default: all of CONDITIONS), with jitter drawn from
    `seed`, and read by every pipeline -> {pipeline name: DrawnScores}, conditions one after the other."""
    table = _condition_table(conditions)
    placed = (
        (drawing, name, params, rng)
        for index, (name, params) in enumerate(table.items())
        for rng in [np.random.default_rng([seed, index])]
        for drawing in drawings
    )
    return _score_placed(pipelines, placed, batch_size)


def score_in_random_conditions(
    pipelines: Mapping[str, Pipeline],
    drawings: Sequence[PenDrawing],
    rng: np.random.Generator,
    batch_size: int = BATCH_SIZE,
) -> dict[str, DrawnScores]:
    """Each drawing put on the canvas once, under a condition drawn at random from CONDITIONS, jittered."""
    names = list(CONDITIONS)

    def placed():
        for drawing in drawings:
            name = names[rng.integers(len(names))]
            yield drawing, name, CONDITIONS[name], rng

    return _score_placed(pipelines, placed(), batch_size)


def _score_placed(pipelines: Mapping[str, Pipeline], placed: Iterable, batch_size: int) -> dict[str, DrawnScores]:
    """Score (drawing, condition name, its parameters, jitter rng) tuples in batches."""
    rows: list[tuple[int, str, str]] = []
    probabilities: dict[str, list[np.ndarray]] = {name: [] for name in pipelines}
    thick_pen: dict[str, list[np.ndarray]] = {name: [] for name in pipelines}
    batch: list[CanvasDrawing] = []

    def flush() -> None:
        readings_of: dict[int, list] = {}
        for name, pipeline in pipelines.items():
            key = id(pipeline.reader)
            if key not in readings_of:
                readings_of[key] = [pipeline.reader(canvas) for canvas in batch]
            readings = readings_of[key]
            probabilities[name].append(predict_readings(pipeline.classify, readings))
            thick_pen[name].append(np.array([r is not None and r.is_pen_thick for r in readings], dtype=bool))
        batch.clear()

    for drawing, condition, params, rng in placed:
        batch.append(draw_on_canvas(drawing, **jitter_params(params, rng)))
        rows.append((drawing.label, drawing.writer, condition))
        if len(batch) == batch_size:
            flush()
    if batch:
        flush()
    labels, writers, conditions = (np.array(column) for column in zip(*rows, strict=True)) if rows else ([],) * 3
    return {
        name: DrawnScores(
            np.asarray(labels, dtype=int),
            np.asarray(writers),
            np.asarray(conditions),
            _concatenate(probabilities[name], (0, NUM_CLASSES), np.float32),
            _concatenate(thick_pen[name], (0,), bool),
        )
        for name in pipelines
    }


def _concatenate(parts: list[np.ndarray], empty_shape: tuple, dtype) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(empty_shape, dtype)


def _condition_table(conditions: Iterable[str] | Mapping[str, dict] | None) -> dict[str, dict]:
    """Normalise the `conditions` argument to a mapping name -> drawing parameters."""
    if conditions is None:
        return dict(CONDITIONS)
    if isinstance(conditions, Mapping):
        return dict(conditions)
    return {name: CONDITIONS[name] for name in conditions}
