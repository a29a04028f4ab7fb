"""A whole number written on the canvas: split into pieces, each read as the draw page reads a digit.

The canvas's strokes say exactly which ink belongs together. Strokes that touch are one digit, and so are strokes
that overlap horizontally by half the narrower one's width or more: a 4 or a 5 drawn in two strokes, a 7 with a
crossbar. Handwriting often reaches a little under the digit before (the foot of a 1 under the bar of a 7), so parts
that overlap less, or come within a pen's width of each other, are one digit only where they do not stand on one
line as a number's digits do (the stem of an open 4 reaches lower than the rest). Where the strokes cannot be read,
the picture's connected components are joined by the same rules. Each piece is prepared by the draw page's own
path (`digitlab.reading`), and the model reads them all in one batch.

A dash before the first digit, level with its middle, is the number's minus sign (`is_minus`): found by its shape,
it is not one of the number's pieces. A piece that is not a confident digit gives None, never a confident wrong
digit. So does a piece whose strokes only touch and would each read as a confident digit, side by side on one line:
two digits written too close, which the model may well read as one (two touching 0s as one wide 0). A piece of the
picture has no strokes: one wider than tall is cut where it is thinnest instead.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from digitlab.config import (
    CONFIDENT_THRESHOLD,
    IMAGE_SIZE,
    LEVEL_OVERLAP,
    MARK_HEIGHT_SHARE,
    MERGE_OVERLAP,
    MINUS_ASPECT,
    MINUS_GAP,
    MINUS_LENGTH,
    MINUS_LEVEL,
    MINUS_PENS,
    NUM_CLASSES,
)
from digitlab.drawing import Stroke, canvas_strokes
from digitlab.preprocess import Preprocessed, ink_intensity, preprocess_ink, stroke_width
from digitlab.reading import read_strokes

# The model reads the pieces in a batch padded to a multiple of this many: each new batch size costs a compilation.
PIECE_BATCH = 8
# Pixels of blank canvas kept round a piece's ink when it is read on its own.
PIECE_MARGIN = 2
# The longest side, in pixels, a piece is drawn at to be read. The preprocessing fits it into 20x20, so a larger
# piece (a canvas far larger than a screen, or coordinates no canvas sends) is drawn smaller, losing nothing, rather
# than on a picture that would not fit in memory.
MAX_PIECE_SIDE = 1024

Box = tuple[int, int, int, int]  # (left, top, right, bottom) in canvas pixels, right and bottom exclusive


@dataclass(frozen=True)
class Piece:
    """A piece of the number as found on the canvas: its ink's box, the width of the pen it was drawn with and its
    prepared steps; where it may be two digits that touch (strokes that only touch, side by side on one line), the
    prepared steps of each side too."""

    box: Box
    pen: float
    steps: Preprocessed
    sides: tuple[Preprocessed, ...] = ()


@dataclass(frozen=True)
class NumberReading:
    """A number read from the canvas: one entry per piece of it, left to right.

    digits: 0-9, or None for a piece that is not a confident digit; confidences: the model's probability of its
    best digit for each piece, in [0, 1]; boxes: each piece's ink in canvas pixels; marks: True for a piece too
    small beside the others to be a digit, or of taps only (dots: a colon is not a 1); touching: True for a piece
    that reads as digits written so close that they touch; steps: each piece's prepared steps (`.image` is the
    model's input, float32 (28, 28) in [0, 1]); probabilities: float32 (N, 10); minus: the box of the number's minus
    sign, None when it has none.
    """

    digits: list[int | None]
    confidences: list[float]
    boxes: list[Box]
    marks: list[bool]
    touching: list[bool]
    steps: list[Preprocessed]
    probabilities: np.ndarray
    minus: Box | None = None

    @property
    def text(self) -> str:
        """The number as text, "?" for a piece that is not a confident digit: "20?4", "-12"; "" for an empty
        canvas."""
        sign = "" if self.minus is None else "-"
        return sign + "".join("?" if digit is None else str(digit) for digit in self.digits)

    @property
    def is_confident(self) -> bool:
        """True when something is written and every piece of it is a confident digit."""
        return bool(self.digits) and None not in self.digits


def read_number(image_data: np.ndarray | None, json_data: Mapping | None, model=None) -> NumberReading:
    """What the canvas returned -> the number written on it; an empty canvas gives empty lists.

    Args:
        image_data: the canvas's picture, uint8 (H, W, 4) RGBA, or None when it was not sent.
        json_data: the canvas's fabric.js JSON (strokes in canvas pixels, any canvas size), or None.
        model: the Keras model that reads the digits; the bundled model, loaded once, when None.
    """
    pieces = split_number(image_data, json_data)
    steps = [piece.steps for piece in pieces] + [side for piece in pieces for side in piece.sides]
    probabilities = np.zeros((0, NUM_CLASSES), np.float32)
    if steps:
        probabilities = predict_pieces(bundled_model() if model is None else model, steps)
    return number_reading(pieces, probabilities)


def split_number(image_data: np.ndarray | None, json_data: Mapping | None) -> list[Piece]:
    """What the canvas returned -> the pieces of the number, left to right: from the strokes where they can be
    read, else from the picture (as `digitlab.reading.read_drawing` chooses)."""
    strokes = canvas_strokes(json_data)
    if strokes:
        return stroke_pieces(strokes)
    return picture_pieces(image_data) if image_data is not None else []


def stroke_pieces(strokes: Sequence[Stroke]) -> list[Piece]:
    """The canvas's strokes -> the pieces they form (see `join_parts`), each read as the draw page reads strokes."""
    boxes, pen = [ink_box([stroke]) for stroke in strokes], max(stroke.width for stroke in strokes)
    apart = join_parts(boxes, lambda first, second: False, pen)  # as if no two strokes touched
    pieces = []
    for group in join_parts(boxes, partial_touching(strokes), pen):
        sides = [[strokes[index] for index in side] for side in apart if set(side) <= set(group)]
        chosen = [strokes[index] for index in group]
        level = len(sides) > 1 and all(is_level(ink_box(a), ink_box(b)) for a, b in itertools.pairwise(sides))
        sides = tuple(map(read_piece, sides)) if level else ()
        pieces.append(Piece(ink_box(chosen), max(stroke.width for stroke in chosen), read_piece(chosen), sides))
    return pieces


