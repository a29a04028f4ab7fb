"""`python -m bench --models`: every bundled model on the pen-drawn digits through the app's pipeline, and the
time of one prediction; writes model/zoo/benchmark.json, which the Compare models page reads."""

from __future__ import annotations

from pathlib import Path

from bench.report import Row, markdown_table
from digitlab import zoo
from digitlab.data import file_sha256
from digitlab.model import load_model


def measure_models(pendigits_path: Path, every: int, limit: int | None = None, output: Path | None = None) -> dict:
    """Drawn-digit accuracy (all conditions, every `every`-th digit of each writer) and prediction time per model.

    Returns {name: {"accuracy", "count", "conditions", "predict_ms", "model_sha256", ...}} and writes it.
    """
    names = zoo.available_models()
    models = {name: load_model(zoo.model_files(name).model) for name in names}
    results = zoo.drawn_accuracy(zoo.shared_canvas_predictors(models), every, pendigits_path, limit)
    for name, model in models.items():
        results[name]["predict_ms"] = zoo.time_prediction(model)
        results[name]["model_sha256"] = file_sha256(zoo.model_files(name).model)
    zoo.write_benchmark(results, output, pendigits=pendigits_path.name, every=every, limit=limit)
    return results


def model_rows(results: dict) -> list[Row]:
    """One table row per model: drawn-digit accuracy overall and time per prediction."""
    return [
        Row(
            "Models",
            zoo.model_files(name).title,
            f"{result['accuracy']:.1%} of {result['count']:,} drawn",
            f"{result['predict_ms']['p50']:.2f} ms / {result['predict_ms']['p95']:.2f} ms",
        )
        for name, result in results.items()
    ]


def models_table(results: dict, machine: str) -> str:
    """The results as Markdown (the Tutorial column holds the p50 / p95 time of one prediction)."""
    table = markdown_table(model_rows(results), machine, "DigitLab models side by side")
    return table.replace("| DigitLab | Tutorial |", "| Drawn-digit accuracy | Prediction p50 / p95 |", 1)
