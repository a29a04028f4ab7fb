"""Numbers written on the Write a number page's canvas, read with `digitlab.read_number`: part 10 of the benchmark,
and all of `python -m bench --numbers`.

Each number is 2-8 digits by one writer of the pen-drawn development set (for measuring only), written side by side
on the page's wide canvas as a person writes them: each digit a little taller or shorter than the others, on a
wobbly baseline, and slid in from the right until its ink is a random gap from the last digit's, from touching to
wide (so a digit may tuck under the bar of a 7, as handwriting does). Every stroke is drawn by the canvas's pointer
and pencil, as the browser delivers a drawing (`digitlab.drawn.canvas`). The page reads the strokes; the picture,
its fallback, is read too.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.report import Row, format_p50_p95, percentiles
from digitlab.config import NUMBER_CANVAS_SHAPE, NUMBER_STROKE_WIDTH
from digitlab.data import DataNotFoundError
from digitlab.drawing import Stroke
from digitlab.drawn.canvas import CanvasDrawing, draw_pointer_strokes, fitted_pointer_strokes
from digitlab.drawn.drawings import PenDrawing
from digitlab.drawn.pendigits import load_pendigits
from digitlab.numbers import Box, NumberReading, ink_box, read_number
from digitlab.timing import WARM_UP_RUNS

LENGTHS = tuple(range(2, 9))
# The digits' height as a share of the canvas's, lowered where a long number would not fit its width.
NUMBER_HEIGHT = (0.45, 0.75)
# Each digit's height changes by up to this share, and its baseline moves by up to this share of the height.
SIZE_CHANGE = 0.15
BASELINE_WOBBLE = 0.06
# The gap between one digit's ink and the next one's, as a share of the height: from touching to wide.
GAP = (0.0, 0.5)
# How far a digit may reach back under the one before it, as a share of the height: side by side, each digit's
# ink starts where the last one's ends or further on (the number the goals are set on); in handwriting, a little
# under it (people leave some room).
KERNS = {"side by side": 0.0, "handwriting": 0.1}
# Blank canvas at each end of the number, as a share of the canvas's width.
MARGIN = 0.03
# A number's pen is the page's default pen, this share wider or narrower.
PEN_CHANGE = 0.1
# Pointer paths are measured at points this many pixels apart, at most.
DISTANCE_STEP = 2.0
# How much of a digit's box a piece must share (intersection over union) to be that digit's piece.
MATCH_IOU = 0.5
# The number lengths the goals name.
GOAL_LENGTH = 4
TIMED_LENGTH = 8
NUMBER_TARGET = 0.95
DIGIT_TARGET = 0.98
TIME_TARGET_MS = 20.0

Reader = Callable[[CanvasDrawing], NumberReading]


@dataclass(frozen=True)
class WrittenNumber:
    """A number on the canvas: its digits, each digit's ink box in canvas pixels, the smallest gap between
    neighbouring digits' ink (pixels; negative where they overlap), the pen's width, and the canvas."""

    labels: tuple[int, ...]
    boxes: tuple[Box, ...]
    clearance: float
    pen: float
    canvas: CanvasDrawing

    @property
    def is_apart(self) -> bool:
        """True when every two neighbouring digits' ink is at least a pen width apart."""
        return self.clearance >= self.pen


def write_numbers(
    drawings: Sequence[PenDrawing], per_length: int, seed: int = 0, lengths: Sequence[int] = LENGTHS, kern: float = 0.0
) -> list[WrittenNumber]:
    """`per_length` numbers of each length, each by one writer picked at random, of that writer's drawings, each
    digit reaching back under the last by up to `kern` of the height."""
    rng = np.random.default_rng(seed)
    by_writer: dict[str, list[PenDrawing]] = {}
    for drawing in drawings:
        by_writer.setdefault(drawing.writer, []).append(drawing)
    writers = sorted(by_writer)
    numbers = []
    for length in lengths:
        for _ in range(per_length):
            own = by_writer[writers[rng.integers(len(writers))]]
            numbers.append(write_number([own[index] for index in rng.integers(len(own), size=length)], rng, kern))
    return numbers


