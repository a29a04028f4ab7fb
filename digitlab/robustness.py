"""Is the model right on drawn digits, and honest on drawings that are not digits?

    python -m digitlab.robustness                 # bundled model, every 5th pen-drawn digit
    python -m digitlab.robustness --every 1       # all 7,494 pen-drawn digits (slow)

Reports drawn-digit accuracy per canvas condition with its 95 % interval over writers, the share of drawn
digits the app would flag as "not sure" (should stay <= 2 %), the calibration error of the confidence, and
the share of each kind of non-digit drawing that is flagged. Each for both ways the app can read a drawing
(`digitlab.drawn.harness.READERS`): the draw page, which reads the canvas's strokes, and the canvas's picture.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path

import numpy as np
from scipy import stats

from digitlab.config import CONFIDENT_THRESHOLD, PENDIGITS_PATH
from digitlab.data import DataNotFoundError
from digitlab.drawn.drawings import PenDrawing, every_kth
from digitlab.drawn.harness import READERS, DrawnScores, Pipeline, score_drawings, score_in_random_conditions
from digitlab.drawn.pendigits import load_pendigits
from digitlab.drawn.synthetic import GENERATORS, TRAINING_KINDS, make_nondigits
from digitlab.model import ModelLoadError, load_model, predict_proba

CALIBRATION_BINS = 15
# Resamples of the writers behind each accuracy's interval.
BOOTSTRAP_RESAMPLES = 2000
NONDIGIT_KINDS = (*GENERATORS, "several_digits")
# A seed the training never used, for the non-digits measured here.
NONDIGIT_SEED = 2026


def is_flagged(probabilities: np.ndarray, threshold: float = CONFIDENT_THRESHOLD) -> np.ndarray:
    """(N, 10) probabilities -> bool (N,): True where the app says "not sure / not a digit"."""
    return np.asarray(probabilities).max(axis=1) < threshold


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = CALIBRATION_BINS) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by the bins' sizes."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for index in range(bins):
        members = which == index
        if members.any():
            error += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return float(error)


def writer_interval(
    correct: np.ndarray, writers: np.ndarray, confidence: float = 0.95, seed: int = 0
) -> tuple[float, float] | None:
    """bool (N,) right answers, int (N,) their writers -> (low, high) interval of the accuracy over writers.

    Resamples whole writers (a cluster bootstrap): one writer's digits share a style, so they are not
    independent draws, and the accuracy on other writers varies by more than the digit count suggests.
    None with fewer than two writers.
    """
    ids, which = np.unique(np.asarray(writers), return_inverse=True)
    if ids.size < 2:
        return None
    right = np.bincount(which, weights=np.asarray(correct, dtype=float), minlength=ids.size)
    total = np.bincount(which, minlength=ids.size).astype(float)
    result = stats.bootstrap(
        (right, total),
        _pooled_accuracy,
        paired=True,
        vectorized=True,
        confidence_level=confidence,
        n_resamples=BOOTSTRAP_RESAMPLES,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def _pooled_accuracy(right: np.ndarray, total: np.ndarray, axis: int = -1) -> np.ndarray:
    """Right answers over all answers of the writers drawn, for scipy's bootstrap."""
    return right.sum(axis=axis) / total.sum(axis=axis)


def drawn_digit_report(scores: DrawnScores, threshold: float = CONFIDENT_THRESHOLD) -> dict:
    """One pipeline's scores on drawn digits -> accuracy per condition and overall, each with its interval over
    writers, plus the flagged share, the calibration error and the thick-pen split."""
    correct = scores.correct
    probabilities = np.nan_to_num(scores.probabilities)

    def summary(condition: str | None) -> dict:
        rows = scores.rows(condition)
        return {
            "accuracy": scores.accuracy(condition),
            "count": int(rows.sum()),
            "interval": writer_interval(correct[rows], scores.writers[rows]),
        }

    return {
        "conditions": {condition: summary(condition) for condition in scores.condition_names},
        "overall": summary(None),
        "thick_pen": thick_pen_summary(correct, scores.thick_pen),
        "flagged": float(is_flagged(probabilities, threshold).mean()),
        "calibration_error": expected_calibration_error(probabilities.max(axis=1), correct),
        "mean_confidence": float(probabilities.max(axis=1).mean()),
    }


def thick_pen_summary(correct: np.ndarray, thick_pen: np.ndarray) -> dict:
    """bool (N,) right answers and bool (N,) thick-pen notes -> the noted share and the accuracy of each group."""
    return {
        "share": float(thick_pen.mean()),
        "accuracy": float(correct[thick_pen].mean()) if thick_pen.any() else None,
        "others_accuracy": float(correct[~thick_pen].mean()) if not thick_pen.all() else None,
    }


