"""Is the model right on drawn digits, and honest on drawings that are not digits?

    python -m digitlab.robustness                 # bundled model, every 5th pen-drawn digit
    python -m digitlab.robustness --every 1       # all 7,494 pen-drawn digits (slow)

Reports drawn-digit accuracy per canvas condition with its 95 % interval over writers, the share of drawn
digits the app would flag as "not sure" (should stay <= 2 %), the calibration error of the confidence, and
the share of each kind of non-digit drawing that is flagged. Each for both ways the app can read a drawing:
the draw page, which redraws the canvas's strokes (`digitlab.strokes`), and the canvas's picture alone.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from scipy import stats

from digitlab.config import CONFIDENT_THRESHOLD, PENDIGITS_PATH
from digitlab.model import predict_proba
from digitlab.nondigits import GENERATORS, TRAINING_KINDS, make_nondigits
from digitlab.pendigits import (
    CONDITIONS,
    PenDigit,
    compare_drawn_digit_accuracy,
    jitter_params,
    redraw_digit,
    render_digit,
)
from digitlab.preprocess import Preprocessed, preprocess_canvas

CALIBRATION_BINS = 15
# Resamples of the writers behind each accuracy's interval.
BOOTSTRAP_RESAMPLES = 2000
NONDIGIT_KINDS = (*GENERATORS, "several_digits")
# How the app reads a drawing: the draw page redraws the strokes the canvas sends; the picture is the
# canvas image alone (what the app falls back to when it cannot read the strokes).
PIPELINES: dict[str, Callable[..., np.ndarray]] = {"draw page": redraw_digit, "canvas picture": render_digit}


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


def canvas_probabilities(model, canvases: np.ndarray) -> np.ndarray:
    """uint8 (N, H, W, 4) canvases -> (N, 10) probabilities through the app's pipeline; blank rows are NaN."""
    return steps_probabilities(model, [preprocess_canvas(canvas) for canvas in canvases])


def steps_probabilities(model, steps: Sequence[Preprocessed | None]) -> np.ndarray:
    """Prepared drawings (None for a blank canvas) -> (N, 10) probabilities; blank rows are NaN."""
    drawn = [index for index, step in enumerate(steps) if step is not None]
    probabilities = np.full((len(steps), 10), np.nan, np.float32)
    if drawn:
        probabilities[drawn] = predict_proba(model, np.stack([steps[index].image for index in drawn]))
    return probabilities


def drawn_digit_report(
    model,
    digits: Sequence[PenDigit],
    threshold: float = CONFIDENT_THRESHOLD,
    render: Callable[..., np.ndarray] = render_digit,
) -> dict:
    """Accuracy per condition of the benchmark's canvas renderings with its interval over writers, plus the
    flagged share and the calibration error. `render` is one of PIPELINES' (default: the canvas picture)."""
    recorded: list[np.ndarray] = []
    thick_pens: list[np.ndarray] = []

    def predict(canvases: np.ndarray) -> np.ndarray:
        steps = [preprocess_canvas(canvas) for canvas in canvases]
        probabilities = steps_probabilities(model, steps)
        recorded.append(probabilities)
        thick_pens.append(np.array([step is not None and step.is_pen_thick for step in steps], dtype=bool))
        return np.where(np.isnan(probabilities[:, 0]), -1, np.nan_to_num(probabilities).argmax(axis=1))

    result = compare_drawn_digit_accuracy({"app": predict}, digits, render=render)["app"]
    raw = np.concatenate(recorded)
    probabilities = np.nan_to_num(raw)
    labels = np.tile([digit.label for digit in digits], len(CONDITIONS))
    writers = np.tile([digit.writer for digit in digits], len(CONDITIONS))
    # A blank canvas gets no answer, so it is never right.
    correct = (probabilities.argmax(axis=1) == labels) & ~np.isnan(raw[:, 0])
    for index, condition in enumerate(result["conditions"].values()):
        rows = slice(index * len(digits), (index + 1) * len(digits))
        condition["interval"] = writer_interval(correct[rows], writers[rows])
    result["overall"]["interval"] = writer_interval(correct, writers)
    result["thick_pen"] = thick_pen_summary(correct, np.concatenate(thick_pens))
    result["flagged"] = float(is_flagged(probabilities, threshold).mean())
    result["calibration_error"] = expected_calibration_error(probabilities.max(axis=1), correct)
    result["mean_confidence"] = float(probabilities.max(axis=1).mean())
    return result


def thick_pen_summary(correct: np.ndarray, thick_pen: np.ndarray) -> dict:
    """bool (N,) right answers and bool (N,) thick-pen notes -> the noted share and the accuracy of each group."""
    return {
        "share": float(thick_pen.mean()),
        "accuracy": float(correct[thick_pen].mean()) if thick_pen.any() else None,
        "others_accuracy": float(correct[~thick_pen].mean()) if not thick_pen.all() else None,
    }


def nondigit_report(
    model,
    digits: Sequence[PenDigit],
    count: int = 200,
    seed: int = 2026,
    threshold: float = CONFIDENT_THRESHOLD,
    render: Callable[..., np.ndarray] = render_digit,
) -> dict[str, float]:
    """Share flagged of `count` drawings of each non-digit kind, rendered under random benchmark conditions.

    The seed differs from training's, and "held_out_glyph" and "several_digits" (real pen digits side
    by side) are kinds the model never trained on.
    """
    rng = np.random.default_rng(seed)
    names = list(CONDITIONS)
    shares = {}
    for offset, kind in enumerate(NONDIGIT_KINDS):
        drawings = make_nondigits(kind, count, seed + offset, digits)
        canvases = np.stack(
            [render(drawing, **jitter_params(CONDITIONS[names[rng.integers(len(names))]], rng)) for drawing in drawings]
        )
        probabilities = canvas_probabilities(model, canvases)
        blank = np.isnan(probabilities[:, 0])
        shares[kind] = float((blank | is_flagged(np.nan_to_num(probabilities), threshold)).mean())
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

    from digitlab.model import ModelLoadError, load_model
    from digitlab.pendigits import PendigitsNotFoundError, every_kth, load_pendigits

    try:
        model = load_model(args.model)
        digits = every_kth(load_pendigits(args.pendigits), args.every)
    except (ModelLoadError, PendigitsNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    drawn = {name: drawn_digit_report(model, digits, args.threshold, render) for name, render in PIPELINES.items()}
    nondigits = {
        name: nondigit_report(model, digits, args.nondigits, threshold=args.threshold, render=render)
        for name, render in PIPELINES.items()
    }
    print(format_report(drawn, nondigits, len(digits)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
