"""`python -m bench.minus_signs`: how often Write a number finds a real pen-drawn minus sign, and how often it takes
another symbol for one.

Each of UNIPEN's handwritten symbols (`nondigits/`, category 1d) whose writer also wrote digits (`unipen-digits/`)
is written before three of that writer's digits on the Write a number canvas and read with `read_number`, as the
page reads the canvas's strokes. The symbol keeps its size beside the writer's digits (the same tablet's units);
it stands a random gap before the first digit, its middle at the digit's middle within the numbers benchmark's
baseline wobble. That is where a minus sign stands, so every other symbol is measured where it is likeliest to be
taken for one. UNIPEN's symbols are training data of the bundled model: this measures the minus sign's rule,
which is not learned, and no threshold was fitted on it.

    python -m bench.minus_signs
"""

from __future__ import annotations

import argparse
import collections
from collections.abc import Sequence

import numpy as np

from bench.numbers import BASELINE_WOBBLE, NUMBER_HEIGHT, SIZE_CHANGE, side_by_side
from digitlab.config import NUMBER_CANVAS_SHAPE, NUMBER_STROKE_WIDTH
from digitlab.drawing import Stroke, pencil_json
from digitlab.drawn.canvas import pointer_paths
from digitlab.drawn.drawings import PenDrawing
from digitlab.drawn.unipen import load_nondigits, load_unipen_digits
from digitlab.numbers import ink_box, read_number

SYMBOLS = "symbol"  # UNIPEN's category 1d
DIGITS_AFTER = 3
# The digits' height as a share of the canvas's (the numbers benchmark's range, a little smaller so that the
# symbol and three digits fit the canvas), and the gap before the first digit as a share of that height.
HEIGHT_SCALE = 0.8
GAP = (0.1, 0.5)
# Pixels of blank canvas kept at the left edge.
LEFT_MARGIN = 20


def main(argv: Sequence[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m bench.minus_signs", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    table = symbol_table(measure(np.random.default_rng(args.seed)))
    print(table)
    return table


def measure(rng: np.random.Generator) -> dict[str, list[int]]:
    """Each symbol -> [written, read as a minus sign, its digits read right]."""
    by_writer: dict[str, list[PenDrawing]] = collections.defaultdict(list)
    for digit in load_unipen_digits():
        by_writer[digit.writer].append(digit)
    counts: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    for symbol in load_nondigits(with_tiny=True):
        own = by_writer.get(symbol.writer, [])
        if symbol.kind != SYMBOLS or len(own) < DIGITS_AFTER:
            continue
        chosen = [own[index] for index in rng.integers(len(own), size=DIGITS_AFTER)]
        strokes = symbol_before(symbol, chosen, own, rng)
        if ink_box(strokes)[2] > NUMBER_CANVAS_SHAPE[1] - LEFT_MARGIN:
            continue
        reading = read_number(None, pencil_json(strokes))
        found = reading.minus is not None
        labels = [digit.label for digit in chosen]
        row = counts[symbol.symbol]
        row[0] += 1
        row[1] += found
        row[2] += reading.digits[-DIGITS_AFTER:] == labels and len(reading.digits) == DIGITS_AFTER + (not found)
    return counts


def symbol_before(
    symbol: PenDrawing, digits: Sequence[PenDrawing], writers_digits: Sequence[PenDrawing], rng: np.random.Generator
) -> list[Stroke]:
    """The pointer strokes of `symbol` written before `digits`, at the size the writer's digits give it (the same
    tablet's units), placed as a minus sign stands: the whole in the canvas's middle, from its left."""
    height = rng.uniform(*NUMBER_HEIGHT) * NUMBER_CANVAS_SHAPE[0] * HEIGHT_SCALE
    pen = NUMBER_STROKE_WIDTH
    count = len(digits)
    number = side_by_side(
        digits, height * (1 + SIZE_CHANGE * rng.uniform(-1, 1, count)),
        height * BASELINE_WOBBLE * rng.uniform(-1, 1, count), height * rng.uniform(*GAP, count - 1), pen, 0.0,
    )  # fmt: skip
    tablet_height = np.median([drawing.bounds()[3] - drawing.bounds()[1] for drawing in writers_digits])
    paths = [path * height / tablet_height for path in pointer_paths(symbol)]
    points = np.concatenate(paths)
    left, top, _right, bottom = ink_box(number[0])
    dx = left - height * rng.uniform(*GAP) - pen / 2 - points[:, 0].max()
    middle = (top + bottom) / 2 + height * BASELINE_WOBBLE * rng.uniform(-1, 1)
    dy = middle - (points[:, 1].min() + points[:, 1].max()) / 2
    strokes = [Stroke(np.rint(path + (dx, dy)), pen) for path in paths] + [s for digit in number for s in digit]
    left, top, _right, bottom = ink_box(strokes)
    return [Stroke(s.points + (LEFT_MARGIN - left, (NUMBER_CANVAS_SHAPE[0] - top - bottom) / 2), pen) for s in strokes]


def symbol_table(counts: dict[str, list[int]]) -> str:
    """A Markdown table of `measure`'s counts, the symbols most often read as a minus sign first."""
    lines = [
        "| symbol | written | read as a minus sign | its digits read right |",
        "| --- | --- | --- | --- |",
    ]
    for symbol, (written, found, right) in sorted(counts.items(), key=lambda item: (-item[1][1] / item[1][0], item[0])):
        shown = repr(symbol).replace("|", "\\|")  # a bar would end the table's cell
        lines.append(f"| {shown} | {written} | {found} ({found / written:.1%}) | {right / written:.1%} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
