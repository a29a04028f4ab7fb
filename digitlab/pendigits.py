"""The pen-drawn development set: real pen trajectories rendered as canvas drawings, and accuracy on them.

The UCI "Pen-Based Recognition of Handwritten Digits" set (Alpaydin and Alimoglu, 1998) in its original
UNIPEN form: 7494 digits by 30 writers, each a few sparse pen strokes. `render_digit` draws them the way
the app's canvas brush does (smoothed, round caps and joins, anti-aliased) under named benchmark
conditions, and `drawn_digit_accuracy` scores any canvas -> label predictor on them. For measuring and
tuning only: never train on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitlab.config import CANVAS_SIZE, DEFAULT_STROKE_WIDTH, NUM_CLASSES, PENDIGITS_PATH
from digitlab.strokes import WHITE, Stroke, composite, pen_coverage, redraw_strokes

# UNIPEN coordinates lie in a 0..500 box with the y axis pointing up.
PEN_BOX = 500.0
# Chaikin corner-cutting rounds; its limit is the quadratic B-spline a canvas brush draws through its points.
SMOOTHING_ROUNDS = 3
# Canvases rendered and predicted per call of the predictor.
EVALUATION_BATCH = 256

TRANSPARENT = (0, 0, 0, 0)

# Rendering parameters of each benchmark condition (see `render_digit`). `digit_size` is the ink's longer
# side as a share of the canvas; `centre` is the ink box's centre as shares of the canvas (x, y).
CONDITIONS: dict[str, dict] = {
    "centred": {"digit_size": 0.70, "centre": (0.50, 0.50)},
    "large": {"digit_size": 0.95, "centre": (0.50, 0.50)},
    "small_corner": {"digit_size": 0.25, "centre": (0.20, 0.20)},
    "off_centre": {"digit_size": 0.50, "centre": (0.68, 0.34)},
    "thin_stroke": {"digit_size": 0.70, "stroke_width": 7},
    "thick_stroke": {"digit_size": 0.70, "stroke_width": 38},
    "light_on_dark": {"digit_size": 0.70, "ink": (245, 245, 245), "background": (24, 26, 36, 255)},
    "coloured": {"digit_size": 0.70, "ink": (30, 70, 200), "background": (255, 236, 170, 255)},
    "transparent": {"digit_size": 0.70, "background": TRANSPARENT},
}
# Random jitter of `render_condition`: relative size and stroke width, and centre shift (share of canvas).
SIZE_JITTER = 0.05
STROKE_JITTER = 0.10
CENTRE_JITTER = 0.03


class PendigitsNotFoundError(FileNotFoundError):
    """The pen-drawn data file is not where we looked; the message says where it should be."""


@dataclass(frozen=True)
class PenDigit:
    """One pen-drawn digit: its strokes as float32 (n, 2) arrays of (x, y) in 0..500, y pointing down."""

    label: int
    writer: int
    strokes: tuple[np.ndarray, ...]

    def bounds(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) of all the strokes' points."""
        points = np.concatenate(self.strokes)
        (left, top), (right, bottom) = points.min(axis=0), points.max(axis=0)
        return float(left), float(top), float(right), float(bottom)