def picture_pieces(image_data: np.ndarray) -> list[Piece]:
    """The picture's pieces: its connected components joined as `join_parts` joins strokes (they never touch; the
    pen's width is measured from the ink). Each piece's ink alone is prepared as the draw page prepares a picture
    (`preprocess_ink`), the ink found once for the whole canvas, so that every piece shares its background."""
    ink = ink_intensity(image_data)
    labels, _ = ndimage.label(ink > 0, structure=np.ones((3, 3)))
    parts = [(cols.start, rows.start, cols.stop, rows.stop) for rows, cols in ndimage.find_objects(labels)]
    pen, pieces = stroke_width(ink), []
    for group in join_parts(parts, lambda first, second: False, pen):
        left, top, right, bottom = _union([parts[index] for index in group])
        own = np.isin(labels[top:bottom, left:right], [index + 1 for index in group])
        alone = np.where(own, ink[top:bottom, left:right], 0.0).astype(np.float32)
        pieces.append(Piece((left, top, right, bottom), pen, preprocess_ink(alone), picture_sides(alone)))
    return pieces


def picture_sides(ink: np.ndarray) -> tuple[Preprocessed, ...]:
    """The two sides of a piece of the picture, float32 (h, w) ink, that is wider than tall: it cut at its thinnest
    column in its middle half, where two digits that touch would meet, each side prepared; () for a narrower piece
    or sides that do not stand on one line."""
    height, width = ink.shape
    if width <= height:
        return ()
    cut = width // 4 + int(np.argmin(ink[:, width // 4 : width - width // 4].sum(axis=0)))
    halves = ink[:, :cut], ink[:, cut:]
    rows = [np.flatnonzero(half.any(axis=1)) for half in halves]
    if any(row.size == 0 for row in rows) or not is_level(*[(0, row[0], 1, row[-1] + 1) for row in rows]):
        return ()
    return tuple(preprocess_ink(half) for half in halves)


def join_parts(boxes: Sequence[Box], touching: Callable[[int, int], bool], reach: float) -> list[list[int]]:
    """The parts of a drawing (strokes, or a picture's connected components) with ink `boxes` -> the digits they
    form: lists of part indices in drawing order, left to right.

    Parts that touch go together, unless one is a dash before the other (a minus sign that touches the first
    digit: `is_dash_before`), and so do parts whose ink overlaps horizontally by at least MERGE_OVERLAP of the
    narrower one's width. Then the groups so made go together where they overlap horizontally by that much, or come
    within `reach` (a pen's width) while not standing on one line, again unless one is a dash before the other.
    `touching(i, j)` is asked only of parts whose boxes meet.
    """
    group_of = list(range(len(boxes)))  # each part's group, named by one of its parts
    for first, second in itertools.combinations(range(len(boxes)), 2):
        if group_of[first] != group_of[second] and (
            is_overlapping(boxes[first], boxes[second], MERGE_OVERLAP)
            or (
                is_meeting(boxes[first], boxes[second])
                and not is_either_dash_before(boxes[first], boxes[second], reach)
                and touching(first, second)
            )
        ):
            group_of = _joined(group_of, group_of[first], group_of[second])
    while True:
        groups = {group: _union([box for box, own in zip(boxes, group_of, strict=True) if own == group])
                  for group in dict.fromkeys(group_of)}  # fmt: skip
        pairs = [pair for pair in itertools.combinations(groups, 2) if is_one_digit(*map(groups.get, pair), reach)]
        if not pairs:
            break
        group_of = _joined(group_of, *pairs[0])
    order = sorted(groups, key=lambda group: (groups[group][0], groups[group][2]))
    return [[index for index, own in enumerate(group_of) if own == group] for group in order]


