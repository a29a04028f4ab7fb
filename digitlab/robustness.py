"""Is the model right on drawn digits, and honest on drawings that are not digits?

    python -m digitlab.robustness                            # bundled model, every 5th development digit
    python -m digitlab.robustness --every 1                  # all 7,494 development digits (slow)
    python -m digitlab.robustness --left-out runs/loko       # and the models trained without one kind each

Every drawing is put on the canvas the way the browser delivers it (`digitlab.drawn.canvas`, checked against
the real canvas by `python -m bench.harness_check`) and read both ways the app can read it
(`digitlab.drawn.harness.READERS`): the draw page, which reads the canvas's strokes, and the canvas's picture.

Reports: accuracy on the development writers' digits (the UCI pen-based set, never trained on) per canvas
condition with its 95 % interval over writers; accuracy on the digits of UNIPEN's test writers (never trained
on); the share of real digits the app flags "not sure" (should stay <= 2 %) and the calibration error; the
share of each kind of real and generated non-digit that is flagged; and, with --left-out, how each kind of
non-digit is flagged by a model that never saw that kind.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path

import numpy as np
from scipy import stats

from digitlab.config import CONFIDENT_THRESHOLD, MODEL_PATH, PENDIGITS_PATH
from digitlab.data import DataNotFoundError
from digitlab.drawn.drawings import PenDrawing, every_kth
from digitlab.drawn.harness import READERS, DrawnScores, Pipeline, score_drawings, score_in_random_conditions
from digitlab.drawn.pendigits import load_pendigits
from digitlab.drawn.synthetic import GENERATORS, TRAINING_KINDS, make_nondigits
from digitlab.drawn.unipen import (
    NONDIGIT_KINDS,
    cap_per_writer,
    in_split,
    is_digit_like,
    load_nondigits,
    load_unipen_digits,
)
from digitlab.model import ModelLoadError, load_model, predict_proba

CALIBRATION_BINS = 15
# Resamples of the writers behind each accuracy's interval.
BOOTSTRAP_RESAMPLES = 2000
GENERATED_KINDS = (*GENERATORS, "several_digits")
# A seed the training never used, for the non-digits measured here.
NONDIGIT_SEED = 2026
# Real drawings of the test writers measured per kind of non-digit, at most, and per writer.
REAL_NONDIGITS_PER_KIND = 600
REAL_PER_WRITER = 40


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
    for offset, kind in enumerate(GENERATED_KINDS):
        drawings = make_nondigits(kind, count, seed + offset, digits)
        for name, scores in score_in_random_conditions(pipelines, drawings, rng).items():
            flagged = ~scores.is_read | is_flagged(np.nan_to_num(scores.probabilities), threshold)
            shares[name][kind] = float(flagged.mean())
    return shares


def handwriting_sets(nondigits_per_kind: int = REAL_NONDIGITS_PER_KIND) -> dict[str, list[PenDrawing]]:
    """The test writers' real drawings: {"digits": ..., "<kind>": the non-digits of that kind that look like no
    digit, "digit-like": those that do}; writers never trained on, at most REAL_PER_WRITER of each per kind."""
    nondigits = in_split(load_nondigits(), "test")
    groups = {kind: [d for d in nondigits if d.kind == kind and not is_digit_like(d)] for kind in NONDIGIT_KINDS}
    groups["digit-like"] = [d for d in nondigits if is_digit_like(d)]
    sets = {"digits": in_split(load_unipen_digits(), "test")}
    sets.update(
        {kind: cap_per_writer(drawings, REAL_PER_WRITER)[:nondigits_per_kind] for kind, drawings in groups.items()}
    )
    return {name: drawings for name, drawings in sets.items() if drawings}


def handwriting_report(
    pipelines: Mapping[str, Pipeline],
    sets: Mapping[str, Sequence[PenDrawing]],
    seed: int = NONDIGIT_SEED,
    threshold: float = CONFIDENT_THRESHOLD,
) -> dict[str, dict]:
    """{pipeline: {"digits": drawn_digit_report of the test writers' digits, "<kind>": share flagged}}, every
    drawing put on the canvas once under a random benchmark condition."""
    rng = np.random.default_rng(seed)
    report: dict[str, dict] = {name: {} for name in pipelines}
    for name, scores in score_in_random_conditions(pipelines, sets["digits"], rng).items():
        report[name]["digits"] = drawn_digit_report(scores, threshold)
    for kind, drawings in sets.items():
        if kind == "digits":
            continue
        for name, scores in score_in_random_conditions(pipelines, drawings, rng).items():
            report[name][kind] = flagged_share(scores, threshold)
    return report


def flagged_share(scores: DrawnScores, threshold: float = CONFIDENT_THRESHOLD) -> float:
    """Share of the drawings the app does not announce as a digit: read as nothing, or not sure."""
    return float((~scores.is_read | is_flagged(np.nan_to_num(scores.probabilities), threshold)).mean())


def left_out_report(folder: Path, sets: Mapping[str, Sequence[PenDrawing]], threshold: float) -> dict[str, dict]:
    """For each kind of non-digit, the model trained without it (`folder/<kind>/digitlab_cnn.keras`): the share of
    that kind it flags, and the share of the test writers' digits it flags, as the draw page reads them."""
    results = {}
    for kind in NONDIGIT_KINDS:
        path = folder / kind / MODEL_PATH.name
        if not path.is_file() or kind not in sets:
            continue
        pipeline = {"draw page": Pipeline(READERS["draw page"], partial(predict_proba, load_model(path)))}
        report = handwriting_report(pipeline, {"digits": sets["digits"], kind: sets[kind]}, threshold=threshold)
        results[kind] = {
            "flagged": report["draw page"][kind],
            "digits_flagged": report["draw page"]["digits"]["flagged"],
        }
    return results


def format_report(
    drawn: dict[str, dict],
    nondigits: dict[str, dict[str, float]],
    count: int,
    handwriting: dict[str, dict] | None = None,
    left_out: dict[str, dict] | None = None,
) -> str:
    """Markdown tables, for each pipeline: {pipeline: drawn_digit_report}, {pipeline: shares of generated
    non-digits flagged}, and optionally `handwriting_report` and `left_out_report`."""
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
    if handwriting:
        lines += ["", *_format_handwriting(handwriting)]
    if left_out:
        lines += ["", *_format_left_out(left_out)]
    return "\n".join(lines)


def _format_handwriting(handwriting: dict[str, dict]) -> list[str]:
    """Lines on the test writers' real digits and real non-digits, for each pipeline."""
    names = list(handwriting)
    first = handwriting[names[0]]
    digits = {name: handwriting[name]["digits"] for name in names}
    kinds = [kind for kind in first if kind != "digits"]
    return [
        f"Real handwriting of writers never trained on (UNIPEN test writers; {first['digits']['overall']['count']} "
        "digits, each under a random canvas condition)",
        "",
        "| measure | " + " | ".join(names) + " |",
        "| --- |" + " --- |" * len(names),
        "| digits read right | "
        + " | ".join(
            f"{d['overall']['accuracy']:.2%} ({_format_interval(d['overall']['interval'])})" for d in digits.values()
        )
        + " |",
        "| digits flagged not sure | " + " | ".join(f"{d['flagged']:.2%}" for d in digits.values()) + " |",
        "| calibration error | " + " | ".join(f"{d['calibration_error']:.2%}" for d in digits.values()) + " |",
        *(
            f"| {kind} flagged{' (look like digits: not counted as wrong)' if kind == 'digit-like' else ''} | "
            + " | ".join(f"{handwriting[name][kind]:.1%}" for name in names)
            + " |"
            for kind in kinds
        ),
    ]


def _format_left_out(left_out: dict[str, dict]) -> list[str]:
    """Lines on each kind of non-digit as flagged by the model that never saw that kind."""
    return [
        "Each kind of real non-digit, flagged by a model trained without that kind (the draw page)",
        "",
        "| kind left out of training | that kind flagged | test writers' digits flagged |",
        "| --- | --- | --- |",
        *(f"| {kind} | {r['flagged']:.1%} | {r['digits_flagged']:.2%} |" for kind, r in left_out.items()),
    ]


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
    parser.add_argument("--nondigits", type=int, default=200, help="generated drawings per non-digit kind")
    parser.add_argument(
        "--real", type=int, default=REAL_NONDIGITS_PER_KIND, help="real drawings per kind of non-digit, at most"
    )
    parser.add_argument(
        "--left-out",
        type=Path,
        default=None,
        metavar="DIR",
        help="a folder of models trained without one kind of non-digit each (DIR/<kind>/digitlab_cnn.keras, from "
        "`python train.py --fine-tune --leave-out KIND --output-dir DIR/KIND`)",
    )
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
    try:
        sets = handwriting_sets(args.real)
    except DataNotFoundError as error:
        print(f"Real handwriting skipped: {error}", file=sys.stderr)
        sets = None
    handwriting = handwriting_report(pipelines, sets, threshold=args.threshold) if sets else None
    left_out = left_out_report(args.left_out, sets, args.threshold) if sets and args.left_out else None
    print(format_report(drawn, nondigits, len(digits), handwriting, left_out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
