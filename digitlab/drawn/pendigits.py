"""The pen-drawn development set: the UCI "Pen-Based Recognition of Handwritten Digits" (Alpaydin and
Alimoglu, 1998) in its original UNIPEN form, 7494 digits by 30 writers, each a few sparse pen strokes.

For measuring only: never train on it, tune a threshold on it or select a model with it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from digitlab.config import PENDIGITS_PATH
from digitlab.data import DataNotFoundError
from digitlab.drawn.drawings import PenDrawing

# UNIPEN coordinates lie in a 0..500 box with the y axis pointing up.
PEN_BOX = 500.0
SOURCE = 'the UCI repository\'s "Pen-Based Recognition of Handwritten Digits" (file pendigits-orig.tra)'


def load_pendigits(path: str | Path = PENDIGITS_PATH) -> list[PenDrawing]:
    """Parse a UNIPEN pendigits file into PenDrawings, in file order; y is flipped to screen coordinates.

    Raises DataNotFoundError when the file is missing and ValueError on a malformed record.
    """
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(
            f"Pen-drawn digits not found at {path}: put pendigits-orig.tra from {SOURCE} there "
            "or pass its path (e.g. `python -m bench --pendigits PATH`)."
        )
    digits: list[PenDrawing] = []
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
                record = {"label": int(words[-1].strip('"')), "writer": "", "strokes": []}
            elif keyword == ".COMMENT" and record is not None:
                record["writer"] = f"pendigits/{int(words[2]):02d}"  # zero-padded: writers sort by number
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


def _finish_record(record: dict | None, digits: list[PenDrawing]) -> None:
    """Append a parsed record as a PenDrawing, skipping one without strokes."""
    if record is not None and record["strokes"]:
        digits.append(PenDrawing(record["label"], record["writer"], tuple(record["strokes"])))
