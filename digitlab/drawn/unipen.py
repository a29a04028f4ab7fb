"""Real pen handwriting for training: UNIPEN's isolated digits, and drawings that are not digits (UNIPEN's
letters and symbols, and the $1 recogniser's gestures), each with the key of the person who drew it.

Every writer belongs to one split (`writer_split`), so validating and testing always measure writers the
model never learned from. Some non-digits look like digits (an O like a 0, an l like a 1): those are
`is_digit_like` and are neither trained nor counted as "not a digit".
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from digitlab import config
from digitlab.data import DataNotFoundError
from digitlab.drawn.drawings import NOT_A_DIGIT, PenDrawing

SOURCE = "UNIPEN Train-R01/V07 on Zenodo (doi 10.5281/zenodo.1195803), converted as ../shared/data/README.md says"
GESTURE_SOURCE = "the $1 Unistroke Recognizer's gesture set (Wobbrock et al., 2007), re-collected in 2023"
# The kinds of non-digit, each measured on its own (leave one kind out of training, measure on it).
NONDIGIT_KINDS = ("upper", "lower", "symbol", "gesture")
_CATEGORY_KINDS = {"1b": "upper", "1c": "lower", "1d": "symbol"}
# Characters and gestures a recogniser cannot be expected to tell from a digit.
DIGIT_LIKE = {
    "upper": set("ODIZSGTB"),
    "lower": set("oilzsbgqa"),
    "symbol": set("|/()[]!"),
    "gesture": {"circle", "left_square_bracket", "right_square_bracket"},
}
# Marks that are tiny on the tablet: scaled up to a full drawing they become blobs and bars of jitter.
TINY_SYMBOLS = set(".,'`\":;")
# Two keys of one person (the same UNIPEN WRITER_ID at two contributors): kept on the same side of every split.
SAME_WRITER = {"ceb/gb2911": "cea/gb2911"}
# The share of writers in each split, in order.
SPLITS = {"train": 0.7, "validation": 0.15, "test": 0.15}
# The gestures come from six people only, too few to split by chance: one validates, one tests.
FIXED_SPLITS = {"gestures/user5": "validation", "gestures/user6": "test"}
# Digits whose box is this much flatter than wide are single horizontal strokes mislabelled as 0, 1 or 4.
FLAT_DIGIT = 0.1
# A file whose zeros hold several zeros each.
SEVERAL_ZEROS_SOURCE = "data/1a/val/gresai30.dat"


def load_unipen_digits(path: str | Path | None = None) -> list[PenDrawing]:
    """UNIPEN's isolated digits (default: the shared data folder's), in file order, without exact duplicates and
    the known mislabelled ones."""
    seen: set[str] = set()
    digits = []
    for record in _records(path or config.UNIPEN_DIGITS_PATH, SOURCE):
        key = json.dumps(record["strokes"])
        if key in seen or _is_mislabelled(record):
            continue
        seen.add(key)
        digits.append(_drawing(record["strokes"], record["label"], record["writer"], "digit", str(record["label"])))
    return digits


def load_nondigits(
    letters_path: str | Path | None = None, gestures_path: str | Path | None = None, with_tiny: bool = False
) -> list[PenDrawing]:
    """UNIPEN's letters and symbols and the gestures (default: the shared data folder's), without the tiny
    punctuation marks unless `with_tiny`; each drawing's kind is one of NONDIGIT_KINDS and its symbol the character
    or gesture."""
    drawings = [
        _drawing(record["strokes"], NOT_A_DIGIT, record["writer"], _CATEGORY_KINDS[record["category"]], record["label"])
        for record in _records(letters_path or config.UNIPEN_NONDIGITS_PATH, SOURCE)
        if with_tiny or record["label"] not in TINY_SYMBOLS
    ]
    drawings += [
        _drawing([record["points"]], NOT_A_DIGIT, f"gestures/{record['subject']}", "gesture", record["name"])
        for record in _records(gestures_path or config.GESTURES_PATH, GESTURE_SOURCE)
    ]
    return drawings


def is_digit_like(drawing: PenDrawing) -> bool:
    """True for a non-digit that looks like a digit (an O, an l, a circle, ...)."""
    return drawing.symbol in DIGIT_LIKE.get(drawing.kind, ())


def writer_split(writer: str) -> str:
    """ "train", "validation" or "test": where a writer's drawings belong, the same in every run and data set."""
    if writer in FIXED_SPLITS:
        return FIXED_SPLITS[writer]
    key = SAME_WRITER.get(writer, writer)
    position = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 16**8
    bounds = np.cumsum(list(SPLITS.values()))
    return list(SPLITS)[int(np.searchsorted(bounds, position, side="right"))]


def in_split(drawings: Iterable[PenDrawing], split: str) -> list[PenDrawing]:
    """The drawings whose writers belong to `split`."""
    return [drawing for drawing in drawings if writer_split(drawing.writer) == split]


def cap_per_writer(drawings: Iterable[PenDrawing], cap: int) -> list[PenDrawing]:
    """At most `cap` drawings of each writer (the first ones): a few prolific writers must not dominate."""
    counts: dict[str, int] = {}
    kept = []
    for drawing in drawings:
        counts[drawing.writer] = counts.get(drawing.writer, 0) + 1
        if counts[drawing.writer] <= cap:
            kept.append(drawing)
    return kept


def _records(path: str | Path, source: str) -> Iterator[dict]:
    """The JSON records of a gzip-compressed ndjson file; DataNotFoundError saying where to get it when missing."""
    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"Pen drawings not found at {path}: get {source} and put {path.name} there.")
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def _is_mislabelled(record: dict) -> bool:
    """A digit known to be something else: a flat stroke labelled 0, 1 or 4, or a row of zeros labelled 0."""
    points = np.concatenate([np.asarray(stroke, dtype=float) for stroke in record["strokes"]])
    width, height = np.ptp(points, axis=0)
    return height < FLAT_DIGIT * width or (record["source"] == SEVERAL_ZEROS_SOURCE and record["label"] == 0)


def _drawing(strokes: list, label: int, writer: str, kind: str, symbol: str) -> PenDrawing:
    arrays = tuple(np.asarray(stroke, dtype=np.float32).reshape(-1, 2) for stroke in strokes)
    return PenDrawing(label=label, writer=writer, strokes=arrays, kind=kind, symbol=symbol)
