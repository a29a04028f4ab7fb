"""How good is a model: its predictions on the MNIST test set, scikit-learn metrics and its mistakes.

The artifacts written here (`evaluation.npz`, `evaluation.json`) let the app show all of this without
MNIST or a forward pass; they carry the model file's SHA-256 so a stale set is detected.

    python -m digitlab.evaluate --data PATH           # recompute and print the numbers
    python -m digitlab.evaluate --data PATH --write   # ...and rewrite model/evaluation.{npz,json}
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from digitlab.config import EVALUATION_PATH, EVALUATION_SUMMARY_PATH, MODEL_PATH, NUM_CLASSES
from digitlab.data import DataNotFoundError, find_mnist, load_mnist, to_float_images
from digitlab.i18n import _, number
from digitlab.model import ModelLoadError, load_model, predict_proba
from digitlab.provenance import data_identity, file_sha256, timestamp, write_json

DIGITS = list(range(NUM_CLASSES))
# Correctly classified test images kept per class, so a diagonal cell has something to show.
EXAMPLES_PER_CLASS = 12
TOP_CONFUSED_PAIRS = 10
REGENERATE_COMMAND = "python -m digitlab.evaluate --write"


class ArtifactsNotFoundError(FileNotFoundError):
    """The evaluation artifacts are missing or unreadable; the message (shown in the app, so translated) says how
    to make them."""


@dataclass(frozen=True)
class Evaluation:
    """A model's results on a test set.

    labels, predicted: int (N,) in 0..9; probabilities: float (N, 10);
    images: uint8 (M, 28, 28), the test images at `image_indices` (every mistake plus a few correct per class);
    summary: the JSON-ready metrics (see `summarise`) and, once written, the model's and data's identity.
    """

    labels: np.ndarray
    predicted: np.ndarray
    probabilities: np.ndarray
    image_indices: np.ndarray
    images: np.ndarray
    summary: dict

    @property
    def confidence(self) -> np.ndarray:
        """float (N,): the probability the model gave its predicted class."""
        return self.probabilities[np.arange(len(self.predicted)), self.predicted].astype(np.float32)


def summarise(labels: np.ndarray, predicted: np.ndarray) -> dict:
    """Accuracy, confusion matrix, per-class precision/recall/F1/support and the most confused pairs."""
    matrix = confusion_matrix(labels, predicted, labels=DIGITS)
    precision, recall, f1, support = precision_recall_fscore_support(labels, predicted, labels=DIGITS, zero_division=0)
    macro = precision_recall_fscore_support(labels, predicted, labels=DIGITS, average="macro", zero_division=0)
    return {
        "test_size": int(len(labels)),
        "correct": int(np.trace(matrix)),
        "accuracy": float(accuracy_score(labels, predicted)),
        "per_class": [
            {"digit": d, "precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for d, p, r, f, s in zip(DIGITS, precision, recall, f1, support, strict=True)
        ],
        "macro_avg": {"precision": float(macro[0]), "recall": float(macro[1]), "f1": float(macro[2])},
        "confusion_matrix": matrix.tolist(),
        "confused_pairs": confused_pairs(matrix),
    }


def confused_pairs(matrix: np.ndarray, top: int = TOP_CONFUSED_PAIRS) -> list[dict]:
    """The `top` largest off-diagonal cells of a (10, 10) count matrix, largest first, as {true, predicted, count}.

    A (10, 11) matrix (a drawn-digit confusion) has a last column of drawings read as no digit at all.
    """
    matrix = np.asarray(matrix)
    pairs = [
        {"true": t, "predicted": p, "count": int(matrix[t, p])}
        for t in range(matrix.shape[0])
        for p in range(matrix.shape[1])
        if t != p and matrix[t, p] > 0
    ]
    return sorted(pairs, key=lambda pair: -pair["count"])[:top]


def row_normalise(matrix: np.ndarray) -> np.ndarray:
    """(10, 10) counts -> float shares of each row (each true digit); a row with no images stays 0."""
    matrix = np.asarray(matrix, dtype=np.float64)
    totals = matrix.sum(axis=1, keepdims=True)
    return np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)


def stored_image_indices(labels: np.ndarray, predicted: np.ndarray, per_class: int = EXAMPLES_PER_CLASS) -> np.ndarray:
    """Sorted int (M,) indices of every mistake plus the first `per_class` correct images of each digit."""
    correct = labels == predicted
    examples = [np.flatnonzero(correct & (labels == d))[:per_class] for d in DIGITS]
    return np.union1d(np.flatnonzero(~correct), np.concatenate(examples)).astype(np.int64)


def build_evaluation(labels: np.ndarray, probabilities: np.ndarray, images: np.ndarray) -> Evaluation:
    """Evaluation from int (N,) labels, float (N, 10) probabilities and the uint8 (N, 28, 28) test images."""
    labels = np.asarray(labels).astype(np.int64)
    predicted = np.asarray(probabilities).argmax(axis=1)
    keep = stored_image_indices(labels, predicted)
    return Evaluation(labels, predicted, probabilities, keep, np.asarray(images)[keep], summarise(labels, predicted))


def evaluate_model(model, x_test: np.ndarray, y_test: np.ndarray) -> Evaluation:
    """Run `model` on uint8 (N, 28, 28) test images with labels (N,) and measure it."""
    return build_evaluation(y_test, predict_proba(model, to_float_images(x_test)), x_test)


def write_artifacts(
    model_path: str | Path,
    x_test: np.ndarray,
    y_test: np.ndarray,
    data_path: str | Path,
    output_dir: str | Path,
    stem: str = EVALUATION_PATH.stem,
) -> dict:
    """Evaluate the saved model on uint8 (N, 28, 28) test images; write <stem>.npz/.json; returns the summary."""
    model_path, output_dir = Path(model_path), Path(output_dir)
    evaluation = evaluate_model(load_model(model_path), x_test, y_test)
    summary = {
        "model_file": model_path.name,
        "model_sha256": file_sha256(model_path),
        "data": data_identity(data_path),
        **evaluation.summary,
        "evaluated_at": timestamp(),
        "versions": {"scikit-learn": sklearn.__version__},
    }
    output_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        output_dir / f"{stem}.npz",
        labels=evaluation.labels.astype(np.uint8),
        predicted=evaluation.predicted.astype(np.uint8),
        probabilities=evaluation.probabilities.astype(np.float16),
        image_indices=evaluation.image_indices.astype(np.int32),
        images=evaluation.images.astype(np.uint8),
        model_sha256=np.array(summary["model_sha256"]),
    )
    write_json(output_dir / f"{stem}.json", summary)
    return summary


def load_artifacts(
    npz_path: str | Path = EVALUATION_PATH, summary_path: str | Path = EVALUATION_SUMMARY_PATH
) -> Evaluation:
    """The Evaluation saved by `write_artifacts`; raises ArtifactsNotFoundError with the command that makes it."""
    npz_path, summary_path = Path(npz_path), Path(summary_path)
    missing = [str(path) for path in (npz_path, summary_path) if not path.is_file()]
    if missing:
        raise ArtifactsNotFoundError(
            _(
                "No evaluation artifacts at {paths}. Make them with `{command}` "
                "(or `python train.py`, which writes them after training)."
            ).format(paths=", ".join(missing), command=REGENERATE_COMMAND)
        )
    try:
        summary = json.loads(summary_path.read_text())
        with np.load(npz_path) as data:
            arrays = {key: data[key] for key in data.files}
        evaluation = Evaluation(
            labels=arrays["labels"].astype(np.int64),
            predicted=arrays["predicted"].astype(np.int64),
            probabilities=arrays["probabilities"].astype(np.float32),
            image_indices=arrays["image_indices"].astype(np.int64),
            images=arrays["images"],
            summary=summary,
        )
    except (KeyError, ValueError, OSError) as error:
        raise ArtifactsNotFoundError(
            _(
                "Could not read the evaluation artifacts {npz_path}, {summary_path} ({error}). "
                "Rewrite them with `{command}`."
            ).format(npz_path=npz_path, summary_path=summary_path, error=error, command=REGENERATE_COMMAND)
        ) from error
    if str(arrays["model_sha256"]) != summary.get("model_sha256"):
        raise ArtifactsNotFoundError(
            _("{npz_path} and {summary_path} describe different models. Rewrite them with `{command}`.").format(
                npz_path=npz_path, summary_path=summary_path, command=REGENERATE_COMMAND
            )
        )
    return evaluation


def describe_mismatch(summary: dict, model_path: str | Path = MODEL_PATH) -> str | None:
    """Why the artifacts do not describe the model file at `model_path` (shown in the app, so translated), or None
    when they do."""
    model_path = Path(model_path)
    if not model_path.is_file():
        return _("There is no model file at {path} to compare the evaluation with.").format(path=model_path)
    actual = file_sha256(model_path)
    if actual != summary.get("model_sha256"):
        return _(
            "The evaluation was computed for a different model (SHA-256 {evaluated}…) "
            "than the model file {file} (SHA-256 {actual}…)."
        ).format(evaluated=str(summary.get("model_sha256"))[:12], file=model_path.name, actual=actual[:12])
    return None


def cell_examples(evaluation: Evaluation, true: int, predicted: int) -> pd.DataFrame:
    """The stored test images with this true and predicted digit, most confident first.

    Columns: index (position in the MNIST test set), true, predicted, confidence (0..1), image (uint8 (28, 28)).
    """
    stored = evaluation.image_indices
    in_cell = (evaluation.labels[stored] == true) & (evaluation.predicted[stored] == predicted)
    frame = pd.DataFrame(
        {
            "index": stored[in_cell],
            "true": true,
            "predicted": predicted,
            "confidence": evaluation.confidence[stored[in_cell]],
            "image": list(evaluation.images[in_cell]),
        }
    )
    return frame.sort_values("confidence", ascending=False, kind="stable").reset_index(drop=True)


def confusion_frame(matrix: np.ndarray, normalised: bool = False) -> pd.DataFrame:
    """Long table of a (10, 10) count matrix for a heatmap: one row per cell.

    Columns: true, predicted, count, share (of the true digit's images), value (count or share, as shown),
    label (text for the cell) and shade in [-1, 1]: correct cells > 0 by share, mistakes < 0 relative to
    the largest mistake, so a few errors stay visible next to a diagonal of ~1,000.
    """
    matrix = np.asarray(matrix)
    shares = row_normalise(matrix)
    mistakes = (shares if normalised else matrix) * (1 - np.eye(len(matrix)))
    largest_mistake = max(float(mistakes.max()), 1e-12)
    rows = []
    for t in range(len(matrix)):
        for p in range(len(matrix)):
            value = shares[t, p] if normalised else matrix[t, p]
            shade = shares[t, p] if t == p else -mistakes[t, p] / largest_mistake
            label = number(100 * shares[t, p], 1) if normalised else str(int(matrix[t, p]))
            rows.append(
                {"true": t, "predicted": p, "count": int(matrix[t, p]), "share": float(shares[t, p]),
                 "value": float(value), "label": label if matrix[t, p] else "", "shade": float(shade)}
            )  # fmt: skip
    return pd.DataFrame(rows)


def format_report(summary: dict) -> str:
    """The numbers the Confusion matrix page shows, as plain text for the terminal."""
    lines = [
        f"Test accuracy: {summary['accuracy']:.2%} ({summary['correct']} of {summary['test_size']} correct)",
        "",
        f"{'digit':>9} {'precision':>10} {'recall':>8} {'f1':>8} {'support':>8}",
    ]
    for row in summary["per_class"]:
        lines.append(
            f"{row['digit']:>9} {row['precision']:>10.4f} {row['recall']:>8.4f} {row['f1']:>8.4f} {row['support']:>8}"
        )
    macro = summary["macro_avg"]
    lines += [f"{'macro avg':>9} {macro['precision']:>10.4f} {macro['recall']:>8.4f} {macro['f1']:>8.4f}", ""]
    lines.append("Confusion matrix (rows: true digit, columns: predicted digit)")
    lines.append("      " + "".join(f"{d:>6}" for d in DIGITS))
    for digit, row in zip(DIGITS, summary["confusion_matrix"], strict=True):
        lines.append(f"{digit:>6}" + "".join(f"{count:>6}" for count in row))
    lines += ["", "Most confused pairs (true -> predicted: images)"]
    lines += [f"  {pair['true']} -> {pair['predicted']}: {pair['count']}" for pair in summary["confused_pairs"]]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m digitlab.evaluate",
        description="Evaluate a DigitLab model on the 10,000 MNIST test images and print accuracy, "
        "per-class precision/recall/F1, the confusion matrix and the most confused pairs.",
    )
    parser.add_argument("--data", type=Path, default=None, help="MNIST npz in the Keras layout (default: as train.py)")
    parser.add_argument("--model", type=Path, default=MODEL_PATH, help=f"the .keras model (default: {MODEL_PATH})")
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=None,
        help="where --write puts evaluation.npz/.json (default: the model's folder)",
    )
    parser.add_argument("--write", action="store_true", help="also rewrite the evaluation artifacts (no retraining)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    output_dir = args.output_dir or args.model.parent
    try:
        data_path = find_mnist(args.data, download=True)
        _, (x_test, y_test) = load_mnist(data_path)
        if args.write:
            summary = write_artifacts(args.model, x_test, y_test, data_path, output_dir)
        else:
            summary = evaluate_model(load_model(args.model), x_test, y_test).summary
    except (DataNotFoundError, ModelLoadError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"Model {args.model} (SHA-256 {file_sha256(args.model)[:12]}…) on {data_path}\n")
    print(format_report(summary))
    if args.write:
        print(f"\nWrote {output_dir / EVALUATION_PATH.name} and {output_dir / EVALUATION_SUMMARY_PATH.name}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