def write_number(
    drawings: Sequence[PenDrawing],
    rng: np.random.Generator,
    kern: float = 0.0,
    shape: tuple[int, int] = NUMBER_CANVAS_SHAPE,
    stroke_width: float = NUMBER_STROKE_WIDTH,
) -> WrittenNumber:
    """Drawings written one after the other on a canvas of `shape` (height, width), as a person writes a number,
    each reaching back under the last by up to `kern` of the height."""
    height, width = shape
    count = len(drawings)
    pen = stroke_width * (1 + PEN_CHANGE * rng.uniform(-1, 1))
    sizes, wobble = 1 + SIZE_CHANGE * rng.uniform(-1, 1, count), BASELINE_WOBBLE * rng.uniform(-1, 1, count)
    gaps = rng.uniform(*GAP, count - 1)
    digit_height, room = rng.uniform(*NUMBER_HEIGHT) * height, width * (1 - 2 * MARGIN)
    while True:
        digits = side_by_side(drawings, digit_height * sizes, digit_height * wobble, digit_height * gaps, pen,
                              kern * digit_height)  # fmt: skip
        left, top, right, bottom = ink_box([stroke for digit in digits for stroke in digit])
        if right - left <= room:
            break
        digit_height *= 0.98 * room / (right - left)  # the pen keeps its width, so fit again
    # Anywhere along the canvas, the number's middle at the canvas's.
    shift = (round(MARGIN * width + rng.uniform(0, room - (right - left)) - left), round((height - top - bottom) / 2))
    digits = [moved(digit, *shift) for digit in digits]
    clearance = min((ink_clearance(a, b) - pen for a, b in itertools.pairwise(digits)), default=np.inf)
    canvas = draw_pointer_strokes([stroke for digit in digits for stroke in digit], shape)
    return WrittenNumber(
        tuple(drawing.label for drawing in drawings), tuple(ink_box(digit) for digit in digits), clearance, pen, canvas
    )


def side_by_side(
    drawings: Sequence[PenDrawing],
    heights: np.ndarray,
    drops: np.ndarray,
    gaps: np.ndarray,
    pen: float,
    kern: float,
) -> list[list[Stroke]]:
    """Each drawing's pointer strokes, `heights[i]` tall with its bottom `drops[i]` below a common baseline, each slid
    in from the right until its ink is `gaps[i - 1]` from the one before it, or its box reaches `kern` back under
    that one's: float pixels relative to the first digit."""
    digits: list[list[Stroke]] = []
    for index, drawing in enumerate(drawings):
        strokes = fitted_pointer_strokes(drawing, (np.inf, heights[index]), (0.0, 0.0), pen)
        left, _, _, bottom = ink_box(strokes)
        strokes = moved(strokes, -left, round(drops[index]) - bottom)
        if digits:
            before = ink_box(digits[-1])
            reach = contact_shift(digits[-1], strokes, pen + gaps[index - 1])
            strokes = moved(strokes, int(np.ceil(max(reach, before[2] - kern))), 0)
        digits.append(strokes)
    return digits


def contact_shift(fixed: Sequence[Stroke], moving: Sequence[Stroke], distance: float) -> float:
    """How far right `moving` must be from where it is so that no point of its path comes within `distance` of
    `fixed`'s path, coming in from the right (the smallest such shift; -inf when they never meet)."""
    p, q = dense_points(fixed), dense_points(moving)
    rise = q[None, :, 1] - p[:, None, 1]
    near = np.abs(rise) < distance
    if not near.any():
        return -np.inf
    needed = p[:, None, 0] - q[None, :, 0] + np.sqrt(np.maximum(distance**2 - rise**2, 0.0))
    return float(needed[near].max())


def ink_clearance(first: Sequence[Stroke], second: Sequence[Stroke]) -> float:
    """The smallest distance between the two drawings' paths, in pixels (their ink's gap plus a pen width)."""
    p, q = dense_points(first), dense_points(second)
    return float(np.sqrt(((p[:, None] - q[None]) ** 2).sum(axis=-1).min()))


def dense_points(strokes: Sequence[Stroke], step: float = DISTANCE_STEP) -> np.ndarray:
    """float (n, 2): the strokes' paths as points at most `step` apart."""
    parts = []
    for stroke in strokes:
        points = stroke.points
        segments = np.diff(points, axis=0)
        counts = np.maximum(np.ceil(np.linalg.norm(segments, axis=1) / step), 1).astype(int)
        segment = np.repeat(np.arange(len(segments)), counts)
        along = (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)) / counts[segment]
        parts.append(np.vstack([points[segment] + segments[segment] * along[:, None], points[-1:]]))
    return np.concatenate(parts)


def moved(strokes: Sequence[Stroke], dx: float, dy: float) -> list[Stroke]:
    return [Stroke(stroke.points + (dx, dy), stroke.width) for stroke in strokes]


@dataclass(frozen=True)
class NumberScores:
    """One reader's answers, one row per number: its length, whether its digits are a pen width apart, and
    whether it was read exactly; how many digits were read right, and read confidently as another digit; whether
    a digit was missed (merged with another into one piece) or split (its ink in two or more pieces); and whether
    every piece was a confident digit but not as many as were written."""

    lengths: np.ndarray
    apart: np.ndarray
    exact: np.ndarray
    digits_right: np.ndarray
    digits_wrong: np.ndarray
    missed: np.ndarray
    split: np.ndarray
    confident_wrong_count: np.ndarray

    def exact_share(self, length: int | None = None) -> float:
        rows = self.lengths == length if length is not None else np.ones(len(self.lengths), bool)
        return float(self.exact[rows].mean()) if rows.any() else float("nan")

    @property
    def digit_accuracy(self) -> float:
        return float(self.digits_right.sum() / max(self.lengths.sum(), 1))