def load_pendigits(path: str | Path = PENDIGITS_PATH) -> list[PenDigit]:
    """Parse a UNIPEN pendigits file into PenDigits, in file order; y is flipped to screen coordinates.

    Raises PendigitsNotFoundError when the file is missing and ValueError on a malformed record.
    """
    path = Path(path)
    if not path.is_file():
        raise PendigitsNotFoundError(
            f"Pen-drawn digits not found at {path}: put the UCI file pendigits-orig.tra there "
            "or pass its path (e.g. `python -m bench --pendigits PATH`)."
        )
    digits: list[PenDigit] = []
    record: dict | None = None
    stroke: list[tuple[float, float]] | None = None
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        words = line.split()
        if not words:
            continue
        keyword = words[0]
        try:
            if keyword == ".SEGMENT":
                _finish_record(record, digits)
                record = {"label": int(words[-1].strip('"')), "writer": -1, "strokes": []}
            elif keyword == ".COMMENT" and record is not None:
                record["writer"] = int(words[2])
            elif keyword == ".PEN_DOWN" and record is not None:
                stroke = []
            elif keyword == ".PEN_UP" and record is not None and stroke is not None:
                if stroke:
                    record["strokes"].append(np.array(stroke, dtype=np.float32))
                stroke = None
            elif stroke is not None and not keyword.startswith("."):
                stroke.append((float(words[0]), PEN_BOX - float(words[1])))
        except (IndexError, ValueError) as error:
            raise ValueError(f"{path}:{number}: cannot read {line.strip()!r} ({error})") from error
    _finish_record(record, digits)
    return digits


def _finish_record(record: dict | None, digits: list[PenDigit]) -> None:
    """Append a parsed record as a PenDigit, skipping one without strokes."""
    if record is not None and record["strokes"]:
        digits.append(PenDigit(record["label"], record["writer"], tuple(record["strokes"])))


def every_kth(digits: Sequence[PenDigit], k: int) -> list[PenDigit]:
    """A deterministic subsample: every k-th digit of each writer, so every writer stays represented."""
    seen: dict[int, int] = {}
    chosen = []
    for digit in digits:
        index = seen.get(digit.writer, 0)
        seen[digit.writer] = index + 1
        if index % k == 0:
            chosen.append(digit)
    return chosen


def smooth_stroke(points: np.ndarray, rounds: int = SMOOTHING_ROUNDS) -> np.ndarray:
    """Chaikin-smooth a polyline float (n, 2) -> float32 (m, 2), keeping both end points.

    A canvas brush draws quadratic curves through the midpoints of its sampled points; Chaikin's
    corner cutting converges to that same curve.
    """
    points = np.asarray(points, dtype=np.float32)
    for _ in range(rounds):
        if len(points) < 3:
            break
        start, end = points[:-1], points[1:]
        cut = np.empty((2 * len(start), 2), dtype=np.float32)
        cut[0::2] = 0.75 * start + 0.25 * end
        cut[1::2] = 0.25 * start + 0.75 * end
        points = np.concatenate([points[:1], cut[1:-1], points[-1:]])
    return points


def render_digit(
    digit: PenDigit,
    canvas_size: int = CANVAS_SIZE,
    digit_size: float = 0.7,
    centre: tuple[float, float] = (0.5, 0.5),
    stroke_width: float = DEFAULT_STROKE_WIDTH,
    ink: tuple[int, int, int] = (0, 0, 0),
    background: tuple[int, int, int, int] = WHITE,
) -> np.ndarray:
    """Draw a pen digit like the canvas brush does -> uint8 (canvas_size, canvas_size, 4) RGBA.

    Args:
        digit_size: the ink's longer side (stroke width included) as a share of canvas_size; the aspect
            ratio is kept.
        centre: the centre of the ink's bounding box as shares (x, y) of the canvas.
        background: RGBA; alpha 0 gives a transparent canvas whose alpha channel carries the ink.
    """
    coverage = pen_coverage(digit_strokes(digit, canvas_size, digit_size, centre, stroke_width), canvas_size)
    return composite(coverage, ink, background)


def redraw_digit(digit: PenDigit, canvas_size: int = CANVAS_SIZE, **params) -> np.ndarray:
    """What the draw page reads when the digit is drawn on its canvas: the strokes redrawn (`redraw_strokes`),
    whatever the pen's width and colours -> uint8 (canvas_size, canvas_size, 4) RGBA. Takes `render_digit`'s
    parameters."""
    params = {key: value for key, value in params.items() if key not in ("ink", "background")}
    return redraw_strokes(digit_strokes(digit, canvas_size, **params), canvas_size)


