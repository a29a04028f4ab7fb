"""The in-process parts: latency of one drawing, memory growth over many predictions, and accuracy."""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from bench.browser import DIGIT_STROKES
from bench.tutorial import time_on_tutorial_stack, time_steps, time_tutorial_step, tutorial_pipeline
from digitlab.data import DataNotFoundError, load_mnist, to_float_images
from digitlab.drawn.canvas import CanvasDrawing, draw_on_canvas
from digitlab.drawn.drawings import PenDrawing, every_kth
from digitlab.drawn.harness import READERS, DrawnScores, Pipeline, score_drawings
from digitlab.drawn.pendigits import load_pendigits
from digitlab.model import predict_proba
from digitlab.preprocess import canvas_to_mnist
from digitlab.reading import read_drawing
from digitlab.timing import WARM_UP_RUNS


@dataclass
class Latency:
    """Milliseconds per run of each step: DigitLab, the tutorial on its own stack (TensorFlow, in its own
    process) and the tutorial on DigitLab's backend (in this process, interleaved with DigitLab's runs)."""

    preprocess: list[float] = field(default_factory=list)
    model: list[float] = field(default_factory=list)
    # The draw page's whole path from the canvas's JSON: parse, draw with the reading pen, preprocess, model.
    stroke_path: list[float] = field(default_factory=list)
    tutorial_preprocess: list[float] = field(default_factory=list)
    tutorial_model: list[float] = field(default_factory=list)
    tutorial_backend: str = "not run"
    same_backend_preprocess: list[float] = field(default_factory=list)
    same_backend_model: list[float] = field(default_factory=list)

    @property
    def total(self) -> np.ndarray:
        return np.add(self.preprocess, self.model)

    @property
    def tutorial_total(self) -> np.ndarray:
        return np.add(self.tutorial_preprocess, self.tutorial_model)

    @property
    def same_backend_total(self) -> np.ndarray:
        return np.add(self.same_backend_preprocess, self.same_backend_model)


def sample_canvases() -> list[CanvasDrawing]:
    """A few drawings of the browser driver's digit strokes as the canvas returns them (picture and JSON)."""
    return [
        draw_on_canvas(PenDrawing(label, "bench", tuple(np.array(stroke, dtype=np.float32) for stroke in strokes)))
        for label, strokes in DIGIT_STROKES.items()
    ]


def measure_latency(model, canvases: list[CanvasDrawing], runs: int) -> Latency:
    """Time preprocessing and the model separately, per drawing: DigitLab (from the picture, and the draw page's
    whole path from the JSON) and the tutorial on this backend interleaved, then the tutorial on its own stack in
    a separate process."""
    latency = Latency()
    pictures = [canvas.picture for canvas in canvases]
    for run in range(WARM_UP_RUNS + runs):
        canvas, rgba = canvases[run % len(canvases)], pictures[run % len(canvases)]
        ours = time_steps(canvas_to_mnist, lambda image: predict_proba(model, image[None]), rgba)
        started = time.perf_counter()
        predict_proba(model, read_drawing(None, canvas.json_data).image[None])
        stroke_path = (time.perf_counter() - started) * 1000
        theirs = time_tutorial_step(model, rgba)
        if run >= WARM_UP_RUNS:
            latency.preprocess.append(ours[0])
            latency.model.append(ours[1])
            latency.stroke_path.append(stroke_path)
            latency.same_backend_preprocess.append(theirs[0])
            latency.same_backend_model.append(theirs[1])
    stack = time_on_tutorial_stack(pictures, runs)
    latency.tutorial_backend = stack["backend"]
    latency.tutorial_preprocess, latency.tutorial_model = stack["preprocess"], stack["model"]
    return latency


def current_rss() -> int:
    """This process' resident memory in bytes."""
    import psutil

    return psutil.Process().memory_info().rss


def memory_growth(model, canvases: list[CanvasDrawing], predictions: int) -> tuple[int, int]:
    """(RSS before, RSS after) `predictions` drawings through the draw page's code path in this process."""
    predict_proba(model, read_drawing(None, canvases[0].json_data).image[None])
    gc.collect()
    before = current_rss()
    for index in range(predictions):
        predict_proba(model, read_drawing(None, canvases[index % len(canvases)].json_data).image[None])
    gc.collect()
    return before, current_rss()


def mnist_accuracy(model, limit: int | None = None) -> tuple[float, int] | None:
    """(accuracy, count) of the model on the MNIST test set, or its first `limit` images; None without MNIST
    (the benchmark measures, it does not download data sets)."""
    try:
        _, (x_test, y_test) = load_mnist()
    except DataNotFoundError:
        return None
    x_test, y_test = x_test[:limit], y_test[:limit]
    predicted = predict_proba(model, to_float_images(x_test)).argmax(axis=1)
    return float((predicted == y_test).mean()), len(y_test)


def drawn_accuracy(model, path: Path, every: int, limit: int | None = None) -> dict[str, DrawnScores] | None:
    """Scores on the pen-drawn set of DigitLab's draw page (the strokes), DigitLab reading the canvas picture,
    and the tutorial approach; None without data. Every `every`-th digit of each writer is used (then at most
    `limit` digits); all three see the same drawings."""
    try:
        digits = every_kth(load_pendigits(path), every)[:limit]
    except DataNotFoundError:
        return None
    classify = partial(predict_proba, model)
    pipelines = {
        "draw page": Pipeline(READERS["draw page"], classify),
        "canvas picture": Pipeline(READERS["canvas picture"], classify),
        "tutorial": tutorial_pipeline(model),
    }
    return score_drawings(pipelines, digits)