def nondigit_report(
    pipelines: Mapping[str, Pipeline],
    digits: Sequence[PenDrawing],
    count: int = 200,
    seed: int = NONDIGIT_SEED,
    threshold: float = CONFIDENT_THRESHOLD,
) -> dict[str, dict[str, float]]:
    """{pipeline: {kind: share flagged}} of `count` drawings of each non-digit kind, each put on the canvas under
    a random benchmark condition.

    "held_out_glyph" and "several_digits" (real pen digits side by side) are kinds the model never trained on.
    """
    rng = np.random.default_rng(seed)
    shares: dict[str, dict[str, float]] = {name: {} for name in pipelines}
    for offset, kind in enumerate(NONDIGIT_KINDS):
        drawings = make_nondigits(kind, count, seed + offset, digits)
        for name, scores in score_in_random_conditions(pipelines, drawings, rng).items():
            flagged = ~scores.is_read | is_flagged(np.nan_to_num(scores.probabilities), threshold)
            shares[name][kind] = float(flagged.mean())
    return shares


def format_report(drawn: dict[str, dict], nondigits: dict[str, dict[str, float]], count: int) -> str:
    """Markdown tables of both reports, for each pipeline: {pipeline: drawn_digit_report}, {pipeline: shares}."""
    names = list(drawn)
    first = drawn[names[0]]
    rows = [*first["conditions"], "overall"]

    def cells(name: str, row: str) -> str:
        result = drawn[name]["overall"] if row == "overall" else drawn[name]["conditions"][row]
        return f"{result['accuracy']:.2%} | {_format_interval(result.get('interval'))}"

    kinds = list(nondigits[names[0]])
    lines = [
        f"Drawn digits ({count} pen-drawn digits x {len(first['conditions'])} canvas conditions)",
        "",
        "| condition | " + " | ".join(f"{name} | 95 % interval over writers" for name in names) + " |",
        "| --- |" + " --- | --- |" * len(names),
        *(f"| {row} | " + " | ".join(cells(name, row) for name in names) + " |" for row in rows),
        "",
        "The interval resamples whole writers: it is how much the accuracy could move on other writers.",
        "",
        *(
            f"{name}: drawn digits flagged as not sure {report['flagged']:.2%}; expected calibration error "
            f"{report['calibration_error']:.2%} (mean confidence {report['mean_confidence']:.2%})."
            for name, report in drawn.items()
        ),
        "",
        *(
            f"{name}: {_format_thick_pen(report['thick_pen'])}"
            for name, report in drawn.items()
            if report["thick_pen"]["share"] > 0
        ),
        "",
        "| non-digit kind | " + " | ".join(f"flagged ({name})" for name in names) + " | trained on this kind |",
        "| --- |" + " --- |" * len(names) + " --- |",
        *(
            f"| {kind} | "
            + " | ".join(f"{nondigits[name][kind]:.1%}" for name in names)
            + f" | {'yes' if kind in TRAINING_KINDS else 'no'} |"
            for kind in kinds
        ),
        "| **all** | " + " | ".join(f"**{np.mean(list(nondigits[name].values())):.1%}**" for name in names) + " | |",
    ]
    return "\n".join(lines)


def _format_thick_pen(thick_pen: dict) -> str:
    """One sentence on the drawings the app notes as drawn with a thick pen for their size."""
    accuracy, others = (
        "–" if value is None else f"{value:.2%}" for value in (thick_pen["accuracy"], thick_pen["others_accuracy"])
    )
    return (
        f"drawn with a pen a quarter of the drawing's size or more (the app notes it): {thick_pen['share']:.1%} "
        f"of the drawings, read at {accuracy}; the others at {others}."
    )


def _format_interval(interval: tuple[float, float] | None) -> str:
    return "–" if interval is None else f"{interval[0]:.2%} – {interval[1]:.2%}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="a .keras model (default: the bundled one)")
    parser.add_argument("--pendigits", type=Path, default=PENDIGITS_PATH, help="the UNIPEN pendigits file")
    parser.add_argument("--every", type=int, default=5, help="use every k-th digit of each writer")
    parser.add_argument("--nondigits", type=int, default=200, help="drawings per non-digit kind")
    parser.add_argument(
        "--threshold", type=float, default=CONFIDENT_THRESHOLD, help="confidence below which the app is 'not sure'"
    )
    args = parser.parse_args(argv)

    try:
        model = load_model(args.model)
        digits = every_kth(load_pendigits(args.pendigits), args.every)
    except (ModelLoadError, DataNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    pipelines = {name: Pipeline(reader, partial(predict_proba, model)) for name, reader in READERS.items()}
    drawn = {
        name: drawn_digit_report(scores, args.threshold) for name, scores in score_drawings(pipelines, digits).items()
    }
    nondigits = nondigit_report(pipelines, digits, args.nondigits, threshold=args.threshold)
    print(format_report(drawn, nondigits, len(digits)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