def digit_strokes(
    digit: PenDigit,
    canvas_size: int = CANVAS_SIZE,
    digit_size: float = 0.7,
    centre: tuple[float, float] = (0.5, 0.5),
    stroke_width: float = DEFAULT_STROKE_WIDTH,
) -> list[Stroke]:
    """The digit's strokes where `render_digit` draws them, as the drawing canvas would send them."""
    left, top, right, bottom = digit.bounds()
    # Scale the centre line so that line plus pen fill `digit_size`; place the ink box's centre at `centre`.
    path_side = max(canvas_size * digit_size - stroke_width, 1.0)
    scale = path_side / max(right - left, bottom - top, 1e-6)
    offset = np.array(centre) * canvas_size - scale * np.array([left + right, top + bottom]) / 2
    return [Stroke(smooth_stroke(stroke) * scale + offset, stroke_width) for stroke in digit.strokes]


def render_condition(digit: PenDigit, name: str, rng: np.random.Generator | None = None) -> np.ndarray:
    """Render a digit under the named benchmark condition, with small random jitter when `rng` is given."""
    params = CONDITIONS[name]
    return render_digit(digit, **(jitter_params(params, rng) if rng is not None else params))


def jitter_params(params: Mapping, rng: np.random.Generator) -> dict:
    """Rendering parameters with size and stroke width scaled by a few percent and the centre nudged."""
    x, y = params.get("centre", (0.5, 0.5))
    size, width, dx, dy = rng.uniform(-1, 1, size=4)
    return {
        **params,
        "digit_size": params.get("digit_size", 0.7) * (1 + SIZE_JITTER * size),
        "stroke_width": params.get("stroke_width", DEFAULT_STROKE_WIDTH) * (1 + STROKE_JITTER * width),
        "centre": (x + CENTRE_JITTER * dx, y + CENTRE_JITTER * dy),
    }


def drawn_digit_accuracy(
    predict_fn: Callable[[np.ndarray], np.ndarray],
    digits: Sequence[PenDigit],
    conditions: Iterable[str] | Mapping[str, dict] | None = None,
    seed: int = 0,
    batch_size: int = EVALUATION_BATCH,
    render: Callable[..., np.ndarray] = render_digit,
) -> dict:
    """Accuracy of a canvas predictor on the digits rendered under each condition.

    Args:
        predict_fn: uint8 (N, H, W, 4) RGBA canvases -> int (N,) predicted labels (-1 or any
            non-digit value counts as wrong, e.g. for a blank or rejected drawing).
        conditions: condition names of CONDITIONS (default all of them), or a mapping name -> params.
        seed: the jitter is drawn from this seed, so two predictors see identical canvases.
        render: draws a digit under a condition's parameters: `render_digit` (the canvas's picture) or
            `redraw_digit` (what the draw page reads).

    Returns:
        {"conditions": {name: {"accuracy", "count", "confusion"}}, "overall": {...}}, where confusion
        is an int (10, 11) array of [true label, predicted label], column 10 counting non-digit answers.
    """
    return compare_drawn_digit_accuracy({"": predict_fn}, digits, conditions, seed, batch_size, render)[""]


def compare_drawn_digit_accuracy(
    predict_fns: Mapping[str, Callable[[np.ndarray], np.ndarray]],
    digits: Sequence[PenDigit],
    conditions: Iterable[str] | Mapping[str, dict] | None = None,
    seed: int = 0,
    batch_size: int = EVALUATION_BATCH,
    render: Callable[..., np.ndarray] = render_digit,
) -> dict[str, dict]:
    """`drawn_digit_accuracy` of several predictors at once, rendering each canvas only once: {name: result}.

    `render` takes a digit and a condition's parameters like `render_digit`; `redraw_digit` gives what
    the draw page reads.
    """
    table = _condition_table(conditions)
    labels = np.array([digit.label for digit in digits], dtype=int)
    predicted = {name: {condition: [] for condition in table} for name in predict_fns}
    for index, (condition, params) in enumerate(table.items()):
        rng = np.random.default_rng([seed, index])
        for start in range(0, len(digits), batch_size):
            canvases = _render_batch(digits[start : start + batch_size], params, rng, render)
            for name, predict in predict_fns.items():
                predicted[name][condition].append(np.asarray(predict(canvases)).astype(int))
    return {name: _summarise(labels, by_condition) for name, by_condition in predicted.items()}