def is_one_digit(first: Box, second: Box, reach: float) -> bool:
    """True when two groups of strokes with these ink boxes make one digit: they overlap horizontally by at least
    MERGE_OVERLAP of the narrower one's width, or come within `reach` (a pen's width) of each other horizontally
    while they do not stand on one line, unless one is a dash before the other (`is_dash_before`: a minus sign
    written close to the number's first digit)."""
    gap = max(first[0], second[0]) - min(first[2], second[2])
    near = gap < reach and not is_level(first, second)
    return is_overlapping(first, second, MERGE_OVERLAP) or (near and not is_either_dash_before(first, second, reach))


def is_overlapping(first: Box, second: Box, share: float = 0.0) -> bool:
    """True when two boxes overlap horizontally, by at least `share` of the narrower one's width."""
    overlap = min(first[2], second[2]) - max(first[0], second[0])
    return overlap > 0 and overlap >= share * min(first[2] - first[0], second[2] - second[0])


def is_level(first: Box, second: Box) -> bool:
    """True when two boxes stand on one line, as a number's digits do: their heights overlap by at least
    LEVEL_OVERLAP of the height they span together."""
    overlap = min(first[3], second[3]) - max(first[1], second[1])
    return overlap >= LEVEL_OVERLAP * (max(first[3], second[3]) - min(first[1], second[1]))


def is_meeting(first: Box, second: Box) -> bool:
    """True when two boxes overlap or touch."""
    return first[0] <= second[2] and second[0] <= first[2] and first[1] <= second[3] and second[1] <= first[3]


def partial_touching(strokes: Sequence[Stroke]) -> Callable[[int, int], bool]:
    """`is_touching` of two of the strokes, by index."""
    return lambda first, second: is_touching(strokes[first], strokes[second])


def is_touching(first: Stroke, second: Stroke) -> bool:
    """True when two strokes' ink touches: their paths come within half of both pens of each other."""
    reach = (first.width + second.width) / 2
    # Only the points near the other stroke's box can be near the other stroke.
    near_first = _within(first.points, second.points, reach)
    near_second = _within(second.points, first.points, reach)
    gaps = near_first[:, None, :] - near_second[None, :, :]
    return bool(((gaps**2).sum(axis=-1) <= reach**2).any())


def _within(points: np.ndarray, others: np.ndarray, reach: float) -> np.ndarray:
    """The points float (n, 2) that lie within `reach` of the box round `others`."""
    low, high = others.min(axis=0) - reach, others.max(axis=0) + reach
    return points[((points >= low) & (points <= high)).all(axis=1)]


def _joined(group_of: list[int], kept: int, joining: int) -> list[int]:
    return [kept if group == joining else group for group in group_of]


def _union(boxes: Sequence[Box]) -> Box:
    lefts, tops, rights, bottoms = zip(*boxes, strict=True)
    return min(lefts), min(tops), max(rights), max(bottoms)


def ink_box(strokes: Sequence[Stroke]) -> Box:
    """The box round the strokes' ink in whole canvas pixels (the pen's reach included)."""
    low = np.min([stroke.points.min(axis=0) - stroke.width / 2 for stroke in strokes], axis=0)
    high = np.max([stroke.points.max(axis=0) + stroke.width / 2 for stroke in strokes], axis=0)
    return int(np.floor(low[0])), int(np.floor(low[1])), int(np.ceil(high[0])), int(np.ceil(high[1]))


def read_piece(strokes: Sequence[Stroke]) -> Preprocessed:
    """Strokes read by the draw page's path, on a canvas just big enough for them: where they are on the whole
    canvas does not change what the model sees, and a small canvas is quicker to draw. A piece longer than
    MAX_PIECE_SIDE is drawn scaled down to it, its pens too (a hairline at the least): its steps' ink, box and
    reading pen are then in those smaller pixels (the reading's boxes stay in the canvas's)."""
    left, top, right, bottom = ink_box(strokes)
    scale = min(1.0, MAX_PIECE_SIDE / max(right - left, bottom - top))
    origin = np.array([left, top], dtype=float)
    shape = (
        int(np.ceil((bottom - top) * scale)) + 2 * PIECE_MARGIN,
        int(np.ceil((right - left) * scale)) + 2 * PIECE_MARGIN,
    )
    placed = [
        Stroke(
            (stroke.points - origin) * scale + PIECE_MARGIN,
            stroke.width if scale == 1 else max(stroke.width * scale, 1.0),
        )
        for stroke in strokes
    ]
    return read_strokes(placed, shape)