def score_numbers(numbers: Sequence[WrittenNumber], reader: Reader) -> NumberScores:
    """Every number read by `reader` and scored against what was written."""
    rows = [score_number(number, reader(number.canvas)) for number in numbers]
    columns = zip(*rows, strict=True) if rows else [()] * 6
    right, wrong, missed, split, exact, confident_wrong_count = (np.array(column) for column in columns)
    return NumberScores(
        lengths=np.array([len(number.labels) for number in numbers], dtype=int),
        apart=np.array([number.is_apart for number in numbers], dtype=bool),
        exact=exact.astype(bool),
        digits_right=right.astype(int),
        digits_wrong=wrong.astype(int),
        missed=missed.astype(bool),
        split=split.astype(bool),
        confident_wrong_count=confident_wrong_count.astype(bool),
    )


def score_number(number: WrittenNumber, reading: NumberReading) -> tuple[int, int, bool, bool, bool, bool]:
    """(digits read right, digits read confidently as another digit, a digit missed, a digit split, read exactly,
    every piece a confident digit but not as many as written) of one number."""
    matches = match_pieces(number.boxes, reading.boxes)
    answers = [reading.digits[piece] if piece is not None else None for piece in matches]
    right = sum(answer == label for answer, label in zip(answers, number.labels, strict=True))
    wrong = sum(answer is not None and answer != label for answer, label in zip(answers, number.labels, strict=True))
    unmatched = [index for index, piece in enumerate(matches) if piece is None]
    merged = [is_merged(index, number.boxes, reading.boxes) for index in unmatched]
    exact = list(reading.digits) == list(number.labels)
    wrong_count = reading.is_confident and len(reading.digits) != len(number.labels)
    return right, wrong, any(merged), not all(merged), exact, wrong_count


def match_pieces(digit_boxes: Sequence[Box], piece_boxes: Sequence[Box]) -> list[int | None]:
    """For each written digit, the piece read where it is (its box's intersection over union with the digit's more
    than MATCH_IOU, which makes the match one to one), or None."""
    return [
        next((index for index, piece in enumerate(piece_boxes) if iou(digit, piece) > MATCH_IOU), None)
        for digit in digit_boxes
    ]


def is_merged(index: int, digit_boxes: Sequence[Box], piece_boxes: Sequence[Box]) -> bool:
    """True when the piece holding most of digit `index` also holds most of another digit: the two were read as
    one piece (else the digit was split, or lost)."""
    digit = digit_boxes[index]
    holder = max(piece_boxes, key=lambda piece: _overlap(piece, digit), default=None)
    return holder is not None and any(
        _overlap(holder, other) >= 0.5 * _area(other) for other in digit_boxes[:index] + digit_boxes[index + 1 :]
    )


def iou(a: Box, b: Box) -> float:
    inner = _overlap(a, b)
    return inner / (_area(a) + _area(b) - inner) if inner else 0.0


def _overlap(a: Box, b: Box) -> float:
    return _area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def _area(box: Box) -> float:
    return float(max(box[2] - box[0], 0) * max(box[3] - box[1], 0))


def readers(model) -> dict[str, Reader]:
    """How the page reads a number (the strokes), and its fallback (the picture), with `model`."""
    return {
        "strokes": lambda canvas: read_number(None, canvas.json_data, model),
        "picture": lambda canvas: read_number(canvas.picture, None, model),
    }


def time_reading(numbers: Sequence[WrittenNumber], model) -> list[float]:
    """Milliseconds of `read_number` from the canvas JSON, once per number after WARM_UP_RUNS untimed reads."""
    for number in numbers[:WARM_UP_RUNS]:
        read_number(None, number.canvas.json_data, model)
    times = []
    for number in numbers:
        started = time.perf_counter()
        read_number(None, number.canvas.json_data, model)
        times.append((time.perf_counter() - started) * 1000)
    return times


@dataclass(frozen=True)
class NumberRun:
    """Part 10's results: the scores of each way of writing (KERNS) read by each reader, the time to read the longest
    numbers, and how many numbers each way of writing has."""

    scores: dict[tuple[str, str], NumberScores]
    times_ms: list[float]
    count: int


