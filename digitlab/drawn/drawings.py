"""One pen drawing, in any units: a digit or not, by a known writer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# The label of a drawing that is not a digit.
NOT_A_DIGIT = -1


@dataclass(frozen=True)
class PenDrawing:
    """A drawing as a pen wrote it: strokes of float32 (n, 2) (x, y) points in any units, y pointing down.

    `label` is the digit 0-9 or NOT_A_DIGIT; `writer` keys the person who drew it (split by it, never across
    it); `kind` says what it is ("digit", or a non-digit's kind such as "scribble" or "gesture"), and `symbol`
    what exactly was drawn (the digit, a letter, a gesture's name).
    """

    label: int
    writer: str
    strokes: tuple[np.ndarray, ...]
    kind: str = "digit"
    symbol: str = ""

    def bounds(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) of all the strokes' points."""
        points = np.concatenate(self.strokes)
        (left, top), (right, bottom) = points.min(axis=0), points.max(axis=0)
        return float(left), float(top), float(right), float(bottom)


def every_kth(drawings: Sequence[PenDrawing], k: int) -> list[PenDrawing]:
    """A deterministic subsample: every k-th drawing of each writer, so every writer stays represented."""
    seen: dict[str, int] = {}
    chosen = []
    for drawing in drawings:
        index = seen.get(drawing.writer, 0)
        seen[drawing.writer] = index + 1
        if index % k == 0:
            chosen.append(drawing)
    return chosen