def _summarise(labels: np.ndarray, by_condition: dict[str, list[np.ndarray]]) -> dict:
    """Score each condition's predicted batches and add them up into the overall result."""
    results = {
        condition: _score(labels, np.concatenate(batches) if batches else np.zeros(0, int))
        for condition, batches in by_condition.items()
    }
    overall = sum((result["confusion"] for result in results.values()), _empty_confusion())
    return {"conditions": results, "overall": _score_confusion(overall)}


def most_common_confusions(confusion: np.ndarray, top: int = 5) -> list[tuple[int, int, int]]:
    """The largest off-diagonal cells of a (10, 11) confusion: [(true, predicted, count)], predicted 10 = none."""
    cells = [
        (true, predicted, int(confusion[true, predicted]))
        for true in range(confusion.shape[0])
        for predicted in range(confusion.shape[1])
        if true != predicted and confusion[true, predicted] > 0
    ]
    return sorted(cells, key=lambda cell: -cell[2])[:top]


def _condition_table(conditions: Iterable[str] | Mapping[str, dict] | None) -> dict[str, dict]:
    """Normalise the `conditions` argument to a mapping name -> rendering parameters."""
    if conditions is None:
        return dict(CONDITIONS)
    if isinstance(conditions, Mapping):
        return dict(conditions)
    return {name: CONDITIONS[name] for name in conditions}


def _render_batch(
    digits: Sequence[PenDigit], params: Mapping, rng: np.random.Generator, render: Callable[..., np.ndarray]
) -> np.ndarray:
    """Render digits with jittered `params` -> uint8 (N, H, W, 4)."""
    return np.stack([render(digit, **jitter_params(params, rng)) for digit in digits])


def _score(labels: np.ndarray, predicted: np.ndarray) -> dict:
    """Accuracy, count and (10, 11) confusion of predicted against true labels."""
    valid = np.where((predicted >= 0) & (predicted < NUM_CLASSES), predicted, NUM_CLASSES)
    confusion = _empty_confusion()
    np.add.at(confusion, (labels, valid), 1)
    return _score_confusion(confusion)


def _empty_confusion() -> np.ndarray:
    return np.zeros((NUM_CLASSES, NUM_CLASSES + 1), dtype=int)


def _score_confusion(confusion: np.ndarray) -> dict:
    """Accuracy and count from a (10, 11) confusion."""
    count = int(confusion.sum())
    accuracy = float(np.trace(confusion[:, :NUM_CLASSES]) / count) if count else float("nan")
    return {"accuracy": accuracy, "count": count, "confusion": confusion}


def canvas_predictor(model, to_image: Callable[[np.ndarray], np.ndarray | None] | None = None) -> Callable:
    """A `predict_fn` for `drawn_digit_accuracy`: canvases -> int (N,) labels, -1 for a blank canvas.

    Args:
        model: a Keras model taking float32 (N, 28, 28, 1).
        to_image: canvas RGBA -> float32 (28, 28) in [0, 1] or None; the app's `canvas_to_mnist` by default.
    """
    from digitlab.model import predict_proba
    from digitlab.preprocess import canvas_to_mnist

    to_image = to_image or canvas_to_mnist

    def predict(canvases: np.ndarray) -> np.ndarray:
        images = [to_image(canvas) for canvas in canvases]
        drawn = [index for index, image in enumerate(images) if image is not None]
        labels = np.full(len(images), -1, dtype=int)
        if drawn:
            probabilities = predict_proba(model, np.stack([images[index] for index in drawn]))
            labels[drawn] = probabilities.argmax(axis=1)
        return labels

    return predict