def predict_pieces(model, steps: Sequence[Preprocessed]) -> np.ndarray:
    """The pieces' model inputs read in one batch -> float32 (N, 10) probabilities."""
    # Imported here, so that `import digitlab` stays light until a number is read.
    from digitlab.model import predict_proba

    images = np.zeros((-(-len(steps) // PIECE_BATCH) * PIECE_BATCH, IMAGE_SIZE, IMAGE_SIZE), np.float32)
    images[: len(steps)] = [piece.image for piece in steps]
    return predict_proba(model, images)[: len(steps)]


def number_reading(pieces: Sequence[Piece], probabilities: np.ndarray) -> NumberReading:
    """The pieces and the model's probabilities float (N + S, 10) of each of them, then of each of their sides ->
    the reading. A piece is a digit only when the model is confident of it, it is not a mark, and its sides do not
    each read as a confident digit."""
    heights = np.array([piece.box[3] - piece.box[1] for piece in pieces], dtype=float)
    small = heights < MARK_HEIGHT_SHARE * heights.max() if pieces else []
    marks = [bool(is_small or piece.steps.is_only_taps) for is_small, piece in zip(small, pieces, strict=True)]
    rows, touching, start = probabilities[: len(pieces)], [], len(pieces)
    for piece in pieces:
        sides = probabilities[start : start + len(piece.sides)]
        start += len(piece.sides)
        touching.append(bool(piece.sides) and bool((sides.max(axis=1) >= CONFIDENT_THRESHOLD).all()))
    digits = [
        int(row.argmax()) if row.max() >= CONFIDENT_THRESHOLD and not mark and not touches else None
        for row, mark, touches in zip(rows, marks, touching, strict=True)
    ]
    minus = len(pieces) > 1 and marks[0] and not marks[1] and is_minus(pieces[0], pieces[1].box)
    start = 1 if minus else 0  # the sign is not one of the number's pieces
    return NumberReading(
        digits[start:], rows[start:].max(axis=1).tolist(), [piece.box for piece in pieces[start:]], marks[start:],
        touching[start:], [piece.steps for piece in pieces[start:]], rows[start:],
        minus=pieces[0].box if minus else None,
    )  # fmt: skip


def is_minus(mark: Piece, digit: Box) -> bool:
    """True when a mark before a digit with this box is a minus sign: one stroke (where its strokes were read), not
    a tap, that is a dash before the digit (`is_dash_before`)."""
    return mark.steps.strokes in (None, 1) and not mark.steps.is_only_taps and is_dash_before(mark.box, digit, mark.pen)


def is_either_dash_before(first: Box, second: Box, pen: float) -> bool:
    """True when ink with one of these boxes is a dash before ink with the other (`is_dash_before`)."""
    return is_dash_before(first, second, pen) or is_dash_before(second, first, pen)


def is_dash_before(dash: Box, digit: Box, pen: float) -> bool:
    """True when ink with the box `dash`, drawn with a `pen` that wide, is a dash before ink with the box `digit`:
    at least MINUS_ASPECT times as wide as it is tall, at most MINUS_PENS pens tall, at least MINUS_LENGTH of the
    digit's height long, its middle at least MINUS_LEVEL of the digit's height below the digit's top and above its
    bottom, at most MINUS_GAP of that height before the digit, and less than MERGE_OVERLAP of it over the digit's
    box. A minus sign may reach under the bar of a 7; a stroke with more of it within the digit's width (a 7's
    crossbar that does not reach its stem) is the digit's."""
    left, top, right, bottom = dash
    height = digit[3] - digit[1]
    overlap = right - digit[0]
    return (
        right - left >= max(MINUS_ASPECT * (bottom - top), MINUS_LENGTH * height)
        and bottom - top <= MINUS_PENS * pen
        and -MINUS_GAP * height <= overlap < MERGE_OVERLAP * (right - left)
        and digit[1] + MINUS_LEVEL * height <= (top + bottom) / 2 <= digit[3] - MINUS_LEVEL * height
    )


@functools.cache
def bundled_model():
    """The bundled model, loaded on first use and kept for the process."""
    from digitlab.model import load_model

    return load_model()
