"""`python -m bench --models`: every bundled model on the pen-drawn digits through the app's pipeline, and the
time of one prediction; writes model/zoo/benchmark.json, which the Compare models page reads."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np

from bench.report import Row, markdown_table
from digitlab import catalog
from digitlab.config import IMAGE_SIZE
from digitlab.drawn.drawings import every_kth
from digitlab.drawn.harness import READERS, Pipeline, score_drawings
from digitlab.drawn.pendigits import load_pendigits
from digitlab.model import load_model, predict_proba
from digitlab.provenance import file_sha256
from digitlab.timing import time_call


def measure_models(pendigits_path: Path, every: int, limit: int | None = None, output: Path | None = None) -> dict:
    """Drawn-digit accuracy (all conditions, every `every`-th digit of each writer) and prediction time per model.

    Returns {name: {"accuracy", "count", "conditions", "predict_ms", "model_sha256", ...}} and writes it.
    """
    files = {name: catalog.model_files(name) for name in catalog.available_models()}
    models = {name: load_model(model_files.model) for name, model_files in files.items()}
    digits = every_kth(load_pendigits(pendigits_path), every)[:limit]
    # Every model reads the drawings as the draw page reads them, which is what a person gets with it.
    reader = READERS["draw page"]
    pipelines = {name: Pipeline(reader, partial(predict_proba, model)) for name, model in models.items()}
    image = np.zeros((1, IMAGE_SIZE, IMAGE_SIZE), np.float32)
    results = {}
    for name, scores in score_drawings(pipelines, digits).items():
        results[name] = {
            **scores.summary(),
            "digits": len(digits),
            "every": every,
            "predict_ms": time_call(partial(predict_proba, models[name], image)),
            "model_sha256": file_sha256(files[name].model),
        }
    catalog.write_benchmark(results, output, pendigits=pendigits_path.name, every=every, limit=limit)
    return results


def model_rows(results: dict) -> list[Row]:
    """One table row per model: drawn-digit accuracy overall and time per prediction."""
    return [
        Row(
            "Models",
            catalog.model_files(name).title,
            f"{result['accuracy']:.1%} of {result['count']:,} drawn",
            f"{result['predict_ms']['p50']:.2f} ms / {result['predict_ms']['p95']:.2f} ms",
        )
        for name, result in results.items()
    ]


def models_table(results: dict, machine: str) -> str:
    """The results as Markdown (the Tutorial column holds the p50 / p95 time of one prediction)."""
    table = markdown_table(model_rows(results), machine, "DigitLab models side by side")
    return table.replace("| DigitLab | Tutorial |", "| Drawn-digit accuracy | Prediction p50 / p95 |", 1)