def measure_numbers(model, path: Path, per_length: int, seed: int = 0) -> NumberRun | None:
    """Write `per_length` numbers of each length from the pen-drawn digits at `path` in each way of KERNS and read
    them; None without data."""
    try:
        drawings = load_pendigits(path)
    except DataNotFoundError:
        return None
    scores, times = {}, []
    for way, kern in KERNS.items():
        numbers = write_numbers(drawings, per_length, seed, kern=kern)
        scores |= {(way, name): score_numbers(numbers, reader) for name, reader in readers(model).items()}
        if not times:
            times = time_reading([number for number in numbers if len(number.labels) == TIMED_LENGTH], model)
    return NumberRun(scores, times, len(numbers))


def number_rows(run: NumberRun | None, path: Path, notes: list[str]) -> list[Row]:
    """Part 10's rows: the page's reading of numbers written side by side, against the goals; then of numbers
    written as handwriting goes, and the picture fallback's; a note without data."""
    if run is None:
        notes.append(f"Numbers skipped: no pen-drawn digits at {path} (pass --pendigits PATH).")
        return []
    part = f"10. Numbers ({run.count:,} of {LENGTHS[0]}–{LENGTHS[-1]} digits, each way of writing)"
    rows = [timing_row(part, run.times_ms)]
    for (way, reader), scores in run.scores.items():
        rows += score_rows(part, f"{way}, {'the page' if reader == 'strokes' else 'picture fallback'}: ", scores,
                           full=reader == "strokes" and way == next(iter(KERNS)))  # fmt: skip
    notes.append(
        "Numbers: pen-drawn digits of one writer one after the other on the Write a number canvas "
        f"({NUMBER_CANVAS_SHAPE[1]}×{NUMBER_CANVAS_SHAPE[0]}), sizes ±{SIZE_CHANGE:.0%}, "
        f"baseline ±{BASELINE_WOBBLE:.0%}, "
        f"the gap between neighbours' ink from touching to {GAP[1]:.0%} of the height; *side by side*: each digit's "
        f"box after the last one's, *handwriting*: reaching up to {KERNS['handwriting']:.0%} of the height back under "
        "it. Read with `read_number` from the strokes (the page) and from the picture (its fallback). A digit is "
        "right when the piece in its place reads as it; *not sure* is never right."
    )
    return rows


def score_rows(part: str, prefix: str, scores: NumberScores, full: bool) -> list[Row]:
    """One reader's rows on one way of writing: all of them where `full`, else the goals' own."""
    apart = scores.apart
    by_length = " / ".join(f"{scores.exact_share(length):.0%}" for length in LENGTHS)
    exact = scores.exact_share(GOAL_LENGTH)
    rows = [
        Row(part, f"{prefix}digits read right ({scores.lengths.sum():,})", f"{scores.digit_accuracy:.1%}",
            target=f"≥ {DIGIT_TARGET:.0%}", passed=scores.digit_accuracy >= DIGIT_TARGET),
        Row(part, f"{prefix}{GOAL_LENGTH}-digit numbers read exactly", f"{exact:.1%}",
            target=f"≥ {NUMBER_TARGET:.0%}", passed=exact >= NUMBER_TARGET),
        Row(part, f"{prefix}numbers with a digit missed or split (missed / split)",
            f"{share(scores.missed | scores.split)} ({share(scores.missed)} / {share(scores.split)})"),
        Row(part, f"{prefix}shown confidently with a wrong digit count, digits a pen width apart or more",
            f"{scores.confident_wrong_count[apart].sum()} of {apart.sum():,}", target="0",
            passed=not scores.confident_wrong_count[apart].any()),
    ]  # fmt: skip
    if full:
        rows += [
            Row(part, f"{prefix}numbers read exactly by length, {LENGTHS[0]} to {LENGTHS[-1]} digits", by_length),
            Row(part, f"{prefix}digits read confidently as another digit",
                share(scores.digits_wrong.sum(), scores.lengths.sum())),
            Row(part, f"{prefix}shown confidently with a wrong digit count, digits closer than a pen width",
                f"{scores.confident_wrong_count[~apart].sum()} of {(~apart).sum():,}"),
        ]  # fmt: skip
    return rows


def timing_row(part: str, times_ms: list[float]) -> Row:
    p50 = percentiles(times_ms)[0]
    return Row(
        part, f"`read_number` of {TIMED_LENGTH} digits from the canvas JSON, in process, p50 / p95",
        format_p50_p95(times_ms), target=f"p50 ≤ {TIME_TARGET_MS:.0f} ms", passed=p50 <= TIME_TARGET_MS,
    )  # fmt: skip


def share(count, total=None) -> str:
    """count / total as a percentage; a bool array's share of True when total is None."""
    if total is None:
        count, total = np.sum(count), np.size(count)
    return f"{count / total:.1%}" if total else "n/a"
